/**
 * The replay clock and the page's keyboard shortcuts for the timeline: Space plays or pauses, ← and →
 * step back and forward. Keys typed into a field (or pressed on a button or link) are left alone.
 */
import { useEffect } from 'react';
import { useStore } from '../state/store.ts';

/** The shortcuts, as the page lists them. */
export const SHORTCUTS: { keys: string; action: string }[] = [
  { keys: 'Space', action: 'play / pause' },
  { keys: '← / →', action: 'step back / forward' },
];

function typingInto(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON|A|SUMMARY)$/.test(target.tagName);
}

/** Runs the replay timer while `playing`, and listens for the shortcuts. Mount once. */
export function usePlayback(): void {
  const playing = useStore((s) => s.playing);
  const speed = useStore((s) => s.playSpeed);

  useEffect(() => {
    if (!playing) return;
    const timer = setInterval(() => useStore.getState().advance(), 1000 / speed);
    return () => clearInterval(timer);
  }, [playing, speed]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey || typingInto(e.target)) return;
      const s = useStore.getState();
      if (e.key === ' ') s.togglePlay();
      else if (e.key === 'ArrowLeft') s.stepBy(-1);
      else if (e.key === 'ArrowRight') s.stepBy(1);
      else return;
      e.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
}
