/**
 * The views below the reverse process, one at a time behind a tab strip (WAI-ARIA tabs: arrow keys
 * move between tabs). Views that feed the page or hold inputs stay mounted while hidden (the forward
 * panel's image feeds img2img even while another tab is open); see ViewTab.keepMounted.
 *
 * A new view: append { id, label, render } to VIEWS; README "What you can see" walks through them.
 */
import { useRef, useState, type ReactNode } from 'react';
import { CompareView } from './compare-view.tsx';
import { ForwardPanel } from './forward-panel.tsx';
import { InsideStepView } from './inside-step-view.tsx';
import { TrainingView } from './training-view.tsx';

/** One tab: a stable id (used in element ids and tests), its label, and the view. */
export interface ViewTab {
  id: string;
  label: string;
  render(): ReactNode;
  /**
   * Stays mounted while hidden: views that feed the rest of the page (the forward panel's image starts
   * img2img) or hold the person's inputs. A view that redraws on every step (Inside a step) mounts only
   * while shown, so a run does not pay for pictures nobody sees.
   */
  keepMounted: boolean;
}

/** The views, in tab order; the first is open on load. */
export const VIEWS: ViewTab[] = [
  { id: 'forward', label: 'Forward process', render: () => <ForwardPanel />, keepMounted: true },
  { id: 'inside', label: 'Inside a step', render: () => <InsideStepView />, keepMounted: false },
  { id: 'training', label: 'Training', render: () => <TrainingView />, keepMounted: true },
  // Holds B's settings; draws nothing per step unless compare is on.
  { id: 'compare', label: 'Compare A/B', render: () => <CompareView />, keepMounted: true },
];

export function ViewsTabs({ views = VIEWS }: { views?: ViewTab[] }) {
  const [open, setOpen] = useState(views[0]?.id);
  const tabRefs = useRef<Record<string, HTMLButtonElement | null>>({});
  const move = (from: number, delta: number) => {
    const next = views[(from + delta + views.length) % views.length];
    setOpen(next.id);
    tabRefs.current[next.id]?.focus();
  };
  return (
    <div className="card views" data-testid="views">
      <div className="tab-strip" role="tablist" aria-label="Views">
        {views.map((v, i) => (
          <button
            key={v.id}
            ref={(el) => {
              tabRefs.current[v.id] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${v.id}`}
            aria-selected={open === v.id}
            aria-controls={`view-${v.id}`}
            tabIndex={open === v.id ? 0 : -1}
            onClick={() => setOpen(v.id)}
            onKeyDown={(e) => {
              if (e.key === 'ArrowRight') move(i, 1);
              if (e.key === 'ArrowLeft') move(i, -1);
            }}
          >
            {v.label}
          </button>
        ))}
      </div>
      {views.map((v) => (
        <div key={v.id} role="tabpanel" id={`view-${v.id}`} aria-labelledby={`tab-${v.id}`} hidden={open !== v.id} className="tab-panel">
          {(v.keepMounted || open === v.id) && v.render()}
        </div>
      ))}
    </div>
  );
}
