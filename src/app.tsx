/** The page layout: header with backend badge, notices, the prompt panel beside the live denoising view, the forward process, and the footer. */
import { AboutFooter } from './ui/about-footer.tsx';
import { BackendBadge } from './ui/backend-badge.tsx';
import { DenoiseView } from './ui/denoise-view.tsx';
import { ForwardPanel } from './ui/forward-panel.tsx';
import { InsideStepView } from './ui/inside-step-view.tsx';
import { TrainingView } from './ui/training-view.tsx';
import { LoadProgress } from './ui/load-progress.tsx';
import { Notices } from './ui/notices.tsx';
import { PromptPanel } from './ui/prompt-panel.tsx';

export function App() {
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Diffusion, live in your browser</h1>
          <p className="tagline">
            A small text-to-image model pulls a picture out of pure noise, step by step, on your own machine.
          </p>
        </div>
        <BackendBadge />
      </header>
      <LoadProgress />
      <Notices />
      <main className="layout">
        <PromptPanel />
        <DenoiseView />
        <ForwardPanel />
        <InsideStepView />
        <TrainingView />
      </main>
      <AboutFooter />
    </div>
  );
}
