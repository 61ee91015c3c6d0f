/**
 * Compare (A/B): run A (the settings on the left, shown in full above) and run B (its own prompt,
 * seed, steps, guidance and sampler) side by side, with |x̂0_A − x̂0_B| and both prompt-match curves
 * on one chart. One "Show step" slider and one replay drive both: B shows the step at the same
 * fraction of its run (state/compare-steps.ts). Pictures are drawn from a store subscription, as in
 * the reverse view; React renders only when settings or statuses change.
 */
import { useEffect, useRef } from 'react';
import { absDifference, meanAbsDifference } from '../diffusion/abs-difference.ts';
import { samplerInfo, SAMPLERS, type SamplerName } from '../diffusion/sampler.ts';
import { generateNow } from '../app/runs.ts';
import { pairedFrame } from '../state/compare-steps.ts';
import type { RunSettings } from '../settings/fields.ts';
import type { Frame, GenerationStatus } from '../state/generation-slice.ts';
import { useStore, type StoreState } from '../state/store.ts';
import { drawMatchPair } from './compare-match-chart.ts';
import { clearCanvas, drawChw } from './draw-chw.ts';
import { NumberField } from './number-field.tsx';
import { plural } from './plural.ts';
import { themeColour } from './theme-colour.ts';

const STATUS: Record<GenerationStatus, string> = { idle: '', running: 'running', done: 'done', cancelled: 'stopped', error: 'failed' };

/** Whether the comparison in the store belongs to the run A shows (not to an older run or a history entry). */
const isActive = (s: StoreState) => s.compareOn && s.compareIds !== null && s.compareIds.a === s.generationId;

const shownA = (s: StoreState): Frame | undefined => (s.viewIndex === null ? s.frames.at(-1) : s.frames[s.viewIndex]);

const imageOf = (f: Frame) => f.final ?? f.x0;

const reducedMotion = () => matchMedia('(prefers-reduced-motion: reduce)').matches;

/** "cat face" · seed 2 · 30 steps · DDIM · guidance 4 */
function summary(p: RunSettings): string {
  return `“${p.prompt}” · seed ${p.seed} · ${plural(p.steps, 'step')} · ${samplerInfo(p.sampler).label} · guidance ${p.guidance}`;
}

