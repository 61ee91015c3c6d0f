/**
 * WebGPU in Node through Dawn (npm `webgpu`, which bundles dawn.node), set up so onnxruntime-web's
 * browser build and the page's loader (src/ort/) run unchanged, with counters on the WebGPU API that say how
 * much work one model call sends to the GPU (dispatches, bind groups, uniform/input uploads).
 *
 * Adapter: whatever Vulkan ICD the loader finds. Without a GPU, point it at a software one first
 * (softwareVulkanEnv does so for SwiftShader when the machine has no Vulkan driver):
 *   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json   (Chromium's SwiftShader)
 *   VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json (Mesa llvmpipe, apt mesa-vulkan-drivers)
 * Timings on those mean nothing; counts and outputs match a real GPU's (../shared/gpu-bench/README.md).
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Calls on the WebGPU API since the process started; diff two snapshots for one model call. */
export interface GpuCounters {
  /** GPUComputePassEncoder.dispatchWorkgroups: one per GPU kernel launched. */
  dispatch: number;
  /** GPUDevice.createBindGroup. */
  bindGroup: number;
  /** GPUQueue.writeBuffer (uniforms, inputs). */
  writeBuffer: number;
  /** GPUCommandEncoder.copyBufferToBuffer. */
  copy: number;
  /** GPUQueue.submit. */
  submit: number;
  /** Compute pipelines created (shader compilations). */
  pipelines: number;
}

/** What the adapter is, as Dawn reports it. */
export interface DawnAdapter {
  vendor: string;
  architecture: string;
  description: string;
  shaderF16: boolean;
}

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Installs `navigator.gpu` (and the GPU* classes) from dawn.node, wraps the API to count calls, and
 * keeps a timer alive (with none pending, the first dawn.node promise of a process can take tens of
 * seconds: docs/benchmark.md, "Figures behind choices in the code").
 * Also gives sessions.ts the browser globals it reads (`self`, `navigator.hardwareConcurrency`).
 */
export async function installDawn(): Promise<{ counters: GpuCounters; adapter: DawnAdapter }> {
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create([]);
  const { availableParallelism } = await import('node:os');
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu, hardwareConcurrency: availableParallelism(), userAgent: `Node ${process.version}` },
    configurable: true,
    writable: true,
  });
  Object.defineProperty(globalThis, 'self', { value: globalThis, configurable: true, writable: true });
  // The JSEP build cannot start WASM threads under Node: say so the way a page without COOP/COEP would.
  Object.defineProperty(globalThis, 'crossOriginIsolated', { value: false, configurable: true, writable: true });
  setInterval(() => {}, 1000);

  const counters: GpuCounters = { dispatch: 0, bindGroup: 0, writeBuffer: 0, copy: 0, submit: 0, pipelines: 0 };
  const count = <T extends object>(proto: T, name: string, key: keyof GpuCounters) => {
    const original = (proto as Record<string, unknown>)[name] as (...a: unknown[]) => unknown;
    (proto as Record<string, unknown>)[name] = function (this: unknown, ...a: unknown[]) {
      counters[key]++;
      return original.apply(this, a);
    };
  };
  count(GPUComputePassEncoder.prototype, 'dispatchWorkgroups', 'dispatch');
  count(GPUDevice.prototype, 'createBindGroup', 'bindGroup');
  count(GPUCommandEncoder.prototype, 'copyBufferToBuffer', 'copy');
  count(GPUQueue.prototype, 'submit', 'submit');
  count(GPUDevice.prototype, 'createComputePipeline', 'pipelines');
  count(GPUDevice.prototype, 'createComputePipelineAsync', 'pipelines');

  // dawn.node rejects writeBuffer data that lives in a SharedArrayBuffer (the WASM heap JSEP uploads
  // from): copy such data into an ordinary buffer first.
  const writeBuffer = GPUQueue.prototype.writeBuffer;
  const shared = (b: unknown) => typeof SharedArrayBuffer !== 'undefined' && b instanceof SharedArrayBuffer;
  GPUQueue.prototype.writeBuffer = function (this: GPUQueue, buffer, offset, data, dataOffset?, size?) {
    counters.writeBuffer++;
    if (shared(data)) {
      const start = dataOffset ?? 0; // bytes for a raw buffer
      const bytes = new Uint8Array(data as ArrayBufferLike, start, size ?? (data as ArrayBufferLike).byteLength - start).slice();
      return writeBuffer.call(this, buffer, offset, bytes.buffer, 0, bytes.byteLength);
    }
    if (ArrayBuffer.isView(data) && shared(data.buffer)) {
      const unit = (data as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1; // elements for a typed array
      const first = dataOffset ?? 0;
      const length = (size ?? data.byteLength / unit - first) * unit;
      const bytes = new Uint8Array(data.buffer, data.byteOffset + first * unit, length).slice();
      return writeBuffer.call(this, buffer, offset, bytes.buffer, 0, length);
    }
    return writeBuffer.call(this, buffer, offset, data, dataOffset, size);
  } as GPUQueue['writeBuffer'];

  const probe = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!probe) throw new Error(`Dawn found no WebGPU adapter (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'})`);
  const info = probe.info;
  return {
    counters,
    adapter: { vendor: info.vendor, architecture: info.architecture, description: info.description, shaderF16: probe.features.has('shader-f16') },
  };
}

