import { describe, expect, it } from 'vitest';
import { fakeModels } from '../testing/fake-model.ts';
import { generateRun as generate } from '../testing/runs.ts';
import { timeModelCalls } from './timed-models.ts';

describe('timeModelCalls', () => {
  it('records the latest text-encoder and U-Net call times and passes outputs through', async () => {
    const plain = fakeModels();
    const { models, last } = timeModelCalls(plain);
    expect(Number.isNaN(last.textMs) && Number.isNaN(last.unetMs)).toBe(true);
    const params = { prompt: 'cat face', seed: 3, steps: 3, guidance: 2 };
    const seen: number[] = [];
    let timedImage: Float32Array | undefined;
    for await (const frame of generate(models, params)) {
      seen.push(last.unetMs);
      timedImage = frame.prev;
    }
    expect(last.textMs).toBeGreaterThanOrEqual(0);
    expect(seen).toHaveLength(3);
    expect(seen.every((ms) => ms >= 0)).toBe(true);
    let plainImage: Float32Array | undefined;
    for await (const frame of generate(plain, params)) plainImage = frame.prev;
    expect(Array.from(timedImage!)).toEqual(Array.from(plainImage!));
  });
});