function CompareSettingsBox() {
  const b = useStore((s) => s.compareB);
  const running = useStore((s) => s.generationStatus === 'running' || (isActive(s) && s.compareStatus === 'running'));
  const set = useStore.getState().setCompareB;
  return (
    <fieldset className="compare-box">
      <legend>Run B’s settings</legend>
      <div className="field">
        <label htmlFor="compare-b-prompt">B prompt</label>
        <input id="compare-b-prompt" type="text" value={b.b_prompt} maxLength={500} onChange={(e) => set({ b_prompt: e.target.value })} />
      </div>
      <div className="compare-fields">
        <NumberField label="B seed" value={b.b_seed} min={0} max={4294967295} onCommit={(v) => set({ b_seed: v })} />
        <NumberField label="B steps" value={b.b_steps} min={1} max={100} onCommit={(v) => set({ b_steps: v })} />
        <NumberField label="B guidance" value={b.b_guidance} min={0} max={20} step={0.5} onCommit={(v) => set({ b_guidance: v })} />
        <div className="field">
          <label htmlFor="compare-b-sampler">B sampler</label>
          <select id="compare-b-sampler" value={b.b_sampler} onChange={(e) => set({ b_sampler: e.target.value as SamplerName })}>
            {SAMPLERS.map((s) => (
              <option key={s.name} value={s.name}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="hint quiet">B takes A’s other settings (negative prompt, spacing, rescale, start). Generate runs both; their steps take turns on the model.</p>
      <div className="compare-buttons">
        <button type="button" className="primary" disabled={running} onClick={() => generateNow()}>
          Run A and B
        </button>
        <button type="button" className="secondary" onClick={() => useStore.getState().startComparing()}>
          Reset B to A, next seed
        </button>
      </div>
    </fieldset>
  );
}

export function CompareView() {
  const on = useStore((s) => s.compareOn);
  const active = useStore(isActive);
  const paramsA = useStore((s) => s.generationParams);
  const paramsB = useStore((s) => s.compareParams);
  const statusA = useStore((s) => s.generationStatus);
  const statusB = useStore((s) => s.compareStatus);
  const errorB = useStore((s) => s.compareError);
  const scorer = useStore((s) => s.backendInfo?.scorer);
  const rootRef = useRef<HTMLDivElement>(null);
  const aRef = useRef<HTMLCanvasElement>(null);
  const bRef = useRef<HTMLCanvasElement>(null);
  const diffRef = useRef<HTMLCanvasElement>(null);
  const chartRef = useRef<HTMLCanvasElement>(null);
  const stepARef = useRef<HTMLSpanElement>(null);
  const stepBRef = useRef<HTMLSpanElement>(null);
  const meanRef = useRef<HTMLSpanElement>(null);
  const matchRef = useRef<HTMLSpanElement>(null);

  useEffect(() => {
    let drawn: [Frame | undefined, Frame | undefined] | null = null;
    const render = (s: StoreState) => {
      const active = isActive(s);
      // Reduced motion, as in the reverse view: a live run shows its finished picture only.
      const still = (f: Frame | undefined, running: boolean) =>
        f && running && s.viewIndex === null && f.index + 1 < f.total && reducedMotion() ? undefined : f;
      const a = active ? still(shownA(s), s.generationStatus === 'running') : undefined;
      const b = active ? still(pairedFrame(s.viewIndex, s.frames, s.compareFrames), s.compareStatus === 'running') : undefined;
      if (drawn && drawn[0] === a && drawn[1] === b) return;
      drawn = [a, b];
      const root = rootRef.current!;
      root.dataset.stepA = String(a ? a.index + 1 : 0);
      root.dataset.stepB = String(b ? b.index + 1 : 0);
      stepARef.current!.textContent = a ? `step ${a.index + 1} / ${a.total}` : '';
      stepBRef.current!.textContent = b ? `step ${b.index + 1} / ${b.total}` : '';
      if (a) drawChw(aRef.current!, imageOf(a));
      else clearCanvas(aRef.current!);
      if (b) drawChw(bRef.current!, imageOf(b));
      else clearCanvas(bRef.current!);
      if (a && b && imageOf(a).length === imageOf(b).length) {
        // Shown as (|A − B| − 1) on the [-1, 1] scale: same = black, a full-range difference = white.
        drawChw(diffRef.current!, absDifference(imageOf(a), imageOf(b)).map((v) => v - 1));
        meanRef.current!.textContent = `mean ${((meanAbsDifference(imageOf(a), imageOf(b)) / 2) * 100).toFixed(1)} % of the range`;
      } else {
        clearCanvas(diffRef.current!);
        meanRef.current!.textContent = '';
      }
      drawMatchPair(chartRef.current!, [
        { frames: active ? s.frames : [], shown: a, colour: themeColour('--accent') },
        { frames: active ? s.compareFrames : [], shown: b, colour: themeColour('--curve-noise') },
      ]);
      const score = (f: Frame | undefined) => (f?.match == null ? '–' : f.match.toFixed(3));
      matchRef.current!.textContent = a || b ? `A ${score(a)} · B ${score(b)}` : '';
    };
    render(useStore.getState());
    return useStore.subscribe((s, prev) => {
      if (
        s.frames !== prev.frames ||
        s.viewIndex !== prev.viewIndex ||
        s.compareFrames !== prev.compareFrames ||
        s.compareOn !== prev.compareOn ||
        s.compareIds !== prev.compareIds ||
        s.compareStatus !== prev.compareStatus ||
        s.generationStatus !== prev.generationStatus ||
        s.generationId !== prev.generationId
      ) {
        render(s);
      }
    });
  }, []);

  const stepsA = paramsA?.steps;
  const stepsB = paramsB?.steps;
  return (
    <div ref={rootRef} className="compare" data-testid="compare" data-active={active ? '1' : '0'} data-status-a={active ? statusA : 'idle'} data-status-b={active ? statusB : 'idle'}>
      <div className="compare-toggle">
        <input
          id="compare-on"
          type="checkbox"
          checked={on}
          onChange={(e) => (e.target.checked ? useStore.getState().startComparing() : useStore.getState().setCompareOn(false))}
        />
        <label htmlFor="compare-on">Compare two runs side by side (A/B)</label>
      </div>
      {!on && <p className="hint quiet">Run a second prompt, seed, step count, guidance or sampler beside the main one and see where the two images differ.</p>}
      {on && <CompareSettingsBox />}
      <div className="compare-pictures" hidden={!on}>
        {on && !active && <p className="hint quiet">Press Generate (or Run A and B) to run A and B side by side.</p>}
        <div className="compare-grid">
          <figure>
            <canvas ref={aRef} data-testid="compare-a" role="img" aria-label="run A: x̂0 at the shown step" width={64} height={64} />
            <figcaption>
              <b>A</b> x̂<sub>0</sub> <span ref={stepARef} className="compare-step" />
            </figcaption>
          </figure>
          <figure>
            <canvas ref={bRef} data-testid="compare-b" role="img" aria-label="run B: x̂0 at the paired step" width={64} height={64} />
            <figcaption>
              <b>B</b> x̂<sub>0</sub> <span ref={stepBRef} className="compare-step" />
            </figcaption>
          </figure>
          <figure>
            <canvas ref={diffRef} data-testid="compare-diff" role="img" aria-label="difference of A and B per colour channel" width={64} height={64} />
            <figcaption>
              <b>
                |A − B|
              </b>{' '}
              per channel: black = the same, white = opposite ends of the range. <span ref={meanRef} />
            </figcaption>
          </figure>
        </div>
        {active && paramsA && paramsB && (
          <p className="compare-params" data-testid="compare-params">
            <span>
              <b>A</b> {summary(paramsA)}
            </span>
            <span>
              <b>B</b> {summary(paramsB)} {statusB !== 'done' && `(${STATUS[statusB]})`}
            </span>
          </p>
        )}
        {active && stepsA !== undefined && stepsB !== undefined && (
          <p className="hint quiet" data-testid="compare-mapping">
            {stepsA === stepsB
              ? `"Show step" and the replay move both runs: step k of A beside step k of B.`
              : `A has ${stepsA} steps and B ${stepsB}: "Show step" and the replay move A, and B shows the step at the same fraction of its run (first with first, last with last).`}
          </p>
        )}
        {active && statusB === 'error' && errorB && <p className="error-text">Run B failed: {errorB}</p>}
        <div className="match compare-match" hidden={!scorer?.available} title={scorer?.note}>
          <span className="match-label">
            Prompt match, <span className="compare-key-a">A</span> and <span className="compare-key-b">B</span>
          </span>
          <span className="match-value" ref={matchRef} data-testid="compare-match-value" />
          <canvas ref={chartRef} className="match-chart" width={160} height={36} role="img" aria-label="prompt match of runs A and B at every step" />
        </div>
      </div>
    </div>
  );
}
