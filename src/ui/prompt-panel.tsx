/**
 * The prompt and the Generate and Stop buttons, at the top of the page so they share the first screen
 * with the reverse process (the other settings are in settings-panel.tsx).
 */
import { generateNow, stopGeneration } from '../app/runs.ts';
import { useStore } from '../state/store.ts';

/** Words as the tokenizer sees them: runs of ASCII letters and digits or non-ASCII characters. */
function countWords(text: string): number {
  return text.replace(/[\uFE0E\uFE0F]/g, '').match(/[0-9A-Za-z\u0080-\uFFFF]+/g)?.length ?? 0;
}

export function PromptPanel() {
  const prompt = useStore((s) => s.settings.prompt);
  const startFrom = useStore((s) => s.settings.start);
  const hasImage = useStore((s) => s.forwardImage !== null);
  const loadStatus = useStore((s) => s.loadStatus);
  const maxWords = useStore((s) => (s.manifest?.tokenizer.max_length ?? 16) - 2);
  const words = countWords(prompt);
  // A comparison's B can still run after A has finished: Stop ends it too.
  const running = useStore((s) => s.generationStatus === 'running' || s.compareStatus === 'running');

  return (
    <section className="card prompt-panel" aria-label="Describe an image">
      <form
        id="generate-form"
        onSubmit={(e) => {
          e.preventDefault();
          generateNow();
        }}
      >
        <div className="field">
          <h2>
            <label htmlFor="prompt">Prompt</label>
          </h2>
          <textarea
            id="prompt"
            rows={2}
            maxLength={500}
            value={prompt}
            placeholder="e.g. cat face, red apple, smiling sun"
            onChange={(e) => useStore.getState().updateSettings({ prompt: e.target.value })}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && loadStatus === 'ready') generateNow();
            }}
          />
          {words === 0 && (
            <p className="hint" data-testid="prompt-hint">
              No words: the model draws with no text to follow (unconditional).
            </p>
          )}
          {words > maxWords && (
            <p className="hint" data-testid="prompt-hint">
              Only the first {maxWords} words are used; the last {words - maxWords} are ignored.
            </p>
          )}
          <p className="hint quiet">Emoji-style subjects work best: “cat face”, “red apple”, “rocket”.</p>
        </div>
        {/* On phones this bar is pinned to the bottom of the screen (styles.css), so Generate is always in reach. */}
        <div className="actions">
          <button type="submit" className="primary" disabled={loadStatus !== 'ready' || (startFrom !== 'noise' && !hasImage)}>
            Generate
          </button>
          <button type="button" className="secondary" onClick={() => stopGeneration()} disabled={!running}>
            Stop
          </button>
        </div>
        {loadStatus === 'loading' && <p className="hint quiet">Generate unlocks once the model has loaded.</p>}
        {loadStatus === 'ready' && startFrom !== 'noise' && !hasImage && (
          <p className="hint" data-testid="start-hint">
            Waiting for the forward process panel’s image.
          </p>
        )}
      </form>
    </section>
  );
}
