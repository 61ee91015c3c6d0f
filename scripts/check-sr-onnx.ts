/**
 * Checks an exported super-resolution stage (sr_unet.onnx and its manifest entry) against the PyTorch
 * fixtures training/export_sr.py wrote: one batch-2 call, and one whole upscale run by the page's own
 * diffusion code (rng.ts, spacing.ts, q-sample.ts, ddim.ts) on onnxruntime-node (the CPU kernels of the
 * page's WASM backend). Exit code 1 on any mismatch.
 *   node --import tsx scripts/check-sr-onnx.ts MODEL_DIR [FIXTURE_DIR]
 * MODEL_DIR holds sr_unet.onnx and manifest.json (its "sr" entry) or manifest-sr.json (a fixture folder).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ddimStep } from '../src/diffusion/ddim.ts';
import { qSampleAt } from '../src/diffusion/q-sample.ts';
import { createRng } from '../src/diffusion/rng.ts';
import { cosineAlphasCumprod } from '../src/diffusion/schedule.ts';
import { samplingPoints } from '../src/diffusion/spacing.ts';

interface Strided { stride: number; count: number; values: { b64: string }; sum: number; mean_abs: number }
interface Entry { file: string; resolution: number; low_resolution: number; inputs: { name: string }[]; outputs: { name: string }[] }

const [modelDir, fixtureDir = modelDir] = process.argv.slice(2);
if (!modelDir) {
  console.error('usage: node --import tsx scripts/check-sr-onnx.ts MODEL_DIR [FIXTURE_DIR]');
  process.exit(2);
}
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const manifestFile = existsSync(join(modelDir, 'manifest.json')) ? 'manifest.json' : 'manifest-sr.json';
const entry: Entry = read(join(modelDir, manifestFile)).sr;
if (!entry) throw new Error(`${join(modelDir, manifestFile)} has no "sr" entry`);
const f32 = (b64: string) => new Float32Array(new Uint8Array(Buffer.from(b64, 'base64')).buffer);
const session = await ort.InferenceSession.create(join(modelDir, entry.file));
const names = [entry.inputs.map((x) => x.name), entry.outputs.map((x) => x.name)];
if (JSON.stringify(names) !== JSON.stringify([session.inputNames, session.outputNames])) {
  throw new Error(`${entry.file}: the manifest says ${JSON.stringify(names)}, the file has ${session.inputNames} -> ${session.outputNames}`);
}
const R = entry.resolution;
const r = entry.low_resolution;

/** One SR U-Net call at batch `b`. */
async function call(sample: Float32Array, t: number[], lowRes: Float32Array, s: number[]): Promise<Float32Array> {
  const b = t.length;
  const out = await session.run({
    sample: new ort.Tensor('float32', sample, [b, 3, R, R]),
    timestep: new ort.Tensor('float32', Float32Array.from(t), [b]),
    low_res: new ort.Tensor('float32', lowRes, [b, 3, r, r]),
    aug_level: new ort.Tensor('float32', Float32Array.from(s), [b]),
  });
  return out.v.data as Float32Array;
}

/** Every stride-th value of `got` against the fixture's, relative to max(1, |want|); prints and returns ok. */
function compare(name: string, got: ArrayLike<number>, want: Strided, tolerance: number): boolean {
  const values = f32(want.values.b64);
  let worst = 0;
  for (let i = 0; i < values.length; i++) {
    worst = Math.max(worst, Math.abs(got[i * want.stride] - values[i]) / Math.max(1, Math.abs(values[i])));
  }
  let sum = 0;
  for (let i = 0; i < got.length; i++) sum += got[i];
  const sumOk = Math.abs(sum - want.sum) <= tolerance * Math.max(1, want.mean_abs * got.length);
  const ok = got.length === want.count && worst <= tolerance && sumOk;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${values.length} of ${got.length} values, max relative error ${worst.toExponential(2)} (<= ${tolerance}), sum ${sum.toFixed(3)} vs ${want.sum.toFixed(3)}`);
  return ok;
}

const callFx = read(join(fixtureDir, 'sr-call.json'));
const v = await call(createRng(callFx.seed_sample).normals(2 * 3 * R * R), callFx.timestep,
  createRng(callFx.seed_low_res).normals(2 * 3 * r * r), callFx.aug_level);
const checks = [compare('sr_unet v (batch 2)', v, callFx.v, 1e-4)];

// The whole upscale, as sr_sampler.sr_run (training/) and the page run it.
const up = read(join(fixtureDir, 'sr-upscale.json'));
const pixels = new Uint8Array(Buffer.from(up.low_res_u8.b64, 'base64')); // [r, r, 3]
const lowRes = new Float32Array(3 * r * r);
for (let c = 0; c < 3; c++) for (let i = 0; i < r * r; i++) lowRes[c * r * r + i] = pixels[i * 3 + c] / 127.5 - 1;
const schedule = { alphas_cumprod: cosineAlphasCumprod() };
const rng = createRng(up.seed);
let x = rng.normals(3 * R * R);
const z = qSampleAt(schedule.alphas_cumprod[up.aug_level], lowRes, rng.normals(3 * r * r));
checks.push(compare('augmented low-resolution input', z, up.low_res_aug, 1e-6));
const points = samplingPoints(schedule, up.steps, 'trailing');
for (let i = 0; i < up.steps; i++) {
  const vi = await call(x, [points[i].t], z, [up.aug_level]);
  const step = ddimStep(schedule, points[i].t, points[i + 1].t, x, vi);
  if (i === 0) checks.push(compare('first step x0-hat', step.predOriginalSample, up.x0_first, 1e-4));
  x = step.prevSample;
}
checks.push(compare(`upscaled image (${up.steps} steps)`, x, up.image, 1e-3));
const want = new Uint8Array(Buffer.from(up.image_u8.b64, 'base64'));
let off = 0;
let worstLevel = 0;
for (let i = 0; i < R * R; i++) {
  for (let c = 0; c < 3; c++) {
    const level = Math.min(255, Math.max(0, Math.round((x[c * R * R + i] + 1) * 127.5)));
    const d = Math.abs(level - want[i * 3 + c]);
    worstLevel = Math.max(worstLevel, d);
    if (d > 0) off++;
  }
}
const pixelsOk = worstLevel <= 1;
console.log(`${pixelsOk ? 'ok  ' : 'FAIL'} upscaled uint8: ${off} of ${3 * R * R} values differ, by at most ${worstLevel} level(s)`);
process.exit(checks.every(Boolean) && pixelsOk ? 0 : 1);
