import { describe, expect, it } from 'vitest';
import { mismatch } from '../testing/fixtures.ts';
import { ddimStep } from './ddim.ts';
import { dpmSolverStep, type DpmSolverHistory } from './dpm-solver.ts';
import { qSampleAt } from './q-sample.ts';
import { createRng } from './rng.ts';
import { alphaBar, cosineAlphasCumprod } from './schedule.ts';
import { samplingPoints } from './spacing.ts';

const schedule = { alphas_cumprod: cosineAlphasCumprod(1000) };
const x0 = createRng(1).normals(192).map((z) => Math.tanh(z));
const eps = createRng(2).normals(192);
const oracleV = (a: number, x: Float32Array) =>
  x.map((xi, i) => {
    const e = (xi - Math.sqrt(a) * x0[i]) / Math.sqrt(1 - a);
    return Math.sqrt(a) * e - Math.sqrt(1 - a) * x0[i];
  });

describe('dpmSolverStep (DPM-Solver++(2M))', () => {
  it('is DDIM (eta = 0) on a first step', () => {
    const xt = qSampleAt(alphaBar(schedule, 700), x0, eps);
    const v = createRng(3).normals(192);
    const a = dpmSolverStep(null, alphaBar(schedule, 700), alphaBar(schedule, 600), xt, v);
    const b = ddimStep(schedule, 700, 600, xt, v);
    expect(mismatch(a.prevSample, b.prevSample, 1e-5)).toBeNull();
    expect(Array.from(a.predOriginalSample)).toEqual(Array.from(b.predOriginalSample));
  });

  it('stays on q_sample(x0, eps) and ends at x0 when the model\'s x0 never changes (karras and trailing)', () => {
    for (const spacing of ['karras', 'trailing'] as const) {
      const p = samplingPoints(schedule, 6, spacing);
      let x = qSampleAt(p[0].ab, x0, eps);
      let history: DpmSolverHistory | null = null;
      for (let i = 0; i < 6; i++) {
        const r = dpmSolverStep(history, p[i].ab, p[i + 1].ab, x, oracleV(p[i].ab, x));
        expect(mismatch(r.prevSample, qSampleAt(p[i + 1].ab, x0, eps), 1e-4), `${spacing} step ${i}`).toBeNull();
        ({ history } = r);
        x = r.prevSample;
      }
      expect(mismatch(x, x0, 1e-5)).toBeNull();
    }
  });

  it('uses the history on middle steps, not on the last, and returns its own x0 and lambda', () => {
    const p = samplingPoints(schedule, 4, 'trailing');
    const x = qSampleAt(p[1].ab, x0, eps);
    const v = oracleV(p[1].ab, x);
    const old: DpmSolverHistory = { x0: new Float32Array(192), lambda: 0.5 * Math.log(p[0].ab / (1 - p[0].ab)) };
    const first = dpmSolverStep(null, p[1].ab, p[2].ab, x, v);
    const second = dpmSolverStep(old, p[1].ab, p[2].ab, x, v);
    expect(mismatch(first.prevSample, second.prevSample, 1e-3)).not.toBeNull();
    expect(second.history.lambda).toBeCloseTo(0.5 * Math.log(p[1].ab / (1 - p[1].ab)), 12);
    expect(Array.from(second.history.x0)).toEqual(Array.from(second.predOriginalSample));
    expect(second.history.x0).not.toBe(second.predOriginalSample); // a copy: the frame's array may be transferred
    const last = dpmSolverStep(old, p[3].ab, 1, x, v);
    expect(Array.from(last.prevSample)).toEqual(Array.from(last.predOriginalSample));
  });

  it('rejects bad arguments', () => {
    const x = new Float32Array(4);
    expect(() => dpmSolverStep(null, 0.5, 0.6, x, new Float32Array(3))).toThrow(/v has 3 values, x_t has 4/);
    expect(() => dpmSolverStep(null, 0.6, 0.5, x, x)).toThrow(/must be above ab_t/);
    expect(() => dpmSolverStep({ x0: new Float32Array(2), lambda: 0 }, 0.5, 0.6, x, x)).toThrow(/history has 2 values/);
  });
});
