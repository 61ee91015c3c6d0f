import { describe, expect, it } from 'vitest';
import { createRng } from '../diffusion/rng.ts';
import { dummyV, fakeModels } from '../testing/fake-model.ts';
import { predictV } from './predict.ts';

const size = 3 * 8 * 8;

describe('predictV (the training view\'s U-Net call)', () => {
  it('answers every row with its own v: its sample, timestep and prompt', async () => {
    const models = fakeModels();
    const sample = createRng(1).normals(5 * size);
    const timestep = Float32Array.from([10, 500, 999, 0, 250]);
    const prompts = ['cat face', '', 'cat face', '', 'cat'];
    const v = await predictV(models, { sample, timestep, prompts });
    for (let b = 0; b < 5; b++) {
      const want = dummyV(sample.subarray(b * size, (b + 1) * size), timestep[b], prompts[b] !== '');
      expect(Array.from(v.subarray(b * size, (b + 1) * size))).toEqual(Array.from(want));
    }
    // Text once for the 3 distinct prompts; the U-Net 2 rows per call.
    expect(models.calls).toEqual({ text: 1, unet: 3 });
  });

  it('stops with an AbortError when its signal aborts between calls', async () => {
    const controller = new AbortController();
    const models = fakeModels();
    const run = predictV(models, { sample: new Float32Array(6 * size), timestep: new Float32Array(6), prompts: new Array(6).fill('') }, controller.signal, async () => controller.abort());
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(models.calls.unet).toBe(1);
  });

  it('rejects inputs that do not fit the model, saying which', async () => {
    const models = fakeModels();
    await expect(predictV(models, { sample: new Float32Array(size), timestep: Float32Array.from([1000]), prompts: [''] })).rejects.toThrow(/timesteps must be in 0..999, got 1000/);
    await expect(predictV(models, { sample: new Float32Array(size - 1), timestep: new Float32Array(1), prompts: [''] })).rejects.toThrow(/sample must have 1 x 192 values/);
    await expect(predictV(models, { sample: new Float32Array(0), timestep: new Float32Array(0), prompts: [] })).rejects.toThrow(/at least one row/);
  });
});
