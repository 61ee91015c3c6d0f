/**
 * Under the reverse process: play / pause, step back / forward and the replay speed, and the "Show
 * step" slider over the run's steps. Always laid out (disabled before a run), so a run moves nothing.
 * Moving the step moves the forward panel to that step's t (timeline-slice).
 */
import { useLayoutEffect, useRef } from 'react';
import { useStore, type StoreState } from '../state/store.ts';
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

/** The slider's accessible value: "step 3 of 20, t = 850". */
function sliderText(s: StoreState): string {
  const count = s.frames.length;
  if (count === 0) return 'no steps yet';
  const index = Math.max(0, shownIndex(s));
  return `step ${index + 1} of ${totalSteps(s)}, t = ${formatT(s.frames[index].t)}`;
}

const totalSteps = (s: StoreState) => s.frames.at(-1)?.total ?? s.generationParams?.steps ?? s.settings.steps;

export function TimelineControls() {
  usePlayback();
  // React renders on what changes a few times per run (a run starts or ends, the shown step reaches an
  // end, play, speed). The slider's position, range and value text change on every step: a store
  // subscription writes them, since a React update of an <input> also rewrites its name and type
  // attributes, which makes the page restyle it on every step of a run.
  const hasFrames = useStore((s) => s.frames.length > 0);
  const atFirst = useStore((s) => shownIndex(s) <= 0);
  const atLast = useStore((s) => shownIndex(s) >= s.frames.length - 1);
  const canReplay = useStore((s) => s.generationStatus !== 'running' && s.frames.length > 1);
  const playing = useStore((s) => s.playing);
  const speed = useStore((s) => s.playSpeed);
  const sliderRef = useRef<HTMLInputElement>(null);
  const s = useStore.getState;

  // Before the first paint, so the slider never shows the range input's default middle position.
  useLayoutEffect(() => {
    const slider = sliderRef.current!;
    const update = (state: StoreState) => {
      const max = String(Math.max(0, state.frames.length - 1));
      if (slider.max !== max) slider.max = max; // before the value, which the range clamps
      const value = String(Math.max(0, shownIndex(state)));
      if (slider.value !== value) slider.value = value;
      const text = sliderText(state);
      if (slider.getAttribute('aria-valuetext') !== text) slider.setAttribute('aria-valuetext', text);
    };
    update(useStore.getState());
    return useStore.subscribe((state, prev) => {
      if (state.frames !== prev.frames || state.viewIndex !== prev.viewIndex || state.generationParams !== prev.generationParams || state.settings.steps !== prev.settings.steps) update(state);
    });
  }, []);

  return (
    <div className="timeline" data-testid="timeline">
      <div className="transport" role="group" aria-label="Replay">
        <button type="button" className="icon" aria-label="Step back" title="Step back (←)" disabled={!hasFrames || atFirst} onClick={() => s().stepBy(-1)}>
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
        <button type="button" className="icon" aria-label="Step forward" title="Step forward (→)" disabled={!hasFrames || atLast} onClick={() => s().stepBy(1)}>
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
        {/* Uncontrolled: max, value and aria-valuetext are written by the subscription above. */}
        <input
          ref={sliderRef}
          id="show-step"
          type="range"
          min={0}
          disabled={!hasFrames}
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
