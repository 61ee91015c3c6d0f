/**
 * Registers the service worker (src/sw.ts) in the built page, and hands it the files this page
 * loaded before it was in control, so the next visit works with the network off. Failures only
 * lose offline visits: the page works the same without it.
 */
import { RUNTIME_WASM } from './ort/runtime-files.ts';

/** onnxruntime's runtime (glue module and binary): the inference worker loads them before this worker controls it. */
const RUNTIME_FILES = [RUNTIME_WASM.replace(/\.wasm$/, '.mjs'), RUNTIME_WASM];

/** Registers src/sw.ts (built page, secure context only) and asks it to keep what this page has loaded. */
export function registerOffline(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator) || !isSecureContext) return;
  void (async () => {
    try {
      await navigator.serviceWorker.register(new URL('sw.js', document.baseURI), { scope: './' });
      const registration = await navigator.serviceWorker.ready;
      const keep = (urls: string[]) => registration.active?.postMessage({ type: 'cache', urls });
      const runtime = RUNTIME_FILES.map((file) => new URL(`ort/${file}`, document.baseURI).href);
      keep([location.href, ...runtime]);
      // Every file this page loads, from the start (buffered) and later (the worker's script can finish
      // loading after this point; lazy chunks load on first use).
      new PerformanceObserver((list) => keep(list.getEntries().map((e) => e.name))).observe({ type: 'resource', buffered: true });
    } catch {
      // No offline visits (private mode, a host that refuses service workers); nothing else changes.
    }
  })();
}
