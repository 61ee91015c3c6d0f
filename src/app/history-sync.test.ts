// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSettings } from '../settings/fields.ts';
import type { Frame } from '../state/generation-slice.ts';
import { loadHistory, saveHistory } from '../state/history-db.ts';
import { useStore } from '../state/store.ts';
import { fakePort, type FakePort } from '../testing/fake-port.ts';
import { recordRun, restoreRun, startHistory } from './history-sync.ts';
import { workerLink } from './worker-link.ts';

const side = 4;
const frame = (index: number) => ({ index, total: 2, x0: new Float32Array(3 * side * side).fill(index / 2), final: null }) as unknown as Frame;

/** A finished 2-step run with `id` and `settings`, shown. */
function finish(id: number, settings = runSettings({ prompt: 'owl', steps: 2 })) {
  const s = useStore.getState();
  s.startGeneration(id, settings);
  s.addFrame(id, frame(0));
  s.addFrame(id, frame(1));
  s.completeGeneration(id, 1);
}

let port: FakePort;

describe('history sync', () => {
  beforeEach(async () => {
    useStore.setState(useStore.getInitialState(), true);
    await saveHistory([]);
    port = fakePort(() => {}, () => {});
    workerLink.port = port;
  });
  afterEach(() => (workerLink.port = null));

  it('records the finished run that is shown, with its thumbnail, and no other', () => {
    finish(1);
    recordRun(2); // not the one shown
    expect(useStore.getState().history).toHaveLength(0);
    recordRun(1);
    const [entry] = useStore.getState().history;
    expect(entry).toMatchObject({ side, kept: true, params: { prompt: 'owl' } });
    expect(entry.thumbnail).toHaveLength(side * side * 4);
  });

  it('restores a run with its frames at once, or reruns it when they are gone, putting its settings back in the form', () => {
    finish(1);
    recordRun(1);
    const [entry] = useStore.getState().history;
    useStore.getState().updateSettings({ prompt: 'something else', seed: 77 });
    restoreRun(entry);
    expect(port.calls.generate).toHaveLength(0);
    expect(useStore.getState()).toMatchObject({ generationId: -entry.key, generationStatus: 'done' });
    expect(useStore.getState().settings).toMatchObject({ prompt: 'owl', seed: 1 });
    restoreRun({ ...entry, key: entry.key + 1 }); // frames not kept
    expect(port.calls.generate[0][0].settings).toMatchObject({ prompt: 'owl', steps: 2 });
  });

  it('merges the stored history behind runs finished meanwhile, and saves every change', async () => {
    finish(1, runSettings({ prompt: 'stored', steps: 2 }));
    recordRun(1);
    await saveHistory(useStore.getState().history);
    useStore.setState(useStore.getInitialState(), true);
    finish(2, runSettings({ prompt: 'fresh', steps: 2 }));
    recordRun(2);
    await startHistory();
    expect(useStore.getState().history.map((e) => e.params.prompt)).toEqual(['fresh', 'stored']);
    useStore.getState().clearHistory();
    await new Promise((r) => setTimeout(r, 50));
    expect(await loadHistory()).toEqual([]);
  });
});
