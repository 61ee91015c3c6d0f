import { describe, expect, it } from 'vitest';
import { mismatch } from '../testing/fixtures.ts';
import { stepFromV } from './prediction.ts';
import { qSample } from './q-sample.ts';
import { createRng } from './rng.ts';
import { alphaBar, cosineAlphasCumprod } from './schedule.ts';

const schedule = { alphas_cumprod: cosineAlphasCumprod(1000) };
const x0 = createRng(1).normals(192).map((z) => Math.tanh(z)); // [3, 8, 8] in (-1, 1)
const eps = createRng(2).normals(192);

describe('stepFromV (x0 and eps from a v prediction)', () => {
  it('recovers x0 and eps from the exact v, and stores what the update returns', () => {
    const ab = alphaBar(schedule, 400);
    const xt = qSample(schedule, x0, 400, eps);
    const v = x0.map((x, i) => Math.sqrt(ab) * eps[i] - Math.sqrt(1 - ab) * x); // Salimans & Ho's v
    const sums: number[] = [];
    const r = stepFromV(ab, xt, v, (i, x, x0Hat, epsHat) => {
      expect(x).toBe(xt[i]);
      sums.push(x0Hat + epsHat);
      return x0Hat + epsHat;
    });
    expect(mismatch(r.predOriginalSample, x0, 1e-5)).toBeNull();
    expect(mismatch(r.predEpsilon, eps, 1e-4)).toBeNull();
    expect(r.prevSample).toEqual(Float32Array.from(sums)); // the update's value, stored float32
  });

  it('clips x0 to [-1, 1] and re-derives eps so the pair still explains x_t', () => {
    const ab = alphaBar(schedule, 900);
    const xt = qSample(schedule, x0, 900, eps);
    const v = createRng(3).normals(192).map((z) => 5 * z); // pushes x0-hat far out of range
    const r = stepFromV(ab, xt, v, () => 0);
    expect(Math.max(...r.predOriginalSample)).toBe(1);
    expect(Math.min(...r.predOriginalSample)).toBe(-1);
    const rebuilt = r.predOriginalSample.map((x, i) => Math.sqrt(ab) * x + Math.sqrt(1 - ab) * r.predEpsilon[i]);
    expect(mismatch(rebuilt, xt, 1e-5)).toBeNull();
    expect(Array.from(r.prevSample).every((x) => x === 0)).toBe(true);
  });
});
