/**
 * The page's own copy of the tokenizer (the worker has another): the architecture view labels token
 * ids with their words. Fetched once, the first time a view asks, from the manifest's tokenizer file.
 */
import { modelBase } from '../controller.ts';
import type { Manifest } from '../model/manifest.ts';
import { Tokenizer } from '../text/tokenizer.ts';

let loading: Promise<Tokenizer> | null = null;

/** The shipped tokenizer; rejects with "tokenizer.json: ..." errors. */
export function pageTokenizer(manifest: Manifest): Promise<Tokenizer> {
  loading ??= fetch(new URL(manifest.tokenizer.file, modelBase))
    .then((r) => {
      if (!r.ok) throw new Error(`${manifest.tokenizer.file}: HTTP ${r.status}`);
      return r.json();
    })
    .then((json) => Tokenizer.fromJson(json));
  loading.catch(() => (loading = null)); // a later view retries
  return loading;
}
