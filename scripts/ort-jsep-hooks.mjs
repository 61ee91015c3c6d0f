/**
 * Node module hook: resolves `onnxruntime-web` to dist/ort.min.mjs, the build the page loads (vite.config.ts
 * aliases it the same way), instead of the package's Node export (ort.node.min.mjs, WASM only). Lets
 * src/worker/sessions.ts run unchanged on WebGPU in Node (scripts/bench-node.ts --runtime=webgpu).
 * Registered by scripts/ort-jsep-register.mjs (`node --import ./scripts/ort-jsep-register.mjs ...`).
 */
import { pathToFileURL } from 'node:url';
import { resolve as resolvePath } from 'node:path';

const JSEP = pathToFileURL(resolvePath('node_modules/onnxruntime-web/dist/ort.min.mjs')).href;

/** Node's `resolve` hook. */
export async function resolve(specifier, context, next) {
  if (specifier === 'onnxruntime-web') return { url: JSEP, shortCircuit: true, format: 'module' };
  return next(specifier, context);
}
