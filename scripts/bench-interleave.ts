/**
 * What compare mode's scheduling costs a single run, without a browser or a real model: the worker
 * now feeds every generation through pipeline/interleave.ts (a one-lane stream for a single run) and
 * one more async generator (the worker's runJob). This times the pipeline at the shipped model's size
 * with an instant U-Net (the contract's dummy) plainly and through those two layers, alternating
 * rounds, and prints the median ms per step of each and their difference. The U-Net costs ~40 ms per
 * guided step in WASM (README), so the difference is to be read against that.
 *
 *   npx tsx scripts/bench-interleave.ts [--rounds=15] [--steps=50]
 */
import { parseArgs } from 'node:util';
import { parseManifest } from '../src/model/manifest.ts';
import { fakeManifestJson, fakeModels } from '../src/testing/fake-model.ts';
import { generate, type StepFrame } from '../src/pipeline/generate.ts';
import { interleave } from '../src/pipeline/interleave.ts';
import type { Models } from '../src/pipeline/models.ts';
import { runSettings, type RunSettings } from '../src/settings/fields.ts';

const { values: flags } = parseArgs({ options: { rounds: { type: 'string', default: '15' }, steps: { type: 'string', default: '50' } } });
const rounds = Number(flags.rounds);
const steps = Number(flags.steps);
const manifest = parseManifest(fakeManifestJson(64, 128)); // the shipped model's 64 px, context width 128
const models = fakeModels(manifest);
const params: RunSettings = runSettings({ prompt: 'cat face', seed: 1, steps, guidance: 4 });

/** The worker's runJob, less its scoring and posting: one more async generator around the pipeline. */
async function* job(m: Models, p: RunSettings): AsyncGenerator<StepFrame> {
  for await (const frame of generate(m, p)) yield frame;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function plain(): Promise<number> {
  const start = performance.now();
  for await (const _frame of generate(models, params)) await yieldToEventLoop();
  return (performance.now() - start) / steps;
}

async function layered(): Promise<number> {
  const start = performance.now();
  for await (const _item of interleave([job(models, params)])) await yieldToEventLoop();
  return (performance.now() - start) / steps;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
await plain(); // warm-up
await layered();
const times = { plain: [] as number[], layered: [] as number[] };
for (let r = 0; r < rounds; r++) {
  times.plain.push(await plain());
  times.layered.push(await layered());
}
const [p, l] = [median(times.plain), median(times.layered)];
console.log(`ms per step, median of ${rounds} alternating rounds of ${steps} steps (instant U-Net, 64 px):`);
console.log(`  pipeline alone               ${p.toFixed(3)}`);
console.log(`  through interleave + runJob  ${l.toFixed(3)}`);
console.log(`  difference                   ${(l - p).toFixed(3)} (${(((l - p) / 40) * 100).toFixed(2)} % of a 40 ms WASM U-Net step)`);
