import { describe, expect, it } from 'vitest';
import { dummyV } from '../testing/fake-model.ts';
import { f32, mismatch, readFixture, type FixtureArray } from '../testing/fixtures.ts';
import { ddimStep } from './ddim.ts';
import { classifierFreeGuidance } from './guidance.ts';
import { qSample } from './q-sample.ts';
import { createRng } from './rng.ts';
import { alphaBar, cosineAlphasCumprod, ddimTimesteps } from './schedule.ts';

const schedule = { alphas_cumprod: cosineAlphasCumprod(1000) };
const x0 = createRng(1).normals(192).map((z) => Math.tanh(z)); // [3, 8, 8] in (-1, 1)
const eps = createRng(2).normals(192); // [3, 8, 8]

/** The v an oracle model would predict for (x0, eps) at t: sqrt(ab) eps - sqrt(1 - ab) x0. */
function oracleV(t: number): Float32Array {
  const ab = alphaBar(schedule, t);
  return x0.map((x, i) => Math.sqrt(ab) * eps[i] - Math.sqrt(1 - ab) * x);
}

describe('ddimStep', () => {
  it('with an oracle v recovers x0 and eps, and lands on q_sample(x0, t_prev, eps)', () => {
    for (const [t, tPrev] of [[999, 966], [500, 400], [10, -1]]) {
      const xt = qSample(schedule, x0, t, eps);
      const r = ddimStep(schedule, t, tPrev, xt, oracleV(t));
      expect(mismatch(r.predOriginalSample, x0, 1e-4)).toBeNull();
      expect(mismatch(r.predEpsilon, eps, 1e-3)).toBeNull();
      expect(mismatch(r.prevSample, qSample(schedule, x0, tPrev, eps), 1e-4)).toBeNull();
    }
  });

  it('returns the clipped x0 as the final image (t_prev = -1)', () => {
    const xt = createRng(3).normals(192).map((z) => 3 * z);
    const r = ddimStep(schedule, 5, -1, xt, new Float32Array(192));
    expect(Array.from(r.prevSample)).toEqual(Array.from(r.predOriginalSample));
    expect(Math.max(...r.predOriginalSample.map(Math.abs))).toBeLessThanOrEqual(1);
  });

  it('re-derives eps from the clipped x0, so (x0, eps) still reproduce x_t', () => {
    const xt = createRng(4).normals(192).map((z) => 5 * z);
    const t = 20;
    const r = ddimStep(schedule, t, 10, xt, new Float32Array(192));
    expect(r.predOriginalSample.some((x) => Math.abs(x) === 1)).toBe(true);
    const ab = alphaBar(schedule, t);
    const rebuilt = r.predOriginalSample.map((x, i) => Math.sqrt(ab) * x + Math.sqrt(1 - ab) * r.predEpsilon[i]);
    expect(mismatch(rebuilt, xt, 1e-5)).toBeNull();
  });

  it('is deterministic at eta = 0 and adds sigma * noise at eta > 0', () => {
    const xt = qSample(schedule, x0, 700, eps);
    const v = oracleV(700);
    const zero = ddimStep(schedule, 700, 600, xt, v);
    const z = createRng(5).normals(192);
    const noisy = ddimStep(schedule, 700, 600, xt, v, 1, z);
    const [ab, abPrev] = [alphaBar(schedule, 700), alphaBar(schedule, 600)];
    const sigma = Math.sqrt((1 - abPrev) / (1 - ab)) * Math.sqrt(1 - ab / abPrev);
    const dir = Math.sqrt(1 - abPrev - sigma * sigma);
    const expected = zero.predOriginalSample.map((x, i) => Math.sqrt(abPrev) * x + dir * zero.predEpsilon[i] + sigma * z[i]);
    expect(mismatch(noisy.prevSample, expected, 1e-5)).toBeNull();
    expect(() => ddimStep(schedule, 700, 600, xt, v, 1)).toThrow(/eta > 0 needs noise/);
  });

  it('rejects bad arguments', () => {
    const x = new Float32Array(4);
    expect(() => ddimStep(schedule, 10, 10, x, x)).toThrow(/t_prev \(10\) must be below t \(10\)/);
    expect(() => ddimStep(schedule, 10, 5, x, new Float32Array(3))).toThrow(/v has 3 values, x_t has 4/);
    expect(() => ddimStep(schedule, 1000, 5, x, x)).toThrow(/timestep must be an integer/);
  });

  it('a full dummy-model run gives a stable golden sum (diffusers-style)', () => {
    let x = createRng(7).normals(192);
    const ts = ddimTimesteps(10, 1000);
    for (let i = 0; i < ts.length; i++) {
      const v = classifierFreeGuidance(Float32Array.from([...dummyV(x, ts[i], false), ...dummyV(x, ts[i], true)]), 3);
      x = ddimStep(schedule, ts[i], i + 1 < ts.length ? ts[i + 1] : -1, x, v).prevSample;
    }
    const sum = x.reduce((s, v) => s + v, 0);
    const absSum = x.reduce((s, v) => s + Math.abs(v), 0);
    expect(Number.isFinite(sum)).toBe(true);
    expect(absSum).toBeGreaterThan(0);
    expect(Math.max(...x.map(Math.abs))).toBeLessThanOrEqual(1);
  });
});

