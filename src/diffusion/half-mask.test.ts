import { describe, expect, it } from 'vitest';
import { halfMask } from './half-mask.ts';

describe('halfMask', () => {
  it('keeps the named half of a 4x4 image', () => {
    expect(Array.from(halfMask('left', 4))).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
    expect(Array.from(halfMask('right', 4))).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]);
    expect(Array.from(halfMask('top', 4))).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(halfMask('bottom', 4))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('keeps the smaller half of an odd side, so kept and regenerated never overlap', () => {
    expect(Array.from(halfMask('left', 3))).toEqual([1, 0, 0, 1, 0, 0, 1, 0, 0]);
    expect(Array.from(halfMask('right', 3))).toEqual([0, 0, 1, 0, 0, 1, 0, 0, 1]);
  });
});
