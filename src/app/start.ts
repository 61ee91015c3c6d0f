/**
 * Starts the page's machinery once, outside React (main.tsx): reads the opening link into the store,
 * loads the manifest and, in the worker, the models, keeps the hash in sync, restores the history, and
 * runs the opening settings by itself.
 */
import { selectUrlState, useStore } from '../state/store.ts';
import { autoRun, autorunFromQuery, rebuildForwardRun } from './autorun.ts';
import { followHash, openLink, syncHash } from './hash-sync.ts';
import { recordRun, startHistory } from './history-sync.ts';
import { loadManifest, type Opening } from './manifest-load.ts';
import { workerLink } from './worker-link.ts';

let opening: Opening | null = null;

/** See the module comment. Call once. */
export function startApp(): void {
  const parsed = openLink();
  opening = { present: parsed.present, state: selectUrlState(useStore.getState()) };
  const settled = loadManifest(opening);
  workerLink.onRunComplete = recordRun;
  workerLink.start();
  workerLink.load();
  syncHash();
  void startHistory();
  followHash(() => {
    if (useStore.getState().loadStatus === 'ready') void rebuildForwardRun();
  });
  if (autorunFromQuery(location.search)) void autoRun(settled, parsed.present.length > 0);
}

/**
 * Starts over after any failure (a file that would not load, a worker that died, hung or stalled):
 * a fresh worker, the manifest again if the page has none, and the models. The settings and the
 * frames already shown stay.
 */
export function retry(): void {
  workerLink.retry();
  if (!useStore.getState().manifest && opening) void loadManifest(opening);
}
