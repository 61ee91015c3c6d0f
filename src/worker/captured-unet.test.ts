import { describe, expect, it } from 'vitest';
import { checkCapture, type CapturedUnet } from './captured-unet.ts';

const dims = { C: 3, R: 4, L: 2, D: 3 };

/** A stand-in U-Net: v depends on every input, as the real one does. */
const unet = (sample: Float32Array, timestep: Float32Array, context: Float32Array) =>
  Float32Array.from(sample, (x, i) => x * timestep[i < sample.length / 2 ? 0 : 1] * 1e-3 + context[i % context.length]);

function fake(replay: 'follows' | 'stale' | 'nan'): Pick<CapturedUnet, 'run'> {
  let first: Float32Array | null = null;
  return {
    async run(sample, timestep, context) {
      const v = unet(sample, timestep, context);
      if (!first) return (first = v);
      return replay === 'follows' ? v : replay === 'stale' ? first : v.map(() => NaN);
    },
  };
}

describe('checkCapture', () => {
  const reference = async (s: Float32Array, t: Float32Array, c: Float32Array) => unet(s, t, c);

  it('passes a replay that follows its new inputs', async () => {
    expect(await checkCapture(fake('follows'), reference, dims)).toBeNull();
  });

  it('refuses a replay that returns the captured run\'s output again (stale outputs)', async () => {
    expect(await checkCapture(fake('stale'), reference, dims)).toMatch(/captured step differs from uncaptured by \d/);
  });

  it('refuses a replay with non-finite outputs', async () => {
    expect(await checkCapture(fake('nan'), reference, dims)).toMatch(/differs/);
  });
});
