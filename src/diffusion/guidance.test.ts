import { describe, expect, it } from 'vitest';
import { mismatch } from '../testing/fixtures.ts';
import { classifierFreeGuidance, rescaleGuidance } from './guidance.ts';

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

describe('rescaleGuidance (Lin et al. 2024, section 3.4)', () => {
  const ab = 0.3;
  const [a, b] = [Math.sqrt(ab), Math.sqrt(1 - ab)];
  const xt = Float32Array.from({ length: 48 }, (_, i) => Math.sin(i));
  const cond = Float32Array.from({ length: 48 }, (_, i) => 0.5 * Math.cos(3 * i));
  const guided = cond.map((c, i) => 4 * c - 0.2 * xt[i] + 0.1);
  const x0 = (v: Float32Array) => Array.from(v, (vi, i) => a * xt[i] - b * vi);
  const std = (x: number[]) => {
    const m = x.reduce((s, y) => s + y, 0) / x.length;
    return Math.sqrt(x.reduce((s, y) => s + (y - m) ** 2, 0) / x.length);
  };

  it('phi = 0 leaves the guided v alone; a guided v equal to the conditional one is left alone', () => {
    expect(mismatch(rescaleGuidance(ab, xt, cond, guided, 0), guided, 1e-6)).toBeNull();
    expect(mismatch(rescaleGuidance(ab, xt, cond, cond, 1), cond, 1e-6)).toBeNull();
  });

  it('phi = 1 gives x0-hat the conditional x0-hat\'s standard deviation; phi mixes linearly in x0', () => {
    const full = rescaleGuidance(ab, xt, cond, guided, 1);
    expect(std(x0(full))).toBeCloseTo(std(x0(cond)), 5);
    expect(std(x0(guided))).toBeGreaterThan(2 * std(x0(cond)));
    const half = x0(rescaleGuidance(ab, xt, cond, guided, 0.5));
    const expected = x0(full).map((f, i) => 0.5 * f + 0.5 * x0(guided)[i]);
    expect(mismatch(half, expected, 1e-5)).toBeNull();
  });

  it('leaves a constant x0 alone (zero std) and rejects mismatched lengths', () => {
    const zero = new Float32Array(48); // x_t = 0 and v = 0: x0 = 0 everywhere, std exactly 0
    expect(Array.from(rescaleGuidance(ab, zero, cond, zero, 1))).toEqual(Array.from(zero));
    expect(() => rescaleGuidance(ab, xt, cond, new Float32Array(3), 1)).toThrow(/v_guided 3/);
  });
});
