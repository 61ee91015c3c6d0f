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
 * copies). A 30-step run at 64x64 is a few MB, so this holds the last several runs in full.
 */
export const FRAME_BUDGET_BYTES = 48 * 1024 * 1024;

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
