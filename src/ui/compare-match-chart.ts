/** The compare view's prompt-match chart: both runs' CLIP match per step on one set of axes. */
import type { Frame } from '../state/generation-slice.ts';

/** One run's line: its frames received so far, the step shown (a dot) and the line's colour. */
export interface MatchSeries {
  frames: Frame[];
  shown: Frame | undefined;
  colour: string;
}

/**
 * Draws every series against the fraction of its run (0 = first step, 1 = last), so runs of different
 * lengths share the x axis as the lockstep slider pairs them; y is scaled to all values together (at
 * least 0.1 wide: scores move by hundredths once a layout is set). Runs without scores are skipped.
 */
export function drawMatchPair(canvas: HTMLCanvasElement, series: MatchSeries[]): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const scored = series.filter((s) => s.frames.length > 0 && s.frames.every((f) => f.match !== null));
  const values = scored.flatMap((s) => s.frames.map((f) => f.match as number));
  if (values.length === 0) return;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const pad = Math.max(0.02, (0.1 - (max - min)) / 2);
  const [lo, hi] = [min - pad, max + pad];
  const x = (f: Frame) => 3 + (f.total > 1 ? f.index / (f.total - 1) : 1) * (canvas.width - 6);
  const y = (v: number) => canvas.height - 3 - ((v - lo) / (hi - lo)) * (canvas.height - 6);
  for (const s of scored) {
    ctx.strokeStyle = s.colour;
    ctx.fillStyle = s.colour;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    s.frames.forEach((f, i) => (i === 0 ? ctx.moveTo(x(f), y(f.match!)) : ctx.lineTo(x(f), y(f.match!))));
    ctx.stroke();
    if (s.shown?.match != null) {
      ctx.beginPath();
      ctx.arc(x(s.shown), y(s.shown.match), 3, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
}
