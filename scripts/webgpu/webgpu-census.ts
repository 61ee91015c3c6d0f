/**
 * Which GPU kernels one U-Net call launches, by shader name, on the page's JSEP build in Node (Dawn),
 * and how far its output is from the same build's WASM EP on the same inputs. Quicker than the
 * webgpu-node bench row (one model, two calls) for checking an export's dispatch count:
 *   bash scripts/webgpu/on-dawn.sh webgpu-census.ts [unet.onnx] [--batch=2] [--layout=NHWC|NCHW]
 *        [--profile=N]   # + GPU time per kernel over N more calls (WebGPU timestamp queries, where the adapter has them)
 *        [--ref=unet.onnx]  # the WASM reference runs this file instead (for a WebGPU-only graph: training/webgpu_graph.py)
 *        [--external-data=unet.weights]  # both files keep their weights there (ONNX external data, onnxruntime-web's externalData option)
 * ORT_BUILD=webgpu: the native WebGPU EP; WEBGPU_SUBGROUPS=0 gives it a device without subgroups (dawn-node.ts).
 * BENCH_MODELS_DIR names the models folder (default public/models; the GPU bundle's is models/).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { countersSince, installDawn, openOrtOnDawn, webgpuProvider } from './dawn-node.ts';

const { values, positionals } = parseArgs({
  options: {
    batch: { type: 'string', default: '2' },
    layout: { type: 'string', default: 'NHWC' },
    profile: { type: 'string', default: '0' },
    ref: { type: 'string' },
    'external-data': { type: 'string' },
  },
  allowPositionals: true,
});
const MODELS_DIR = process.env.BENCH_MODELS_DIR ?? 'public/models';
const file = positionals[0] ?? `${MODELS_DIR}/unet.onnx`;
const batch = Number(values.batch);
const profileCalls = Number(values.profile);

const { counters, adapter } = await installDawn();
// Shader name per pipeline, current pipeline per pass: each dispatch is booked to the shader it runs.
const names = new WeakMap<GPUComputePipeline, string>();
const byShader = new Map<string, number>();
let current = '?';
const createPipeline = GPUDevice.prototype.createComputePipeline;
GPUDevice.prototype.createComputePipeline = function (this: GPUDevice, d: GPUComputePipelineDescriptor) {
  const p = createPipeline.call(this, d);
  names.set(p, d.label ?? d.compute.module.label ?? '?');
  return p;
};
// The native WebGPU EP compiles its pipelines asynchronously.
const createPipelineAsync = GPUDevice.prototype.createComputePipelineAsync;
GPUDevice.prototype.createComputePipelineAsync = async function (this: GPUDevice, d: GPUComputePipelineDescriptor) {
  const p = await createPipelineAsync.call(this, d);
  names.set(p, d.label ?? d.compute.module.label ?? '?');
  return p;
};
const setPipeline = GPUComputePassEncoder.prototype.setPipeline;
GPUComputePassEncoder.prototype.setPipeline = function (this: GPUComputePassEncoder, p: GPUComputePipeline) {
  current = (names.get(p) ?? '?').replace(/[:_].*$/, '');
  return setPipeline.call(this, p);
};
const dispatch = GPUComputePassEncoder.prototype.dispatchWorkgroups;
GPUComputePassEncoder.prototype.dispatchWorkgroups = function (this: GPUComputePassEncoder, ...a: [number, number?, number?]) {
  byShader.set(current, (byShader.get(current) ?? 0) + 1);
  return dispatch.apply(this, a);
};

const ort = await openOrtOnDawn({ powerPreference: 'high-performance' });
// JSEP's preferredLayout: NHWC (its default) runs Conv and InstanceNormalization channels-last, with Transposes around them.
const gpuProvider = await webgpuProvider(values.layout as 'NCHW' | 'NHWC');

const manifest = JSON.parse(readFileSync(`${MODELS_DIR}/manifest.json`, 'utf8'));
const R = manifest.resolution;
const L = manifest.tokenizer.max_length;
const D = manifest.unet.inputs[2].shape[2];
const bytes = readFileSync(file);
const refBytes = values.ref ? readFileSync(values.ref) : bytes;
// The graphs name the weights file by its base name (the `location` of each external initializer).
const weights = values['external-data'];
const externalData = weights ? [{ path: weights.split('/').pop()!, data: new Uint8Array(readFileSync(weights)) }] : undefined;
// Deterministic inputs (an LCG): the same in both sessions.
let seed = 12345;
const next = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
const sample = Float32Array.from({ length: batch * 3 * R * R }, next);
const context = Float32Array.from({ length: batch * L * D }, next);
const feeds = () => ({
  sample: new ort.Tensor('float32', sample, [batch, 3, R, R]),
  timestep: new ort.Tensor('float32', new Float32Array(batch).fill(500), [batch]),
  encoder_hidden_states: new ort.Tensor('float32', context, [batch, L, D]),
});
// GPU time per kernel (onnxruntime's JSEP profiling: a timestamp query around each kernel), by op type.
const kernelNs = new Map<string, { ns: number; n: number }>();
let profiling = false;
if (profileCalls > 0) {
  ort.env.webgpu.profiling = {
    mode: 'default',
    ondata(d) {
      if (!profiling) return;
      const key = `${d.kernelType} ${d.programName}`;
      const e = kernelNs.get(key) ?? { ns: 0, n: 0 };
      e.ns += d.endTime - d.startTime;
      e.n += 1;
      kernelNs.set(key, e);
    },
  };
}
const wallMs: number[] = [];
const run = async (ep: 'webgpu' | 'wasm') => {
  const provider = ep === 'webgpu' ? gpuProvider : ep;
  const session = await ort.InferenceSession.create(ep === 'wasm' ? refBytes : bytes, { executionProviders: [provider], graphOptimizationLevel: 'all', externalData });
  await session.run(feeds()); // first call compiles shaders
  byShader.clear();
  const before = { ...counters };
  const v = (await session.run(feeds())).v;
  const counts = countersSince(before, counters);
  const data = new Float32Array((await v.getData()) as Float32Array);
  if (ep === 'webgpu' && profileCalls > 0) {
    profiling = true;
    for (let i = 0; i < profileCalls; i++) {
      const t0 = performance.now();
      const out = (await session.run(feeds())).v;
      await out.getData();
      wallMs.push(performance.now() - t0);
    }
    profiling = false;
  }
  await session.release();
  return { counts, data };
};

const gpu = await run('webgpu');
const shaders = [...byShader].sort((a, b) => b[1] - a[1]);
const wasm = await run('wasm');
let maxAbs = 0;
for (let i = 0; i < gpu.data.length; i++) maxAbs = Math.max(maxAbs, Math.abs(gpu.data[i] - wasm.data[i]));
const build = process.env.ORT_BUILD === 'webgpu' ? `native WebGPU EP${gpuProvider.device ? ', device without subgroups' : ''}` : 'JSEP';
console.log(`${file}, batch ${batch}, ${build}, layout ${values.layout}, adapter ${adapter.vendor} ${adapter.architecture}`);
console.log(`per call: ${gpu.counts.dispatch} dispatches, ${gpu.counts.bindGroup} bind groups, ${gpu.counts.writeBuffer} writeBuffer, ${gpu.counts.copy} copies`);
console.log(`max |WebGPU - WASM${values.ref ? ` (${values.ref})` : ''}| of v: ${maxAbs.toExponential(2)}`);
console.log('dispatches by shader:');
for (const [name, n] of shaders) console.log(`  ${String(n).padStart(4)}  ${name}`);
if (profileCalls > 0) {
  const rows = [...kernelNs].sort((a, b) => b[1].ns - a[1].ns);
  const totalMs = rows.reduce((t, [, e]) => t + e.ns, 0) / 1e6 / profileCalls;
  const median = [...wallMs].sort((a, b) => a - b)[Math.floor(wallMs.length / 2)];
  if (rows.length === 0) console.log(`GPU time per kernel: none reported (no timestamp-query on this adapter?)`);
  else {
    console.log(`GPU time per call (sum of kernels, ${profileCalls} profiled calls): ${totalMs.toFixed(3)} ms; wall per profiled call, median: ${median.toFixed(2)} ms`);
    console.log('GPU time by kernel (ms per call, kernels per call):');
    for (const [name, e] of rows.slice(0, 30)) {
      console.log(`  ${(e.ns / 1e6 / profileCalls).toFixed(3).padStart(8)}  ${String(e.n / profileCalls).padStart(5)}  ${name}`);
    }
  }
}
process.exit(0);
