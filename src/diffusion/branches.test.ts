import { describe, expect, it } from 'vitest';
import { mismatch } from '../testing/fixtures.ts';
import { branchEps, epsFromV } from './branches.ts';
import { classifierFreeGuidance } from './guidance.ts';
import { stepFromV } from './prediction.ts';
import { qSample } from './q-sample.ts';
import { createRng } from './rng.ts';
import { alphaBar, cosineAlphasCumprod } from './schedule.ts';

const schedule = { alphas_cumprod: cosineAlphasCumprod(1000) };
const n = 192; // [3, 8, 8]
const x0 = createRng(1).normals(n).map((z) => 0.5 * Math.tanh(z));
const eps = createRng(2).normals(n);

describe('epsFromV', () => {
  it('recovers the true noise from the exact v', () => {
    const ab = alphaBar(schedule, 300);
    const xt = qSample(schedule, x0, 300, eps);
    const v = x0.map((x, i) => Math.sqrt(ab) * eps[i] - Math.sqrt(1 - ab) * x);
    expect(mismatch(epsFromV(ab, xt, v), eps, 1e-5)).toBeNull();
  });

  it('agrees with the sampler\'s eps when x0-hat needs no clipping', () => {
    const ab = alphaBar(schedule, 600);
    const xt = qSample(schedule, x0, 600, eps);
    const v = createRng(3).normals(n).map((z) => 0.1 * z);
    const r = stepFromV(ab, xt, v, () => 0);
    const e = epsFromV(ab, xt, v);
    const inside = [...r.predOriginalSample.keys()].filter((i) => Math.abs(r.predOriginalSample[i]) < 1);
    expect(inside.length).toBeGreaterThan(n / 2);
    for (const i of inside) expect(Math.abs(e[i] - r.predEpsilon[i])).toBeLessThan(1e-4);
  });

  it('throws on mismatched lengths', () => {
    expect(() => epsFromV(0.5, new Float32Array(3), new Float32Array(4))).toThrow(/x_t has 3 values, v 4/);
  });
});

describe('branchEps', () => {
  const ab = alphaBar(schedule, 700);
  const xt = qSample(schedule, x0, 700, eps);
  const out = createRng(4).normals(2 * n); // [uncond, cond]

  it('gives each branch its own eps and the guided eps that guiding v implies', () => {
    const w = 4;
    const b = branchEps(ab, xt, out, true, w);
    expect(Array.from(b.uncond!)).toEqual(Array.from(epsFromV(ab, xt, out.subarray(0, n))));
    expect(Array.from(b.cond)).toEqual(Array.from(epsFromV(ab, xt, out.subarray(n))));
    // Guidance is linear, so guiding eps equals the eps of the guided v.
    expect(mismatch(b.guided, epsFromV(ab, xt, classifierFreeGuidance(out, w)), 1e-5)).toBeNull();
    for (let i = 0; i < n; i++) expect(Math.abs(b.guided[i] - (b.uncond![i] + w * (b.cond[i] - b.uncond![i])))).toBeLessThan(1e-5);
  });

  it('has no unconditional branch at guidance 1 (batch 1)', () => {
    const b = branchEps(ab, xt, out.subarray(n), false, 1);
    expect(b.uncond).toBeNull();
    expect(b.guided).toBe(b.cond);
  });

  it('throws when the output is not the batch the step asked for', () => {
    expect(() => branchEps(ab, xt, out.subarray(n), true, 3)).toThrow(/expected 384 output values for x_t of 192, got 192/);
  });
});
