/**
 * The page's one store, made of typed slices. Components select single fields; per-step canvas
 * updates read it through `useStore.subscribe`, not React renders.
 */
import { create } from 'zustand';
import { COMPARE_KEYS, defaultUrlState, RUN_KEYS, type UrlState } from '../settings/fields.ts';
import { createCompareSlice, type CompareSlice } from './compare-slice.ts';
import { createForwardSlice, formatForwardSource, parseForwardSource, type ForwardSlice } from './forward-slice.ts';
import { createGenerationSlice, type GenerationSlice } from './generation-slice.ts';
import { createHistorySlice, type HistorySlice } from './history-slice.ts';
import { createModelSlice, type ModelSlice } from './model-slice.ts';
import { runOf, sourceFieldsOf, sourceRunOf } from './run-links.ts';
import { changedSettings, createSettingsSlice, type SettingsSlice } from './settings-slice.ts';
import { createTimelineSlice, type TimelineSlice } from './timeline-slice.ts';

export type StoreState = SettingsSlice & GenerationSlice & ForwardSlice & ModelSlice & TimelineSlice & HistorySlice & CompareSlice;

export const useStore = create<StoreState>()((...a) => ({
  ...createSettingsSlice(...a),
  ...createGenerationSlice(...a),
  ...createForwardSlice(...a),
  ...createModelSlice(...a),
  ...createHistorySlice(...a),
  ...createCompareSlice(...a),
  ...createTimelineSlice(...a),
}));

/** The store's share of the URL hash. */
export function selectUrlState(s: StoreState): UrlState {
  // The source run's settings travel only when the forward panel shows a generated image.
  const run = s.forwardSource.kind === 'generated' ? s.forwardRun?.params : undefined;
  const source = run ? sourceFieldsOf(run) : {};
  return {
    ...defaultUrlState(),
    ...s.settings,
    mask: runOf(s.settings).mask,
    t: s.forwardT,
    src: formatForwardSource(s.forwardSource),
    ...source,
    cmp: s.compareOn ? 1 : 0,
    ...s.compareB,
  };
}

/**
 * Applies URL values (already validated by url-state) to the store: the run's settings, t and the
 * compare mode in one update, so no reader sees half of them. A link without a painted mask keeps the
 * one painted before (switching back to it stays free).
 */
export function applyUrlState(values: Partial<UrlState>): void {
  const s = useStore.getState();
  const given = <K extends keyof UrlState>(keys: readonly K[]) =>
    Object.fromEntries(keys.filter((k) => values[k] !== undefined).map((k) => [k, values[k]])) as Partial<Pick<UrlState, K>>;
  const run = given(RUN_KEYS);
  if (run.mask === '') delete run.mask;
  const change: Partial<StoreState> = { settings: changedSettings(s.settings, run, s.manifest?.resolution ?? 64) };
  if (values.t !== undefined) change.forwardT = values.t;
  if (values.cmp !== undefined) change.compareOn = values.cmp === 1;
  useStore.setState(change);
  const b = given(COMPARE_KEYS);
  if (Object.keys(b).length > 0) s.setCompareB(b);
  const source = values.src === undefined ? null : parseForwardSource(values.src);
  if (source?.kind === 'sample') s.setForwardSource(source);
  // "run": the page rebuilds that image (app/autorun.ts) before running the link's own settings.
  if (source?.kind === 'generated') s.expectForwardRun(sourceRunOf({ ...defaultUrlState(), ...values }));
}

