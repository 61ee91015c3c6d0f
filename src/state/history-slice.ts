/**
 * The last runs, newest first: their settings and final image always, their frames while they fit a
 * memory budget (older runs keep settings only and regenerate when restored). Persisted to IndexedDB
 * without frames by src/state/history-db.ts.
 */
import type { StateCreator } from 'zustand';
import type { RunSettings } from '../settings/fields.ts';
import type { Frame } from './generation-slice.ts';
import type { StoreState } from './store.ts';

/** How many runs the strip keeps. */
export const HISTORY_LIMIT = 24;

/**
 * Bytes of frames kept in memory across the history (entries share their arrays with the run shown,
 * no copies). A guided 20-step run at 64x64 holds ~5.9 MB (x_t, ε̂, x̂0, the batch-2 v and x_{t-1} per
 * step): this keeps the latest run of up to ~34 guided steps, or several short ones, in full; older
 * runs rerun when restored (their settings make them deterministic). Small on purpose: whatever the
 * strip holds is memory the page still holds after 100 runs, and issue 10 allows 5 % growth there
 * (`npm run bench` prints JS+WASM memory after the 1st and the 100th run).
 */
export const FRAME_BUDGET_BYTES = 10 * 1024 * 1024;

export interface HistoryEntry {
  /** Unique, increasing: when the run finished (ms since the epoch, bumped to stay unique). */
  key: number;
  params: RunSettings;
  /** The final image as RGBA bytes [side, side, 4]. */
  thumbnail: Uint8ClampedArray;
  side: number;
  /** Whether the run's frames are still in memory (`historyFrames`): restoring shows them at once, else it reruns. */
  kept: boolean;
}

/** Bytes held by a run's frames (every typed array in every frame). */
export function frameBytes(frames: Frame[]): number {
  let bytes = 0;
  for (const frame of frames) for (const value of Object.values(frame)) if (ArrayBuffer.isView(value)) bytes += value.byteLength;
  return bytes;
}

/**
 * Newest `limit` entries, and the frames of the newest ones that fit `budget` bytes together (older
 * entries keep their settings and thumbnail only).
 */
export function trimHistory(
  entries: HistoryEntry[],
  frames: ReadonlyMap<number, Frame[]>,
  limit = HISTORY_LIMIT,
  budget = FRAME_BUDGET_BYTES,
): { history: HistoryEntry[]; historyFrames: Map<number, Frame[]> } {
  let used = 0;
  const historyFrames = new Map<number, Frame[]>();
  const history = entries.slice(0, limit).map((entry) => {
    const mine = frames.get(entry.key);
    if (mine) used += frameBytes(mine);
    const kept = mine !== undefined && used <= budget;
    if (kept) historyFrames.set(entry.key, mine);
    return kept === entry.kept ? entry : { ...entry, kept };
  });
  return { history, historyFrames };
}

export interface HistorySlice {
  history: HistoryEntry[];
  /**
   * Frames of the entries that keep them, by key. Apart from `history` on purpose, and never to be
   * selected by a component: React keeps a component's previous selection alive (in its effects)
   * until the next render, so a strip that selected entries holding frames kept a whole superseded
   * history of frames in memory.
   */
  historyFrames: ReadonlyMap<number, Frame[]>;
  /** Adds a finished run and its frames at the front (a run already there by key is replaced). */
  addToHistory(entry: Omit<HistoryEntry, 'kept'>, frames: Frame[]): void;
  /** Replaces the history (restored from IndexedDB at start-up); frames already kept for its keys stay. */
  setHistory(entries: HistoryEntry[]): void;
  clearHistory(): void;
}

export const createHistorySlice: StateCreator<StoreState, [], [], HistorySlice> = (set) => ({
  history: [],
  historyFrames: new Map(),
  addToHistory: (entry, frames) =>
    set((s) =>
      trimHistory(
        [{ ...entry, kept: true }, ...s.history.filter((e) => e.key !== entry.key)],
        new Map([...s.historyFrames, [entry.key, frames]]),
      ),
    ),
  setHistory: (entries) => set((s) => trimHistory(entries, s.historyFrames)),
  clearHistory: () => set({ history: [], historyFrames: new Map() }),
});
