/**
 * Issue 9's next step, measured before it is built into the page: a guided DDIM generation with the
 * sampler on the GPU. The page's pipeline waits for every step's v (a mapAsync round trip, 2.0-2.7 ms on
 * the H200) and does guidance and the DDIM update on the CPU before it can start the next step, so the
 * GPU idles between steps (docs/benchmark.md, "Measured on an H200"). Here each step is: write t and
 * the step's coefficients, replay the captured U-Net (batch 2, fixed GPU buffers), then one small
 * compute kernel that applies guidance and the DDIM update, writes x_{t-1} straight into the U-Net's
 * input buffer for the next step, and writes the frames the page shows (x_t, x0, eps, guided v) into a
 * buffer that is copied out and mapped without anyone waiting for it. Only the text context is read
 * back before the loop.
 *
 * It checks itself against the page's own pipeline (src/worker/pipeline.ts on WASM, same prompt, seed
 * and settings): the final image and every step's x0 must agree within `--tol` (GPU vs CPU arithmetic),
 * and prints the time of one generation: to the last submit, and until the last frame is on the CPU.
 *   node --import tsx --import ./scripts/ort-jsep-register.mjs scripts/gpu-resident-bench.ts [--steps=20] [--reps=5]
 * (here on SwiftShader: bash scripts/webgpu-census.sh's environment; in the GPU bundle: gpu-resident.mjs)
 * DDIM with eta 0, trailing spacing, x0 clipped: the page's defaults. BENCH_MODELS_DIR as in bench-node.ts.
 */
import { parseArgs } from 'node:util';
import { openModels, readModelFile, readModelsDir } from '../src/cli/node-models.ts';
import { createRng } from '../src/diffusion/rng.ts';
import { samplingPoints } from '../src/diffusion/spacing.ts';
import { contextShape } from '../src/model/manifest.ts';
import { generate, type StepFrame } from '../src/worker/pipeline.ts';
import { installDawn, openOrtOnDawn } from './dawn-node.ts';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '20' },
    reps: { type: 'string', default: '5' },
    guidance: { type: 'string', default: '4' },
    layout: { type: 'string', default: 'NHWC' },
    tol: { type: 'string', default: '2e-3' },
    prompt: { type: 'string', default: 'cat face' },
    seed: { type: 'string', default: '1' },
  },
});
const STEPS = Number(values.steps);
const REPS = Number(values.reps);
const GUIDANCE = Number(values.guidance);
const SEED = Number(values.seed);
const MODELS_DIR = process.env.BENCH_MODELS_DIR ?? 'public/models';

const { adapter } = await installDawn();
const ort = await openOrtOnDawn({ powerPreference: 'high-performance' });

const { manifest, tokenizer } = readModelsDir(MODELS_DIR);
const { length: L, width: D } = contextShape(manifest);
const N = manifest.channels * manifest.resolution ** 2; // one image, [C, H, W]
const R = manifest.resolution;
const C = manifest.channels;

