/**
 * Which execution provider runs the models, and the calls that decide it: the WebGPU adapter request,
 * a test step that finds a backend that cannot run the model, and the timing auto mode compares.
 */
import * as ort from 'onnxruntime-web';
import { contextShape } from '../model/manifest.ts';
import type { Models } from '../pipeline/models.ts';
import type { Backend, BackendPreference } from '../worker/protocol.ts';
import { messageOf } from './sessions.ts';

/** The backend to try first, why, and whether its adapter is a software (CPU-emulated) one. */
export interface BackendChoice {
  backend: Backend;
  reason: string;
  software?: boolean;
}

/** WebGPU only when asked for or when a hardware adapter exists; the reason is shown in the page. */
export async function chooseBackend(preference: BackendPreference): Promise<BackendChoice> {
  if (preference === 'wasm') return { backend: 'wasm', reason: 'forced by ?backend=wasm' };
  if (!('gpu' in navigator) || !navigator.gpu) return { backend: 'wasm', reason: 'navigator.gpu missing' };
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return { backend: 'wasm', reason: `WebGPU adapter request failed: ${messageOf(err)}` };
  }
  if (!adapter) return { backend: 'wasm', reason: 'no WebGPU adapter' };
  const info = adapter.info;
  const software = info?.isFallbackAdapter || /swiftshader/i.test(`${info?.architecture} ${info?.description}`);
  if (preference === 'webgpu') {
    ort.env.webgpu.adapter = adapter;
    return { backend: 'webgpu', reason: 'forced by ?backend=webgpu', software };
  }
  // A CPU-emulated adapter (SwiftShader) runs the U-Net far slower than WASM: not worth it (docs/benchmark.md, "Figures behind choices in the code").
  if (software) return { backend: 'wasm', reason: 'WebGPU adapter is software-emulated; WASM is faster' };
  ort.env.webgpu.adapter = adapter;
  return { backend: 'webgpu', reason: `WebGPU adapter: ${info?.vendor || 'unknown vendor'} ${info?.architecture || ''}`.trim() };
}

/**
 * One guided step on zeros. Some WebGPU failures (an op the adapter cannot run, fp16 overflow to
 * NaN) only show when a model runs; finding them here lets the page fall back to WASM instead of
 * failing the first generation. It also compiles the shaders, so step 1 is not slower than the rest.
 */
export async function testRun(models: Models): Promise<void> {
  const L = models.manifest.tokenizer.max_length;
  const size = models.manifest.channels * models.manifest.resolution ** 2;
  const context = await models.encodeText(new Int32Array(2 * L), 2); // [2, L]
  const v = await models.unet(new Float32Array(2 * size), new Float32Array([999, 999]), context, 2);
  if (!context.every(Number.isFinite) || !v.every(Number.isFinite)) throw new Error('outputs are not finite');
}

/** Milliseconds of one guided U-Net step (batch 2) on zeros; the sessions must be warm. */
export async function timeStep(models: Models): Promise<number> {
  const L = models.manifest.tokenizer.max_length;
  const { width: D } = contextShape(models.manifest);
  const size = models.manifest.channels * models.manifest.resolution ** 2;
  const context = new Float32Array(2 * L * D);
  const start = performance.now();
  await models.unet(new Float32Array(2 * size), new Float32Array([500, 500]), context, 2);
  return performance.now() - start;
}

/** "4.2 ms" below 10 ms, else whole milliseconds. */
export function fmtMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}
