/** Starting and stopping generations: the form's settings (and the forward panel's image) to the worker. */
import { startMask } from '../pipeline/start-mask.ts';
import type { RunSettings } from '../settings/fields.ts';
import { compareParamsOf } from '../state/compare-slice.ts';
import { runOf } from '../state/run-links.ts';
import { useStore } from '../state/store.ts';
import type { RunInput } from '../worker/client.ts';
import { workerLink } from './worker-link.ts';

/** Starts a generation with the form's settings (in compare mode, runs A and B); a running one is replaced. */
export function generateNow(): void {
  const s = useStore.getState();
  const a = runOf(s.settings);
  if (s.compareOn) startComparison(a, compareParamsOf(a, s.compareB));
  else startRun(a);
}

/**
 * What the worker needs for run `settings`: the forward panel's image as a fresh copy (the request
 * transfers it, and the store keeps showing it) when the run starts from it, or null when it cannot
 * start (the panel has no image yet, or a painted mask does not fit it: said as a notice).
 */
function inputOf(settings: RunSettings): RunInput | null {
  if (settings.start === 'noise') return { settings };
  // The start points begin from the forward panel's image; the panel disables Generate until it is there.
  const image = useStore.getState().forwardImage;
  if (!image) return null;
  try {
    startMask(settings, Math.round(Math.sqrt(image.length / 3)));
  } catch (err) {
    // Only a mask of another size gets here (the store and the link reader check the rest): say so, run nothing.
    useStore.getState().setUrlProblems([`${err instanceof Error ? err.message : String(err)}; paint the mask again`]);
    return null;
  }
  return { settings, image: image.slice() };
}

/** Sends one generation to the worker and shows it; returns its id, or null when it cannot start. */
export function startRun(settings: RunSettings): number | null {
  const input = workerLink.port && inputOf(settings);
  if (!workerLink.port || !input) return null;
  const { a } = workerLink.port.generate(input);
  useStore.getState().startGeneration(a, settings);
  return a;
}

/** Sends runs A and B as one comparison (their steps alternate in the worker) and shows both. */
function startComparison(a: RunSettings, b: RunSettings): void {
  const [inputA, inputB] = [inputOf(a), inputOf(b)];
  if (!workerLink.port || !inputA || !inputB) return;
  const ids = workerLink.port.generate(inputA, inputB);
  useStore.getState().startGeneration(ids.a, a);
  useStore.getState().startCompare({ a: ids.a, b: ids.b! }, b);
}

/** Stops the running generation (in a comparison, both runs) before its next step. */
export function stopGeneration(): void {
  const { generationId, generationStatus, compareIds, compareStatus } = useStore.getState();
  if (workerLink.port && generationId !== null && generationStatus === 'running') workerLink.port.cancel(generationId);
  // A comparison's B can outlast A (more steps); cancelling either id stops both.
  else if (workerLink.port && compareIds && compareStatus === 'running') workerLink.port.cancel(compareIds.b);
}
