import { beforeEach, describe, expect, it } from 'vitest';
import { keepAllMask, paintStroke } from '../diffusion/mask-paint.ts';
import { applyUrlState, selectUrlState, useStore } from './store.ts';
import { parseUrlState, serializeUrlState } from './url-state.ts';
import { runOfUrlState, urlStateOfRun } from './run-links.ts';
import { selectPaintedMask } from './settings-slice.ts';

const SIDE = 64;

describe('painted mask in the store and the link', () => {
  beforeEach(() => useStore.setState(useStore.getInitialState(), true));

  it('painting makes the next run inpaint with the mask, and the link carries it', () => {
    const mask = paintStroke(keepAllMask(SIDE), SIDE, { x: 8, y: 8 }, { x: 40, y: 30 }, 6, 0);
    useStore.getState().applyPaintedMask(mask, SIDE);
    const s = useStore.getState();
    expect(s.settings).toMatchObject({ keep: 'mask', start: 'inpaint' });
    const hash = serializeUrlState(selectUrlState(s));
    expect(hash).toContain(`start=inpaint`);
    expect(hash).toContain(`keep=mask&mask=${s.settings.mask}&`);

    // A fresh page opening that link gets the same mask, pixel for pixel.
    useStore.setState(useStore.getInitialState(), true);
    const parsed = parseUrlState(`#${hash}`);
    expect(parsed.problems).toEqual([]);
    applyUrlState(parsed.values);
    const again = useStore.getState();
    expect(again.settings.keep).toBe('mask');
    expect(selectPaintedMask(again)!.side).toBe(SIDE);
    expect(Array.from(selectPaintedMask(again)!.mask)).toEqual(Array.from(mask));
  });

  it('a half keeps the painted mask in memory but out of the link', () => {
    useStore.getState().applyPaintedMask(paintStroke(keepAllMask(SIDE), SIDE, { x: 3, y: 3 }, { x: 3, y: 3 }, 4, 0), SIDE);
    useStore.getState().updateSettings({ keep: 'right' });
    expect(selectUrlState(useStore.getState())).toMatchObject({ keep: 'right', mask: '' });
    useStore.getState().updateSettings({ keep: 'mask' });
    expect(selectUrlState(useStore.getState()).mask).toBe(useStore.getState().settings.mask);
    expect(selectPaintedMask(useStore.getState())!.mask.filter((m) => m === 0).length).toBeGreaterThan(0);
  });

  it('choosing "mask" with nothing painted starts from a centre square to regenerate', () => {
    useStore.getState().updateSettings({ keep: 'mask' });
    const paintedMask = selectPaintedMask(useStore.getState());
    expect(paintedMask!.mask.filter((m) => m === 0).length).toBe(32 * 32);
  });

  it('a linked mask of another size than the model is dropped with a notice, back to the left half', () => {
    useStore.getState().applyPaintedMask(keepAllMask(32).fill(0, 0, 100), 32);
    expect(useStore.getState().fitPaintedMask(SIDE)).toBe('mask: painted for a 32x32 image, but the model works at 64x64; using left');
    expect(useStore.getState().settings.keep).toBe('left');
    expect(selectPaintedMask(useStore.getState())).toBeNull();
    expect(useStore.getState().fitPaintedMask(SIDE)).toBeNull();
  });

  it('a run with a painted mask keeps it through its settings (history, export, links)', () => {
    useStore.getState().applyPaintedMask(paintStroke(keepAllMask(SIDE), SIDE, { x: 20, y: 20 }, { x: 20, y: 20 }, 9, 0), SIDE);
    const code = useStore.getState().settings.mask;
    const v = { ...selectUrlState(useStore.getState()) };
    const run = runOfUrlState(v);
    expect(run).toMatchObject({ start: 'inpaint', keep: 'mask', mask: code });
    expect(urlStateOfRun(run)).toMatchObject({ keep: 'mask', mask: code });
    expect(runOfUrlState({ ...v, keep: 'left', mask: code }).mask).toBe('');
  });
});
