/**
 * The last runs as a strip of thumbnails (newest first); hovering shows the settings, clicking
 * restores them and the run (its frames if still in memory, else it runs again). Survives a reload
 * (settings and thumbnails in IndexedDB) and can be cleared.
 */
import { useEffect, useRef } from 'react';
import { restoreRun } from '../app/history-sync.ts';
import type { HistoryEntry } from '../state/history-slice.ts';
import { useStore } from '../state/store.ts';
import { samplerLabel, startLabel } from './run-labels.ts';

/** One line of a run's settings, e.g. `"cat face", seed 1, 30 steps, DDIM, guidance 4`. */
export function describeRun(e: HistoryEntry): string {
  const p = e.params;
  const prompt = p.prompt.trim() ? `"${p.prompt}"` : 'no prompt';
  const start = p.start === 'noise' ? '' : `, ${startLabel(p)}`;
  const negative = p.negative.trim() ? `, not "${p.negative}"` : '';
  return `${prompt}, seed ${p.seed}, ${p.steps} steps, ${samplerLabel(p)}, guidance ${p.guidance}${start}${negative}`;
}

function Thumbnail({ entry }: { entry: HistoryEntry }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (ctx) ctx.putImageData(new ImageData(new Uint8ClampedArray(entry.thumbnail), entry.side, entry.side), 0, 0);
  }, [entry]);
  return <canvas ref={ref} width={entry.side} height={entry.side} aria-hidden="true" />;
}

export function HistoryStrip() {
  const history = useStore((s) => s.history);
  const shownId = useStore((s) => s.generationId);
  if (history.length === 0) return null;
  return (
    <section className="card history" aria-label="History">
      <div className="view-head">
        <h2>Your last runs</h2>
        <button type="button" className="secondary small" onClick={() => useStore.getState().clearHistory()}>
          Clear history
        </button>
      </div>
      <ol className="history-strip">
        {history.map((entry) => (
          <li key={entry.key}>
            <button
              type="button"
              className="history-item"
              title={describeRun(entry) + (entry.kept ? '' : ' (runs again)')}
              // The name stays short (the full settings are in the title) so it cannot shadow a form label such as "Steps".
              aria-label={`Restore run: ${entry.params.prompt.trim() ? `"${entry.params.prompt}"` : 'no prompt'}`}
              aria-current={shownId === -entry.key ? 'true' : undefined}
              onClick={() => restoreRun(entry)}
            >
              <Thumbnail entry={entry} />
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
