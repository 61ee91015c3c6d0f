// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { runSettings } from '../settings/fields.ts';
import type { Frame } from '../state/generation-slice.ts';
import { useStore } from '../state/store.ts';
import { fakePort, type FakePort } from '../testing/fake-port.ts';
import { requestPrediction, WorkerLink, workerLink } from './worker-link.ts';

const step = (id: number, index: number) =>
  ({ type: 'step', id, index, total: 2, t: 999, tPrev: 500, xt: new Float32Array(3), eps: new Float32Array(3), x0: new Float32Array(3), v: new Float32Array(6), ab: 0.5, text: null, prev: new Float32Array(3), noise: null, final: null, ms: 1, unetMs: 1, match: null }) as const;

function link(search = '') {
  const ports: FakePort[] = [];
  const l = new WorkerLink((onEvent, onDead) => {
    const port = fakePort(onEvent, onDead);
    ports.push(port);
    return port;
  }, search);
  return { l, ports };
}

describe('WorkerLink', () => {
  beforeEach(() => useStore.setState(useStore.getInitialState(), true));

  it('loads with the backend and threads of the query, and names the files once the manifest is known', () => {
    const { l, ports } = link('?backend=wasm&threads=2');
    l.start();
    l.load();
    expect(ports[0].calls.load[0].slice(2)).toEqual(['wasm', 2]);
    expect(useStore.getState().loadStatus).toBe('loading');
  });

  it('turns worker events into store actions, and hears finished runs', () => {
    const { l, ports } = link();
    const finished: number[] = [];
    l.onRunComplete = (id) => finished.push(id);
    l.start();
    const port = ports[0];
    port.emit({ type: 'progress', id: 1, file: 'unet.onnx', loaded: 5, total: 10 });
    expect(useStore.getState().progress).toEqual({ 'unet.onnx': { loaded: 5, total: 10 } });
    port.emit({ type: 'ready', id: 1, backend: 'wasm', reason: 'forced', threads: 2, loadMs: 3, firstCallMs: 1, scorer: { available: false, note: '' } });
    expect(useStore.getState()).toMatchObject({ loadStatus: 'ready', backendInfo: { backend: 'wasm', reason: 'forced' } });
    port.emit({ type: 'backend-note', id: 1, reason: 'forced; sampler on the CPU: x' });
    expect(useStore.getState().backendInfo?.reason).toBe('forced; sampler on the CPU: x');
    useStore.getState().startGeneration(7, runSettings({ steps: 2 }));
    port.emit(step(7, 0));
    port.emit(step(8, 1)); // another run's
    expect(useStore.getState().frames.map((f: Frame) => f.index)).toEqual([0]);
    port.emit(step(7, 1));
    port.emit({ type: 'complete', id: 7, ms: 12, textMs: 1 });
    expect(useStore.getState()).toMatchObject({ generationStatus: 'done', generationMs: 12 });
    expect(finished).toEqual([7]);
    useStore.getState().startGeneration(9, runSettings());
    port.emit({ type: 'error', id: 9, request: 'generate', message: 'unet.onnx: boom' });
    expect(useStore.getState()).toMatchObject({ generationStatus: 'error', generationError: 'unet.onnx: boom' });
    port.emit({ type: 'error', id: 1, request: 'load', message: 'manifest.json: HTTP 404' });
    expect(useStore.getState()).toMatchObject({ loadStatus: 'error', loadError: 'manifest.json: HTTP 404' });
  });

  it('a dead worker ends the running run and the comparison as failed; retry starts a fresh worker and loads again', () => {
    const { l, ports } = link();
    l.start();
    useStore.getState().startGeneration(3, runSettings());
    useStore.getState().startCompare({ a: 3, b: 4 }, runSettings());
    ports[0].die('the inference worker stopped answering');
    expect(l.port).toBeNull();
    expect(useStore.getState()).toMatchObject({ generationStatus: 'error', compareStatus: 'error', loadStatus: 'error', workerFailure: 'the inference worker stopped answering' });
    l.retry();
    expect(ports).toHaveLength(2);
    expect(ports[1].calls.load).toHaveLength(1);
    expect(useStore.getState()).toMatchObject({ loadStatus: 'loading', workerFailure: null });
    l.start();
    expect(ports[1].disposed).toBe(true);
  });
});

describe('requestPrediction', () => {
  it('fails without a worker and asks the worker otherwise', async () => {
    workerLink.port = null;
    await expect(requestPrediction({ sample: new Float32Array(1), timestep: new Float32Array(1), prompts: [''] })).rejects.toThrow('has not started');
    const port = fakePort(() => {}, () => {});
    workerLink.port = port;
    await expect(requestPrediction({ sample: new Float32Array(1), timestep: new Float32Array(1), prompts: ['a'] })).resolves.toMatchObject({ ms: 1 });
    expect(port.calls.predict).toHaveLength(1);
    workerLink.port = null;
  });
});
