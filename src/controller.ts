/**
 * Glue between the page, the store and the inference worker: reads the URL hash into the store and
 * keeps it in sync, loads the manifest (for the panels) and the models (in the worker), and turns
 * worker events into store actions. Started once from main.tsx, outside React.
 */
import { halfMask } from './diffusion/half-mask.ts';
import { parseManifest } from './model/manifest.ts';
import { applyUrlState, selectUrlState, useStore } from './state/store.ts';
import { parseUrlState, serializeUrlState, type UrlKey, type UrlState } from './state/url-state.ts';
import { backendFromQuery, InferenceClient, limitsFromQuery, threadsFromQuery } from './worker/client.ts';
import type { WorkerEvent } from './worker/protocol.ts';

/** Folder of manifest.json and the files it names (absolute URL, ends in '/'). */
export const modelBase = new URL('models/', document.baseURI).href;
/** Folder of onnxruntime-web's runtime files, copied there by the Vite plugin. */
const ortBase = new URL('ort/', document.baseURI).href;

let client: InferenceClient | null = null;
/** What the opening link set, and the settings then: the manifest's defaults fill only what neither the link nor the person has set. */
let opening: { present: UrlKey[]; state: UrlState } = { present: [], state: selectUrlState(useStore.getState()) };

/** Reads the hash, loads manifest and models, and keeps the hash in sync. Call once. */
export function startApp(): void {
  const parsed = parseUrlState(location.hash);
  applyUrlState(parsed.values);
  useStore.getState().setUrlProblems(parsed.problems);
  opening = { present: parsed.present, state: selectUrlState(useStore.getState()) };
  void loadManifest();
  startWorker();
  loadModels();
  syncHash();
  addEventListener('hashchange', () => {
    const next = parseUrlState(location.hash);
    applyUrlState(next.values);
    useStore.getState().setUrlProblems(next.problems);
  });
}

/** (Re)asks the worker to load the models. */
function loadModels(): void {
  useStore.getState().startLoading();
  const manifest = useStore.getState().manifest;
  if (manifest) client?.expectFiles([manifest.text_encoder.file, manifest.unet.file]);
  client?.load(modelBase, ortBase, backendFromQuery(location.search), threadsFromQuery(location.search));
}

/**
 * Starts over after any failure (a file that would not load, a worker that died, hung or stalled):
 * a fresh worker, the manifest again if the page has none, and the models. The settings and the
 * frames already shown stay.
 */
export function retry(): void {
  useStore.getState().interruptGeneration(); // its worker is about to go
  startWorker();
  if (!useStore.getState().manifest) void loadManifest();
  loadModels();
}

/** Replaces the worker (ending the old one, whatever it was doing). */
function startWorker() {
  client?.dispose();
  client = new InferenceClient(onWorkerEvent, onWorkerDead, limitsFromQuery(location.search));
}

function onWorkerDead(reason: string) {
  client = null;
  const s = useStore.getState();
  s.interruptGeneration();
  s.failWorker(reason);
}

/** Starts a generation with the current settings; a running one is replaced. */
export function generateNow(): void {
  if (!client) return;
  const s = useStore.getState();
  const { prompt, seed, steps, guidance, sampler, spacing, eta, negativePrompt, guidanceRescale, startFrom, strength, keepHalf } = s;
  // eta belongs to DDIM; the store keeps it while another sampler is chosen.
  const params = { prompt, seed, steps, guidance, sampler, spacing, eta: sampler === 'ddim' ? eta : 0, negativePrompt, guidanceRescale };
  // The start points begin from the forward panel's image; the panel disables Generate until it is there.
  const image = s.forwardImage;
  if (startFrom !== 'noise' && !image) return;
  // Copies: the request transfers its arrays, and the store keeps showing the image.
  const init = startFrom === 'img2img' && image ? { image: image.slice(), strength } : undefined;
  const side = Math.round(Math.sqrt((image?.length ?? 0) / 3));
  const inpaint = startFrom === 'inpaint' && image ? { image: image.slice(), mask: halfMask(keepHalf, side) } : undefined;
  const id = client.generate({ ...params, init, inpaint });
  s.startGeneration(id, { ...params, start: startFrom, strength, keep: keepHalf });
}

