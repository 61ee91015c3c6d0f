/**
 * The history strip's persistence: settings and final image of the last runs (not their frames) in
 * IndexedDB via idb-keyval, so the strip survives a reload. Settings are stored as the URL hash the run
 * would have, and read back through the URL parser, so whatever is in the database (an old version, a
 * hand edit) can only give valid settings or be dropped.
 */
import { del, get, set } from 'idb-keyval';
import { HISTORY_LIMIT, type HistoryEntry } from './history-slice.ts';
import { runOfUrlState, urlStateOfRun } from './run-links.ts';
import { parseUrlState, serializeUrlState } from './url-state.ts';

const KEY = 'history-v1';

interface StoredEntry {
  key: number;
  hash: string;
  side: number;
  thumbnail: Uint8ClampedArray;
}

/** What is stored for an entry: no frames. */
export function toStored(entry: HistoryEntry): StoredEntry {
  return { key: entry.key, hash: serializeUrlState(urlStateOfRun(entry.params)), side: entry.side, thumbnail: entry.thumbnail };
}

/** An entry back from storage, or null if it is malformed (it is then dropped). */
export function fromStored(value: unknown): HistoryEntry | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Partial<StoredEntry>;
  if (typeof v.key !== 'number' || !Number.isFinite(v.key) || typeof v.hash !== 'string' || v.hash.length > 8192) return null;
  if (typeof v.side !== 'number' || !Number.isInteger(v.side) || v.side < 1 || v.side > 256) return null;
  if (!(v.thumbnail instanceof Uint8ClampedArray) || v.thumbnail.length !== v.side * v.side * 4) return null;
  const parsed = parseUrlState(v.hash);
  if (parsed.problems.length > 0) return null;
  return { key: v.key, params: runOfUrlState(parsed.values), side: v.side, thumbnail: v.thumbnail, kept: false };
}

/** The stored history, newest first; [] when IndexedDB is unavailable or holds nothing usable. */
export async function loadHistory(): Promise<HistoryEntry[]> {
  try {
    const stored = await get<unknown>(KEY);
    if (!Array.isArray(stored)) return [];
    return stored.slice(0, HISTORY_LIMIT).flatMap((s) => fromStored(s) ?? []);
  } catch {
    return []; // private mode or storage disabled: the strip still works for this visit
  }
}

/** Stores the history's settings and thumbnails; failures (quota, private mode) only lose persistence. */
export async function saveHistory(entries: HistoryEntry[]): Promise<void> {
  try {
    if (entries.length === 0) await del(KEY);
    else await set(KEY, entries.map(toStored));
  } catch {
    // Not fatal: the history lives in memory for this visit.
  }
}
