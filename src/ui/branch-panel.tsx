/**
 * Branching: "Branch here" keeps the shown step of a run and goes on from it with another prompt,
 * guidance or noise, so a person sees that early steps fix the layout and late steps the details.
 * The branch reruns the parent's steps up to the branch point exactly (same settings, same seed), so
 * a link reproduces it; the run's timeline then draws the fork.
 */
import { generateNow } from '../app/runs.ts';
import type { RunSettings } from '../settings/fields.ts';
import { urlStateOfRun } from '../state/run-links.ts';
import { applyUrlState, selectUrlState, useStore } from '../state/store.ts';
import { shownIndex } from '../state/timeline-slice.ts';
import { NumberField } from './number-field.tsx';

/** The run's steps as dots: shared ones on the parent's line, the branch's rising off it after the fork. */
function ForkDiagram({ total, at }: { total: number; at: number }) {
  const width = 240;
  const x = (i: number) => 8 + (i / Math.max(1, total - 1)) * (width - 16);
  const [low, high] = [22, 8];
  const branchPath = `M ${x(at)} ${low} ` + Array.from({ length: total - at - 1 }, (_, j) => `L ${x(at + 1 + j)} ${high}`).join(' ');
  return (
    <svg className="fork-diagram" viewBox={`0 0 ${width} 30`} role="img" aria-label={`Steps 1 to ${at + 1} shared with the parent run, steps ${at + 2} to ${total} are the branch's`}>
      <line x1={x(0)} y1={low} x2={x(total - 1)} y2={low} className="fork-parent" />
      <path d={branchPath} className="fork-branch" fill="none" />
      {Array.from({ length: total }, (_, i) => (
        <circle key={i} cx={x(i)} cy={i <= at ? low : high} r={2.5} className={i <= at ? 'fork-shared-dot' : 'fork-branch-dot'} />
      ))}
    </svg>
  );
}

/** Sets up a branch after step `at` of the run `params`: the form gets the run's settings (the parent), the branch starts as a copy. */
function branchHere(params: RunSettings, at: number) {
  const s = useStore.getState();
  // On a branch run (only up to its fork point, see canBranch) the parent is the run before its fork;
  // the branch starts as a copy of it.
  const branch = { fork: at, fork_prompt: params.prompt, fork_negative: params.negative, fork_guidance: params.guidance, fork_seed: -1 };
  applyUrlState({ ...urlStateOfRun({ ...params, ...branch }, selectUrlState(s)), t: s.forwardT });
}

export function BranchPanel() {
  const params = useStore((s) => s.generationParams);
  const status = useStore((s) => s.generationStatus);
  // During a run nothing can branch: these read as "no steps yet" then, so the panel does not
  // re-render on every step (which costs the worker CPU time on small machines).
  const index = useStore((s) => (s.generationStatus === 'running' ? -1 : shownIndex(s)));
  const count = useStore((s) => (s.generationStatus === 'running' ? 0 : s.frames.length));
  const hasFrames = useStore((s) => s.frames.length > 0);
  const total = useStore((s) => s.frames.at(-1)?.total ?? 0);
  const forkAt = useStore((s) => s.settings.fork);
  const prompt = useStore((s) => s.settings.fork_prompt);
  const negative = useStore((s) => s.settings.fork_negative);
  const guidance = useStore((s) => s.settings.fork_guidance);
  const seed = useStore((s) => s.settings.fork_seed);
  const steps = useStore((s) => s.settings.steps);
  const set = (change: Partial<RunSettings>) => useStore.getState().updateSettings(change);

  const runFork = params && params.fork >= 0 ? params : null;
  // A branch needs a step after it. One fork per run: on a branch, only its parent's steps can fork again.
  const nested = runFork !== null && index > runFork.fork;
  const canBranch = params !== null && status !== 'running' && count > 1 && index < total - 1 && !nested;

  return (
    <div className="branch" data-testid="branch">
      {runFork && hasFrames && (
        <figure className="fork-figure">
          <ForkDiagram total={total} at={runFork.fork} />
          <figcaption>
            This run is a branch: steps 1–{runFork.fork + 1} are its parent’s (“{runFork.prompt}”), exactly; from step {runFork.fork + 2} it follows “
            {runFork.fork_prompt}”, guidance {runFork.fork_guidance}
            {runFork.fork_seed >= 0 && `, noise seed ${runFork.fork_seed}`}.
          </figcaption>
        </figure>
      )}
      {forkAt < 0 ? (
        <div className="branch-start">
          <button type="button" className="secondary small" disabled={!canBranch} onClick={() => params && branchHere(params, index)}>
            Branch here
          </button>
          <span className="hint quiet">
            {nested
              ? `A branch of a branch is not supported: pick a step up to ${runFork!.fork + 1} (the parent's).`
              : count > 1 && index < total - 1
                ? `Keep steps 1–${index + 1} and go on with another prompt, guidance or noise.`
                : 'Pick a step of a finished run to keep its first steps and go on with another prompt, guidance or noise.'}
          </span>
        </div>
      ) : (
        <fieldset className="branch-box">
          <legend>
            Branch after step {forkAt + 1} of {steps}
          </legend>
          <p className="hint quiet">Generate reruns the settings above up to step {forkAt + 1} (the same image), then goes on with these.</p>
          <div className="field">
            <label htmlFor="fork-prompt">Branch prompt</label>
            <input id="fork-prompt" type="text" value={prompt} maxLength={500} onChange={(e) => set({ fork_prompt: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor="fork-negative">Branch negative prompt</label>
            <input id="fork-negative" type="text" value={negative} maxLength={500} onChange={(e) => set({ fork_negative: e.target.value })} />
          </div>
          <NumberField label="Branch guidance" value={guidance} min={0} max={20} step={0.5} onCommit={(v) => set({ fork_guidance: v })} />
          <NumberField label="Branch noise seed (-1: the parent's)" value={seed} min={-1} max={4294967295} onCommit={(v) => set({ fork_seed: v })} />
          <div className="actions">
            <button type="button" className="primary" disabled={forkAt > steps - 2} onClick={() => generateNow()}>
              Run branch
            </button>
            <button type="button" className="secondary" onClick={() => set({ fork: -1 })}>
              Remove branch
            </button>
          </div>
          {forkAt > steps - 2 && <p className="error-text">The run has {steps} steps: a branch needs a step after step {forkAt + 1}.</p>}
        </fieldset>
      )}
    </div>
  );
}
