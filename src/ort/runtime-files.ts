/**
 * onnxruntime-web's WebAssembly runtime (~28 MB), fetched by us rather than by onnxruntime: in parallel
 * with the models and with progress, so the page's bar counts it. The bytes go to
 * `ort.env.wasm.wasmBinary`; onnxruntime still loads its small .mjs glue from `ortBase`.
 */

/** The runtime binary that ort.min.mjs's "jsep" build (WASM and WebGPU) loads. */
export const RUNTIME_WASM = 'ort-wasm-simd-threaded.jsep.wasm';

/**
 * Downloads `file` (default RUNTIME_WASM; another build names its own binary) from `ortBase`, reporting
 * bytes as they arrive (the total from Content-Length; without one, the bytes so far). Throws
 * "<file>: <what went wrong>".
 */
export async function fetchRuntime(
  ortBase: string,
  onProgress: (file: string, loaded: number, total: number) => void,
  file = RUNTIME_WASM,
): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(new URL(file, ortBase));
  } catch (err) {
    throw new Error(`${file}: download failed (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!response.ok) throw new Error(`${file}: HTTP ${response.status} ${response.statusText}`.trim());
  if (response.headers.get('content-type')?.includes('text/html')) {
    throw new Error(`${file}: not found (the server sent an HTML page instead)`);
  }
  const declared = Number(response.headers.get('content-length'));
  const total = Number.isFinite(declared) && declared > 0 ? declared : 0;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onProgress(file, 0, total);
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress(file, loaded, Math.max(total, loaded));
  }
  if (total && loaded !== total) throw new Error(`${file}: expected ${total} bytes, got ${loaded} (truncated download?)`);
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  return bytes;
}
