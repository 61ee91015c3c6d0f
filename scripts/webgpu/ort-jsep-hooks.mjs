/**
 * Node module hook: resolves `onnxruntime-web` to dist/ort.min.mjs, the build the page loads (vite.config.ts
 * aliases it the same way), instead of the package's Node export (ort.node.min.mjs, WASM only). Lets
 * src/ort/ run unchanged on WebGPU in Node (scripts/bench/bench-node.ts --runtime=webgpu).
 * Registered by scripts/webgpu/ort-jsep-register.mjs (`node --import ./scripts/webgpu/ort-jsep-register.mjs ...`).
 * ORT_BUILD=webgpu resolves it to dist/ort.webgpu.min.mjs instead: onnxruntime's native WebGPU EP (the
 * package's `onnxruntime-web/webgpu` export), for comparing the two builds with the same scripts.
 */
import { pathToFileURL } from 'node:url';
import { resolve as resolvePath } from 'node:path';

const BUILD = process.env.ORT_BUILD === 'webgpu' ? 'ort.webgpu.min.mjs' : 'ort.min.mjs';
const JSEP = pathToFileURL(resolvePath(`node_modules/onnxruntime-web/dist/${BUILD}`)).href;

/** Node's `resolve` hook. */
export async function resolve(specifier, context, next) {
  if (specifier === 'onnxruntime-web') return { url: JSEP, shortCircuit: true, format: 'module' };
  return next(specifier, context);
}
