/**
 * Lockstep for compare mode: the one "Show step" slider moves run A; run B shows the step at the same
 * fraction of its own trajectory, so with different step counts both sit equally far from noise (the
 * first steps pair, and the last steps pair: both results side by side). The UI says so.
 */
import type { Frame } from './generation-slice.ts';

/** B's step (0-based) shown beside A's step `indexA` of `totalA`, for B's `totalB` steps: same fraction, rounded. */
export function pairedIndex(indexA: number, totalA: number, totalB: number): number {
  if (totalB <= 1) return 0;
  if (totalA <= 1) return totalB - 1; // A's one step is its last
  const fraction = Math.min(1, Math.max(0, indexA / (totalA - 1)));
  return Math.round(fraction * (totalB - 1));
}

/**
 * The B frame to show: while A follows its latest step (`viewIndex` null), B's latest too, so both
 * advance live; else the paired step, or B's latest if B has not got that far yet.
 */
export function pairedFrame(viewIndex: number | null, framesA: Frame[], framesB: Frame[]): Frame | undefined {
  if (framesB.length === 0) return undefined;
  const a = viewIndex === null ? undefined : framesA[viewIndex];
  if (!a) return framesB[framesB.length - 1];
  const want = pairedIndex(a.index, a.total, framesB[0].total);
  return framesB[Math.min(want, framesB.length - 1)];
}
