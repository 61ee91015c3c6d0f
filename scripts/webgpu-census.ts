/**
 * Which GPU kernels one U-Net call launches, by shader name, on the page's JSEP build in Node (Dawn),
 * and how far its output is from the same build's WASM EP on the same inputs. Quicker than the
 * webgpu-node bench row (one model, two calls) for checking an export's dispatch count:
 *   node --import tsx --import ./scripts/ort-jsep-register.mjs scripts/webgpu-census.ts [unet.onnx] [--batch=2] [--layout=NHWC|NCHW]
 * (On this machine set the SwiftShader environment as scripts/dawn-node.ts softwareVulkanEnv says;
 * scripts/webgpu-census.sh does.)
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { countersSince, installDawn } from './dawn-node.ts';

const { values, positionals } = parseArgs({
  options: { batch: { type: 'string', default: '2' }, layout: { type: 'string', default: 'NHWC' } },
  allowPositionals: true,
});
const file = positionals[0] ?? 'public/models/unet.onnx';
const batch = Number(values.batch);

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

const ort = await import('onnxruntime-web');
ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = `${pathToFileURL(resolve('node_modules/onnxruntime-web/dist')).href}/`;
ort.env.logLevel = 'error';
ort.env.webgpu.adapter = (await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' }))!;

const manifest = JSON.parse(readFileSync('public/models/manifest.json', 'utf8'));
const R = manifest.resolution;
const L = manifest.tokenizer.max_length;
const D = manifest.unet.inputs[2].shape[2];
const bytes = readFileSync(file);
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
const run = async (ep: 'webgpu' | 'wasm') => {
  // JSEP's preferredLayout: NHWC (its default) runs Conv and InstanceNormalization channels-last, with Transposes around them.
  const provider = ep === 'webgpu' ? { name: ep, preferredLayout: values.layout as 'NCHW' | 'NHWC' } : ep;
  const session = await ort.InferenceSession.create(bytes, { executionProviders: [provider], graphOptimizationLevel: 'all' });
  await session.run(feeds()); // first call compiles shaders
  byShader.clear();
  const before = { ...counters };
  const v = (await session.run(feeds())).v;
  const counts = countersSince(before, counters);
  const data = new Float32Array((await v.getData()) as Float32Array);
  await session.release();
  return { counts, data };
};

const gpu = await run('webgpu');
const shaders = [...byShader].sort((a, b) => b[1] - a[1]);
const wasm = await run('wasm');
let maxAbs = 0;
for (let i = 0; i < gpu.data.length; i++) maxAbs = Math.max(maxAbs, Math.abs(gpu.data[i] - wasm.data[i]));
console.log(`${file}, batch ${batch}, layout ${values.layout}, adapter ${adapter.vendor} ${adapter.architecture}`);
console.log(`per call: ${gpu.counts.dispatch} dispatches, ${gpu.counts.bindGroup} bind groups, ${gpu.counts.writeBuffer} writeBuffer, ${gpu.counts.copy} copies`);
console.log(`max |WebGPU - WASM| of v: ${maxAbs.toExponential(2)}`);
console.log('dispatches by shader:');
for (const [name, n] of shaders) console.log(`  ${String(n).padStart(4)}  ${name}`);
process.exit(0);
