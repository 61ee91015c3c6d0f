/**
 * Under the reverse process: play / pause, step back / forward and the replay speed, and the "Show
 * step" slider over the run's steps. Always laid out (disabled before a run), so a run moves nothing.
 * Moving the step moves the forward panel to that step's t (timeline-slice).
 */
import { useStore } from '../state/store.ts';
import { PLAY_SPEEDS, shownIndex } from '../state/timeline-slice.ts';
import { SHORTCUTS, usePlayback } from './use-playback.ts';

/** Small inline icons (the ⏮ ⏭ glyphs are missing from many fonts). */
const ICONS = {
  back: 'M3 2h2v12H3zM14 2v12L6 8z',
  forward: 'M11 2h2v12h-2zM2 2v12l8-6z',
  play: 'M4 2v12l10-6z',
  pause: 'M3 2h4v12H3zM9 2h4v12H9z',
};

function Icon({ d }: { d: string }) {
  return (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path d={d} fill="currentColor" />
    </svg>
  );
}

/** "t = 32", or "t = 12.7" for Karras' fractional timesteps. */
export function formatT(t: number): string {
  return Number.isInteger(t) ? String(t) : t.toFixed(1);
}

export function TimelineControls() {
  usePlayback();
  // Re-renders once per received step: a handful of small elements, far cheaper than the step itself.
  const count = useStore((s) => s.frames.length);
  const index = useStore(shownIndex);
  const frameT = useStore((s) => s.frames[shownIndex(s)]?.t);
  const total = useStore((s) => s.frames.at(-1)?.total ?? s.generationParams?.steps ?? s.steps);
  const status = useStore((s) => s.generationStatus);
  const playing = useStore((s) => s.playing);
  const speed = useStore((s) => s.playSpeed);
  const canReplay = status !== 'running' && count > 1;
  const s = useStore.getState;

  return (
    <div className="timeline" data-testid="timeline">
      <div className="transport" role="group" aria-label="Replay">
        <button type="button" className="icon" aria-label="Step back" title="Step back (←)" disabled={count === 0 || index <= 0} onClick={() => s().stepBy(-1)}>
          <Icon d={ICONS.back} />
        </button>
        <button
          type="button"
          className="icon play"
          aria-label={playing ? 'Pause' : 'Play'}
          title={playing ? 'Pause (Space)' : 'Play (Space)'}
          disabled={!canReplay}
          onClick={() => s().togglePlay()}
        >
          <Icon d={playing ? ICONS.pause : ICONS.play} />
        </button>
        <button
          type="button"
          className="icon"
          aria-label="Step forward"
          title="Step forward (→)"
          disabled={count === 0 || index >= count - 1}
          onClick={() => s().stepBy(1)}
        >
          <Icon d={ICONS.forward} />
        </button>
        <select className="speed" aria-label="Replay speed" value={speed} onChange={(e) => s().setPlaySpeed(Number(e.target.value))}>
          {PLAY_SPEEDS.map((v) => (
            <option key={v} value={v}>
              {v} / s
            </option>
          ))}
        </select>
      </div>
      <div className="scrub">
        <label htmlFor="show-step">Show step</label>
        <input
          id="show-step"
          type="range"
          min={0}
          max={Math.max(0, count - 1)}
          value={Math.max(0, index)}
          disabled={count === 0}
          aria-valuetext={count === 0 ? 'no steps yet' : `step ${index + 1} of ${total}, t = ${formatT(frameT!)}`}
          onChange={(e) => {
            s().pause();
            s().showStep(e.target.valueAsNumber);
          }}
        />
      </div>
      <p className="shortcuts hint quiet">
        Keys:{' '}
        {SHORTCUTS.map((k, i) => (
          <span key={k.keys}>
            {i > 0 && ' · '}
            <kbd>{k.keys}</kbd> {k.action}
          </span>
        ))}
      </p>
    </div>
  );
}
