import { describe, expect, it } from 'vitest';
import { checkCapture, type CapturedUnet } from './captured-unet.ts';

const dims = { C: 3, R: 4, L: 2, D: 3 };
const n = dims.C * dims.R * dims.R;
const ctx = dims.L * dims.D;

/** A stand-in U-Net: each row's v depends on that row's sample, timestep and context, as the real one's does. */
function unet(sample: Float32Array, timestep: Float32Array, context: Float32Array): Float32Array {
  return Float32Array.from(sample, (x, i) => {
    const row = i < n ? 0 : 1;
    return x * timestep[row] * 1e-3 + context[row * ctx + (i % ctx)];
  });
}

type Replay = 'follows' | 'stale output' | 'stale sample' | 'stale timestep' | 'stale context' | 'nan';

/** A captured U-Net whose replays (every call after the first) behave as `replay` says. */
function fake(replay: Replay): Pick<CapturedUnet, 'run'> {
  let first: { sample: Float32Array; timestep: Float32Array; context: Float32Array; v: Float32Array } | null = null;
  return {
    async run(sample, timestep, context) {
      if (!first) {
        first = { sample: sample.slice(), timestep: timestep.slice(), context: context.slice(), v: unet(sample, timestep, context) };
        return first.v;
      }
      switch (replay) {
        case 'follows': return unet(sample, timestep, context);
        case 'stale output': return first.v;
        case 'stale sample': return unet(first.sample, timestep, context);
        case 'stale timestep': return unet(sample, first.timestep, context);
        case 'stale context': return unet(sample, timestep, first.context);
        case 'nan': return unet(sample, timestep, context).map(() => NaN);
      }
    },
  };
}

describe('checkCapture', () => {
  it('passes a replay that follows all its new inputs', async () => {
    expect(await checkCapture(fake('follows'), dims)).toBeNull();
  });

  it.each(['stale output', 'stale sample', 'stale timestep', 'stale context', 'nan'] as const)('refuses a replay with %s', async (replay) => {
    expect(await checkCapture(fake(replay), dims)).toMatch(/a replay on swapped rows differs from the capture run by (\d|Infinity)/);
  });

  it('refuses to pass when its two rows give the same output (it could not tell a stale replay)', async () => {
    const blind: Pick<CapturedUnet, 'run'> = { run: async () => new Float32Array(2 * n) };
    expect(await checkCapture(blind, dims)).toBe('the check cannot tell its two rows apart');
  });

  it('refuses a capture run with non-finite values', async () => {
    const broken: Pick<CapturedUnet, 'run'> = { run: async () => new Float32Array(2 * n).fill(Infinity) };
    expect(await checkCapture(broken, dims)).toBe('the capture run gave non-finite values');
  });
});
