import { describe, expect, it } from 'vitest';
import { dummyV } from '../testing/fake-model.ts';
import { f32, mismatch, readFixture } from '../testing/fixtures.ts';
import { samplerRuns } from '../testing/samplers-fixture.ts';
import { classifierFreeGuidance, rescaleGuidance } from './guidance.ts';
import { inpaintBlend } from './inpaint.ts';
import { qSampleAt } from './q-sample.ts';
import { initialSamplerState, needsNoise, SAMPLERS, samplerStep, supportsSpacing, type SamplerName, type SamplerState } from './sampler.ts';
import { cosineAlphasCumprod } from './schedule.ts';

const schedule = { alphas_cumprod: cosineAlphasCumprod(1000) };

describe('sampler registry', () => {
  it('lists four samplers; Karras only where the maths work in sigma', () => {
    expect(SAMPLERS.map((s) => s.name)).toEqual(['ddim', 'ddpm', 'euler-a', 'dpmpp-2m']);
    expect(SAMPLERS.filter((s) => supportsSpacing(s.name, 'karras')).map((s) => s.name)).toEqual(['euler-a', 'dpmpp-2m']);
    expect(SAMPLERS.every((s) => supportsSpacing(s.name, 'trailing'))).toBe(true);
    expect(() => supportsSpacing('plms' as never, 'trailing')).toThrow(/unknown sampler "plms"; expected one of ddim, ddpm, euler-a, dpmpp-2m/);
  });

  it('draws noise on stochastic steps that do not end at the clean image', () => {
    const mid = { t: 10, ab: 0.9 };
    const end = { t: -1, ab: 1 };
    expect(['ddim', 'ddpm', 'euler-a', 'dpmpp-2m'].map((s) => needsNoise(s as SamplerName, 0, mid))).toEqual([false, true, true, false]);
    expect(needsNoise('ddim', 0.3, mid)).toBe(true);
    expect(needsNoise('dpmpp-2m', 1, mid)).toBe(false);
    for (const s of SAMPLERS) expect(needsNoise(s.name, 1, end)).toBe(false);
  });

  it('threads DPM-Solver history through the state and leaves it null for the others', () => {
    const x = new Float32Array(12).fill(0.5);
    const from = { t: 999, ab: schedule.alphas_cumprod[999] };
    const to = { t: 499, ab: schedule.alphas_cumprod[499] };
    const noise = new Float32Array(12);
    for (const s of SAMPLERS) {
      const r = samplerStep(schedule, s.name, initialSamplerState(x), from, to, x, { noise });
      expect(r.state.x).toBe(r.prevSample);
      expect(r.state.dpm === null).toBe(s.name !== 'dpmpp-2m');
    }
  });
});

describe('every step agrees with training/samplers.py (src/fixtures/samplers-dummy.json) to 1e-5', () => {
  const runs = samplerRuns();
  const table = { alphas_cumprod: Float64Array.from(readFixture<{ alphas_cumprod: number[] }>('schedule.json').alphas_cumprod) };

  it('covers every sampler and spacing, step counts 1..25, eta, rescale, img2img and inpainting', () => {
    const kinds = new Set(runs.map((r) => `${r.sampler}/${r.spacing}`));
    expect([...kinds].sort()).toEqual(['ddim/trailing', 'ddpm/trailing', 'dpmpp-2m/karras', 'dpmpp-2m/trailing', 'euler-a/karras', 'euler-a/trailing']);
    expect(new Set(runs.map((r) => r.steps))).toEqual(expect.objectContaining(new Set([1, 2, 7, 25])));
    expect(runs.some((r) => r.eta > 0) && runs.some((r) => r.rescale > 0) && runs.some((r) => r.init) && runs.some((r) => r.inpaint)).toBe(true);
  });

  for (const run of runs) {
    const name = `${run.sampler} ${run.spacing}, ${run.steps} steps, guidance ${run.guidance}, eta ${run.eta}, rescale ${run.rescale}${run.init ? `, img2img ${run.init.strength}` : ''}${run.inpaint ? ', inpaint' : ''}`;
    it(name, () => {
      let state: SamplerState | null = null;
      run.frames.forEach((f, i) => {
        const x = f32(f.x_t);
        if (state) expect(mismatch(state.x, x, 1e-5), `frame ${i} x_t`).toBeNull();
        // Replay from the fixture's x_t so that each frame checks one step.
        state = { x, dpm: state?.dpm ?? null };
        const tIn = Math.fround(f.t); // the U-Net's timestep input is float32
        const cond = dummyV(x, tIn, true);
        let v = run.guidance === 1 ? cond : classifierFreeGuidance(Float32Array.from([...dummyV(x, tIn, false), ...cond]), run.guidance);
        if (run.guidance !== 1 && run.rescale > 0) v = rescaleGuidance(f.ab, x, cond, v, run.rescale);
        expect(mismatch(v, f32(f.v), 1e-5), `frame ${i} v`).toBeNull();
        const from = { t: f.t, ab: f.ab };
        const to = { t: f.t_prev, ab: f.ab_prev };
        expect(f.noise !== null, `frame ${i} draws`).toBe(needsNoise(run.sampler, run.eta, to));
        const r = samplerStep(table, run.sampler, state, from, to, f32(f.v), { eta: run.eta, noise: f.noise ? f32(f.noise) : undefined });
        let prev = r.prevSample;
        if (run.inpaint) {
          const known = f.inpaint_noise ? qSampleAt(f.ab_prev, f32(run.inpaint.image), f32(f.inpaint_noise)) : f32(run.inpaint.image);
          prev = inpaintBlend(f32(run.inpaint.mask), known, prev);
        }
        expect(mismatch(r.predOriginalSample, f32(f.x0), 1e-5), `frame ${i} x0`).toBeNull();
        expect(mismatch(r.predEpsilon, f32(f.eps), 1e-5), `frame ${i} eps`).toBeNull();
        expect(mismatch(prev, f32(f.prev), 1e-5), `frame ${i} prev`).toBeNull();
        state = { ...r.state, x: prev };
      });
    });
  }
});