/**
 * Environment for a child process that will load dawn.node: where no GPU driver's Vulkan ICD and no
 * system Vulkan loader exist (this development machine), Chromium's SwiftShader ICD and the Vulkan
 * loader Chromium ships next to it. Empty where the machine has its own (a GPU machine) or the caller
 * already chose (VK_ICD_FILENAMES / VK_DRIVER_FILES).
 */
export function softwareVulkanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES) return {};
  const icdDirs = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/nvidia/share/vulkan/icd.d'];
  if (icdDirs.some((d) => existsSync(d) && readdirSync(d).some((f) => f.endsWith('.json')))) return {};
  if (!existsSync(SWIFTSHADER_ICD)) return {};
  const systemLoader = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/lib/x86_64-linux-gnu/libvulkan.so.1'].some(existsSync);
  const libPath = systemLoader ? {} : { LD_LIBRARY_PATH: [dirname(SWIFTSHADER_ICD), env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
  return { VK_ICD_FILENAMES: SWIFTSHADER_ICD, ...libPath };
}

/** Counter differences `after - before`. */
export function countersSince(before: GpuCounters, after: GpuCounters): GpuCounters {
  const out = { ...after };
  for (const key of Object.keys(out) as (keyof GpuCounters)[]) out[key] -= before[key];
  return out;
}

/**
 * onnxruntime-web for a script on Dawn (after installDawn; `onnxruntime-web` resolves to the page's JSEP
 * build or, with ORT_BUILD=webgpu, the native EP's: scripts/webgpu/ort-jsep-register.mjs): one WASM thread, the
 * package's .wasm files, errors only, and WebGPU on the adapter `options` asks for.
 */
export async function openOrtOnDawn(options?: GPURequestAdapterOptions): Promise<typeof import('onnxruntime-web')> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = `${pathToFileURL(resolve('node_modules/onnxruntime-web/dist')).href}/`;
  ort.env.logLevel = 'error';
  ort.env.webgpu.adapter = (await navigator.gpu.requestAdapter(options))!;
  return ort;
}

/**
 * A device on `adapter` with every feature and limit it offers except subgroups, for the native WebGPU
 * EP's `device` option. onnxruntime 1.31's FlashAttention kernel assumes subgroups of at least 8 lanes
 * (it steps through keys by the subgroup size but scores 8 or 16 keys a step); SwiftShader's are 4
 * wide, and its attention comes out wrong by ~0.3. Without the feature the EP takes its subgroup-free
 * path: right, and the same number of kernels (docs/benchmark.md). Tensors on GPU buffers cannot be bound
 * to a session on such a device (it gets another device id): with graph capture, drop the feature from
 * the EP's own requestDevice call instead (native-ep-capture-check.ts).
 */
export async function deviceWithoutSubgroups(adapter: GPUAdapter): Promise<GPUDevice> {
  const requiredLimits: Record<string, number> = {};
  for (const key in adapter.limits) requiredLimits[key] = (adapter.limits as unknown as Record<string, number>)[key];
  const requiredFeatures = [...adapter.features].filter((f) => !f.startsWith('subgroup')) as GPUFeatureName[];
  return adapter.requestDevice({ requiredFeatures, requiredLimits });
}

/**
 * The WebGPU execution provider entry for a script: JSEP gets `layout`; the native EP (ORT_BUILD=webgpu)
 * gets a device without subgroups when WEBGPU_SUBGROUPS=0 (see deviceWithoutSubgroups).
 */
export async function webgpuProvider(layout: 'NCHW' | 'NHWC'): Promise<{ name: 'webgpu'; preferredLayout: 'NCHW' | 'NHWC'; device?: GPUDevice }> {
  if (process.env.WEBGPU_SUBGROUPS !== '0') return { name: 'webgpu', preferredLayout: layout };
  if (process.env.ORT_BUILD !== 'webgpu') throw new Error('WEBGPU_SUBGROUPS=0 needs ORT_BUILD=webgpu (JSEP takes no device option)');
  const { env } = await import('onnxruntime-web');
  return { name: 'webgpu', preferredLayout: layout, device: await deviceWithoutSubgroups(env.webgpu.adapter as GPUAdapter) };
}
