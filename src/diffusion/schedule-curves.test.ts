import { describe, expect, it } from 'vitest';
import { cosineAlphasCumprod, ddimTimesteps } from './schedule.ts';
import { finiteRange, logSnrOf, nearestIndex, samplerTimesteps, scheduleCurves } from './schedule-curves.ts';
import { karrasSigmas, logSigmas, sigmaToT } from './spacing.ts';

const schedule = { alphas_cumprod: cosineAlphasCumprod(1000) };

describe('schedule curves', () => {
  it('signal² + noise² = 1 and log-SNR = log(signal² / noise²) at every t', () => {
    const c = scheduleCurves(schedule);
    expect(c.alphaBar).toHaveLength(1000);
    for (const t of [0, 1, 250, 500, 998, 999]) {
      expect(c.signal[t] ** 2 + c.noise[t] ** 2).toBeCloseTo(1, 12);
      expect(c.logSnr[t]).toBeCloseTo(Math.log(c.signal[t] ** 2 / c.noise[t] ** 2), 9);
    }
  });

  it('log-SNR falls monotonically from clean to noise and is 0 where signal and noise are equal', () => {
    const { logSnr } = scheduleCurves(schedule);
    for (let t = 1; t < 1000; t++) expect(logSnr[t]).toBeLessThan(logSnr[t - 1]);
    expect(logSnrOf(0.5)).toBe(0);
    expect(logSnrOf(1)).toBe(Infinity);
    expect(logSnrOf(0)).toBe(-Infinity);
    // log SNR = -2 log sigma, sigma as the Karras sampler uses it.
    const logs = logSigmas(schedule.alphas_cumprod);
    expect(logSnr[400]).toBeCloseTo(-2 * logs[400], 9);
  });

  it('gives the sampler its own timesteps: trailing integers, Karras fractions', () => {
    expect(samplerTimesteps(schedule, 8, 'trailing')).toEqual(Array.from(ddimTimesteps(8, 1000)));
    const karras = samplerTimesteps(schedule, 5, 'karras');
    const logs = logSigmas(schedule.alphas_cumprod);
    const sigmas = karrasSigmas(Math.exp(logs[0]), Math.exp(logs[999]), 5);
    expect(karras).toEqual(Array.from(sigmas, (s) => sigmaToT(logs, s)));
    expect(karras[0]).toBeCloseTo(999, 6);
    expect(karras.some((t) => !Number.isInteger(t))).toBe(true);
  });

  it('finds the finite range and the nearest timestep', () => {
    expect(finiteRange([Infinity, 3, -2, -Infinity, 1])).toEqual({ min: -2, max: 3 });
    expect(() => finiteRange([Infinity])).toThrow(/no finite value/);
    const ts = [999, 874, 749, 624];
    expect(nearestIndex(ts, 1000)).toBe(0);
    expect(nearestIndex(ts, 800)).toBe(2);
    expect(nearestIndex(ts, 0)).toBe(3);
    expect(nearestIndex([], 5)).toBe(-1);
  });
});
