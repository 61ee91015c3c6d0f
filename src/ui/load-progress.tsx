/**
 * A progress bar over the bytes of every file the page downloads before it can run: the model files
 * and onnxruntime's .wasm runtime, fetched in parallel. Then, while the worker makes its first calls
 * (on WebGPU: compiling the kernels, which can take longer than the download) or times the two
 * backends, it says so. It sits in a slot of fixed height in the header, so its coming and going moves
 * nothing.
 */
import type { LoadPhase } from '../worker/protocol.ts';
import { useStore } from '../state/store.ts';

/** What the page says during a phase after the download. */
export function phaseText(phase: LoadPhase): string {
  if (phase.step === 'time') return 'Timing one step on WebGPU and on WASM, to run on the faster…';
  return phase.backend === 'webgpu'
    ? 'Preparing the model on WebGPU: compiling its GPU kernels (first run only per visit)…'
    : 'Preparing the model on WASM…';
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

export function LoadProgress() {
  const status = useStore((s) => s.loadStatus);
  const progress = useStore((s) => s.progress);
  const phase = useStore((s) => s.loadPhase);
  if (status !== 'loading') return <div className="load-progress" aria-hidden="true" />;
  const files = Object.values(progress);
  const loaded = files.reduce((sum, f) => sum + f.loaded, 0);
  const total = files.reduce((sum, f) => sum + f.total, 0);
  const downloading = total === 0 || loaded < total;
  const text =
    total === 0
      ? 'Fetching the model manifest…'
      : loaded < total
        ? `Downloading the model and runtime · ${mb(loaded)} of ${mb(total)} MB`
        : phase
          ? phaseText(phase)
          : 'Starting the runtime…';
  return (
    <div className="load-progress" data-testid="load-progress" data-phase={downloading ? 'download' : (phase?.step ?? 'start')}>
      {/* After the download the bar has no measure of its own: indeterminate. */}
      <progress aria-label={downloading ? 'Model and runtime download' : 'Preparing the model'} max={total || 1} value={total && downloading ? loaded : undefined} />
      <span>{text}</span>
    </div>
  );
}
