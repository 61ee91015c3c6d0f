/**
 * Under the forward panel: the model asked to find the noise in the panel's x_t. The noise is known
 * here (the panel drew it), so the page shows the model's ε̂ next to its error ε̂ − ε and the mean
 * squared error: at high t the model sees mostly noise and ε̂ is nearly right; at low t the noise is a
 * faint layer on the image and its error is larger, relative to the noise. Off by default: each change
 * of image, t or seed costs a U-Net call.
 */
import { useState } from 'react';
import { useStore } from '../state/store.ts';
import { ChwCanvas } from './chw-canvas.tsx';
import { useLossTerm } from './use-loss-term.ts';

interface Props {
  x0: Float32Array | null;
  noise: Float32Array;
  xt: Float32Array | null;
  t: number;
  ab: number;
  /** The prompt the image goes with (its caption, the run's prompt, or "" for an upload). */
  text: string;
}

export function ForwardNoiseEstimate({ x0, noise, xt, t, ab, text }: Props) {
  const ready = useStore((s) => s.loadStatus === 'ready');
  const [on, setOn] = useState(false);
  const { term, busy, error } = useLossTerm({ enabled: on && ready, x0, eps: noise, xt, t, ab, text });
  return (
    <div className="forward-estimate" data-testid="forward-estimate">
      <label className="check">
        <input type="checkbox" checked={on} onChange={(e) => setOn(e.target.checked)} disabled={!ready} />
        Ask the model to find the noise in x<sub>t</sub> (one U-Net call per change)
      </label>
      {on && (
        <div className="forward-estimate-body">
          <figure>
            <ChwCanvas chw={term?.epsHat ?? null} gain={0.5} label="the model's estimate of the noise in x_t" testId="forward-eps-hat" />
            <figcaption>
              <b>ε̂</b> what the model finds{text ? <> given “{text}”</> : ' (no prompt)'}, ±2σ
            </figcaption>
          </figure>
          <figure>
            <ChwCanvas chw={term?.epsError ?? null} gain={0.5} label="error of the estimate against the true noise" testId="forward-eps-error" />
            <figcaption>
              <b>ε̂ − ε</b> its error against the noise actually added, same scale
            </figcaption>
          </figure>
          <p className="readout-line" aria-live="polite">
            ε-MSE{' '}
            <b data-testid="forward-mse-eps" data-value={term?.mseEps ?? ''}>
              {term ? term.mseEps.toFixed(4) : busy ? '…' : '–'}
            </b>{' '}
            <span className="quiet">(0 is perfect; 1 is no better than guessing zero noise)</span>
          </p>
          {error && <p className="hint error-text">{error}</p>}
        </div>
      )}
    </div>
  );
}
