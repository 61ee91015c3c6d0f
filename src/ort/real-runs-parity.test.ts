/**
 * Every sampler end to end with the real networks: generate() over the shipped ONNX files on
 * onnxruntime-web (WASM, the page's fallback) in Node repeats the PyTorch runs of
 * src/fixtures/real-runs.json (training/make_fixtures.py, through training/samplers.py run) to 1e-3.
 */
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModels, readModelsDir } from './node-models.ts';
import type { SamplerName } from '../diffusion/sampler.ts';
import type { Spacing } from '../diffusion/spacing.ts';
import { f32, modelsDir, readFixture, type FixtureArray } from '../testing/fixtures.ts';
import { samplerSettings } from '../testing/samplers-fixture.ts';
import type { StepFrame } from '../pipeline/generate.ts';
import type { Models } from '../pipeline/models.ts';
import { generateRun as generate } from '../testing/runs.ts';

/** One guided generation with the PyTorch networks of the checkpoints. */
interface RealRun {
  sampler: SamplerName;
  spacing: Spacing;
  seed: number;
  steps: number;
  guidance: number;
  eta: number;
  rescale: number;
  prompt: string;
  negative_prompt: string;
  /** The first step's x0-hat [C, H, W]: a mismatch here is the networks', not the loop's. */
  x0_first: FixtureArray;
  /** The final image (the last step's prev) [C, H, W]. */
  image: FixtureArray;
}

/** Absolute, in model units ([-1, 1] images; one 8-bit level is 2/255 = 7.8e-3). */
const TOLERANCE = 1e-3;

ort.env.wasm.numThreads = 1;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('generate() on onnxruntime-web WASM vs PyTorch: src/fixtures/real-runs.json', () => {
  const runs = readFixture<{ runs: RealRun[] }>('real-runs.json').runs;
  let models: Models;
  const worst = { diff: 0, name: '' };

  beforeAll(async () => {
    const { manifest, tokenizer } = readModelsDir(modelsDir);
    models = await openModels(ort, modelsDir, manifest, tokenizer, { executionProviders: ['wasm'] });
  }, 120_000);

  afterAll(() => console.log(`real-runs parity: worst max |diff| ${worst.diff.toExponential(2)} (${worst.name}), tolerance ${TOLERANCE}`));

  for (const run of runs) {
    const name = `${run.sampler} ${run.spacing}${run.eta ? ` eta ${run.eta}` : ''}${run.negative_prompt ? `, negative "${run.negative_prompt}"` : ''}${run.rescale ? `, rescale ${run.rescale}` : ''}, seed ${run.seed}`;
    it(`${name}: first x0 and final image agree to ${TOLERANCE}`, { timeout: 300_000 }, async () => {
      const frames: StepFrame[] = [];
      const params = { prompt: run.prompt, ...samplerSettings(run), negative: run.negative_prompt };
      for await (const frame of generate(models, params)) frames.push(frame);
      expect(frames.length).toBe(run.steps);
      const x0Diff = maxAbsDiff(frames[0].x0, f32(run.x0_first));
      const imageDiff = maxAbsDiff(frames[frames.length - 1].prev, f32(run.image));
      console.log(`${name}: max |diff| first x0 ${x0Diff.toExponential(2)}, final image ${imageDiff.toExponential(2)}`);
      for (const d of [x0Diff, imageDiff]) if (d > worst.diff) Object.assign(worst, { diff: d, name });
      expect(x0Diff, 'first step x0-hat').toBeLessThanOrEqual(TOLERANCE);
      expect(imageDiff, 'final image').toBeLessThanOrEqual(TOLERANCE);
    });
  }
});
