/**
 * The reverse process, live: x_t, the predicted noise ε̂ and the predicted clean image x̂0 of each step.
 * Steps arrive faster than React should render, so canvases, the step counter and the `data-step`
 * attribute are written from a store subscription; React renders only on status changes. With
 * prefers-reduced-motion the steps of a live run are not animated: the finished image appears at once
 * (the replay controls still show every step on request).
 */
import { useEffect, useRef, useState } from 'react';
import type { Frame } from '../state/generation-slice.ts';
import { useStore, type StoreState } from '../state/store.ts';
import { samplerLabel, startLabel } from './run-labels.ts';
import { clearCanvas, drawChw } from './draw-chw.ts';
import { BranchPanel } from './branch-panel.tsx';
import { ExportBar } from './export-bar.tsx';
import { MaskOverlay, useRunMask } from './mask-overlay.tsx';
import { plural } from './plural.ts';
import { setHidden, setText } from './set-text.ts';
import { formatT, TimelineControls } from './timeline-controls.tsx';
import { themeColour } from './theme-colour.ts';

const STATUS_TEXT: Record<StoreState['generationStatus'], string> = {
  idle: 'Press Generate to start from pure noise.',
  running: 'Denoising…',
  done: 'Done.',
  cancelled: 'Stopped.',
  error: 'Failed.',
};

// One query object, read per step (matchMedia itself parses the query on every call).
let motionQuery: MediaQueryList | null = null;
const reducedMotion = () => (motionQuery ??= matchMedia('(prefers-reduced-motion: reduce)')).matches;

function shownFrame(s: StoreState): Frame | undefined {
  const frame = s.viewIndex === null ? s.frames[s.frames.length - 1] : s.frames[s.viewIndex];
  // Reduced motion: while a run follows its latest step, hold the picture until the last step.
  if (frame && s.viewIndex === null && s.generationStatus === 'running' && frame.index + 1 < frame.total && reducedMotion()) return undefined;
  return frame;
}

/** The match score of every step received so far, as a line; the shown step as a dot. */
function drawMatchChart(canvas: HTMLCanvasElement | null, frames: Frame[], shown: Frame | undefined) {
  const ctx = canvas?.getContext('2d');
  if (!canvas || !ctx) return;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const values = frames.map((f) => f.match);
  if (!shown || values.some((v) => v === null)) return;
  const total = shown.total;
  // Scaled to the run's own range (at least 0.1 wide): the score moves by hundredths once a layout is set.
  const min = Math.min(...(values as number[]));
  const max = Math.max(...(values as number[]));
  const pad = Math.max(0.02, (0.1 - (max - min)) / 2);
  const lo = min - pad;
  const hi = max + pad;
  const x = (i: number) => 2 + (i / Math.max(1, total - 1)) * (canvas.width - 4);
  const y = (v: number) => canvas.height - 2 - ((v - lo) / (hi - lo)) * (canvas.height - 4);
  ctx.strokeStyle = themeColour('--muted');
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  values.forEach((v, i) => (i === 0 ? ctx.moveTo(x(i), y(v!)) : ctx.lineTo(x(i), y(v!))));
  ctx.stroke();
  ctx.fillStyle = themeColour('--accent');
  ctx.beginPath();
  ctx.arc(x(shown.index), y(shown.match!), 3, 0, 2 * Math.PI);
  ctx.fill();
}

