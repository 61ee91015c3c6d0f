/**
 * The model's noise estimate for a noised image whose noise is known, and its error: one U-Net call
 * (the worker's predict request) per change of inputs, after a short pause, a newer request replacing
 * an older one. Shared by the training view and the forward panel.
 */
import { useEffect, useState } from 'react';
import { requestPrediction } from '../app/worker-link.ts';
import { isAbortError } from '../pipeline/models.ts';
import { lossTerm, type LossTerm } from '../diffusion/training-loss.ts';

export interface LossTermInputs {
  /** False skips the call (model not ready, or nobody looks). */
  enabled: boolean;
  x0: Float32Array | null;
  /** The drawn noise ε, x0's shape. */
  eps: Float32Array;
  /** √ᾱ_t x0 + √(1 − ᾱ_t) ε; a new array whenever x0, t or ε change. */
  xt: Float32Array | null;
  t: number;
  ab: number;
  /** The prompt the U-Net is conditioned on ("" = unconditional). */
  text: string;
}

export interface LossTermState {
  /** The loss term of exactly the inputs given (null while it is computed or when disabled). */
  term: LossTerm | null;
  /** Milliseconds of the U-Net call that gave `term`. */
  ms: number | null;
  busy: boolean;
  error: string | null;
}

/** See the module comment. */
export function useLossTerm({ enabled, x0, eps, xt, t, ab, text }: LossTermInputs): LossTermState {
  const [result, setResult] = useState<{ xt: Float32Array; text: string; term: LossTerm; ms: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!enabled || !x0 || !xt) return;
    let live = true;
    const timer = setTimeout(() => {
      setBusy(true);
      requestPrediction({ sample: xt.slice(), timestep: Float32Array.of(t), prompts: [text] }).then(
        ({ v, ms }) => {
          if (!live) return;
          setResult({ xt, text, term: lossTerm(ab, x0, eps, xt, v), ms });
          setError(null);
          setBusy(false);
        },
        (e: Error) => {
          if (!live) return;
          if (!isAbortError(e)) setError(e.message);
          setBusy(false);
        },
      );
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [enabled, x0, xt, t, text, ab, eps]);

  // Numbers shown belong to the inputs shown: xt is a new array whenever the image, t or seed change.
  const current = enabled && result && result.xt === xt && result.text === text ? result : null;
  return { term: current?.term ?? null, ms: current?.ms ?? null, busy: enabled && busy, error: enabled ? error : null };
}
