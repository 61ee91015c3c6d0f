import { beforeEach, describe, expect, it } from 'vitest';
import { keepAllMask, paintStroke } from '../diffusion/mask-paint.ts';
import { applyUrlState, selectUrlState, useStore } from './store.ts';
import { parseUrlState, serializeUrlState } from './url-state.ts';
import { runOfUrlState, urlStateOfRun } from './run-settings.ts';

const SIDE = 64;

describe('painted mask in the store and the link', () => {
  beforeEach(() => useStore.setState(useStore.getInitialState(), true));

  it('painting makes the next run inpaint with the mask, and the link carries it', () => {
    const mask = paintStroke(keepAllMask(SIDE), SIDE, { x: 8, y: 8 }, { x: 40, y: 30 }, 6, 0);
    useStore.getState().applyPaintedMask(mask, SIDE);
    const s = useStore.getState();
    expect(s).toMatchObject({ keepHalf: 'mask', startFrom: 'inpaint' });
    const hash = serializeUrlState(selectUrlState(s));
    expect(hash).toContain(`start=inpaint`);
    expect(hash).toContain(`keep=mask&mask=${s.paintedMask!.code}&`);

    // A fresh page opening that link gets the same mask, pixel for pixel.
    useStore.setState(useStore.getInitialState(), true);
    const parsed = parseUrlState(`#${hash}`);
    expect(parsed.problems).toEqual([]);
    applyUrlState(parsed.values);
    const again = useStore.getState();
    expect(again.keepHalf).toBe('mask');
    expect(again.paintedMask!.side).toBe(SIDE);
    expect(Array.from(again.paintedMask!.mask)).toEqual(Array.from(mask));
  });

  it('a half keeps the painted mask in memory but out of the link', () => {
    useStore.getState().applyPaintedMask(paintStroke(keepAllMask(SIDE), SIDE, { x: 3, y: 3 }, { x: 3, y: 3 }, 4, 0), SIDE);
    useStore.getState().setKeepHalf('right');
    expect(selectUrlState(useStore.getState())).toMatchObject({ keep: 'right', mask: '' });
    useStore.getState().setKeepHalf('mask');
    expect(selectUrlState(useStore.getState()).mask).toBe(useStore.getState().paintedMask!.code);
  });

  it('choosing "mask" with nothing painted starts from a centre square to regenerate', () => {
    useStore.getState().setKeepHalf('mask');
    const { paintedMask } = useStore.getState();
    expect(paintedMask!.mask.filter((m) => m === 0).length).toBe(32 * 32);
  });

  it('a linked mask of another size than the model is dropped with a notice, back to the left half', () => {
    useStore.getState().applyPaintedMask(keepAllMask(32).fill(0, 0, 100), 32);
    expect(useStore.getState().fitPaintedMask(SIDE)).toBe('mask: painted for a 32x32 image, but the model works at 64x64; using left');
    expect(useStore.getState()).toMatchObject({ keepHalf: 'left', paintedMask: null });
    expect(useStore.getState().fitPaintedMask(SIDE)).toBeNull();
  });

  it('a run with a painted mask keeps it through its settings (history, export, links)', () => {
    useStore.getState().applyPaintedMask(paintStroke(keepAllMask(SIDE), SIDE, { x: 20, y: 20 }, { x: 20, y: 20 }, 9, 0), SIDE);
    const code = useStore.getState().paintedMask!.code;
    const v = { ...selectUrlState(useStore.getState()) };
    const run = runOfUrlState(v);
    expect(run).toMatchObject({ start: 'inpaint', keep: 'mask', mask: code });
    expect(urlStateOfRun(run)).toMatchObject({ keep: 'mask', mask: code });
    expect(runOfUrlState({ ...v, keep: 'left', mask: '' }).mask).toBeUndefined();
  });
});
