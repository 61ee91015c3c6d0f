import { describe, expect, it } from 'vitest';
import { classifierFreeGuidance } from './guidance.ts';

describe('classifierFreeGuidance', () => {
  const uncond = [1, -2, 0.5];
  const cond = [3, 2, 0.5];
  const batch = Float32Array.from([...uncond, ...cond]); // [2, 3]

  it('scale 0 gives uncond, 1 gives cond', () => {
    expect(Array.from(classifierFreeGuidance(batch, 0))).toEqual(uncond);
    expect(Array.from(classifierFreeGuidance(batch, 1))).toEqual(cond);
  });

  it('extrapolates past cond for scale > 1', () => {
    expect(Array.from(classifierFreeGuidance(batch, 4))).toEqual([9, 14, 0.5]);
  });

  it('rejects an odd batch', () => {
    expect(() => classifierFreeGuidance(new Float32Array(3), 2)).toThrow(/odd length 3/);
  });
});
