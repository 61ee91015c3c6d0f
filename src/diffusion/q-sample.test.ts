import { describe, expect, it } from 'vitest';
import { f32, mismatch, readFixture, type FixtureArray } from '../testing/fixtures.ts';
import { qSample, qSampleAt } from './q-sample.ts';
import { createRng } from './rng.ts';
import { cosineAlphasCumprod } from './schedule.ts';

const schedule = { alphas_cumprod: cosineAlphasCumprod(1000) };
const x0 = createRng(1).normals(48).map((z) => Math.tanh(z)); // [3, 4, 4]
const noise = createRng(2).normals(48);

describe('qSample', () => {
  it('returns x0 at t = -1 (alpha_bar = 1)', () => {
    expect(Array.from(qSample(schedule, x0, -1, noise))).toEqual(Array.from(x0));
  });

  it('returns x0 unchanged when alpha_bar is 1', () => {
    expect(Array.from(qSample({ alphas_cumprod: Float64Array.from([1]) }, x0, 0, noise))).toEqual(Array.from(x0));
  });

  it('returns the noise when alpha_bar is 0', () => {
    expect(Array.from(qSample({ alphas_cumprod: Float64Array.from([0]) }, x0, 0, noise))).toEqual(Array.from(noise));
  });

  it('is almost x0 at t = 0 and almost noise at t = T-1', () => {
    expect(mismatch(qSample(schedule, x0, 0, noise), x0, 0.05)).toBeNull(); // sqrt(1 - ab_0) ~ 0.007
    expect(mismatch(qSample(schedule, x0, 999, noise), noise, 0.02)).toBeNull();
  });

  it('keeps unit variance for unit-variance x0 and noise', () => {
    const big = createRng(3).normals(20_000);
    const xt = qSample(schedule, big, 500, createRng(4).normals(20_000));
    const variance = xt.reduce((s, x) => s + x * x, 0) / xt.length;
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('rejects mismatched lengths', () => {
    expect(() => qSample(schedule, x0, 10, noise.subarray(1))).toThrow(/noise has 47 values, x0 has 48/);
  });
});

describe('qSample parity with training/schedule.py (src/fixtures/q-sample.json)', () => {
  type Case = { t: number; x0: FixtureArray; noise: FixtureArray; x_t: FixtureArray };
  const fixture = readFixture<{ cases: Case[] }>('q-sample.json');
  const table = { alphas_cumprod: Float64Array.from(readFixture<{ alphas_cumprod: number[] }>('schedule.json').alphas_cumprod) };

  it('has cases', () => expect(fixture.cases.length).toBeGreaterThan(0));
  for (const c of fixture.cases) {
    it(`t = ${c.t} agrees to 1e-5`, () => {
      expect(mismatch(qSample(table, f32(c.x0), c.t, f32(c.noise)), f32(c.x_t), 1e-5)).toBeNull();
    });
  }
});

describe('qSampleAt', () => {
  it('is qSample at the table\'s alpha_bar, and takes any alpha_bar in (0, 1]', () => {
    for (const t of [0, 10, 500, 999]) {
      expect(Array.from(qSampleAt(schedule.alphas_cumprod[t], x0, noise))).toEqual(Array.from(qSample(schedule, x0, t, noise)));
    }
    expect(Array.from(qSampleAt(1, x0, noise))).toEqual(Array.from(x0));
    const ab = 0.37;
    expect(mismatch(qSampleAt(ab, x0, noise), x0.map((x, i) => Math.sqrt(ab) * x + Math.sqrt(1 - ab) * noise[i]), 1e-7)).toBeNull();
  });
});
