// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useStore } from '../state/store.ts';
import { DRAFT_KEY, followHash, MIN_WRITE_MS, openLink, syncHash } from './hash-sync.ts';

describe('hash sync', () => {
  let stop: (() => void) | null = null;
  beforeEach(() => {
    useStore.setState(useStore.getInitialState(), true);
    history.replaceState(null, '', '#');
    sessionStorage.clear();
    vi.useFakeTimers();
  });
  afterEach(() => {
    stop?.();
    stop = null;
    vi.useRealTimers();
  });

  it('opens a link into the store and shows what was wrong with it', () => {
    history.replaceState(null, '', '#prompt=owl&seed=9&steps=abc');
    const parsed = openLink();
    expect(parsed.present).toEqual(['prompt', 'seed']);
    expect(useStore.getState().settings).toMatchObject({ prompt: 'owl', seed: 9, steps: 30 });
    expect(useStore.getState().urlProblems).toEqual(['steps: "abc" is not a number; using 30']);
  });

  it('writes every edit to the draft at once and to the hash at most every MIN_WRITE_MS', () => {
    stop = syncHash();
    const replace = vi.spyOn(history, 'replaceState');
    useStore.getState().updateSettings({ prompt: 'a' });
    expect(location.hash).toContain('prompt=a&');
    useStore.getState().updateSettings({ prompt: 'ab' });
    useStore.getState().updateSettings({ prompt: 'abc' });
    expect(sessionStorage.getItem(DRAFT_KEY)).toMatch(/^prompt=abc&/);
    expect(location.hash).toContain('prompt=a&'); // coalesced
    vi.advanceTimersByTime(MIN_WRITE_MS);
    expect(location.hash).toContain('prompt=abc&');
    expect(replace).toHaveBeenCalledTimes(2);
  });

  it('writes what is pending at once when the page is left', () => {
    stop = syncHash();
    useStore.getState().updateSettings({ prompt: 'a' });
    useStore.getState().updateSettings({ prompt: 'last' });
    dispatchEvent(new Event('pagehide'));
    expect(location.hash).toContain('prompt=last&');
  });

  it('follows later hash changes and says when it has applied one', async () => {
    const applied: string[] = [];
    followHash(() => applied.push(useStore.getState().settings.prompt));
    history.replaceState(null, '', '#prompt=red%20apple');
    dispatchEvent(new HashChangeEvent('hashchange'));
    expect(applied).toEqual(['red apple']);
  });
});