/** Stops the running generation before its next step. */
export function stopGeneration(): void {
  const { generationId, generationStatus } = useStore.getState();
  if (client && generationId !== null && generationStatus === 'running') client.cancel(generationId);
}

/** The page's own copy of the manifest: the panels need samples, schedule and licences even when the models fail. */
async function loadManifest() {
  try {
    const response = await fetch(new URL('manifest.json', modelBase));
    if (!response.ok) throw new Error(`manifest.json: HTTP ${response.status} ${response.statusText}`.trim());
    if (response.headers.get('content-type')?.includes('text/html')) {
      throw new Error('manifest.json: not found (the server sent an HTML page instead)');
    }
    const manifest = parseManifest(await response.json());
    useStore.getState().setManifest(manifest);
    // A load already under way learns which files it must download (for the stall watchdog).
    client?.expectFiles([manifest.text_encoder.file, manifest.unet.file]);
    // The model's own defaults, for whatever neither the link nor the person (since) has set.
    const d = manifest.defaults;
    const defaults: Partial<UrlState> = { prompt: d.prompt, seed: d.seed, steps: d.steps, guidance: d.guidance };
    const now = selectUrlState(useStore.getState());
    const untouched = (k: UrlKey) => !opening.present.includes(k) && now[k] === opening.state[k];
    applyUrlState(Object.fromEntries(Object.entries(defaults).filter(([k]) => untouched(k as UrlKey))));
  } catch (err) {
    useStore.getState().failLoading(err instanceof Error ? err.message : String(err));
  }
}

function onWorkerEvent(event: WorkerEvent) {
  const s = useStore.getState();
  switch (event.type) {
    case 'progress':
      s.setProgress(event.file, event.loaded, event.total);
      break;
    case 'ready':
      s.setReady({ backend: event.backend, reason: event.reason, threads: event.threads, loadMs: event.loadMs, scorer: event.scorer });
      break;
    case 'step':
      s.addFrame(event.id, {
        index: event.index,
        total: event.total,
        t: event.t,
        tPrev: event.tPrev,
        xt: event.xt,
        eps: event.eps,
        x0: event.x0,
        final: event.final,
        ms: event.ms,
        match: event.match,
      });
      break;
    case 'complete':
      s.completeGeneration(event.id, event.ms);
      break;
    case 'cancelled':
      s.cancelGeneration(event.id);
      break;
    case 'error':
      if (event.request === 'generate') s.failGeneration(event.id, event.message);
      else s.failLoading(event.message);
      break;
  }
}

/**
 * Mirrors the store into the hash on every edit, so a reload right after typing keeps the text.
 * Browsers limit history updates (Chrome ignores more than 200 per 10 s; Safari throws past 100 per
 * 30 s), so writes closer than MIN_WRITE_MS are coalesced into one at the end of that interval, and
 * whatever is pending is written at once when the page is hidden or left.
 */
function syncHash() {
  const MIN_WRITE_MS = 100;
  let written = serializeUrlState(selectUrlState(useStore.getState()));
  let wanted = written;
  let lastWrite = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const write = () => {
    clearTimeout(timer);
    timer = undefined;
    if (wanted === written) return;
    try {
      history.replaceState(history.state, '', `#${wanted}`);
      written = wanted;
      lastWrite = performance.now();
    } catch {
      timer = setTimeout(write, 1000); // over the browser's budget: try again shortly
    }
  };
  useStore.subscribe((state) => {
    wanted = serializeUrlState(selectUrlState(state));
    if (wanted === written || timer !== undefined) return;
    const wait = lastWrite + MIN_WRITE_MS - performance.now();
    if (wait <= 0) write();
    else timer = setTimeout(write, wait);
  });
  addEventListener('pagehide', write);
  addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') write();
  });
}
