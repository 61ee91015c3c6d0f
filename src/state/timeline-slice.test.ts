import { beforeEach, describe, expect, it } from 'vitest';
import { runSettings, type RunSettings } from '../settings/fields.ts';
import type { Frame } from './generation-slice.ts';
import { applyUrlState, selectUrlState, useStore } from './store.ts';
import { parseUrlState, serializeUrlState } from './url-state.ts';

const TS = [999, 832, 666, 499, 332, 166];
const frame = (index: number): Frame => ({
  index,
  total: TS.length,
  t: TS[index],
  tPrev: TS[index + 1] ?? -1,
  xt: new Float32Array(3),
  eps: new Float32Array(3),
  x0: new Float32Array([index, index, index]),
  v: new Float32Array(6),
  ab: 0.5,
  text: null,
  prev: new Float32Array(3),
  noise: null,
  match: null,
  final: index === TS.length - 1 ? new Float32Array([9, 9, 9]) : null,
  ms: 1,
});

const params: RunSettings = runSettings({
  prompt: 'cat face', seed: 7, steps: 6, guidance: 4, sampler: 'ddim', spacing: 'trailing', eta: 0, negative: '', rescale: 0,
  start: 'noise', strength: 0.6, keep: 'left',
});

/** A finished 6-step run with id 1. */
function finishedRun() {
  const s = useStore.getState();
  s.startGeneration(1, params);
  TS.forEach((_, i) => useStore.getState().addFrame(1, frame(i)));
  useStore.getState().completeGeneration(1, 100);
}

describe('timeline', () => {
  beforeEach(() => useStore.setState(useStore.getInitialState(), true));

  it('showing a reverse step moves the forward t to that step', () => {
    finishedRun();
    useStore.getState().showStep(2);
    expect(useStore.getState()).toMatchObject({ viewIndex: 2, forwardT: 666 });
    useStore.getState().showStep(99); // clamped to the last step, which is "follow the latest"
    expect(useStore.getState()).toMatchObject({ viewIndex: null, forwardT: 166 });
  });

  it('scrubbing the forward t shows the nearest reverse step and keeps the chosen t', () => {
    finishedRun();
    useStore.getState().scrubForwardT(420);
    expect(useStore.getState()).toMatchObject({ viewIndex: 3, forwardT: 420 });
    useStore.getState().scrubForwardT(990);
    expect(useStore.getState().viewIndex).toBe(0);
  });

  it('plays from the first step when at the end, advances, and pauses on the last step', () => {
    finishedRun();
    const s = useStore.getState();
    s.togglePlay();
    expect(useStore.getState()).toMatchObject({ playing: true, viewIndex: 0 });
    for (let i = 1; i < TS.length; i++) useStore.getState().advance();
    expect(useStore.getState()).toMatchObject({ playing: false, viewIndex: null, forwardT: 166 });
    useStore.getState().stepBy(-1);
    expect(useStore.getState()).toMatchObject({ viewIndex: 4, forwardT: 332 });
    useStore.getState().stepBy(-10);
    expect(useStore.getState().viewIndex).toBe(0);
  });

  it('does not replay a running generation, and a new generation stops a replay', () => {
    useStore.getState().startGeneration(1, params);
    useStore.getState().addFrame(1, frame(0));
    useStore.getState().addFrame(1, frame(1));
    useStore.getState().togglePlay();
    expect(useStore.getState().playing).toBe(false);
    finishedRun();
    useStore.getState().togglePlay();
    expect(useStore.getState().playing).toBe(true);
    useStore.getState().startGeneration(2, params);
    expect(useStore.getState().playing).toBe(false);
    useStore.getState().setPlaySpeed(3); // not offered
    expect(useStore.getState().playSpeed).toBe(10);
  });
});

describe('the forward panel source', () => {
  beforeEach(() => useStore.setState(useStore.getInitialState(), true));

  it('keeps the last finished image when a later run is stopped (Generate must not lose its source)', () => {
    finishedRun();
    useStore.getState().setForwardSource({ kind: 'generated' });
    const pinned = useStore.getState().forwardRun!;
    expect(Array.from(pinned.image!)).toEqual([9, 9, 9]);
    useStore.getState().startGeneration(2, { ...params, start: 'img2img' });
    useStore.getState().addFrame(2, frame(0));
    useStore.getState().cancelGeneration(2);
    expect(useStore.getState().forwardRun).toBe(pinned);
    expect(useStore.getState().lastResult!.id).toBe(1);
  });

  it('puts a generated source in the link as src=run with its settings, and reads it back as a run to rebuild', () => {
    finishedRun();
    useStore.getState().setForwardSource({ kind: 'generated' });
    const hash = serializeUrlState(selectUrlState(useStore.getState()));
    expect(hash).toContain('src=run&src_prompt=cat%20face&src_seed=7&src_steps=6&src_guidance=4&src_sampler=ddim');

    useStore.setState(useStore.getInitialState(), true);
    applyUrlState(parseUrlState(hash).values);
    expect(useStore.getState().forwardSource).toEqual({ kind: 'generated' });
    expect(useStore.getState().forwardRun).toEqual({ params: { ...params }, image: null });
    useStore.getState().completeForwardRun(new Float32Array([1, 2, 3]));
    expect(Array.from(useStore.getState().forwardRun!.image!)).toEqual([1, 2, 3]);
    // Reading the same hash again (hashchange) keeps the rebuilt image.
    applyUrlState(parseUrlState(hash).values);
    expect(useStore.getState().forwardRun!.image).not.toBeNull();
  });

  it('reads a sample index from src, and Karras spacing for a source sampler that cannot use it falls back', () => {
    applyUrlState(parseUrlState('#src=2').values);
    expect(useStore.getState().forwardSource).toEqual({ kind: 'sample', index: 2 });
    applyUrlState(parseUrlState('#src=run&src_sampler=ddim&src_spacing=karras&src_eta=0.5').values);
    expect(useStore.getState().forwardRun!.params).toMatchObject({ sampler: 'ddim', spacing: 'trailing', eta: 0.5, start: 'noise' });
    applyUrlState(parseUrlState('#src=banana').values);
    expect(useStore.getState().forwardSource).toEqual({ kind: 'generated' }); // an unreadable src changes nothing
  });
});
