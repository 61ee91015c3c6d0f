/**
 * The page's own copy of the tokenizer (the worker has another): the architecture view labels token
 * ids with their words. Loaded once, the first time a view asks, through the same checked and cached
 * path as every model file (size and SHA-256 from the manifest; model/model-files.ts).
 */
import { modelBase } from '../app/paths.ts';
import type { Manifest } from '../model/manifest.ts';
import { Tokenizer } from '../text/tokenizer.ts';
import { loadFile, openModelCache, parseJson } from '../model/model-files.ts';

let loading: Promise<Tokenizer> | null = null;

/** The shipped tokenizer; rejects with "tokenizer.json: ..." errors. */
export function pageTokenizer(manifest: Manifest): Promise<Tokenizer> {
  const spec = manifest.tokenizer;
  loading ??= openModelCache()
    .then((cache) => loadFile(modelBase, spec, cache))
    .then((bytes) => Tokenizer.fromJson(parseJson(spec.file, bytes)));
  loading.catch(() => (loading = null)); // a later view retries
  return loading;
}
