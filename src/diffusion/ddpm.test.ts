import { describe, expect, it } from 'vitest';
import { mismatch } from '../testing/fixtures.ts';
import { ddimStep } from './ddim.ts';
import { ddpmStep } from './ddpm.ts';
import { qSample } from './q-sample.ts';
import { createRng } from './rng.ts';
import { alphaBar, cosineAlphasCumprod } from './schedule.ts';

const schedule = { alphas_cumprod: cosineAlphasCumprod(1000) };
const ab = (t: number) => alphaBar(schedule, t);
const x0 = createRng(1).normals(192).map((z) => Math.tanh(z)); // [3, 8, 8] in (-1, 1)
const eps = createRng(2).normals(192);

describe('ddpmStep (Ho et al. 2020, eq. 7, strided)', () => {
  it('equals DDIM with eta = 1 given the same noise (the same posterior)', () => {
    const xt = qSample(schedule, x0, 700, eps);
    const v = createRng(3).normals(192); // any model output
    const z = createRng(4).normals(192);
    const a = ddpmStep(ab(700), ab(600), xt, v, z);
    const b = ddimStep(schedule, 700, 600, xt, v, 1, z);
    expect(mismatch(a.prevSample, b.prevSample, 1e-5)).toBeNull();
    expect(Array.from(a.predOriginalSample)).toEqual(Array.from(b.predOriginalSample));
    expect(Array.from(a.predEpsilon)).toEqual(Array.from(b.predEpsilon));
  });

  it('with one-timestep strides is the paper\'s step: mean from eq. 7, variance beta_tilde', () => {
    const t = 300;
    const xt = qSample(schedule, x0, t, eps);
    const v = xt.map((x) => 0.1 * x);
    const z = createRng(5).normals(192);
    const r = ddpmStep(ab(t), ab(t - 1), xt, v, z);
    const alpha = ab(t) / ab(t - 1);
    const beta = 1 - alpha;
    const betaTilde = ((1 - ab(t - 1)) / (1 - ab(t))) * beta;
    const expected = r.predOriginalSample.map(
      (x, i) => (Math.sqrt(ab(t - 1)) * beta * x) / (1 - ab(t)) + (Math.sqrt(alpha) * (1 - ab(t - 1)) * xt[i]) / (1 - ab(t)) + Math.sqrt(betaTilde) * z[i],
    );
    expect(mismatch(r.prevSample, expected, 1e-6)).toBeNull();
  });

  it('lands on x0-hat on the last step and needs no noise there', () => {
    const xt = createRng(6).normals(192).map((z) => 3 * z);
    const r = ddpmStep(ab(20), 1, xt, new Float32Array(192));
    expect(Array.from(r.prevSample)).toEqual(Array.from(r.predOriginalSample));
    expect(Math.max(...r.predOriginalSample.map(Math.abs))).toBeLessThanOrEqual(1);
  });

  it('rejects bad arguments', () => {
    const x = new Float32Array(4);
    expect(() => ddpmStep(ab(10), ab(5), x, x)).toThrow(/needs noise/);
    expect(() => ddpmStep(ab(10), ab(5), x, new Float32Array(3))).toThrow(/v has 3 values, x_t has 4/);
    expect(() => ddpmStep(ab(5), ab(10), x, x, x)).toThrow(/must be above ab_t/);
  });
});
