/** The history strip: finished runs are recorded, kept in IndexedDB, and restored on a click. */
import { chwToRgba } from '../diffusion/image.ts';
import { loadHistory, saveHistory } from '../state/history-db.ts';
import type { HistoryEntry } from '../state/history-slice.ts';
import { urlStateOfRun } from '../state/run-links.ts';
import { applyUrlState, selectUrlState, useStore } from '../state/store.ts';
import { generateNow, stopGeneration } from './runs.ts';

/** Restores the stored history, then keeps the store's history saved (settings and thumbnails only). */
export async function startHistory(): Promise<void> {
  const stored = await loadHistory();
  const s = useStore.getState();
  // Runs finished while the database was being read come first.
  s.setHistory([...s.history, ...stored.filter((e) => !s.history.some((h) => h.key === e.key))]);
  useStore.subscribe((state, prev) => {
    if (state.history !== prev.history) void saveHistory(state.history);
  });
}

let lastKey = 0;

/** Adds the finished generation `id` (if it is the one shown) to the history strip. */
export function recordRun(id: number): void {
  const s = useStore.getState();
  const last = s.frames.at(-1);
  if (s.generationId !== id || !s.generationParams || !last) return;
  const side = Math.round(Math.sqrt(last.x0.length / 3));
  lastKey = Math.max(Date.now(), lastKey + 1);
  s.addToHistory({ key: lastKey, params: s.generationParams, side, thumbnail: chwToRgba(last.final ?? last.x0, side, side) }, s.frames);
}

/**
 * Shows a run from the history: its settings go back into the form (and the link); its frames come
 * back when they are still in memory, else it runs again (same settings, same image).
 */
export function restoreRun(entry: HistoryEntry): void {
  stopGeneration();
  const s = useStore.getState();
  applyUrlState({ ...urlStateOfRun(entry.params, selectUrlState(s)), t: s.forwardT });
  const frames = s.historyFrames.get(entry.key);
  if (frames) s.showRun(-entry.key, entry.params, frames);
  else generateNow();
}
