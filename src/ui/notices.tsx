/** Messages about things that went wrong: a broken link, a model that would not load, a dead worker, a failed run. */
import { retry } from '../app/start.ts';
import { useStore } from '../state/store.ts';
import { WorkerNotice } from './worker-notice.tsx';

export function Notices() {
  const urlProblems = useStore((s) => s.urlProblems);
  const loadError = useStore((s) => s.loadError);
  const generationError = useStore((s) => s.generationError);
  const hasManifest = useStore((s) => s.manifest !== null);
  return (
    <div className="notices">
      <WorkerNotice />
      {loadError && (
        <div className="notice error" role="alert" data-testid="load-error">
          <p>
            <strong>The model could not be loaded.</strong> {loadError}
          </p>
          <p>
            {hasManifest ? 'The forward-process panel still works. ' : ''}
            Check that the files in <code>models/</code> are complete, then retry.
          </p>
          <button type="button" className="secondary" onClick={retry}>
            Retry
          </button>
        </div>
      )}
      {generationError && (
        <div className="notice error" role="alert" data-testid="generation-error">
          <p>
            <strong>Generation failed.</strong> {generationError}
          </p>
        </div>
      )}
      {urlProblems.length > 0 && (
        <div className="notice warning" role="status" data-testid="url-problems">
          <p>
            <strong>Some settings in the link were not valid and were replaced:</strong>
          </p>
          <ul>
            {urlProblems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
          <button type="button" className="secondary" onClick={() => useStore.getState().setUrlProblems([])}>
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}
