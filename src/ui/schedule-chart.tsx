/**
 * The noise schedule, drawn: ᾱ_t, the signal √ᾱ_t and the noise √(1 − ᾱ_t) against t (or the log
 * signal-to-noise ratio on the second view), the current t as a marker, the timesteps the sampler will
 * visit as ticks, and the reverse step on show as a diamond. Plotted in CSS pixels between `inset` on
 * each side, so a range input laid over it (the forward panel's Timestep slider) has its thumb on t.
 */
import { useMemo, useRef, useState, useLayoutEffect } from 'react';
import { finiteRange, scheduleCurves } from '../diffusion/schedule-curves.ts';
import type { NoiseSchedule } from '../diffusion/schedule.ts';

/** Which curves are on show. */
export type ScheduleView = 'scales' | 'logsnr';

interface ScheduleChartProps {
  schedule: NoiseSchedule;
  view: ScheduleView;
  /** The current timestep (marker). */
  t: number;
  /** The sampler's timesteps for the current settings (ticks). */
  ticks: number[];
  /** t of the reverse step on show, or null when there is none. */
  stepT: number | null;
  /** Horizontal inset of t = 0 and t = T-1 from the edges, px: half the overlaid slider thumb. */
  inset: number;
  height: number;
}

const TICK_ZONE = 12; // px at the bottom for the sampler's ticks

/** Width of an element, kept up to date. */
function useWidth<T extends HTMLElement>(): [React.RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const element = ref.current!;
    setWidth(element.clientWidth);
    const observer = new ResizeObserver(() => setWidth(element.clientWidth));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

export function ScheduleChart({ schedule, view, t, ticks, stepT, inset, height }: ScheduleChartProps) {
  const [wrapRef, width] = useWidth<HTMLDivElement>();
  const curves = useMemo(() => scheduleCurves(schedule), [schedule]);
  const T = schedule.num_train_timesteps;
  const plotBottom = height - TICK_ZONE;
  const x = (tt: number) => inset + (Math.max(0, tt) / (T - 1)) * Math.max(0, width - 2 * inset);

  const snrRange = useMemo(() => finiteRange(curves.logSnr), [curves]);
  const series = useMemo(
    () =>
      view === 'scales'
        ? [
            { name: 'alpha-bar', values: curves.alphaBar, lo: 0, hi: 1 },
            { name: 'signal', values: curves.signal, lo: 0, hi: 1 },
            { name: 'noise', values: curves.noise, lo: 0, hi: 1 },
          ]
        : [{ name: 'logsnr', values: curves.logSnr, lo: snrRange.min, hi: snrRange.max }],
    [view, curves, snrRange],
  );
  const y = (v: number, lo: number, hi: number) => 4 + (1 - (Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * (plotBottom - 8);
  // The curves' paths change only with the view and the size, not with t or the step on show (which
  // change on every step of a run). Every 4th timestep is plenty for a curve a few hundred px wide.
  const paths = useMemo(
    () =>
      series.map((s) => {
        const points: string[] = [];
        for (let i = 0; ; i = Math.min(i + 4, T - 1)) {
          if (Number.isFinite(s.values[i])) points.push(`${x(i).toFixed(1)},${y(s.values[i], s.lo, s.hi).toFixed(1)}`);
          if (i === T - 1) break;
        }
        return `M${points.join('L')}`;
      }),
    // x and y are functions of these values only.
    [series, width, inset, plotBottom, T],
  );
  const tc = Math.min(T - 1, Math.max(0, Math.round(t)));
  const zeroY = view === 'logsnr' ? y(0, series[0].lo, series[0].hi) : null;

  return (
    <div ref={wrapRef} className="schedule-chart" style={{ height }}>
      {width > 0 && (
        <svg width={width} height={height} aria-hidden="true" data-testid="schedule-chart" data-view={view}>
          {zeroY !== null && <line className="axis" x1={inset} x2={width - inset} y1={zeroY} y2={zeroY} />}
          {series.map((s, i) => (
            <path key={s.name} className={`curve curve-${s.name}`} d={paths[i]} />
          ))}
          <text className="axis-label" x={inset + 2} y={plotBottom - 3}>
            t = 0
          </text>
          <text className="axis-label" x={width - inset - 2} y={plotBottom - 3} textAnchor="end">
            {T - 1}
          </text>
          {view === 'logsnr' && zeroY !== null && (
            <text className="axis-label" x={width - inset - 2} y={zeroY - 3} textAnchor="end">
              log-SNR 0: signal = noise
            </text>
          )}
          <line className="marker" x1={x(tc)} x2={x(tc)} y1={2} y2={plotBottom} />
          {series.map((s) =>
            Number.isFinite(s.values[tc]) ? <circle key={s.name} className={`dot curve-${s.name}`} cx={x(tc)} cy={y(s.values[tc], s.lo, s.hi)} r={3.5} /> : null,
          )}
          <g className="ticks">
            {ticks.map((tt, i) => (
              <line key={i} data-testid="schedule-tick" data-t={tt} x1={x(tt)} x2={x(tt)} y1={plotBottom + 2} y2={height - 1} />
            ))}
          </g>
        </svg>
      )}
      {width > 0 && stepT !== null && (
        // Its own small element: the step on show changes on every step of a run, and repainting the
        // chart's curves for it cost a repaint of the whole chart per step. Moved by its path, not by a
        // CSS transform: a transform change re-runs the page's layerization on every step, a path
        // change is only a repaint of this strip (docs/benchmark.md, "Figures behind choices in the code").
        <svg
          className="step-marker"
          width={width}
          height={12}
          aria-hidden="true"
          data-testid="schedule-step"
          data-t={stepT}
          style={{ top: plotBottom - 6 }}
        >
          <rect className="step-strip" width={width} height={12} />
          <path d={`M${x(stepT).toFixed(1)},1l5,5l-5,5l-5,-5z`} />
        </svg>
      )}
    </div>
  );
}
