/** The controls: prompt, seed, steps, guidance, and the Generate and Stop buttons, with hints for odd input. */
import { generateNow, stopGeneration } from '../controller.ts';
import { useStore } from '../state/store.ts';
import { NumberField } from './number-field.tsx';

/** Words as the tokenizer sees them: runs of ASCII letters and digits or non-ASCII characters. */
function countWords(text: string): number {
  return text.replace(/[\uFE0E\uFE0F]/g, '').match(/[0-9A-Za-z\u0080-\uFFFF]+/g)?.length ?? 0;
}

function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

export function PromptPanel() {
  const prompt = useStore((s) => s.prompt);
  const seed = useStore((s) => s.seed);
  const steps = useStore((s) => s.steps);
  const guidance = useStore((s) => s.guidance);
  const status = useStore((s) => s.generationStatus);
  const loadStatus = useStore((s) => s.loadStatus);
  const maxWords = useStore((s) => (s.manifest?.tokenizer.max_length ?? 16) - 2);
  const words = countWords(prompt);
  const running = status === 'running';

  return (
    <section className="card prompt-panel" aria-label="Generation settings">
      <h2>Describe an image</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          generateNow();
        }}
      >
        <div className="field">
          <label htmlFor="prompt">Prompt</label>
          <textarea
            id="prompt"
            rows={3}
            maxLength={500}
            value={prompt}
            placeholder="e.g. cat face, red apple, smiling sun"
            onChange={(e) => useStore.getState().setPrompt(e.target.value)}
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

        <NumberField label="Seed" value={seed} min={0} max={4294967295} onCommit={(v) => useStore.getState().setSeed(v)}>
          <button type="button" className="secondary" onClick={() => useStore.getState().setSeed(randomSeed())}>
            Random
          </button>
        </NumberField>

        <NumberField label="Steps" value={steps} min={1} max={100} onCommit={(v) => useStore.getState().setSteps(v)} />

        <div className="field">
          <label htmlFor="guidance">
            Guidance <output htmlFor="guidance">{guidance}</output>
          </label>
          <input
            id="guidance"
            type="range"
            min={0}
            max={20}
            step={0.5}
            value={guidance}
            onChange={(e) => useStore.getState().setGuidance(e.target.valueAsNumber)}
          />
          <p className="hint quiet">
            {guidance === 0
              ? '0 ignores the prompt.'
              : guidance === 1
                ? '1 follows the prompt without extra push.'
                : 'How hard each step is pushed towards the prompt.'}
          </p>
        </div>

        <div className="actions">
          <button type="submit" className="primary" disabled={loadStatus !== 'ready'}>
            Generate
          </button>
          <button type="button" className="secondary" onClick={stopGeneration} disabled={!running}>
            Stop
          </button>
        </div>
        {loadStatus === 'loading' && <p className="hint quiet">Generate unlocks once the model has loaded.</p>}
      </form>
    </section>
  );
}