// 1. The reference: the page's pipeline on WASM.
const wasmModels = await openModels(ort, MODELS_DIR, manifest, tokenizer, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
const reference: StepFrame[] = [];
for await (const frame of generate(wasmModels, { prompt: values.prompt, seed: SEED, steps: STEPS, guidance: GUIDANCE, sampler: 'ddim', spacing: 'trailing' })) {
  reference.push(frame);
}

// 2. The GPU side: the text encoder (uncaptured) and the U-Net at batch 2 under graph capture.
const provider = { name: 'webgpu', preferredLayout: values.layout as 'NCHW' | 'NHWC' };
const text = await ort.InferenceSession.create(readModelFile(MODELS_DIR, manifest.text_encoder), { executionProviders: [provider], graphOptimizationLevel: 'all' });
const unet = await ort.InferenceSession.create(readModelFile(MODELS_DIR, manifest.unet), {
  executionProviders: [provider],
  graphOptimizationLevel: 'all',
  enableGraphCapture: true,
  preferredOutputLocation: 'gpu-buffer',
  freeDimensionOverrides: { batch: 2 },
});
const device = (await ort.env.webgpu.device) as GPUDevice;
const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
const make = (floats: number, usage = STORAGE) => device.createBuffer({ size: Math.ceil((floats * 4) / 16) * 16, usage });
const sample = make(2 * N); // [x_t; x_t], the U-Net's input; the sampler kernel writes x_{t-1} into both halves
const timestep = make(2);
const context = make(2 * L * D);
const v = make(2 * N);
const frames = make(4 * N); // x_t, x0, eps, guided v: what the page shows of one step
const params = device.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
const gpu = (buffer: GPUBuffer, dims: number[]) => ort.Tensor.fromGpuBuffer(buffer, { dataType: 'float32', dims });
const feeds = {
  sample: gpu(sample, [2, C, R, R]),
  timestep: gpu(timestep, [2]),
  encoder_hidden_states: gpu(context, [2, L, D]),
};
const fetches = { v: gpu(v, [2, C, R, R]) };

// Guidance + DDIM (eta 0) per element, as src/diffusion/guidance.ts, prediction.ts and ddim.ts do in float64.
const module = device.createShaderModule({
  code: /* wgsl */ `
struct Params { guidance: f32, sqrtAb: f32, sqrt1mAb: f32, sqrtAbPrev: f32, dirScale: f32, n: u32 }
@group(0) @binding(0) var<storage, read> v: array<f32>;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> frames: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let i = id.x;
  if (i >= p.n) { return; }
  let xt = x[i];
  let u = v[i];
  let vg = u + p.guidance * (v[p.n + i] - u);
  let x0 = clamp(p.sqrtAb * xt - p.sqrt1mAb * vg, -1.0, 1.0);
  let eps = (xt - p.sqrtAb * x0) / p.sqrt1mAb;
  let prev = p.sqrtAbPrev * x0 + p.dirScale * eps;
  frames[i] = xt;
  frames[p.n + i] = x0;
  frames[2u * p.n + i] = eps;
  frames[3u * p.n + i] = vg;
  x[i] = prev;
  x[p.n + i] = prev;
}`,
});
const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
const bindGroup = device.createBindGroup({
  layout: pipeline.getBindGroupLayout(0),
  entries: [v, sample, frames, params].map((buffer, binding) => ({ binding, resource: { buffer } })),
});
// One mappable buffer per step, so no step waits for an earlier step's frames to be read.
const staging = Array.from({ length: STEPS }, () => make(4 * N, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST));
const finalStaging = make(N, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);

interface Run {
  submitMs: number;
  totalMs: number;
  textMs: number;
  frames: Float32Array[];
  image: Float32Array;
}

async function residentGeneration(): Promise<Run> {
  const start = performance.now();
  const points = samplingPoints(manifest.schedule, STEPS, 'trailing');
  const ids = new Int32Array(2 * L);
  ids.set(tokenizer.encode(manifest.uncond_prompt), 0);
  ids.set(tokenizer.encode(values.prompt!), L);
  const ctx = (await text.run({ input_ids: new ort.Tensor('int32', ids, [2, L]) }))[manifest.text_encoder.outputs[0].name];
  device.queue.writeBuffer(context, 0, new Float32Array((await ctx.getData()) as Float32Array));
  const textMs = performance.now() - start;
  const noise = createRng(SEED).normals(N);
  const x = new Float32Array(2 * N);
  x.set(noise, 0);
  x.set(noise, N);
  device.queue.writeBuffer(sample, 0, x);
  const pending: Promise<void>[] = [];
  for (let i = 0; i < STEPS; i++) {
    const from = points[i];
    const to = points[i + 1];
    device.queue.writeBuffer(timestep, 0, new Float32Array([from.t, from.t]));
    const p = new ArrayBuffer(32);
    new Float32Array(p, 0, 5).set([GUIDANCE, Math.sqrt(from.ab), Math.sqrt(1 - from.ab), Math.sqrt(to.ab), Math.sqrt(Math.max(1 - to.ab, 0))]);
    new Uint32Array(p, 20, 1)[0] = N;
    device.queue.writeBuffer(params, 0, p);
    await unet.run(feeds, fetches);
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.ceil(N / 64));
    pass.end();
    encoder.copyBufferToBuffer(frames, 0, staging[i], 0, staging[i].size);
    if (i === STEPS - 1) encoder.copyBufferToBuffer(sample, 0, finalStaging, 0, finalStaging.size);
    device.queue.submit([encoder.finish()]);
    pending.push(staging[i].mapAsync(GPUMapMode.READ));
  }
  const submitMs = performance.now() - start;
  await Promise.all([...pending, finalStaging.mapAsync(GPUMapMode.READ)]);
  const totalMs = performance.now() - start;
  const out = staging.map((b) => {
    const a = new Float32Array(b.getMappedRange().slice(0));
    b.unmap();
    return a;
  });
  const image = new Float32Array(finalStaging.getMappedRange().slice(0, N * 4));
  finalStaging.unmap();
  return { submitMs, totalMs, textMs, frames: out, image };
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const runs: Run[] = [];
for (let r = 0; r < REPS + 1; r++) runs.push(await residentGeneration()); // the first one captures the graph
const last = runs[runs.length - 1];
const finalRef = reference[reference.length - 1].prev;
const imageDiff = maxAbs(last.image, finalRef);
let x0Diff = 0;
let xtDiff = 0;
for (let i = 0; i < STEPS; i++) {
  x0Diff = Math.max(x0Diff, maxAbs(last.frames[i].subarray(N, 2 * N), reference[i].x0));
  xtDiff = Math.max(xtDiff, maxAbs(last.frames[i].subarray(0, N), reference[i].xt));
}
const stable = maxAbs(runs[1].image, last.image);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const timed = runs.slice(1);
const tol = Number(values.tol);
console.log(`${MODELS_DIR}, ${STEPS} steps, guidance ${GUIDANCE}, layout ${values.layout}, adapter ${adapter.vendor} ${adapter.architecture} ${adapter.description}`.trim());
console.log(
  `GPU-resident generation, median of ${timed.length}: ${median(timed.map((r) => r.totalMs)).toFixed(1)} ms until the last frame is read ` +
    `(${median(timed.map((r) => r.submitMs)).toFixed(1)} ms to the last submit, text ${median(timed.map((r) => r.textMs)).toFixed(1)} ms); ` +
    `first (capture) ${runs[0].totalMs.toFixed(0)} ms; all: ${timed.map((r) => r.totalMs.toFixed(1)).join(', ')}`,
);
console.log(`vs the page's pipeline on WASM: final image max |diff| ${imageDiff.toExponential(2)}, x_t ${xtDiff.toExponential(2)}, x0 ${x0Diff.toExponential(2)} over all steps; run to run ${stable.toExponential(2)}`);
const ok = imageDiff <= tol && x0Diff <= tol && stable === 0;
console.log(ok ? `PASS (tolerance ${tol})` : `FAIL (tolerance ${tol})`);
process.exit(ok ? 0 : 1);
