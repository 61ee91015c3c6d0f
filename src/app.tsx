/**
 * The page layout. Wide screens: the prompt and settings on the left; the reverse process and, under
 * it, the tabbed views (forward process, ...) on the right, so the prompt, Generate and the reverse
 * canvases share the first screen. Phones: prompt, reverse process, views, settings, with Generate
 * pinned to the bottom of the screen.
 */
import { AboutFooter } from './ui/about-footer.tsx';
import { BackendBadge } from './ui/backend-badge.tsx';
import { DenoiseView } from './ui/denoise-view.tsx';
import { HistoryStrip } from './ui/history-strip.tsx';
import { LoadProgress } from './ui/load-progress.tsx';
import { Notices } from './ui/notices.tsx';
import { PromptPanel } from './ui/prompt-panel.tsx';
import { SettingsPanel } from './ui/settings-panel.tsx';
import { ViewsTabs } from './ui/views-tabs.tsx';

export function App() {
  return (
    <div className="page">
      <header className="page-header">
        <div className="title">
          <h1>Diffusion, live in your browser</h1>
          <p className="tagline">
            A small text-to-image model pulls a picture out of pure noise, step by step, on your own machine.
          </p>
          <LoadProgress />
        </div>
        <BackendBadge />
      </header>
      <Notices />
      <main className="layout">
        <div className="column column-controls">
          <PromptPanel />
          <SettingsPanel />
        </div>
        <div className="column column-views">
          <DenoiseView />
          {/* The tabbed views: forward process, inside a step, training (views-tabs.tsx). */}
          <ViewsTabs />
        </div>
      </main>
      <HistoryStrip />
      <AboutFooter />
    </div>
  );
}
