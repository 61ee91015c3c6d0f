import { describe, expect, it } from 'vitest';
import { absDifference, meanAbsDifference } from './abs-difference.ts';
import { chwToRgba } from './image.ts';

describe('absDifference', () => {
  it('is |a - b| per value, symmetric, zero for equal images', () => {
    const a = new Float32Array([-1, 0, 1, 0.5, -0.25, 1]);
    const b = new Float32Array([1, 0, -1, 0.25, 0.25, 1]);
    expect(Array.from(absDifference(a, b))).toEqual([2, 0, 2, 0.25, 0.5, 0]);
    expect(Array.from(absDifference(b, a))).toEqual(Array.from(absDifference(a, b)));
    expect(meanAbsDifference(a, a)).toBe(0);
    expect(meanAbsDifference(a, b)).toBeCloseTo(4.75 / 6, 6);
  });

  it('shown as (value - 1), its bytes equal the difference of the two images\' bytes to within 1', () => {
    const side = 4;
    const n = 3 * side * side;
    const a = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7));
    const b = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.9));
    const shown = absDifference(a, b).map((v) => v - 1);
    const [pa, pb, pd] = [a, b, shown].map((x) => chwToRgba(x, side, side));
    for (let i = 0; i < pd.length; i++) {
      if (i % 4 === 3) continue;
      expect(Math.abs(pd[i] - Math.abs(pa[i] - pb[i]))).toBeLessThanOrEqual(1);
    }
  });

  it('refuses images of different sizes', () => {
    expect(() => absDifference(new Float32Array(3), new Float32Array(6))).toThrow(/differ in size \(3 vs 6 values\)/);
  });
});
