// Times the super-resolution U-Net (sr_unet.onnx) one call at a time, as the page would run it: batch 1,
// a 256 px sample, on onnxruntime-web's WASM build in Node (the page's kernels, SIMD, worker-thread
// threads) or onnxruntime-node's native CPU library. Prints one JSON line: median / min ms per call and
// the whole upscale's estimate (steps x median) for each step count asked. --reference UNET.onnx also
// times the base U-Net's guided step (batch 2, as the page calls it), interleaved call for call, so on a
// busy machine the ratio of the two still says what an SR call costs in base-model steps.
//   node training/bench_sr.mjs MODEL.onnx [--runtime wasm|native] [--threads 2] [--calls 8] [--steps 4,6,8]
//        [--reference public/models/unet.onnx]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runtime: { type: 'string', default: 'wasm' }, threads: { type: 'string', default: '2' },
    calls: { type: 'string', default: '8' }, steps: { type: 'string', default: '4,6,8' },
    resolution: { type: 'string', default: '256' }, reference: { type: 'string' } },
});
const [file] = positionals;
if (!file) throw new Error('usage: node training/bench_sr.mjs MODEL.onnx [--runtime wasm|native] [--threads N] [--calls N]');
const runtime = values.runtime;
if (runtime !== 'wasm' && runtime !== 'native') throw new Error(`--runtime must be wasm or native, got ${runtime}`);
const threads = Number(values.threads), calls = Number(values.calls), R = Number(values.resolution);
const ort = runtime === 'native' ? await import('onnxruntime-node') : await import('onnxruntime-web');
const options = { graphOptimizationLevel: 'all' };
if (runtime === 'native') Object.assign(options, { intraOpNumThreads: threads, interOpNumThreads: 1 });
else {
  ort.env.wasm.numThreads = threads;
  options.executionProviders = ['wasm'];
}
const loadStart = performance.now();
const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(file)), options);
const loadMs = performance.now() - loadStart;

/** Deterministic values in [-1, 1): the timing does not depend on them, only the shapes. */
function filled(n, seed) {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) { s = (s * 1664525 + 1013904223) >>> 0; a[i] = s / 2 ** 31 - 1; }
  return a;
}
const r = R / 4;
const feeds = (t) => ({
  sample: new ort.Tensor('float32', filled(3 * R * R, 1), [1, 3, R, R]),
  timestep: new ort.Tensor('float32', Float32Array.of(t), [1]),
  low_res: new ort.Tensor('float32', filled(3 * r * r, 2), [1, 3, r, r]),
  aug_level: new ort.Tensor('float32', Float32Array.of(100), [1]),
});
const reference = values.reference
  ? await ort.InferenceSession.create(new Uint8Array(readFileSync(values.reference)), options) : null;
/** The base U-Net's inputs for one guided step: batch 2 at its manifest shapes (64 px, 16 x 128 context). */
const referenceFeeds = () => ({
  sample: new ort.Tensor('float32', filled(2 * 3 * 64 * 64, 3), [2, 3, 64, 64]),
  timestep: new ort.Tensor('float32', Float32Array.of(500, 500), [2]),
  encoder_hidden_states: new ort.Tensor('float32', filled(2 * 16 * 128, 4), [2, 16, 128]),
});
const times = [], refTimes = [];
for (let i = 0; i < calls + 1; i++) { // the first call (allocation, kernel selection) is left out
  let start = performance.now();
  const out = await session.run(feeds(999 - i * 100));
  const ms = performance.now() - start;
  if (!out.v || out.v.data.length !== 3 * R * R) throw new Error('sr_unet.onnx gave no v of the input size');
  if (i > 0) times.push(ms);
  if (reference) {
    start = performance.now();
    await reference.run(referenceFeeds());
    if (i > 0) refTimes.push(performance.now() - start);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x) => Math.round(x * 10) / 10;
const steps = values.steps.split(',').map(Number);
console.log(JSON.stringify({
  file, runtime, threads, resolution: R, calls, load_ms: Math.round(loadMs),
  median_ms: round(median(times)), min_ms: round(Math.min(...times)),
  upscale_ms: Object.fromEntries(steps.map((n) => [n, Math.round(n * median(times))])),
  ...(reference ? { reference: values.reference, reference_median_ms: round(median(refTimes)),
    sr_call_in_base_steps: round(median(times.map((t, i) => t / refTimes[i]))) } : {}),
  versions: ort.env.versions, node: process.version,
}));
