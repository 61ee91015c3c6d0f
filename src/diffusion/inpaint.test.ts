import { describe, expect, it } from 'vitest';
import { inpaintBlend } from './inpaint.ts';

describe('inpaintBlend', () => {
  it('keeps the known image where the mask is 1, the sample where it is 0, blends fractions, per channel', () => {
    const mask = Float32Array.from([1, 0, 0.5, 0.25]); // [2, 2]
    const known = new Float32Array(12).fill(1); // [3, 2, 2]
    const x = new Float32Array(12).fill(-1);
    expect(Array.from(inpaintBlend(mask, known, x))).toEqual([1, -1, 0, -0.5, 1, -1, 0, -0.5, 1, -1, 0, -0.5]);
  });

  it('rejects shapes that do not fit', () => {
    expect(() => inpaintBlend(new Float32Array(5), new Float32Array(12), new Float32Array(12))).toThrow(/mask has 5 values/);
    expect(() => inpaintBlend(new Float32Array(4), new Float32Array(8), new Float32Array(12))).toThrow(/known 8, x 12/);
  });
});
