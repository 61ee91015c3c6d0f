import { describe, expect, it } from 'vitest';
import { mismatch } from '../testing/fixtures.ts';
import { qSample } from './q-sample.ts';
import { createRng } from './rng.ts';
import { alphaBar, cosineAlphasCumprod } from './schedule.ts';
import { lossTerm, meanSquaredError, sweepTimesteps, vTarget } from './training-loss.ts';

const schedule = { alphas_cumprod: cosineAlphasCumprod(1000) };
const n = 192;
const x0 = createRng(1).normals(n).map((z) => 0.5 * Math.tanh(z));
const eps = createRng(2).normals(n);

describe('training loss term', () => {
  it('is zero for the exact v, whose eps-hat is the drawn noise', () => {
    const ab = alphaBar(schedule, 250);
    const xt = qSample(schedule, x0, 250, eps);
    const r = lossTerm(ab, x0, eps, xt, vTarget(ab, x0, eps));
    expect(r.mseV).toBeLessThan(1e-12);
    expect(mismatch(r.epsHat, eps, 1e-5)).toBeNull();
    expect(Math.max(...r.epsError.map(Math.abs))).toBeLessThan(1e-5);
  });

  it('measures v-MSE, and eps-MSE = alpha_bar * v-MSE', () => {
    for (const t of [0, 100, 500, 999]) {
      const ab = alphaBar(schedule, t);
      const xt = qSample(schedule, x0, t, eps);
      const vHat = createRng(t + 10).normals(n);
      const r = lossTerm(ab, x0, eps, xt, vHat);
      expect(r.mseV).toBeCloseTo(meanSquaredError(vHat, r.v), 12);
      expect(r.mseEps / r.mseV).toBeCloseTo(ab, 4);
    }
  });

  it('a model that predicts v = 0 scores the target\'s mean square', () => {
    const ab = alphaBar(schedule, 500);
    const v = vTarget(ab, x0, eps);
    const expected = v.reduce((s, x) => s + x * x, 0) / n;
    expect(meanSquaredError(new Float32Array(n), v)).toBeCloseTo(expected, 10);
  });

  it('throws on mismatched lengths', () => {
    expect(() => meanSquaredError(new Float32Array(2), new Float32Array(3))).toThrow(/lengths 2 and 3/);
    expect(() => vTarget(0.5, new Float32Array(2), new Float32Array(3))).toThrow(/x0 has 2 values, eps 3/);
  });
});

describe('sweepTimesteps', () => {
  it('spreads distinct integer timesteps evenly over 0..T-1', () => {
    const ts = sweepTimesteps(1000);
    expect(ts).toHaveLength(24);
    expect(ts[0]).toBe(20);
    expect(ts.at(-1)).toBe(979);
    expect(ts.every((t, i) => Number.isInteger(t) && (i === 0 || t > ts[i - 1]))).toBe(true);
    expect(sweepTimesteps(10, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(() => sweepTimesteps(10, 11)).toThrow(/points must be in 1..10, got 11/);
  });
});
