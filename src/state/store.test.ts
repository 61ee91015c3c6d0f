import { beforeEach, describe, expect, it } from 'vitest';
import { runSettings } from '../settings/fields.ts';
import { applyUrlState, selectUrlState, useStore } from './store.ts';
import type { Frame } from './generation-slice.ts';

const frame = (index: number): Frame => ({
  index,
  total: 3,
  t: 999 - index * 333,
  tPrev: 999 - (index + 1) * 333,
  xt: new Float32Array(3),
  eps: new Float32Array(3),
  x0: new Float32Array(3),
  v: new Float32Array(6),
  ab: 0.5,
  text: null,
  prev: new Float32Array(3),
  noise: null,
  match: null,
  final: null,
  ms: 1,
});

const params = runSettings({ prompt: 'cat face', seed: 1, steps: 3, guidance: 4 });

describe('store', () => {
  beforeEach(() => useStore.setState(useStore.getInitialState(), true));

  it('starts from the URL defaults', () => {
    expect(selectUrlState(useStore.getState())).toEqual({
      prompt: 'cat face', seed: 1, steps: 30, guidance: 4, t: 500, sampler: 'ddim', spacing: 'trailing', eta: 0, rescale: 0, negative: '',
      start: 'noise', strength: 0.6, keep: 'left', mask: '',
      src: '0', src_prompt: 'cat face', src_seed: 1, src_steps: 30, src_guidance: 4, src_sampler: 'ddim', src_spacing: 'trailing', src_eta: 0,
      src_rescale: 0, src_negative: '',
      fork: -1, fork_prompt: '', fork_negative: '', fork_guidance: 4, fork_seed: -1,
      cmp: 0, b_prompt: 'cat face', b_seed: 2, b_steps: 30, b_guidance: 4, b_sampler: 'ddim',
    });
  });

  it('clamps parameters to the URL table ranges', () => {
    const s = useStore.getState();
    s.updateSettings({ steps: 0 });
    s.updateSettings({ guidance: 99 });
    s.updateSettings({ seed: 2.6 });
    useStore.getState().setForwardT(-5);
    expect(selectUrlState(useStore.getState())).toMatchObject({ steps: 1, guidance: 20, seed: 3, t: 0 });
    s.updateSettings({ steps: NaN });
    expect(useStore.getState().settings.steps).toBe(30);
  });

  it('applies URL state', () => {
    applyUrlState({ prompt: 'dog', seed: 7, t: 10 });
    expect(selectUrlState(useStore.getState())).toMatchObject({ prompt: 'dog', seed: 7, steps: 30, guidance: 4, t: 10 });
    applyUrlState({ sampler: 'euler-a', spacing: 'karras', eta: 0.3, rescale: 0.7, negative: 'blurry' });
    expect(selectUrlState(useStore.getState())).toMatchObject({ sampler: 'euler-a', spacing: 'karras', eta: 0.3, rescale: 0.7, negative: 'blurry' });
  });

  it('keeps the spacing one the sampler supports', () => {
    const s = useStore.getState();
    s.updateSettings({ spacing: 'karras' }); // DDIM cannot
    expect(useStore.getState().settings.spacing).toBe('trailing');
    s.updateSettings({ sampler: 'dpmpp-2m' });
    s.updateSettings({ spacing: 'karras' });
    s.updateSettings({ sampler: 'euler-a' }); // can: kept
    expect(useStore.getState().settings).toMatchObject({ sampler: 'euler-a', spacing: 'karras' });
    s.updateSettings({ sampler: 'ddpm' }); // cannot: back to trailing
    expect(useStore.getState().settings).toMatchObject({ sampler: 'ddpm', spacing: 'trailing' });
    s.updateSettings({ sampler: 'plms' as never });
    expect(useStore.getState().settings.sampler).toBe('ddpm');
  });

  it('clamps eta and guidance rescale to 0..1', () => {
    const s = useStore.getState();
    s.updateSettings({ eta: 3 });
    s.updateSettings({ rescale: -1 });
    expect(useStore.getState().settings).toMatchObject({ eta: 1, rescale: 0 });
    s.updateSettings({ eta: NaN });
    expect(useStore.getState().settings.eta).toBe(0);
  });

  it('collects frames of the current generation only', () => {
    const s = useStore.getState();
    s.startGeneration(1, params);
    s.addFrame(1, frame(0));
    s.startGeneration(2, params); // latest request wins
    s.addFrame(1, frame(1)); // a late frame of the replaced run
    s.addFrame(2, frame(0));
    s.completeGeneration(1, 5);
    expect(useStore.getState()).toMatchObject({ generationId: 2, generationStatus: 'running', generationParams: params });
    expect(useStore.getState().frames.map((f) => f.index)).toEqual([0]);
    s.addFrame(2, frame(1));
    s.addFrame(2, frame(2));
    s.completeGeneration(2, 12);
    expect(useStore.getState()).toMatchObject({ generationStatus: 'done', generationMs: 12 });
    expect(useStore.getState().frames).toHaveLength(3);
  });

  it('cancels and fails only a running current generation', () => {
    const s = useStore.getState();
    s.startGeneration(3, params);
    s.cancelGeneration(3);
    expect(useStore.getState().generationStatus).toBe('cancelled');
    s.startGeneration(4, params);
    s.failGeneration(4, 'unet.onnx: boom');
    expect(useStore.getState()).toMatchObject({ generationStatus: 'error', generationError: 'unet.onnx: boom' });
    s.startGeneration(5, params);
    expect(useStore.getState().generationError).toBeNull();
  });

  it('rewinds to a frame and follows the latest again past the end', () => {
    const s = useStore.getState();
    s.startGeneration(1, params);
    for (let i = 0; i < 3; i++) s.addFrame(1, frame(i));
    s.setViewIndex(1);
    expect(useStore.getState().viewIndex).toBe(1);
    s.setViewIndex(2);
    expect(useStore.getState().viewIndex).toBeNull();
  });

  it('tracks loading, progress, readiness and failure', () => {
    const s = useStore.getState();
    s.startLoading();
    s.setProgress('unet.onnx', 10, 100);
    expect(useStore.getState().progress).toEqual({ 'unet.onnx': { loaded: 10, total: 100 } });
    s.failLoading('unet.onnx: HTTP 404');
    expect(useStore.getState()).toMatchObject({ loadStatus: 'error', loadError: 'unet.onnx: HTTP 404' });
    s.startLoading();
    s.setLoadPhase({ step: 'compile', backend: 'webgpu' });
    expect(useStore.getState().loadPhase).toEqual({ step: 'compile', backend: 'webgpu' });
    s.setReady({ backend: 'wasm', reason: 'navigator.gpu missing', threads: 2, loadMs: 5, firstCallMs: 3, scorer: { available: true, note: 'test' } });
    expect(useStore.getState()).toMatchObject({ loadStatus: 'ready', loadError: null, progress: {}, loadPhase: null });
    expect(useStore.getState().backendInfo?.firstCallMs).toBe(3);
    // The worker's later note (the sampler on the GPU turned off) replaces the reason only.
    s.setBackendReason('navigator.gpu missing; sampler on the CPU: a step differed');
    expect(useStore.getState().backendInfo).toMatchObject({ backend: 'wasm', reason: 'navigator.gpu missing; sampler on the CPU: a step differed', threads: 2 });
    // A retry starts without the last load's phase.
    s.setLoadPhase({ step: 'time' });
    s.startLoading();
    expect(useStore.getState().loadPhase).toBeNull();
  });

  it('a dead worker ends a running generation as failed, keeps its frames and settings, and a retry clears the failure', () => {
    const s = useStore.getState();
    s.updateSettings({ prompt: 'red apple' });
    s.startGeneration(7, params);
    s.addFrame(7, frame(0));
    s.addFrame(7, frame(1));
    s.interruptGeneration();
    s.failWorker('the inference worker stopped (it was closed or crashed)');
    expect(useStore.getState()).toMatchObject({ generationStatus: 'error', generationError: null, loadStatus: 'error' });
    expect(useStore.getState().settings.prompt).toBe('red apple');
    expect(useStore.getState().frames).toHaveLength(2);
    s.startLoading();
    expect(useStore.getState()).toMatchObject({ loadStatus: 'loading', workerFailure: null });
    expect(useStore.getState().frames).toHaveLength(2);
  });

  it('keeps the start point settings in range and ignores unknown modes', () => {
    const s = useStore.getState();
    s.updateSettings({ start: 'img2img' });
    s.updateSettings({ strength: 0 });
    s.updateSettings({ keep: 'top' });
    expect(selectUrlState(useStore.getState())).toMatchObject({ start: 'img2img', strength: 0.05, keep: 'top' });
    s.updateSettings({ start: 'sketch' as never });
    s.updateSettings({ keep: 'middle' as never });
    s.updateSettings({ strength: NaN });
    expect(selectUrlState(useStore.getState())).toMatchObject({ start: 'img2img', strength: 0.6, keep: 'top' });
  });

  it('resets from getInitialState', () => {
    useStore.getState().updateSettings({ prompt: 'changed' });
    useStore.setState(useStore.getInitialState(), true);
    expect(useStore.getState().settings.prompt).toBe('cat face');
  });
});
