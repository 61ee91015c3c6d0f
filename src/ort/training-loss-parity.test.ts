/**
 * The training view's numbers against PyTorch: src/fixtures/training-loss.json (written by
 * training/make_training_fixture.py with the shipped checkpoints) gives v-MSE and eps-MSE for fixed
 * images, timesteps, seeds and prompts; the page's maths (rng, q_sample, lossTerm) over the shipped
 * ONNX files (onnxruntime-web WASM, the page's fallback) through predictV must give the same.
 */
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { openModels, readModelsDir } from './node-models.ts';
import { qSample } from '../diffusion/q-sample.ts';
import { createRng } from '../diffusion/rng.ts';
import { alphaBar } from '../diffusion/schedule.ts';
import { lossTerm } from '../diffusion/training-loss.ts';
import { f32, modelsDir, readFixture, type FixtureArray } from '../testing/fixtures.ts';
import { predictV } from '../pipeline/predict.ts';

interface Case {
  image: string;
  t: number;
  seed: number;
  prompt: string;
  alpha_bar: number;
  mse_v: number;
  mse_eps: number;
  x0: FixtureArray;
}

ort.env.wasm.numThreads = 1;

describe('training loss term: page maths + ONNX vs PyTorch (src/fixtures/training-loss.json)', () => {
  it('gives PyTorch\'s v-MSE and eps-MSE for every case to 1e-4 relative', { timeout: 300_000 }, async () => {
    const { cases } = readFixture<{ cases: Case[] }>('training-loss.json');
    const { manifest, tokenizer } = readModelsDir(modelsDir);
    const models = await openModels(ort, modelsDir, manifest, tokenizer, { executionProviders: ['wasm'] });
    const x0s = cases.map((c) => f32(c.x0));
    const size = x0s[0].length;
    const eps = cases.map((c) => createRng(c.seed).normals(size));
    const xt = cases.map((c, i) => qSample(manifest.schedule, x0s[i], c.t, eps[i]));
    const sample = new Float32Array(cases.length * size);
    xt.forEach((x, i) => sample.set(x, i * size));
    const v = await predictV(models, { sample, timestep: Float32Array.from(cases.map((c) => c.t)), prompts: cases.map((c) => c.prompt) });
    cases.forEach((c, i) => {
      const ab = alphaBar(manifest.schedule, c.t);
      expect(ab).toBeCloseTo(c.alpha_bar, 12);
      const term = lossTerm(ab, x0s[i], eps[i], xt[i], v.subarray(i * size, (i + 1) * size));
      expect(Math.abs(term.mseV / c.mse_v - 1), `${c.image} t=${c.t} v-MSE ${term.mseV} vs ${c.mse_v}`).toBeLessThan(1e-4);
      expect(Math.abs(term.mseEps / c.mse_eps - 1), `${c.image} t=${c.t} eps-MSE`).toBeLessThan(1e-4);
    });
  });
});
