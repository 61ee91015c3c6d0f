/** The training view's sweep: the loss term against t, with and without the prompt, as an SVG line chart. */

/** One curve: MSE at each timestep of the sweep. */
export interface SweepSeries {
  /** CSS class suffix and legend text. */
  key: 'cond' | 'uncond';
  label: string;
  values: number[];
}

const W = 560;
const H = 220;
const PAD = { left: 56, right: 12, top: 12, bottom: 34 };

/** Line chart of `series` over timesteps `ts` (0..T-1), with a dashed marker at `current`. */
export function SweepChart({ ts, series, T, current }: { ts: number[]; series: SweepSeries[]; T: number; current: number }) {
  const max = Math.max(...series.flatMap((s) => s.values)) * 1.1 || 1;
  const x = (t: number) => PAD.left + (t / (T - 1)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  const yTicks = [0, max / 2, max].map((v) => Number(v.toPrecision(2)));
  return (
    <svg className="sweep-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label="training loss term against the timestep t, with and without the prompt" data-testid="sweep-chart">
      <line className="axis" x1={PAD.left} y1={H - PAD.bottom} x2={W - PAD.right} y2={H - PAD.bottom} />
      <line className="axis" x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={H - PAD.bottom} />
      {[0, 250, 500, 750, T - 1].map((t) => (
        <text key={t} x={x(t)} y={H - PAD.bottom + 14} textAnchor="middle">
          {t}
        </text>
      ))}
      <text x={(W + PAD.left) / 2} y={H - 4} textAnchor="middle">
        timestep t (more noise →)
      </text>
      {yTicks.map((v) => (
        <text key={v} x={PAD.left - 6} y={y(v) + 4} textAnchor="end">
          {v}
        </text>
      ))}
      <text x={12} y={(H - PAD.bottom + PAD.top) / 2} textAnchor="middle" transform={`rotate(-90 12 ${(H - PAD.bottom + PAD.top) / 2})`}>
        v-MSE
      </text>
      <line className="marker" x1={x(current)} y1={PAD.top} x2={x(current)} y2={H - PAD.bottom} />
      {series.map((s) => (
        <g key={s.key} className={`series-${s.key}`} data-series={s.key}>
          <polyline fill="none" strokeWidth={1.5} points={s.values.map((v, i) => `${x(ts[i])},${y(v)}`).join(' ')} />
          {s.values.map((v, i) => (
            <circle key={i} cx={x(ts[i])} cy={y(v)} r={2.5} data-t={ts[i]} data-mse={v}>
              <title>{`t = ${ts[i]}: ${v.toFixed(5)}`}</title>
            </circle>
          ))}
        </g>
      ))}
    </svg>
  );
}
