import { describe, expect, it } from 'vitest';
import { readFixture } from '../testing/fixtures.ts';
import { cosineAlphasCumprod, ddimTimesteps } from './schedule.ts';
import { karrasSigmas, logSigmas, samplingPoints, sigmaToT } from './spacing.ts';

const schedule = { alphas_cumprod: cosineAlphasCumprod(1000) };
const logs = logSigmas(schedule.alphas_cumprod);

describe('karrasSigmas (Karras et al. 2022, eq. 5)', () => {
  it('runs from sigma_max down to sigma_min', () => {
    const s = karrasSigmas(0.01, 100, 5);
    expect(s[0]).toBeCloseTo(100, 10);
    expect(s[4]).toBeCloseTo(0.01, 12);
    for (let i = 1; i < 5; i++) expect(s[i]).toBeLessThan(s[i - 1]);
    expect(Array.from(karrasSigmas(0.01, 100, 1))).toEqual([expect.closeTo(100, 10)]);
  });

  it('is linear for rho = 1 and bunches steps at low sigma for rho = 7', () => {
    expect(Array.from(karrasSigmas(1, 5, 5, 1))).toEqual([5, 4, 3, 2, 1]);
    const s = karrasSigmas(0.01, 100, 10);
    expect(s[8] - s[9]).toBeLessThan(s[0] - s[1]);
  });
});

describe('sigmaToT', () => {
  it('inverts the table at integer timesteps', () => {
    for (const t of [0, 1, 10, 500, 998, 999]) expect(sigmaToT(logs, Math.exp(logs[t]))).toBeCloseTo(t, 9);
  });

  it('is linear in log sigma between entries, clamped at the ends', () => {
    expect(sigmaToT(logs, Math.exp(0.5 * (logs[300] + logs[301])))).toBeCloseTo(300.5, 9);
    expect(sigmaToT(logs, 1e-9)).toBe(0);
    expect(sigmaToT(logs, 1e9)).toBe(999);
  });
});

describe('samplingPoints', () => {
  it('trailing: the DDIM timesteps with table alpha_bar, then the clean image', () => {
    const p = samplingPoints(schedule, 7, 'trailing');
    expect(p.map((q) => q.t)).toEqual([...ddimTimesteps(7, 1000), -1]);
    expect(p.map((q) => q.ab)).toEqual([...Array.from(ddimTimesteps(7, 1000), (t) => schedule.alphas_cumprod[t]), 1]);
  });

  it('karras: fractional t from T-1 down to 0, alpha_bar = 1 / (1 + sigma^2) rising to 1', () => {
    for (const n of [1, 2, 7, 25, 1000]) {
      const p = samplingPoints(schedule, n, 'karras');
      expect(p).toHaveLength(n + 1);
      expect(p[0].t).toBeCloseTo(999, 6);
      if (n > 1) expect(p[n - 1].t).toBeCloseTo(0, 6);
      expect(p[n]).toEqual({ t: -1, ab: 1 });
      for (let i = 1; i <= n; i++) {
        expect(p[i].t).toBeLessThan(p[i - 1].t);
        expect(p[i].ab).toBeGreaterThan(p[i - 1].ab);
      }
    }
    expect(samplingPoints(schedule, 7, 'karras').some((q) => !Number.isInteger(q.t))).toBe(true);
  });

  it('rejects bad step counts and spacings', () => {
    expect(() => samplingPoints(schedule, 0, 'karras')).toThrow(/steps must be an integer in 1\.\.1000, got 0/);
    expect(() => samplingPoints(schedule, 3, 'leading' as never)).toThrow(/unknown spacing "leading"/);
  });

  it('agrees with training/samplers.py on every run of samplers-dummy.json', () => {
    type Run = { spacing: 'trailing' | 'karras'; steps: number; init: unknown; frames: { t: number; t_prev: number; ab: number; ab_prev: number }[] };
    const { runs } = readFixture<{ runs: Run[] }>('samplers-dummy.json');
    const table = { alphas_cumprod: Float64Array.from(readFixture<{ alphas_cumprod: number[] }>('schedule.json').alphas_cumprod) };
    for (const run of runs) {
      const p = samplingPoints(table, run.steps, run.spacing);
      const start = run.steps - run.frames.length; // img2img runs the plan's last steps
      run.frames.forEach((f, i) => {
        for (const [mine, theirs] of [[p[start + i].t, f.t], [p[start + i + 1].t, f.t_prev], [p[start + i].ab, f.ab], [p[start + i + 1].ab, f.ab_prev]]) {
          expect(Math.abs(mine - theirs)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(theirs)));
        }
      });
    }
  });
});