describe('DDIM parity with training/schedule.py (src/fixtures/ddim-dummy.json)', () => {
  type Frame = Record<'x_t' | 'v' | 'x0' | 'eps' | 'prev', FixtureArray> & { t: number; t_prev: number; noise: FixtureArray | null };
  type Run = { seed: number; steps: number; guidance: number; eta: number; x_T: FixtureArray; frames: Frame[] };
  const { runs } = readFixture<{ runs: Run[] }>('ddim-dummy.json');
  const table = { alphas_cumprod: Float64Array.from(readFixture<{ alphas_cumprod: number[] }>('schedule.json').alphas_cumprod) };

  it('has runs, with eta = 0 and eta > 0', () => {
    expect(runs.some((r) => r.eta === 0)).toBe(true);
    expect(runs.some((r) => r.eta > 0)).toBe(true);
  });

  for (const run of runs) {
    describe(`seed ${run.seed}, ${run.steps} steps, guidance ${run.guidance}, eta ${run.eta}`, () => {
      it('has one frame per trailing timestep, chained to t_prev = -1', () => {
        expect(run.frames.map((f) => f.t)).toEqual(Array.from(ddimTimesteps(run.steps, table.alphas_cumprod.length)));
        expect(run.frames.map((f) => f.t_prev)).toEqual([...run.frames.slice(1).map((f) => f.t), -1]);
      });

      it('x_T and the eta noise come from one generator seeded with seed, one draw per step', () => {
        const rng = createRng(run.seed);
        expect(Array.from(rng.normals(f32(run.x_T).length))).toEqual(Array.from(f32(run.x_T)));
        for (const f of run.frames) {
          if (f.noise) expect(Array.from(rng.normals(f32(f.noise).length))).toEqual(Array.from(f32(f.noise)));
          else expect(run.eta).toBe(0);
        }
      });

      it('each step, fed the reference x_t, v and noise, gives x0, eps and prev to 1e-5', () => {
        for (const f of run.frames) {
          const r = ddimStep(table, f.t, f.t_prev, f32(f.x_t), f32(f.v), run.eta, f.noise ? f32(f.noise) : undefined);
          expect(mismatch(r.predOriginalSample, f32(f.x0), 1e-5), `x0 at t=${f.t}`).toBeNull();
          expect(mismatch(r.predEpsilon, f32(f.eps), 1e-5), `eps at t=${f.t}`).toBeNull();
          expect(mismatch(r.prevSample, f32(f.prev), 1e-5), `prev at t=${f.t}`).toBeNull();
        }
      });

      it('guidance of the dummy halves gives the reference v to 1e-5', () => {
        for (const f of run.frames) {
          const x = f32(f.x_t);
          const v = classifierFreeGuidance(Float32Array.from([...dummyV(x, f.t, false), ...dummyV(x, f.t, true)]), run.guidance);
          expect(mismatch(v, f32(f.v), 1e-5), `v at t=${f.t}`).toBeNull();
        }
      });
    });
  }
});
