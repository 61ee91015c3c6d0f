/**
 * One small ONNX graph on WebGPU (Dawn) and on WASM with the same random inputs: GPU kernels
 * (dispatches) per call, by shader, and max |difference| per output. For checking that an op (or an op's
 * input layout) runs, how many kernels it costs, and that it computes what the CPU computes:
 *   bash scripts/webgpu/on-dawn.sh webgpu-optest.ts a.onnx '{"x":[2,3]}' [b.onnx SHAPES ...]
 * (training/webgpu_op_graphs.py writes the GroupNorm and attention cases)
 * `a.onnx=ref.onnx` runs ref.onnx on WASM instead of a.onnx: for an op that only WebGPU runs (the
 * com.microsoft GroupNorm has no CPU kernel), the reference is the same arithmetic in ops the CPU has.
 * ORT_BUILD=webgpu runs onnxruntime's native WebGPU EP (ort.webgpu.min.mjs) instead of the page's JSEP;
 * OPTEST_LAYOUT=NHWC gives JSEP its default layout (NCHW here); WEBGPU_SUBGROUPS=0 gives the native EP a
 * device without subgroups (dawn-node.ts deviceWithoutSubgroups).
 * A session that cannot be created prints onnxruntime's error and the next file runs.
 */
import { readFileSync } from 'node:fs';
import { countersSince, installDawn, openOrtOnDawn, webgpuProvider } from './dawn-node.ts';

const { counters } = await installDawn();
// Shader name of each pipeline; every dispatch is booked to the pipeline its pass last set.
const names = new WeakMap<GPUComputePipeline, string>();
const byShader = new Map<string, number>();
let current = '?';
const createPipeline = GPUDevice.prototype.createComputePipeline;
GPUDevice.prototype.createComputePipeline = function (this: GPUDevice, d: GPUComputePipelineDescriptor) {
  const p = createPipeline.call(this, d);
  names.set(p, d.label ?? d.compute.module.label ?? '?');
  return p;
};
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

const ort = await openOrtOnDawn();
const provider = await webgpuProvider((process.env.OPTEST_LAYOUT ?? 'NCHW') as 'NCHW' | 'NHWC');
const build = process.env.ORT_BUILD === 'webgpu' ? `native WebGPU EP${provider.device ? ', no subgroups' : ''}` : 'JSEP';
type Outputs = Record<string, Float32Array>;

/** Runs `file` twice on `ep` (the first call compiles shaders); outputs and counts of the second call. */
async function run(file: string, ep: 'webgpu' | 'wasm', feeds: () => Record<string, import('onnxruntime-web').Tensor>) {
  const session = await ort.InferenceSession.create(readFileSync(file), { executionProviders: [ep === 'webgpu' ? provider : ep], graphOptimizationLevel: 'all' });
  await session.run(feeds());
  byShader.clear();
  const before = { ...counters };
  const r = await session.run(feeds());
  const counts = countersSince(before, counters);
  const shaders = [...byShader].map(([k, n]) => `${n} ${k}`).join(', ');
  const outs: Outputs = Object.fromEntries(
    await Promise.all(Object.entries(r).map(async ([k, t]) => [k, new Float32Array((await t.getData()) as Float32Array)])),
  );
  await session.release();
  return { outs, dispatches: counts.dispatch, shaders };
}

const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) {
  const [file, ref = file] = args[i].split('=');
  const shapes = JSON.parse(args[i + 1]) as Record<string, number[]>;
  let seed = 99;
  const next = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const data = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, next)]));
  const feeds = () => Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, new ort.Tensor('float32', data[k], s)]));
  let gpu: Awaited<ReturnType<typeof run>>;
  try {
    gpu = await run(file, 'webgpu', feeds);
  } catch (err) {
    console.log(`${file} (${build}): session failed: ${err instanceof Error ? err.message : String(err)}`);
    continue;
  }
  const cpu = await run(ref, 'wasm', feeds);
  console.log(`${file} (${build}): ${gpu.dispatches} dispatches per call (${gpu.shaders || 'none'})`);
  for (const k of Object.keys(gpu.outs)) {
    const a = gpu.outs[k];
    const b = cpu.outs[k];
    if (!b || b.length !== a.length) {
      console.log(`  ${k}: reference ${ref} has no output '${k}' of ${a.length} values`);
      continue;
    }
    let m = 0;
    for (let j = 0; j < a.length; j++) m = Math.max(m, Math.abs(a[j] - b[j]));
    console.log(`  ${k}: ${a.length} values, max |WebGPU - WASM${ref === file ? '' : ` (${ref})`}| ${m.toExponential(2)}`);
  }
}
process.exit(0);
