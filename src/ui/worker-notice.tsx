/** One line when the inference worker died, hung or stalled its download, with a Retry that starts a fresh one. */
import { retry } from '../app/start.ts';
import { useStore } from '../state/store.ts';

/** The worker failure line (nothing while the worker is fine). */
export function WorkerNotice() {
  const failure = useStore((s) => s.workerFailure);
  if (!failure) return null;
  return (
    <div className="notice error" role="alert" data-testid="worker-failure">
      <p>
        <strong>The model stopped working:</strong> {failure}. Your settings and the frames shown are kept.{' '}
        <button type="button" className="secondary" onClick={retry}>
          Retry
        </button>
      </p>
    </div>
  );
}
