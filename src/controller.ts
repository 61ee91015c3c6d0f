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
import type { PredictInput } from './worker/predict.ts';
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

/** Predict requests waiting for their answer, by request id. */
const pendingPredictions = new Map<number, { resolve(r: { v: Float32Array; ms: number }): void; reject(e: Error): void }>();

function settlePrediction(id: number, result: { v: Float32Array; ms: number } | Error) {
  const pending = pendingPredictions.get(id);
  pendingPredictions.delete(id);
  if (result instanceof Error) pending?.reject(result);
  else pending?.resolve(result);
}

/**
 * Asks the worker for the U-Net's v on given rows (the training view). The latest request wins: an
 * older one still running rejects with an AbortError. A running generation goes on; the two take
 * turns on the U-Net. `input.sample` is transferred.
 */
export function requestPrediction(input: PredictInput): Promise<{ v: Float32Array; ms: number }> {
  if (!client) return Promise.reject(new Error('the inference worker has not started'));
  const id = client.predict({ sample: input.sample, timestep: input.timestep, prompts: input.prompts });
  return new Promise((resolve, reject) => pendingPredictions.set(id, { resolve, reject }));
}

/** The page's own copy of the manifest: the panels need samples, schedule and licences even when the models fail. */
async function loadManifest(fromUrl: UrlKey[]) {
  try {
    const response = await fetch(new URL('manifest.json', modelBase));
    if (!response.ok) throw new Error(`manifest.json: HTTP ${response.status} ${response.statusText}`.trim());
    if (response.headers.get('content-type')?.includes('text/html')) {
      throw new Error('manifest.json: not found (the server sent an HTML page instead)');
    }
    const manifest = parseManifest(await response.json());
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
    case 'step': {
      const { type: _type, id, unetMs: _unetMs, ...frame } = event;
      s.addFrame(id, frame);
      break;
    }
    case 'complete':
      s.completeGeneration(event.id, event.ms);
      break;
    case 'cancelled':
      s.cancelGeneration(event.id);
      break;
    case 'prediction':
      settlePrediction(event.id, { v: event.v, ms: event.ms });
      break;
    case 'predict-cancelled':
      settlePrediction(event.id, Object.assign(new Error('prediction replaced or cancelled'), { name: 'AbortError' }));
      break;
    case 'error':
      if (event.request === 'predict') settlePrediction(event.id, new Error(event.message));
      else if (event.request === 'generate') s.failGeneration(event.id, event.message);
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
