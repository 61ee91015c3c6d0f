import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { SAMPLERS } from '../diffusion/sampler.ts';
import { compareParamsOf, defaultCompareB } from './compare-slice.ts';
import { runSettings } from '../settings/fields.ts';
import type { Frame } from './generation-slice.ts';
import { applyUrlState, selectUrlState, useStore } from './store.ts';
import { parseUrlState, serializeUrlState } from './url-state.ts';

const a = runSettings({
  prompt: 'cat face', seed: 3, steps: 30, guidance: 4, sampler: 'euler-a', spacing: 'karras', eta: 0, negative: 'dark',
  rescale: 0.7, start: 'img2img', strength: 0.5, keep: 'left', fork: 3, fork_prompt: 'x', fork_negative: '', fork_guidance: 2, fork_seed: -1,
});
const noBranch = { fork: -1, fork_prompt: '', fork_negative: '', fork_guidance: 4, fork_seed: -1 };
const frame = (index: number) => ({ index, total: 3 }) as Frame;

describe('compare slice', () => {
  beforeEach(() => useStore.setState(useStore.getInitialState(), true));

  it("B takes A's other settings, its own five fields, and no branch", () => {
    const b = compareParamsOf(a, { b_prompt: 'red heart', b_seed: 9, b_steps: 12, b_guidance: 6, b_sampler: 'dpmpp-2m' });
    expect(b).toEqual({ ...a, ...noBranch, prompt: 'red heart', seed: 9, steps: 12, guidance: 6, sampler: 'dpmpp-2m' });
  });

  it("falls back to a spacing B's sampler can run, and sends DDIM's eta only to DDIM", () => {
    const ddim = compareParamsOf({ ...a, sampler: 'ddim', spacing: 'trailing', eta: 0.5 }, { ...defaultCompareB(a), b_sampler: 'ddpm' });
    expect(ddim.eta).toBe(0);
    const karras = compareParamsOf(a, { ...defaultCompareB(a), b_sampler: 'ddim' });
    expect(karras.spacing).not.toBe('karras');
    expect(SAMPLERS.find((s) => s.name === 'ddim')!.spacings).toContain(karras.spacing);
    expect(compareParamsOf({ ...a, sampler: 'ddim', spacing: 'trailing', eta: 0.5 }, { ...defaultCompareB(a), b_sampler: 'ddim' }).eta).toBe(0.5);
  });

  it("turning compare on sets B to A's settings with the next seed (wrapping at 2^32)", () => {
    const s = useStore.getState();
    s.updateSettings({ prompt: 'owl' });
    s.updateSettings({ seed: 4294967295 });
    s.updateSettings({ steps: 7 });
    s.startComparing();
    expect(useStore.getState().compareOn).toBe(true);
    expect(useStore.getState().compareB).toEqual({ b_prompt: 'owl', b_seed: 0, b_steps: 7, b_guidance: 4, b_sampler: 'ddim' });
  });

  it("clamps B's numbers to their URL ranges and ignores an unknown sampler", () => {
    const s = useStore.getState();
    s.setCompareB({ b_seed: -4, b_steps: 1000, b_guidance: 2.5, b_sampler: 'nope' as never });
    expect(useStore.getState().compareB).toMatchObject({ b_seed: 0, b_steps: 100, b_guidance: 2.5, b_sampler: 'ddim' });
    s.setCompareB({ b_steps: NaN });
    expect(useStore.getState().compareB.b_steps).toBe(30);
  });

  it("keeps only the current B's frames and statuses", () => {
    const s = useStore.getState();
    s.startCompare({ a: 10, b: 11 }, a);
    s.addCompareFrame(11, frame(0));
    s.addCompareFrame(10, frame(0)); // A's, not B's
    s.addCompareFrame(7, frame(1)); // an older comparison's
    expect(useStore.getState().compareFrames.map((f) => f.index)).toEqual([0]);
    s.completeCompare(10);
    expect(useStore.getState().compareStatus).toBe('running');
    s.completeCompare(11);
    expect(useStore.getState().compareStatus).toBe('done');
    s.cancelCompare(11); // a finished run stays done
    expect(useStore.getState().compareStatus).toBe('done');
    s.startCompare({ a: 12, b: 13 }, a);
    expect(useStore.getState().compareFrames).toEqual([]);
    s.failCompare(13, 'boom');
    expect(useStore.getState()).toMatchObject({ compareStatus: 'error', compareError: 'boom' });
  });

  it('a link with cmp and b_* reopens the comparison, and the store writes it back the same (any valid values)', () => {
    const samplers = SAMPLERS.map((s) => s.name);
    const compareState = fc.record({
      cmp: fc.integer({ min: 0, max: 1 }),
      b_prompt: fc.string({ unit: 'grapheme', maxLength: 60 }),
      b_seed: fc.integer({ min: 0, max: 4294967295 }),
      b_steps: fc.integer({ min: 1, max: 100 }),
      b_guidance: fc.integer({ min: 0, max: 20000 }).map((k) => k / 1000),
      b_sampler: fc.constantFrom(...samplers),
    });
    fc.assert(
      fc.property(compareState, (v) => {
        useStore.setState(useStore.getInitialState(), true);
        const hash = serializeUrlState({ ...selectUrlState(useStore.getState()), ...v });
        applyUrlState(parseUrlState(hash).values);
        const s = useStore.getState();
        expect(s.compareOn).toBe(v.cmp === 1);
        expect(s.compareB).toEqual({ b_prompt: v.b_prompt, b_seed: v.b_seed, b_steps: v.b_steps, b_guidance: v.b_guidance, b_sampler: v.b_sampler });
        expect(serializeUrlState(selectUrlState(s))).toBe(hash);
      }),
      { numRuns: 2000 },
    );
  });

  it('a broken b_* value falls back to its default with a problem, never a throw', () => {
    const parsed = parseUrlState('#cmp=7&b_steps=abc&b_sampler=magic&b_seed=-1');
    expect(parsed.values).toMatchObject({ cmp: 1, b_steps: 30, b_sampler: 'ddim', b_seed: 0 });
    expect(parsed.problems).toHaveLength(4);
  });
});
