/** Where the model and its training data come from: sources, licences, attributions, the model card. */
import { modelBase } from '../app/paths.ts';
import { useStore } from '../state/store.ts';

export function AboutFooter() {
  const manifest = useStore((s) => s.manifest);
  return (
    <footer className="about" aria-label="About and licences">
      <div>
        <h2>About</h2>
        <p>
          Everything runs in this page: the model ({manifest ? `${manifest.name}, ${formatCount(manifest.unet.parameters)} parameters` : 'loading'}) is
          executed by onnxruntime-web on your machine; nothing is sent to a server. It was trained from scratch by this
          project on openly licensed emoji artwork.
          {manifest && (
            <>
              {' '}
              <a href={new URL(manifest.model_card, modelBase).href} target="_blank" rel="noreferrer">
                Model card
              </a>
              .
            </>
          )}
        </p>
      </div>
      {manifest && (
        <div>
          <h2>Training data and licences</h2>
          <p>
            {formatCount(manifest.data.images)} images of {formatCount(manifest.data.concepts)} concepts from:
          </p>
          <ul className="sources">
            {manifest.data.sources.map((s) => (
              <li key={`${s.package}@${s.version}`}>
                <code>
                  {s.package}@{s.version}
                </code>{' '}
                <span className="licence">{s.license}</span> — {s.attribution}
              </li>
            ))}
          </ul>
        </div>
      )}
    </footer>
  );
}

function formatCount(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${Math.round(n / 1e3)}k` : n.toLocaleString('en');
}
