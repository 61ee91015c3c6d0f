/**
 * The address is always a link to what is shown: the store is written into the URL hash on every edit,
 * a hash the person changes (or a link opened in this tab) is read back into the store, and a reload
 * opens with this tab's latest settings even when the hash had not been written yet.
 */
import { selectUrlState, applyUrlState, useStore } from '../state/store.ts';
import { openingHash, parseUrlState, serializeUrlState, type ParsedUrlState } from '../state/url-state.ts';

/** sessionStorage key of this tab's latest settings (the hash's text), written on every edit. */
export const DRAFT_KEY = 'playground:settings-hash';

function readDraft(): string | null {
  try {
    return sessionStorage.getItem(DRAFT_KEY);
  } catch {
    return null; // storage off: the hash alone
  }
}

function writeDraft(text: string) {
  try {
    sessionStorage.setItem(DRAFT_KEY, text);
  } catch {
    // storage off or full: the hash alone
  }
}

/** Applies a read hash to the store and shows what was wrong with it. */
export function applyLink(parsed: ParsedUrlState): void {
  applyUrlState(parsed.values);
  useStore.getState().setUrlProblems(parsed.problems);
}

/**
 * Reads the hash the page opens with (on a reload, this tab's draft: see openingHash), puts it back in
 * the address if it differs, applies it and returns what was read.
 */
export function openLink(): ParsedUrlState {
  const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
  const hash = openingHash(location.hash, navigation?.type, readDraft());
  if (hash !== location.hash) history.replaceState(history.state, '', hash);
  const parsed = parseUrlState(hash);
  applyLink(parsed);
  return parsed;
}

/** Reads every later hash change (a link opened in this tab, an edited address) into the store; `onApplied` runs after. */
export function followHash(onApplied: () => void): void {
  addEventListener('hashchange', () => {
    applyLink(parseUrlState(location.hash));
    onApplied();
  });
}

/** Minimum milliseconds between two history writes (see syncHash). */
export const MIN_WRITE_MS = 100;

/**
 * Mirrors the store into the hash on every edit, so the address is always a link to what is shown.
 * Browsers limit history updates (Chrome ignores more than 200 per 10 s; Safari throws past 100 per
 * 30 s), so writes closer than MIN_WRITE_MS are coalesced into one at the end of that interval, and
 * whatever is pending is written at once when the page is hidden or left. A reload can begin before
 * that, so every edit also goes to sessionStorage at once, which a reload opens with (openingHash).
 * Returns a function that stops the mirroring.
 */
export function syncHash(): () => void {
  let written = serializeUrlState(selectUrlState(useStore.getState()));
  let wanted = written;
  writeDraft(wanted);
  let lastWrite = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const write = () => {
    clearTimeout(timer);
    timer = undefined;
    if (wanted === written) return;
    try {
      history.replaceState(history.state, '', `#${wanted}`);
      written = wanted;
      lastWrite = performance.now();
    } catch {
      timer = setTimeout(write, 1000); // over the browser's budget: try again shortly
    }
  };
  const stop = useStore.subscribe((state) => {
    const next = serializeUrlState(selectUrlState(state));
    if (next !== wanted) writeDraft(next);
    wanted = next;
    if (wanted === written || timer !== undefined) return;
    const wait = lastWrite + MIN_WRITE_MS - performance.now();
    if (wait <= 0) write();
    else timer = setTimeout(write, wait);
  });
  const onHidden = () => {
    if (document.visibilityState === 'hidden') write();
  };
  addEventListener('pagehide', write);
  addEventListener('visibilitychange', onHidden);
  return () => {
    stop();
    clearTimeout(timer);
    removeEventListener('pagehide', write);
    removeEventListener('visibilitychange', onHidden);
  };
}
