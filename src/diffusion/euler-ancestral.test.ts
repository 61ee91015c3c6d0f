import { describe, expect, it } from 'vitest';
import { mismatch } from '../testing/fixtures.ts';
import { eulerAncestralStep } from './euler-ancestral.ts';
import { qSample } from './q-sample.ts';
import { createRng } from './rng.ts';
import { alphaBar, cosineAlphasCumprod } from './schedule.ts';

const schedule = { alphas_cumprod: cosineAlphasCumprod(1000) };
const ab = (t: number) => alphaBar(schedule, t);
const x0 = createRng(1).normals(192).map((z) => Math.tanh(z));
const eps = createRng(2).normals(192);
const sigma = (a: number) => Math.sqrt((1 - a) / a);

/** The v an oracle predicts at alpha_bar a for (x0, eps). */
const oracleV = (a: number) => x0.map((x, i) => Math.sqrt(a) * eps[i] - Math.sqrt(1 - a) * x);

describe('eulerAncestralStep', () => {
  it('is x_{t\'} = sqrt(ab\') (x0 + sigma_down eps + sigma_up z) with sigma_down^2 + sigma_up^2 = sigma_to^2', () => {
    const [a, b] = [ab(800), ab(500)];
    const xt = qSample(schedule, x0, 800, eps);
    const z = createRng(3).normals(192);
    const r = eulerAncestralStep(a, b, xt, oracleV(a), z);
    const up = sigma(b) * Math.sqrt(1 - sigma(b) ** 2 / sigma(a) ** 2);
    const down = Math.sqrt(sigma(b) ** 2 - up ** 2);
    const expected = x0.map((x, i) => Math.sqrt(b) * (x + down * eps[i] + up * z[i]));
    expect(mismatch(r.predOriginalSample, x0, 1e-5)).toBeNull();
    expect(mismatch(r.prevSample, expected, 1e-4)).toBeNull();
  });

  it('keeps huge sigmas (t = T-1, sigma ~ 2e4) in range: VP in, VP out', () => {
    const xt = createRng(4).normals(192);
    const r = eulerAncestralStep(ab(999), ab(966), xt, xt.map((x) => 0.5 * x), createRng(5).normals(192));
    expect(sigma(ab(999))).toBeGreaterThan(1e4);
    expect(r.prevSample.every((x) => Number.isFinite(x) && Math.abs(x) < 10)).toBe(true);
  });

  it('lands on x0-hat on the last step and needs no noise there', () => {
    const xt = createRng(6).normals(192);
    const r = eulerAncestralStep(ab(30), 1, xt, xt.map((x) => -x));
    expect(mismatch(r.prevSample, r.predOriginalSample, 1e-6)).toBeNull();
  });

  it('rejects bad arguments', () => {
    const x = new Float32Array(4);
    expect(() => eulerAncestralStep(ab(10), ab(5), x, x)).toThrow(/needs noise/);
    expect(() => eulerAncestralStep(ab(10), ab(5), x, new Float32Array(3))).toThrow(/v has 3 values, x_t has 4/);
    expect(() => eulerAncestralStep(ab(5), ab(10), x, x, x)).toThrow(/must be above ab_t/);
  });
});
