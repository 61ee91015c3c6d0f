import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Frame, GenerationParams } from './generation-slice.ts';
import { fromStored, loadHistory, saveHistory, toStored } from './history-db.ts';
import { frameBytes, HISTORY_LIMIT, trimHistory, type HistoryEntry } from './history-slice.ts';
import { useStore } from './store.ts';

const params: GenerationParams = {
  prompt: 'cat face 🐱',
  seed: 9,
  steps: 3,
  guidance: 4,
  sampler: 'dpmpp-2m',
  spacing: 'karras',
  eta: 0,
  negativePrompt: 'dark',
  guidanceRescale: 0.7,
  start: 'noise',
  strength: 0.6,
  keep: 'left',
};

function frame(index: number): Frame {
  const a = () => new Float32Array(3 * 8 * 8);
  return { index, total: 3, t: 999 - index, tPrev: 500, xt: a(), eps: a(), x0: a(), final: null, ms: 1, match: null } as Frame;
}

function entry(key: number, withFrames = true): HistoryEntry {
  return { key, params, side: 8, thumbnail: new Uint8ClampedArray(8 * 8 * 4).fill(key % 256), frames: withFrames ? [frame(0), frame(1), frame(2)] : null };
}

beforeEach(() => useStore.setState(useStore.getInitialState(), true));

describe('history', () => {
  it('keeps the newest 24 runs and drops the frames of the oldest beyond the budget', () => {
    const entries = Array.from({ length: 30 }, (_, i) => entry(100 - i));
    const perRun = frameBytes(entries[0].frames!);
    expect(perRun).toBe(3 * 3 * 3 * 64 * 4);
    const trimmed = trimHistory(entries, HISTORY_LIMIT, 5 * perRun);
    expect(trimmed.map((e) => e.key)).toEqual(entries.slice(0, 24).map((e) => e.key));
    expect(trimmed.map((e) => e.frames !== null)).toEqual([...Array(5).fill(true), ...Array(19).fill(false)]);
  });

  it('the store adds runs newest first and replaces a run added twice', () => {
    const s = useStore.getState();
    s.addToHistory(entry(1));
    s.addToHistory(entry(2));
    s.addToHistory({ ...entry(1), params: { ...params, seed: 10 } });
    expect(useStore.getState().history.map((e) => [e.key, e.params.seed])).toEqual([[1, 10], [2, 9]]);
    s.clearHistory();
    expect(useStore.getState().history).toEqual([]);
  });

  it('stores settings and thumbnail, not frames, and reads them back exactly', () => {
    const stored = toStored(entry(5));
    expect(Object.keys(stored).sort()).toEqual(['hash', 'key', 'side', 'thumbnail']);
    expect(fromStored(stored)).toEqual({ ...entry(5), frames: null });
  });

  it('drops stored entries that are malformed instead of trusting them', () => {
    const good = toStored(entry(5));
    for (const bad of [null, 7, 'x', {}, { ...good, key: 'a' }, { ...good, side: 1e9 }, { ...good, thumbnail: new Uint8ClampedArray(3) },
      { ...good, hash: 'steps=abc' }, { ...good, hash: 'x'.repeat(10_000) }]) {
      expect(fromStored(bad), JSON.stringify(bad)?.slice(0, 60)).toBeNull();
    }
  });

  it('survives a reload through IndexedDB, newest first, at most 24', async () => {
    await saveHistory(Array.from({ length: 30 }, (_, i) => entry(100 - i)));
    const loaded = await loadHistory();
    expect(loaded.length).toBe(24);
    expect(loaded[0]).toEqual({ ...entry(100), frames: null });
    await saveHistory([]);
    expect(await loadHistory()).toEqual([]);
  });
});
