/**
 * A progress bar over the bytes of every file the page downloads before it can run: the model files
 * and onnxruntime's .wasm runtime, fetched in parallel. It sits in a slot of fixed height in the
 * header, so its coming and going moves nothing.
 */
import { useStore } from '../state/store.ts';

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

export function LoadProgress() {
  const status = useStore((s) => s.loadStatus);
  const progress = useStore((s) => s.progress);
  if (status !== 'loading') return <div className="load-progress" aria-hidden="true" />;
  const files = Object.values(progress);
  const loaded = files.reduce((sum, f) => sum + f.loaded, 0);
  const total = files.reduce((sum, f) => sum + f.total, 0);
  const text =
    total === 0
      ? 'Fetching the model manifest…'
      : loaded < total
        ? `Downloading the model and runtime · ${mb(loaded)} of ${mb(total)} MB`
        : 'Starting the runtime…';
  return (
    <div className="load-progress" data-testid="load-progress">
      <progress aria-label="Model and runtime download" max={total || 1} value={total ? loaded : undefined} />
      <span>{text}</span>
    </div>
  );
}
