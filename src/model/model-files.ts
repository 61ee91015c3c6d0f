/**
 * Every file the page loads from the models folder: fetched with progress, checked against the size and
 * SHA-256 that manifest.json gives it (src/model/integrity.ts), and kept in Cache Storage keyed by that
 * SHA-256, so a repeat visit reads the files from disk and works with the model files unreachable. A
 * cached copy is checked again when read: a corrupt entry is dropped and fetched anew. Used by the worker
 * (manifest, tokenizer, ONNX files) and by the page (manifest, sample images).
 */
import type { Manifest } from '../model/manifest.ts';
import { IntegrityError, verifyBytes, type FileIntegrity } from '../model/integrity.ts';

/** Name of the Cache Storage cache; a new format gets a new name rather than reading old entries. */
export const CACHE_NAME = 'model-files-v1';

/** Bytes of `file` received so far, of `total` (the manifest's size). */
export type ProgressListener = (file: string, loaded: number, total: number) => void;

/**
 * Opens the model-files cache, or null where there is none: Cache Storage exists only in secure
 * contexts (https, localhost), and a browser may refuse it (private mode, storage off). Without it
 * every file comes from the network, still checked.
 */
export async function openModelCache(): Promise<Cache | null> {
  if (typeof caches === 'undefined') return null;
  try {
    return await caches.open(CACHE_NAME);
  } catch {
    return null;
  }
}

/** The cache key of a file's verified bytes: its URL with its SHA-256, so a new version is a new key. */
export function cacheKey(base: string, spec: FileIntegrity): string {
  return new URL(`${spec.file}?sha256=${spec.sha256}`, base).href;
}

/**
 * manifest.json as parsed JSON: from the network when it answers (a new model shows at once), else the
 * last copy this browser parsed (offline visits). An HTTP error is not a network failure and throws.
 */
export async function fetchManifestJson(base: string, cache: Cache | null): Promise<unknown> {
  const url = new URL('manifest.json', base).href;
  let response: Response;
  try {
    response = await fetch(url, { cache: 'no-cache' });
  } catch (err) {
    const cached = await cache?.match(url).catch(() => undefined);
    if (!cached) throw new Error(`manifest.json: download failed (${messageOf(err)})`);
    return parseJson('manifest.json', new Uint8Array(await cached.arrayBuffer()));
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await checkResponse(response, 'manifest.json').arrayBuffer());
  } catch (err) {
    throw err instanceof Error && err.message.startsWith('manifest.json:') ? err : new Error(`manifest.json: download failed (${messageOf(err)})`);
  }
  const json = parseJson('manifest.json', bytes);
  // Cached once it parses as JSON; the caller validates the fields, so a bad copy fails offline as it did online.
  await cache?.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/json' } })).catch(() => undefined);
  return json;
}

/**
 * Drops cached files of `base` that `manifest` no longer names with the same SHA-256 (a new model
 * replaced them), keeping the manifest itself. Other folders' entries are left alone.
 */
export async function evictStale(cache: Cache | null, base: string, manifest: Manifest): Promise<void> {
  if (!cache) return;
  const keep = new Set(filesOf(manifest).map((spec) => cacheKey(base, spec)));
  keep.add(new URL('manifest.json', base).href);
  const keys = await cache.keys();
  await Promise.all(keys.filter((r) => r.url.startsWith(base) && !keep.has(r.url)).map((r) => cache.delete(r)));
}

/** Every file the manifest names with a size and SHA-256: tokenizer, models, samples. */
export function filesOf(manifest: Manifest): FileIntegrity[] {
  const models = [manifest.tokenizer, manifest.text_encoder, manifest.unet, ...(manifest.image_encoder ? [manifest.image_encoder] : [])];
  return [...models, ...manifest.samples];
}

/**
 * The verified bytes of one file the manifest names: from the cache when a good copy is there, else
 * downloaded (with progress), checked and cached. Throws "<file>: <what went wrong>" errors.
 */
export async function loadFile(base: string, spec: FileIntegrity, cache: Cache | null, onProgress?: ProgressListener): Promise<Uint8Array> {
  const key = cacheKey(base, spec);
  const cached = await cache?.match(key).catch(() => undefined);
  if (cached) {
    try {
      const bytes = await verifyBytes(spec, new Uint8Array(await cached.arrayBuffer()));
      onProgress?.(spec.file, spec.bytes, spec.bytes);
      return bytes;
    } catch {
      // A damaged entry (disk error, a hand-edited cache): drop it and fall through to the network.
      await cache!.delete(key).catch(() => undefined);
    }
  }
  const response = checkResponse(await fetchOrExplain(new URL(spec.file, base).href, spec.file), spec.file);
  const bytes = await verifyBytes(spec, await readBody(response, spec, onProgress));
  await cache?.put(key, new Response(bytes as Uint8Array<ArrayBuffer>)).catch(() => undefined); // a full disk only costs the next visit
  return bytes;
}

/** Parses a file's UTF-8 JSON, naming the file when it is not JSON. */
export function parseJson(file: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${messageOf(err)})`);
  }
}

async function fetchOrExplain(url: string, file: string): Promise<Response> {
  try {
    return await fetch(url);
  } catch (err) {
    throw new Error(`${file}: download failed (${messageOf(err)})`);
  }
}

function checkResponse(response: Response, file: string): Response {
  if (!response.ok) throw new Error(`${file}: HTTP ${response.status} ${response.statusText}`.trim());
  // Static hosts with an SPA fallback answer a missing file with index.html and status 200.
  if (response.headers.get('content-type')?.includes('text/html')) {
    throw new Error(`${file}: not found (the server sent an HTML page instead)`);
  }
  return response;
}

/**
 * The body's bytes, into one buffer of the manifest's size (bounded by parseManifest), with progress.
 * A body that runs past that size stops at once; a short one comes back short for verifyBytes to name.
 */
async function readBody(response: Response, spec: FileIntegrity, onProgress?: ProgressListener): Promise<Uint8Array> {
  const { file, bytes: total } = spec;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(total);
  } catch (err) {
    throw new Error(`${file}: cannot allocate the ${total} bytes manifest.json gives (${messageOf(err)})`);
  }
  let loaded = 0;
  onProgress?.(file, 0, total);
  try {
    const reader = response.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (loaded + value.length > total) {
        await reader.cancel();
        throw new IntegrityError(`${file}: larger than the ${total} bytes manifest.json gives (stale or wrong file?)`);
      }
      bytes.set(value, loaded);
      loaded += value.length;
      onProgress?.(file, loaded, total);
    }
  } catch (err) {
    if (err instanceof IntegrityError) throw err;
    throw new Error(`${file}: download failed after ${loaded} bytes (${messageOf(err)})`);
  }
  return bytes.subarray(0, loaded);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
