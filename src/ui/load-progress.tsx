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
  // The worker names a phase only once every file is in. Until then it is the download, even when the
  // bytes so far add up: the total grows as each file's first progress arrives.
  const text = phase
    ? phaseText(phase)
    : total === 0
      ? 'Fetching the model manifest…'
      : `Downloading the model and runtime · ${mb(loaded)} of ${mb(total)} MB`;
  return (
    <div className="load-progress" data-testid="load-progress" data-phase={phase?.step ?? 'download'}>
      {/* After the download the bar has no measure of its own: indeterminate. */}
      <progress aria-label={phase ? 'Preparing the model' : 'Model and runtime download'} max={total || 1} value={!phase && total ? loaded : undefined} />
      <span>{text}</span>
    </div>
  );
}
