import { describe, expect, it } from 'vitest';
import { defaultUrlState, type UrlState } from '../settings/fields.ts';
import { openingHash, parseUrlState, serializeUrlState } from './url-state.ts';
import { decodeMask, encodeMask } from '../diffusion/mask-codec.ts';
import { keepAllMask, paintStroke } from '../diffusion/mask-paint.ts';

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
      'keep: "middle" is not one of left, right, top, bottom, mask; using left',
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

  // Issue 10: 'a' + 250 cats is 501 UTF-16 units; cutting at 500 split the last cat in half, and
  // encodeURIComponent then threw inside startApp (blank page) and on every store update (frozen page).
  it('cuts an over-long prompt of emoji at a whole code point, and writes it back', () => {
    for (const key of ['prompt', 'negative'] as const) {
      const { values, problems } = parseUrlState(`#${key}=a${'%F0%9F%90%B1'.repeat(250)}`);
      expect(values[key]).toBe(`a${'🐱'.repeat(249)}`);
      expect(problems).toEqual([`${key}: longer than 500 characters; cut`]);
      const written = serializeUrlState(values);
      expect(parseUrlState(written)).toMatchObject({ values, problems: [] });
    }
  });

  it('reads a painted mask with keep=mask, and falls back to the left half with a notice when it is broken or missing', () => {
    const painted = paintStroke(keepAllMask(64), 64, { x: 10, y: 10 }, { x: 50, y: 40 }, 8, 0);
    const code = encodeMask(painted);
    const ok = parseUrlState(`#start=inpaint&keep=mask&mask=${code}`);
    expect(ok.problems).toEqual([]);
    expect(ok.values).toMatchObject({ keep: 'mask', mask: code });
    expect(Array.from(decodeMask(ok.values.mask, 64))).toEqual(Array.from(painted));
    expect(serializeUrlState(ok.values)).toContain(`keep=mask&mask=${code}&`);

    const cut = parseUrlState(`#keep=mask&mask=${code.slice(0, 20)}`);
    expect(cut.values).toMatchObject({ keep: 'left', mask: '' });
    expect(cut.problems).toHaveLength(2);
    expect(cut.problems[0]).toMatch(/^mask: .+; using no mask$/);
    expect(cut.problems[1]).toBe('keep: "mask" needs a painted mask in the mask field; using left');
    expect(parseUrlState('#keep=mask&mask=not%20base64!').problems[0]).toBe('mask: not base64url text; using no mask');
    expect(parseUrlState('#keep=mask').problems).toEqual(['keep: "mask" needs a painted mask in the mask field; using left']);
    // A mask with a half chosen is unused: dropped quietly, and never written.
    expect(parseUrlState(`#keep=top&mask=${code}`)).toMatchObject({ values: { keep: 'top', mask: '' }, problems: [] });
    expect(serializeUrlState({ ...defaultUrlState(), keep: 'top', mask: code })).toContain('keep=top&mask=&');
    expect(serializeUrlState({ ...defaultUrlState(), keep: 'mask', mask: 'junk' })).toContain('keep=left&mask=&');
  });

  it('replaces lone surrogates when reading and when writing', () => {
    const { values, problems } = parseUrlState('#prompt=cat\uD83D&negative=\uDC31dog');
    expect(values).toMatchObject({ prompt: 'cat\uFFFD', negative: '\uFFFDdog' });
    expect(problems).toHaveLength(2);
    const written = serializeUrlState({ ...defaultUrlState(), prompt: 'x\uD800y', negative: '\uDFFF' });
    expect(parseUrlState(written).values).toMatchObject({ prompt: 'x\uFFFDy', negative: '\uFFFD' });
  });

  it('writes whatever the store holds as a hash that reads back without problems', () => {
    const broken = { ...defaultUrlState(), seed: 1e30, steps: -5, guidance: NaN, sampler: 'plms', spacing: 'karras', prompt: 'p'.repeat(600) };
    const { values, problems } = parseUrlState(serializeUrlState(broken as unknown as UrlState));
    expect(problems).toEqual([]);
    expect(values).toMatchObject({ seed: 4294967295, steps: 1, guidance: 4, sampler: 'ddim', spacing: 'trailing', prompt: 'p'.repeat(500) });
  });

  it('keeps floats to the 3 decimals the writer keeps, and reads -0 as 0', () => {
    expect(parseUrlState('#guidance=4.123456&t=-0').values).toMatchObject({ guidance: 4.123, t: 0 });
  });
});

describe('openingHash', () => {
  it('a reload opens with the tab\'s latest settings, even when the hash had not caught up', () => {
    expect(openingHash('#prompt=first', 'reload', 'prompt=typed%20just%20now&neg=blurry')).toBe('#prompt=typed%20just%20now&neg=blurry');
  });
  it('a link, a new tab or back/forward opens what the URL says', () => {
    for (const type of ['navigate', 'back_forward', 'prerender', undefined]) {
      expect(openingHash('#prompt=from%20link', type, 'prompt=old%20draft')).toBe('#prompt=from%20link');
    }
  });
  it('a reload with nothing stored (storage off, or a first visit) uses the URL', () => {
    expect(openingHash('#steps=5', 'reload', null)).toBe('#steps=5');
  });
});
