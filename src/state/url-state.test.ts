import { describe, expect, it } from 'vitest';
import { defaultUrlState, parseUrlState, serializeUrlState, type UrlState } from './url-state.ts';

describe('url-state', () => {
  it('reads the documented example', () => {
    const { values, present, problems } = parseUrlState('#prompt=cat%20face&seed=1&steps=30&guidance=4&t=500');
    expect(values).toEqual({ ...defaultUrlState(), prompt: 'cat face', seed: 1, steps: 30, guidance: 4, t: 500 });
    expect(present).toEqual(['prompt', 'seed', 'steps', 'guidance', 't']);
    expect(problems).toEqual([]);
  });

  it('reads sampler settings: sampler, spacing, eta, rescale and the negative prompt', () => {
    const { values, problems } = parseUrlState('#sampler=dpmpp-2m&spacing=karras&eta=0.5&rescale=0.7&negative=blurry%2C%20dark');
    expect(values).toMatchObject({ sampler: 'dpmpp-2m', spacing: 'karras', eta: 0.5, rescale: 0.7, negative: 'blurry, dark' });
    expect(problems).toEqual([]);
    expect(parseUrlState('').values).toMatchObject({ sampler: 'ddim', spacing: 'trailing', eta: 0, rescale: 0, negative: '' });
  });

  it('rejects unknown samplers and spacings, and Karras spacing with a sampler that cannot use it', () => {
    const a = parseUrlState('#sampler=plms&spacing=leading');
    expect(a.values).toMatchObject({ sampler: 'ddim', spacing: 'trailing' });
    expect(a.problems).toEqual([
      'sampler: "plms" is not one of ddim, ddpm, euler-a, dpmpp-2m; using ddim',
      'spacing: "leading" is not one of trailing, karras; using trailing',
    ]);
    const b = parseUrlState('#sampler=ddpm&spacing=karras');
    expect(b.values).toMatchObject({ sampler: 'ddpm', spacing: 'trailing' });
    expect(b.present).toEqual(['sampler']);
    expect(b.problems).toEqual(['spacing: karras does not work with ddpm; using trailing']);
    expect(parseUrlState('#eta=2&rescale=-1').values).toMatchObject({ eta: 1, rescale: 0 });
  });

  it('reads the start point: start, strength and keep, tolerating broken values', () => {
    expect(parseUrlState('').values).toMatchObject({ start: 'noise', strength: 0.6, keep: 'left' });
    const a = parseUrlState('#start=img2img&strength=0.5&keep=bottom');
    expect(a.values).toMatchObject({ start: 'img2img', strength: 0.5, keep: 'bottom' });
    expect(a.present).toEqual(['start', 'strength', 'keep']);
    expect(a.problems).toEqual([]);
    const b = parseUrlState('#start=sketch&strength=abc&keep=middle');
    expect(b.values).toMatchObject({ start: 'noise', strength: 0.6, keep: 'left' });
    expect(b.present).toEqual([]);
    expect(b.problems).toEqual([
      'start: "sketch" is not one of noise, img2img, inpaint; using noise',
      'strength: "abc" is not a number; using 0.6',
      'keep: "middle" is not one of left, right, top, bottom; using left',
    ]);
    expect(parseUrlState('#strength=0').values.strength).toBe(0.05);
    expect(parseUrlState('#strength=7').values.strength).toBe(1);
    expect(parseUrlState('#start=inpaint&strength= 0.25 ').values).toMatchObject({ start: 'inpaint', strength: 0.25 });
  });

  it('round-trips through serialise and parse', () => {
    const d = defaultUrlState();
    const states: UrlState[] = [
      d,
      { ...d, prompt: 'a red & blue = "ball" #1 +100% 🐱', seed: 4294967295, steps: 1, guidance: 7.5, t: 0 },
      { ...d, prompt: '', seed: 0, steps: 100, guidance: 0.125, t: 999, sampler: 'euler-a', spacing: 'karras', rescale: 1 },
      { ...d, prompt: '<img src=x onerror=alert(1)>', seed: 42, steps: 8, guidance: 0, t: 1, eta: 0.25, negative: 'a & b = #c' },
      { ...d, sampler: 'dpmpp-2m', spacing: 'trailing', rescale: 0.7, negative: '🐶 dog' },
      { ...d, start: 'img2img', strength: 0.05, keep: 'right' },
      { ...d, start: 'inpaint', strength: 1, keep: 'bottom' },
    ];
    for (const s of states) {
      const hash = serializeUrlState(s);
      expect(parseUrlState(`#${hash}`)).toEqual({ values: s, present: Object.keys(s), problems: [] });
      expect(serializeUrlState(parseUrlState(hash).values)).toBe(hash);
    }
  });

  it('writes %20 for spaces, reads + as a space', () => {
    expect(serializeUrlState({ ...defaultUrlState(), prompt: 'cat face' })).toMatch(/^prompt=cat%20face&/);
    expect(parseUrlState('prompt=cat+face').values.prompt).toBe('cat face');
  });

  it('gives defaults for an empty or missing hash', () => {
    for (const hash of ['', '#', '#&&', '#unknown=3']) {
      expect(parseUrlState(hash)).toEqual({ values: defaultUrlState(), present: [], problems: [] });
    }
  });

  it('falls back to defaults for broken values and says why, never throwing', () => {
    const d = defaultUrlState();
    const { values, present, problems } = parseUrlState(
      '#seed=abc&steps=2.5&guidance=&t=NaN&prompt=%E0%A4%A',
    );
    expect(values).toEqual(d);
    expect(present).toEqual([]);
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/seed: "abc" is not a number; using 1/);
    expect(problems.join('\n')).toMatch(/steps: "2.5" is not a whole number; using 30/);
    expect(problems.join('\n')).toMatch(/prompt: .* is not valid URL encoding/);
  });

  it('clamps numbers outside their range', () => {
    const { values, problems } = parseUrlState('#steps=5000&guidance=-3&t=1e9&seed=-1');
    expect(values).toMatchObject({ steps: 100, guidance: 0, t: 999, seed: 0 });
    expect(problems).toHaveLength(4);
  });

  it('cuts an over-long prompt', () => {
    const { values, problems } = parseUrlState(`#prompt=${'a'.repeat(600)}`);
    expect(values.prompt).toHaveLength(500);
    expect(problems).toHaveLength(1);
  });

  it('survives hostile input', () => {
    const inputs = ['#=', '#==&=', '#%', '#seed=%', '#steps=Infinity', '#seed=0x10', '#t= 12 ', '#prompt'];
    for (const hash of inputs) expect(() => parseUrlState(hash)).not.toThrow();
    expect(parseUrlState('#t= 12 ').values.t).toBe(12);
    expect(parseUrlState('#prompt').values.prompt).toBe('');
  });
});
