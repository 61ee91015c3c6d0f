// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSettings } from '../settings/fields.ts';
import { useStore } from '../state/store.ts';
import { fakePort, type FakePort } from '../testing/fake-port.ts';
import { autoRun, autorunFromQuery, rebuildForwardRun } from './autorun.ts';
import { workerLink } from './worker-link.ts';

const ready = () => useStore.getState().setReady({ backend: 'wasm', reason: '', threads: 1, loadMs: 1, firstCallMs: 1, scorer: { available: false, note: '' } });
const tick = () => new Promise((r) => setTimeout(r, 0));

let port: FakePort;

describe('autorun', () => {
  beforeEach(() => {
    useStore.setState(useStore.getInitialState(), true);
    port = fakePort(() => {}, () => {});
    workerLink.port = port;
  });
  afterEach(() => (workerLink.port = null));

  it('is on unless ?autorun=0', () => {
    expect(autorunFromQuery('')).toBe(true);
    expect(autorunFromQuery('?autorun=1')).toBe(true);
    expect(autorunFromQuery('?backend=wasm&autorun=0')).toBe(false);
  });

  it('runs once the models are ready, and says it ran the default prompt', async () => {
    const done = autoRun(Promise.resolve(true), false);
    await tick();
    expect(port.calls.generate).toHaveLength(0);
    ready();
    await done;
    expect(port.calls.generate).toHaveLength(1);
    expect(useStore.getState().runNote).toBe('Ran the default prompt on load. Change it and press Generate.');
  });

  it('runs nothing when the manifest failed, or when the person started a run first', async () => {
    await autoRun(Promise.resolve(false), true);
    expect(port.calls.generate).toHaveLength(0);
    useStore.getState().startGeneration(5, runSettings());
    ready();
    await autoRun(Promise.resolve(true), true);
    expect(port.calls.generate).toHaveLength(0);
  });

  it("rebuilds a link's source image first, then runs the link's own settings from it", async () => {
    useStore.getState().updateSettings({ start: 'img2img' });
    useStore.getState().expectForwardRun(runSettings({ prompt: 'cat face', steps: 2 }));
    ready();
    const done = autoRun(Promise.resolve(true), true);
    await tick();
    const [[rebuild]] = port.calls.generate;
    expect(rebuild.settings).toMatchObject({ prompt: 'cat face', steps: 2, start: 'noise' });
    const s = useStore.getState();
    const image = new Float32Array(3 * 64 * 64).fill(0.5);
    s.addFrame(s.generationId!, { final: image, x0: image } as never);
    s.completeGeneration(s.generationId!, 5);
    s.setForwardImage(image); // the panel shows the rebuilt image
    await done;
    expect(useStore.getState().forwardRun?.image).toBe(image);
    expect(port.calls.generate[1][0].settings.start).toBe('img2img');
    expect(useStore.getState().runNote).toBe('Ran the settings from this link on open, after rebuilding the image it starts from.');
  });

  it('a rebuild that is stopped leaves the link unrun', async () => {
    useStore.getState().expectForwardRun(runSettings({ steps: 2 }));
    const rebuilt = rebuildForwardRun();
    await tick();
    useStore.getState().cancelGeneration(useStore.getState().generationId!);
    expect(await rebuilt).toBe('interrupted');
  });
});
