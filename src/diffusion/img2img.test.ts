import { describe, expect, it } from 'vitest';
import { img2imgSteps } from './img2img.ts';

describe('img2imgSteps', () => {
  it('runs round_half_up(N * strength) of N steps, at least 1', () => {
    expect([0.01, 0.25, 0.3, 0.6, 0.99, 1].map((s) => img2imgSteps(10, s))).toEqual([1, 3, 3, 6, 10, 10]);
    expect(img2imgSteps(1, 0.2)).toBe(1);
    expect(img2imgSteps(100, 0.29)).toBe(29); // 28.999999999999996 before rounding
  });

  it('rejects strengths outside (0, 1]', () => {
    for (const s of [0, -0.5, 1.01, NaN]) expect(() => img2imgSteps(10, s)).toThrow(/strength must be in \(0, 1\]/);
  });
});
