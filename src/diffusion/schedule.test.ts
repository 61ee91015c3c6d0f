import { describe, expect, it } from 'vitest';
import { mismatch, readFixture } from '../testing/fixtures.ts';
import { alphaBar, cosineAlphasCumprod, ddimTimesteps } from './schedule.ts';

describe('ddimTimesteps (trailing)', () => {
  it('gives exact arrays', () => {
    expect(Array.from(ddimTimesteps(1, 1000))).toEqual([999]);
    expect(Array.from(ddimTimesteps(3, 1000))).toEqual([999, 666, 332]);
    expect(Array.from(ddimTimesteps(7, 1000))).toEqual([999, 856, 713, 570, 428, 285, 142]);
    const thirty = Array.from(ddimTimesteps(30, 1000));
    expect(thirty.slice(0, 5)).toEqual([999, 966, 932, 899, 866]);
    expect(thirty.slice(-3)).toEqual([99, 66, 32]);
    expect(Array.from(ddimTimesteps(1000, 1000))).toEqual(Array.from({ length: 1000 }, (_, i) => 999 - i));
    expect(Array.from(ddimTimesteps(4, 10))).toEqual([9, 7, 4, 2]);
  });

  it('always starts at T-1 and strictly decreases', () => {
    for (const n of [1, 2, 13, 50, 333, 999]) {
      const ts = ddimTimesteps(n, 1000);
      expect(ts[0]).toBe(999);
      for (let i = 1; i < n; i++) expect(ts[i]).toBeLessThan(ts[i - 1]);
      expect(ts[n - 1]).toBeGreaterThanOrEqual(0);
    }
  });

  it('rejects step counts outside 1..T and non-integers', () => {
    for (const n of [0, -1, 1001, 2.5, NaN]) expect(() => ddimTimesteps(n, 1000)).toThrow(/steps must be an integer in 1\.\.1000/);
  });
});

describe('alphaBar', () => {
  const schedule = { alphas_cumprod: Float64Array.from([0.9, 0.5, 0.1]) };
  it('reads the table and gives 1 at t = -1', () => {
    expect(alphaBar(schedule, 0)).toBe(0.9);
    expect(alphaBar(schedule, 2)).toBe(0.1);
    expect(alphaBar(schedule, -1)).toBe(1);
  });
  it('rejects timesteps outside -1..T-1', () => {
    for (const t of [-2, 3, 0.5]) expect(() => alphaBar(schedule, t)).toThrow(/timestep must be an integer in -1\.\.2/);
  });
});

describe('cosineAlphasCumprod', () => {
  it('decreases from near 1 to near 0', () => {
    const ab = cosineAlphasCumprod(1000);
    expect(ab[0]).toBeGreaterThan(0.9999);
    expect(ab[999]).toBeGreaterThan(0);
    expect(ab[999]).toBeLessThan(1e-4);
    for (let t = 1; t < 1000; t++) expect(ab[t]).toBeLessThan(ab[t - 1]);
  });
});

describe('schedule parity with training/schedule.py (src/fixtures/schedule.json)', () => {
  const fixture = readFixture<{ alphas_cumprod: number[]; timesteps: Record<string, number[]> }>('schedule.json');

  it('cosine table agrees to 1e-12', () => {
    expect(mismatch(cosineAlphasCumprod(fixture.alphas_cumprod.length), fixture.alphas_cumprod, 1e-12)).toBeNull();
  });

  it('timesteps are identical for every step count', () => {
    const T = fixture.alphas_cumprod.length;
    expect(Object.keys(fixture.timesteps).length).toBeGreaterThan(0);
    for (const [n, ts] of Object.entries(fixture.timesteps)) expect(Array.from(ddimTimesteps(Number(n), T))).toEqual(ts);
  });
});
