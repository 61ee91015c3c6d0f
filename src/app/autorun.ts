/**
 * The page's first run, by itself: once the models are ready it runs the link's settings (rebuilding
 * the link's source image first when it names one) or the model's default prompt, and says so.
 */
import { useStore } from '../state/store.ts';
import { generateNow, startRun } from './runs.ts';
import { until } from './until.ts';

/** `?autorun=0` opens the page without generating anything by itself. */
export function autorunFromQuery(search: string): boolean {
  return new URLSearchParams(search).get('autorun') !== '0';
}

/**
 * Runs the opening settings once the manifest has `settled` (false: it failed, nothing runs) and the
 * models are ready. A generation the person started first wins.
 */
export async function autoRun(settled: Promise<boolean>, fromLink: boolean): Promise<void> {
  if (!(await settled)) return;
  await until((s) => s.loadStatus === 'ready');
  if (useStore.getState().generationId !== null) return;
  const rebuilt = await rebuildForwardRun();
  if (rebuilt === 'interrupted') return;
  const before = useStore.getState().generationId;
  await until((s) => s.settings.start === 'noise' || s.forwardImage !== null || s.generationId !== before);
  if (useStore.getState().generationId !== before) return;
  generateNow();
  const note = !fromLink
    ? 'Ran the default prompt on load. Change it and press Generate.'
    : rebuilt === 'rebuilt'
      ? 'Ran the settings from this link on open, after rebuilding the image it starts from.'
      : 'Ran the settings from this link on open.';
  useStore.getState().setRunNote(note);
}

/**
 * A link's source image (src=run) is rebuilt by running its settings again, deterministically, so an
 * img2img or inpainting link starts from the same pixels.
 */
export async function rebuildForwardRun(): Promise<'none' | 'rebuilt' | 'interrupted'> {
  const run = useStore.getState().forwardRun;
  if (!run || run.image) return 'none';
  const id = startRun(run.params);
  if (id === null) return 'interrupted';
  useStore.getState().setRunNote('Rebuilding the image this link starts from…');
  const s = await until((s) => s.generationId !== id || s.generationStatus !== 'running');
  if (s.generationId !== id || s.generationStatus !== 'done' || !s.lastResult) return 'interrupted';
  s.completeForwardRun(s.lastResult.image);
  return 'rebuilt';
}
