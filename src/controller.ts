/**
 * Glue between the page, the store and the inference worker: reads the URL hash into the store and
 * keeps it in sync, loads the manifest (for the panels) and the models (in the worker), and turns
 * worker events into store actions. Started once from main.tsx, outside React.
 */
import { halfMask } from './diffusion/half-mask.ts';
import { parseManifest } from './model/manifest.ts';
import { applyUrlState, selectUrlState, useStore } from './state/store.ts';
import { parseUrlState, serializeUrlState, type UrlKey } from './state/url-state.ts';
import { backendFromQuery, InferenceClient, threadsFromQuery } from './worker/client.ts';
import { fetchManifestJson, openModelCache } from './worker/model-files.ts';
import type { WorkerEvent } from './worker/protocol.ts';

/** Folder of manifest.json and the files it names (absolute URL, ends in '/'). */
export const modelBase = new URL('models/', document.baseURI).href;
/** Folder of onnxruntime-web's runtime files, copied there by the Vite plugin. */
const ortBase = new URL('ort/', document.baseURI).href;

let client: InferenceClient | null = null;

/** Reads the hash, loads manifest and models, and keeps the hash in sync. Call once. */
export function startApp(): void {
  const parsed = parseUrlState(location.hash);
  applyUrlState(parsed.values);
  useStore.getState().setUrlProblems(parsed.problems);
  void loadManifest(parsed.present);
  client = new InferenceClient(onWorkerEvent);
  loadModels();
  syncHash();
  addEventListener('hashchange', () => {
    const next = parseUrlState(location.hash);
    applyUrlState(next.values);
    useStore.getState().setUrlProblems(next.problems);
  });
}

/** (Re)asks the worker to load the models; after a failure this retries. */
export function loadModels(): void {
  useStore.getState().startLoading();
  client?.load(modelBase, ortBase, backendFromQuery(location.search), threadsFromQuery(location.search));
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
async function loadManifest(fromUrl: UrlKey[]) {
  try {
    // The same fetch as the worker's: the last good copy from Cache Storage when the network is down.
    const manifest = parseManifest(await fetchManifestJson(modelBase, await openModelCache()));
    useStore.getState().setManifest(manifest);
    // The model's own defaults, for whatever the link did not set.
    const d = manifest.defaults;
    const defaults = { prompt: d.prompt, seed: d.seed, steps: d.steps, guidance: d.guidance };
    applyUrlState(Object.fromEntries(Object.entries(defaults).filter(([k]) => !fromUrl.includes(k as UrlKey))));
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

/** Mirrors the store into the hash, debounced: browsers throttle rapid history updates. */
function syncHash() {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = serializeUrlState(selectUrlState(useStore.getState()));
  useStore.subscribe((state) => {
    const next = serializeUrlState(selectUrlState(state));
    if (next === last) return;
    last = next;
    clearTimeout(timer);
    timer = setTimeout(() => history.replaceState(null, '', `#${next}`), 150);
  });
}