export function DenoiseView() {
  const status = useStore((s) => s.generationStatus);
  const params = useStore((s) => s.generationParams);
  const runId = useStore((s) => s.generationId);
  const generationMs = useStore((s) => s.generationMs);
  const viewRef = useRef<HTMLElement>(null);
  const xtRef = useRef<HTMLCanvasElement>(null);
  const epsRef = useRef<HTMLCanvasElement>(null);
  const x0Ref = useRef<HTMLCanvasElement>(null);
  const counterRef = useRef<HTMLParagraphElement>(null);
  const speedRef = useRef<HTMLSpanElement>(null);
  const xtCaptionRef = useRef<HTMLElement>(null);
  const x0CaptionRef = useRef<HTMLElement>(null);
  const matchRef = useRef<HTMLSpanElement>(null);
  const chartRef = useRef<HTMLCanvasElement>(null);
  const scorer = useStore((s) => s.backendInfo?.scorer);
  const runNote = useStore((s) => s.runNote);
  const runMask = useRunMask();
  const [maskShown, setMaskShown] = useState(true);
  const overlayMask = maskShown ? runMask.mask : null;

  useEffect(() => {
    let shown: Frame | undefined | null = null; // null: nothing drawn yet, not even the empty state
    const render = (s: StoreState) => {
      const frame = shownFrame(s);
      if (frame === shown) return;
      shown = frame;
      const canvases = [xtRef.current!, epsRef.current!, x0Ref.current!];
      drawMatchChart(chartRef.current, s.frames, frame);
      const last = !!frame && frame.index + 1 === frame.total;
      // The last step's input is still slightly noisy; its output (t = 0) is the result, in the x̂0 slot.
      setHidden(xtCaptionRef.current!, !last);
      setHidden(x0CaptionRef.current!, !last);
      if (!frame) {
        canvases.forEach(clearCanvas);
        setText(matchRef.current!, '');
        setText(counterRef.current!, `Step 0 / ${s.generationStatus === 'running' ? s.generationParams!.steps : s.settings.steps}`);
        viewRef.current!.dataset.step = '0';
        return;
      }
      drawChw(canvases[0], frame.xt);
      drawChw(canvases[1], frame.eps, 0.5);
      // The last step shows the finished image: with inpainting its kept region is the known image as is.
      drawChw(canvases[2], frame.final ?? frame.x0);
      // Karras spacing feeds the model fractional timesteps.
      setText(counterRef.current!, `Step ${frame.index + 1} / ${frame.total} · t = ${formatT(frame.t)}`);
      viewRef.current!.dataset.step = String(frame.index + 1);
      setText(matchRef.current!, frame.match === null ? '' : frame.match.toFixed(3));
      setText(speedRef.current!, frame.ms < 1000 ? `${Math.round(frame.ms)} ms/step` : `${(frame.ms / 1000).toFixed(2)} s/step`);
    };
    render(useStore.getState());
    return useStore.subscribe((s, prev) => {
      if (s.frames !== prev.frames || s.viewIndex !== prev.viewIndex || s.generationStatus !== prev.generationStatus) render(s);
      else if (!shown && s.settings.steps !== prev.settings.steps) setText(counterRef.current!, `Step 0 / ${s.settings.steps}`);
    });
  }, []);

  // img2img runs only part of the plan: count the steps it ran.
  const frameTotal = useStore.getState().frames.at(-1)?.total ?? params?.steps;

  return (
    <section ref={viewRef} className="card denoise-view" aria-label="Denoising" data-status={status} data-run={runId ?? 0} data-step="0">
      <div className="view-head">
        <h2>Reverse process: noise → image</h2>
        <p className="counter" ref={counterRef} data-testid="step-counter" aria-live="off" />
      </div>
      <div className="triptych">
        <figure>
          <div className="overlay-host">
            <canvas ref={xtRef} data-testid="canvas-xt" role="img" aria-label="x_t, the noisy image at this step" width={64} height={64} />
            <MaskOverlay mask={overlayMask} side={runMask.side} testId="mask-overlay-xt" />
          </div>
          {/* On the last step the captions say which picture is the result; both versions take the same lines. */}
          <figcaption>
            <span className="step-note">
              <b>x<sub>t</sub></b> the noisy image at this step; it starts as pure noise.
            </span>
            <span ref={xtCaptionRef} className="final-note" data-testid="xt-final-note" hidden>
              <b>x<sub>t</sub></b> the last step’s input, still slightly noisy.
            </span>
          </figcaption>
        </figure>
        <figure>
          <canvas ref={epsRef} data-testid="canvas-eps" role="img" aria-label="predicted noise" width={64} height={64} />
          <figcaption>
            <b>ε̂</b> the noise the model sees in x<sub>t</sub> (±2σ shown).
          </figcaption>
        </figure>
        <figure>
          <div className="overlay-host">
            <canvas ref={x0Ref} data-testid="canvas-x0" role="img" aria-label="predicted clean image" width={64} height={64} />
            <MaskOverlay mask={overlayMask} side={runMask.side} testId="mask-overlay-x0" />
          </div>
          <figcaption>
            <span className="step-note">
              <b>x̂<sub>0</sub></b> the model’s guess of the clean image: x<sub>t</sub> minus that noise.
            </span>
            <span ref={x0CaptionRef} className="final-note" data-testid="x0-final-note" hidden>
              <b>
                Result, x<sub>0</sub> at t = 0:
              </b>{' '}
              the last step removed the remaining noise.
            </span>
          </figcaption>
        </figure>
      </div>
      <p className="run-note" data-testid="run-note" role="status">
        {runNote}
      </p>
      {/* Reserved height even before the first run, so the card keeps its size. */}
      <p className="run-params" data-testid="run-params">
        {params && (
          <>
          {params.prompt.trim() ? <q>{params.prompt}</q> : <i>no prompt (unconditional)</i>} · seed {params.seed} · {plural(params.steps, 'step')} ·{' '}
          {samplerLabel(params)} · guidance {params.guidance}
          {params.start !== 'noise' && ` · ${startLabel(params)}`}
          {params.rescale > 0 && ` (rescale ${params.rescale})`}
          {/* In this line, whose height is reserved, so an inpainting run moves nothing. */}
          {runMask.mask && (
            <label className="mask-legend">
              {' · '}
              <input type="checkbox" checked={maskShown} onChange={(e) => setMaskShown(e.target.checked)} /> show the mask (hatched: kept)
            </label>
          )}
          {params.negative.trim() !== '' && (
            <>
              {' '}
              · not <q>{params.negative}</q>
            </>
          )}
          </>
        )}
      </p>
      <div className="match" data-testid="match" hidden={!scorer?.available} title={scorer?.note}>
        <span className="match-label">
          Prompt match <small>(CLIP cosine of x̂<sub>0</sub> and the prompt)</small>
        </span>
        <span className="match-value" ref={matchRef} data-testid="match-value" />
        <canvas ref={chartRef} className="match-chart" width={160} height={36} role="img" aria-label="prompt match at every step" />
      </div>
      <div className="view-foot">
        <span className="status-text" role="status">
          {STATUS_TEXT[status]}
          {status === 'done' && params && generationMs !== null && ` ${plural(frameTotal ?? 0, 'step')} in ${(generationMs / 1000).toFixed(1)} s.`}
        </span>
        <span className="speed" ref={speedRef} />
      </div>
      <TimelineControls />
      <BranchPanel />
      <ExportBar />
    </section>
  );
}
