// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { keepAllMask } from '../diffusion/mask-paint.ts';
import { selectUrlState, useStore } from '../state/store.ts';
import { fakeManifestJson } from '../testing/fake-model.ts';
import { fakePort } from '../testing/fake-port.ts';
import { loadManifest } from './manifest-load.ts';
import { workerLink } from './worker-link.ts';

function serve(json: unknown, status = 200) {
  vi.stubGlobal('fetch', async () => new Response(JSON.stringify(json), { status, headers: { 'content-type': 'application/json' } }));
}

describe('loadManifest', () => {
  beforeEach(() => useStore.setState(useStore.getInitialState(), true));
  afterEach(() => {
    vi.unstubAllGlobals();
    workerLink.port = null;
  });

  it("fills the model's defaults into what neither the link nor the person set, and tells the worker's watchdog the files", async () => {
    const json = fakeManifestJson(64);
    json.defaults = { prompt: 'red heart', seed: 5, steps: 12, guidance: 6 };
    serve(json);
    const port = fakePort(() => {}, () => {});
    workerLink.port = port;
    const opening = { present: ['seed' as const], state: selectUrlState(useStore.getState()) };
    useStore.getState().updateSettings({ guidance: 9 }); // the person, since
    expect(await loadManifest(opening)).toBe(true);
    expect(useStore.getState().settings).toMatchObject({ prompt: 'red heart', seed: 1, steps: 12, guidance: 9 });
    expect(port.calls.expectFiles).toEqual([['text_encoder.onnx', 'unet.onnx']]);
  });

  it("drops a linked mask painted for another size, with a notice", async () => {
    serve(fakeManifestJson(64));
    useStore.getState().applyPaintedMask(keepAllMask(32).fill(0, 0, 4), 32);
    await loadManifest({ present: [], state: selectUrlState(useStore.getState()) });
    expect(useStore.getState().settings).toMatchObject({ keep: 'left', mask: '' });
    expect(useStore.getState().urlProblems).toEqual(['mask: painted for a 32x32 image, but the model works at 64x64; using left']);
  });

  it('reports a manifest that will not load and resolves false', async () => {
    serve({ nope: true }, 404);
    expect(await loadManifest({ present: [], state: selectUrlState(useStore.getState()) })).toBe(false);
    expect(useStore.getState()).toMatchObject({ loadStatus: 'error' });
    expect(useStore.getState().loadError).toMatch(/^manifest\.json: /);
  });
});
