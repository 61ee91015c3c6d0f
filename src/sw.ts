/**
 * The service worker that lets a second visit work with the network off. It keeps the app shell
 * (the page, its scripts and styles, onnxruntime's runtime files) in Cache Storage: network first, so
 * an online visit always gets the current files, and the cached copy when the network fails. Files
 * with a content hash in their name (assets/) are served from the cache first. Model files are left to
 * the inference worker, which keeps its own cache keyed by SHA-256 and verifies every read
 * (model/model-files.ts). The page tells it, once it is active, which files the page already loaded
 * before it was in control, so the very first visit is enough.
 */
// The page's TypeScript program uses the DOM library, not the webworker one: the few service-worker
// types used here, spelled out.
interface SwEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface SwFetchEvent extends SwEvent {
  request: Request;
  respondWith(response: Promise<Response>): void;
}
interface SwMessageEvent extends SwEvent {
  data: unknown;
  source: { postMessage(message: unknown): void } | null;
}
interface ServiceWorkerScope {
  registration: { scope: string };
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', listener: (event: SwEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: SwFetchEvent) => void): void;
  addEventListener(type: 'message', listener: (event: SwMessageEvent) => void): void;
}
const sw = self as unknown as ServiceWorkerScope;
export {}; // a module: the names above are this file's own

const CACHE = 'app-shell-v1';

/** The page's own URL (its query and hash dropped) stands for every navigation within scope. */
const shellKey = () => sw.registration.scope;

function relativePath(url: URL): string | null {
  const scope = new URL(sw.registration.scope);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return null;
  return url.pathname.slice(scope.pathname.length);
}

async function networkFirst(request: Request, key: string): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === 'basic') await cache.put(key, response.clone());
    return response;
  } catch (err) {
    const cached = await cache.match(key);
    if (cached) return cached;
    throw err;
  }
}

async function cacheFirst(request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request.url);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') await cache.put(request.url, response.clone());
  return response;
}

sw.addEventListener('install', () => void sw.skipWaiting());
sw.addEventListener('activate', (event) => event.waitUntil(sw.clients.claim()));

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  const path = relativePath(url);
  if (path === null || path.startsWith('models/') || path === 'sw.js') return;
  if (request.mode === 'navigate') event.respondWith(networkFirst(request, shellKey()));
  else if (path.startsWith('assets/')) event.respondWith(cacheFirst(request));
  else event.respondWith(networkFirst(request, url.origin + url.pathname));
});

/** `{ type: 'cache', urls }` from the page: files it loaded before this worker controlled it. */
sw.addEventListener('message', (event) => {
  const data = event.data as { type?: string; urls?: unknown };
  if (data?.type !== 'cache' || !Array.isArray(data.urls)) return;
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      for (const raw of data.urls as unknown[]) {
        if (typeof raw !== 'string') continue;
        const url = new URL(raw, sw.registration.scope);
        const path = relativePath(url);
        if (path === null || path.startsWith('models/') || path === 'sw.js') continue;
        const key = path === '' || path === 'index.html' ? shellKey() : url.origin + url.pathname;
        if (await cache.match(key)) continue;
        try {
          const response = await fetch(url.origin + url.pathname);
          if (response.ok) await cache.put(key, response);
        } catch {
          // Offline already: nothing to add.
        }
      }
      event.source?.postMessage({ type: 'cached' });
    })(),
  );
});
