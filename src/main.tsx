/** Entry point: starts the controller (outside React, so StrictMode cannot run it twice) and renders. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { startApp } from './app/start.ts';
import { registerOffline } from './offline.ts';
import './styles.css';

startApp();
registerOffline();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
