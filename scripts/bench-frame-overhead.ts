/**
 * What the architecture view's frames cost per step, without a browser or a real model: the
 * pipeline's own work per step (sampler maths, copies; the frames now also carry the U-Net's raw
 * output, x_{t-1}, the fresh noise and the first step's text) with an instant U-Net (the contract's
 * dummy, the same for every run), at the shipped model's size. branchEps, which turns the raw output
 * into per-branch eps-hat, runs in the page for the step on screen only; its cost is printed apart.
 *
 *   npx tsx scripts/bench-frame-overhead.ts                      # this checkout's pipeline
 *   npx tsx scripts/bench-frame-overhead.ts --base=/path/to/src  # and an older checkout's src/, interleaved
 *
 * Prints the median ms per step of each, and the cost of branchEps alone. The U-Net itself costs
 * ~40 ms per guided step in WASM (README), so a few tenths of a millisecond here is under 1 % of a step.
 */
import { parseArgs } from 'node:util';
import { branchEps } from '../src/diffusion/branches.ts';
import { createRng } from '../src/diffusion/rng.ts';
import { parseManifest } from '../src/model/manifest.ts';
import { fakeManifestJson, fakeModels } from '../src/testing/fake-model.ts';
import type { generate as Generate } from '../src/pipeline/generate.ts';
import { runSettings } from '../src/settings/fields.ts';

const { values: flags } = parseArgs({ options: { base: { type: 'string' }, runs: { type: 'string', default: '15' } } });
const RUNS = Number(flags.runs);
const STEPS = 20;
const manifest = parseManifest(fakeManifestJson(64, 128)); // the shipped model's image and context size

async function msPerStep(generate: typeof Generate): Promise<number> {
  const models = fakeModels(manifest);
  const start = performance.now();
  let steps = 0;
  for await (const frame of generate(models, runSettings({ prompt: 'cat face', seed: 1, steps: STEPS, guidance: 4, sampler: 'euler-a' }))) steps += frame.index >= 0 ? 1 : 0;
  return (performance.now() - start) / steps;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const current = (await import('../src/pipeline/generate.ts')).generate;
const base = flags.base ? ((await import(`${flags.base}/pipeline/generate.ts`)) as { generate: typeof Generate }).generate : null;
await msPerStep(current); // warm-up (JIT)
if (base) await msPerStep(base);
const times: { current: number[]; base: number[] } = { current: [], base: [] };
for (let r = 0; r < RUNS; r++) {
  times.current.push(await msPerStep(current));
  if (base) times.base.push(await msPerStep(base));
}
const size = 3 * 64 * 64;
const xt = createRng(1).normals(size);
const out = createRng(2).normals(2 * size);
const t0 = performance.now();
for (let i = 0; i < 200; i++) branchEps(0.5, xt, out, true, 4);
const branchMs = (performance.now() - t0) / 200;

console.log(`pipeline per step, instant U-Net, 3x64x64, guided, ${STEPS} steps x ${RUNS} runs (median):`);
console.log(`  this checkout: ${median(times.current).toFixed(3)} ms`);
if (base) console.log(`  base (${flags.base}): ${median(times.base).toFixed(3)} ms  -> added ${(median(times.current) - median(times.base)).toFixed(3)} ms per step`);
console.log(`branchEps alone (batch 2, in the page, per step shown): ${branchMs.toFixed(3)} ms`);
