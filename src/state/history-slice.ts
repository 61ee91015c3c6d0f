/**
 * The last runs, newest first: their settings and final image always, their frames while they fit a
 * memory budget (older runs keep settings only and regenerate when restored). Persisted to IndexedDB
 * without frames by src/state/history-db.ts.
 */
import type { StateCreator } from 'zustand';
import type { Frame, GenerationParams } from './generation-slice.ts';
import type { StoreState } from './store.ts';

/** How many runs the strip keeps. */
export const HISTORY_LIMIT = 24;

/**
 * Bytes of frames kept in memory across the history (entries share their arrays with the store, no
 * copies). A guided 20-step run at 64x64 holds ~5.9 MB (x_t, ε̂, x̂0, the batch-2 v and x_{t-1} per
 * step), so this keeps the shown run and about one more in full; older runs rerun when restored (their
 * settings make them deterministic). Kept small on purpose: what the strip holds is memory the page
 * keeps after 100 runs, and issue 10's bar allows 5 % growth (`npm run bench` prints it).
 */
export const FRAME_BUDGET_BYTES = 12 * 1024 * 1024;

export interface HistoryEntry {
  /** Unique, increasing: when the run finished (ms since the epoch, bumped to stay unique). */
  key: number;
  params: GenerationParams;
  /** The final image as RGBA bytes [side, side, 4]. */
  thumbnail: Uint8ClampedArray;
  side: number;
  /** The run's frames while they fit FRAME_BUDGET_BYTES, else null (restore regenerates). */
  frames: Frame[] | null;
}

/** Bytes held by a run's frames (every typed array in every frame). */
export function frameBytes(frames: Frame[]): number {
  let bytes = 0;
  for (const frame of frames) for (const value of Object.values(frame)) if (ArrayBuffer.isView(value)) bytes += value.byteLength;
  return bytes;
}

/** Newest `limit` entries; frames dropped from the oldest ones until the rest fit `budget` bytes. */
export function trimHistory(entries: HistoryEntry[], limit = HISTORY_LIMIT, budget = FRAME_BUDGET_BYTES): HistoryEntry[] {
  let used = 0;
  return entries.slice(0, limit).map((entry) => {
    if (!entry.frames) return entry;
    used += frameBytes(entry.frames);
    return used <= budget ? entry : { ...entry, frames: null };
  });
}

export interface HistorySlice {
  history: HistoryEntry[];
  /** Adds a finished run at the front (a run already there by key is replaced). */
  addToHistory(entry: HistoryEntry): void;
  /** Replaces the history (restored from IndexedDB at start-up). */
  setHistory(entries: HistoryEntry[]): void;
  clearHistory(): void;
}

export const createHistorySlice: StateCreator<StoreState, [], [], HistorySlice> = (set) => ({
  history: [],
  addToHistory: (entry) => set((s) => ({ history: trimHistory([entry, ...s.history.filter((e) => e.key !== entry.key)]) })),
  setHistory: (entries) => set({ history: trimHistory(entries) }),
  clearHistory: () => set({ history: [] }),
});
