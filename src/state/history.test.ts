import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { runSettings, type RunSettings } from '../settings/fields.ts';
import type { Frame } from './generation-slice.ts';
import { fromStored, loadHistory, saveHistory, toStored } from './history-db.ts';
import { frameBytes, HISTORY_LIMIT, trimHistory, type HistoryEntry } from './history-slice.ts';
import { useStore } from './store.ts';

const params: RunSettings = runSettings({
  prompt: 'cat face 🐱',
  seed: 9,
  steps: 3,
  guidance: 4,
  sampler: 'dpmpp-2m',
  spacing: 'karras',
  eta: 0,
  negative: 'dark',
  rescale: 0.7,
  start: 'noise',
  strength: 0.6,
  keep: 'left',
});

function frame(index: number): Frame {
  const a = () => new Float32Array(3 * 8 * 8);
  return { index, total: 3, t: 999 - index, tPrev: 500, xt: a(), eps: a(), x0: a(), final: null, ms: 1, match: null } as Frame;
}

function entry(key: number): HistoryEntry {
  return { key, params, side: 8, thumbnail: new Uint8ClampedArray(8 * 8 * 4).fill(key % 256), kept: false };
}

const runFrames = () => [frame(0), frame(1), frame(2)];

beforeEach(() => useStore.setState(useStore.getInitialState(), true));

describe('history', () => {
  it('keeps the newest 24 runs and drops the frames of the oldest beyond the budget', () => {
    const entries = Array.from({ length: 30 }, (_, i) => entry(100 - i));
    const frames = new Map(entries.map((e) => [e.key, runFrames()]));
    const perRun = frameBytes(frames.get(100)!);
    expect(perRun).toBe(3 * 3 * 3 * 64 * 4);
    const trimmed = trimHistory(entries, frames, HISTORY_LIMIT, 5 * perRun);
    expect(trimmed.history.map((e) => e.key)).toEqual(entries.slice(0, 24).map((e) => e.key));
    expect(trimmed.history.map((e) => e.kept)).toEqual([...Array(5).fill(true), ...Array(19).fill(false)]);
    expect([...trimmed.historyFrames.keys()]).toEqual([100, 99, 98, 97, 96]);
    expect(trimmed.historyFrames.get(100)).toBe(frames.get(100)); // shared with the run, not copied
  });

  it('the store adds runs newest first and replaces a run added twice', () => {
    const s = useStore.getState();
    s.addToHistory(entry(1), runFrames());
    s.addToHistory(entry(2), runFrames());
    const again = runFrames();
    s.addToHistory({ ...entry(1), params: { ...params, seed: 10 } }, again);
    expect(useStore.getState().history.map((e) => [e.key, e.params.seed, e.kept])).toEqual([[1, 10, true], [2, 9, true]]);
    expect(useStore.getState().historyFrames.get(1)).toBe(again);
    s.clearHistory();
    expect(useStore.getState().history).toEqual([]);
    expect(useStore.getState().historyFrames.size).toBe(0);
  });

  it('entries hold no frames, so a superseded history array keeps none alive', () => {
    const s = useStore.getState();
    s.addToHistory(entry(1), runFrames());
    const old = useStore.getState().history;
    s.clearHistory();
    const reachable = JSON.stringify(old, (_, v) => (ArrayBuffer.isView(v) && !(v instanceof Uint8ClampedArray) ? 'FRAME-ARRAY' : v));
    expect(reachable).not.toContain('FRAME-ARRAY');
    expect(reachable).not.toContain('"frames"');
  });

  it('stores settings and thumbnail, not frames, and reads them back exactly', () => {
    const stored = toStored(entry(5));
    expect(Object.keys(stored).sort()).toEqual(['hash', 'key', 'side', 'thumbnail']);
    expect(fromStored(stored)).toEqual(entry(5));
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
    expect(loaded[0]).toEqual(entry(100));
    await saveHistory([]);
    expect(await loadHistory()).toEqual([]);
  });
});
