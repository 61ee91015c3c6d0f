/**
 * Glue between the page, the store and the inference worker: reads the URL hash into the store and
 * keeps it in sync, loads the manifest (for the panels) and the models (in the worker), and turns
 * worker events into store actions. Started once from main.tsx, outside React.
 */
import { halfMask } from './diffusion/half-mask.ts';
import { decodeMask } from './diffusion/mask-codec.ts';
import { chwToRgba } from './diffusion/image.ts';
import { parseManifest } from './model/manifest.ts';
import { loadHistory, saveHistory } from './state/history-db.ts';
import type { HistoryEntry } from './state/history-slice.ts';
import { urlStateOfRun } from './state/run-settings.ts';
import { compareParamsOf } from './state/compare-slice.ts';
import { forkOf } from './state/fork-slice.ts';
import type { GenerationParams } from './state/generation-slice.ts';
import { applyUrlState, selectUrlState, useStore, type StoreState } from './state/store.ts';
import { openingHash, parseUrlState, serializeUrlState, type UrlKey, type UrlState } from './state/url-state.ts';
import { backendFromQuery, InferenceClient, type GenerateOptions, limitsFromQuery, threadsFromQuery } from './worker/client.ts';
import type { PredictInput } from './worker/predict.ts';
import { fetchManifestJson, openModelCache } from './worker/model-files.ts';
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
  const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
  const hash = openingHash(location.hash, navigation?.type, readDraft());
  if (hash !== location.hash) history.replaceState(history.state, '', hash);
  const parsed = parseUrlState(hash);
  applyUrlState(parsed.values);
  useStore.getState().setUrlProblems(parsed.problems);
  opening = { present: parsed.present, state: selectUrlState(useStore.getState()) };
  const settled = loadManifest();
  startWorker();
  loadModels();
  syncHash();
  void startHistory();
  addEventListener('hashchange', () => {
    const next = parseUrlState(location.hash);
    applyUrlState(next.values);
    useStore.getState().setUrlProblems(next.problems);
    if (useStore.getState().loadStatus === 'ready') void rebuildForwardRun();
  });
  if (autorunFromQuery(location.search)) void autoRun(settled, parsed.present.length > 0);
}

/** sessionStorage key of this tab's latest settings (the hash's text), written on every edit. */
const DRAFT_KEY = 'playground:settings-hash';

function readDraft(): string | null {
  try {
    return sessionStorage.getItem(DRAFT_KEY);
  } catch {
    return null; // storage off: the hash alone
  }
}

function writeDraft(text: string) {
  try {
    sessionStorage.setItem(DRAFT_KEY, text);
  } catch {
    // storage off or full: the hash alone
  }
}

/** `?autorun=0` opens the page without generating anything by itself. */
export function autorunFromQuery(search: string): boolean {
  return new URLSearchParams(search).get('autorun') !== '0';
}

/** Resolves once `predicate` holds for the store (at once if it already does). */
function until(predicate: (s: StoreState) => boolean): Promise<StoreState> {
  return new Promise((resolve) => {
    if (predicate(useStore.getState())) return resolve(useStore.getState());
    const stop = useStore.subscribe((s) => {
      if (!predicate(s)) return;
      stop();
      resolve(s);
    });
  });
}

/**
 * The page's first run, by itself: once the models are ready it runs the link's settings (rebuilding
 * the link's source image first when it names one) or the model's default prompt, and says so. A
 * generation the person started first wins.
 */
async function autoRun(settled: Promise<boolean>, fromLink: boolean) {
  if (!(await settled)) return;
  await until((s) => s.loadStatus === 'ready');
  if (useStore.getState().generationId !== null) return;
  const rebuilt = await rebuildForwardRun();
  if (rebuilt === 'interrupted') return;
  const before = useStore.getState().generationId;
  await until((s) => s.startFrom === 'noise' || s.forwardImage !== null || s.generationId !== before);
  if (useStore.getState().generationId !== before) return;
  generateNow();
  const note = !fromLink
    ? 'Ran the default prompt on load. Change it and press Generate.'
    : rebuilt === 'rebuilt'
      ? 'Ran the settings from this link on open, after rebuilding the image it starts from.'
      : 'Ran the settings from this link on open.';
  useStore.getState().setRunNote(note);
}

/**
 * A link's source image (src=run) is rebuilt by running its settings again, deterministically, so an
 * img2img or inpainting link starts from the same pixels.
 */
async function rebuildForwardRun(): Promise<'none' | 'rebuilt' | 'interrupted'> {
  const run = useStore.getState().forwardRun;
  if (!run || run.image) return 'none';
  const id = startRun(run.params);
  if (id === null) return 'interrupted';
  useStore.getState().setRunNote('Rebuilding the image this link starts from…');
  const s = await until((s) => s.generationId !== id || s.generationStatus !== 'running');
  if (s.generationId !== id || s.generationStatus !== 'done' || !s.lastResult) return 'interrupted';
  s.completeForwardRun(s.lastResult.image);
  return 'rebuilt';
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
  interruptRuns('the inference worker was restarted'); // its worker is about to go
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
  interruptRuns(reason);
  useStore.getState().failWorker(reason);
}

/** The worker is gone: what it was running ends as failed (A and, in a comparison, B), keeping the frames shown. */
function interruptRuns(reason: string) {
  const s = useStore.getState();
  s.interruptGeneration();
  if (s.compareIds && s.compareStatus === 'running') s.failCompare(s.compareIds.b, reason);
}

/** Starts a generation with the current settings (in compare mode, runs A and B); a running one is replaced. */
export function generateNow(): void {
  const s = useStore.getState();
  const { prompt, seed, steps, guidance, sampler, spacing, eta, negativePrompt, guidanceRescale, startFrom, strength, keepHalf, paintedMask } = s;
  // eta belongs to DDIM; the store keeps it while another sampler is chosen.
  const params: GenerationParams = {
    prompt, seed, steps, guidance, sampler, spacing, eta: sampler === 'ddim' ? eta : 0, negativePrompt, guidanceRescale,
    start: startFrom, strength, keep: keepHalf, fork: forkOf(s),
    ...(keepHalf === 'mask' && paintedMask && { mask: paintedMask.code }),
  };
  if (s.compareOn) startComparison(params, compareParamsOf(params, s.compareB));
  else startRun(params);
}

/**
 * The worker's settings for run `p`: its start-point arrays as fresh copies (the request transfers
 * them, and the store keeps showing the image), or null when it cannot start (the forward panel has
 * no image yet, or a painted mask does not fit it).
 */
function requestOf(p: GenerationParams): GenerateOptions | null {
  const { start, strength, keep, mask: maskCode, ...params } = p;
  // The start points begin from the forward panel's image; the panel disables Generate until it is there.
  const image = useStore.getState().forwardImage;
  if (start !== 'noise' && !image) return null;
  const init = start === 'img2img' && image ? { image: image.slice(), strength } : undefined;
  const side = Math.round(Math.sqrt((image?.length ?? 0) / 3));
  let mask: Float32Array | undefined;
  if (start === 'inpaint' && image) {
    try {
      mask = keep === 'mask' ? decodeMask(maskCode ?? '', side) : halfMask(keep, side);
    } catch (err) {
      // Only a mask of another size gets here (the store and the link reader check the rest): say so, run nothing.
      useStore.getState().setUrlProblems([`${err instanceof Error ? err.message : String(err)}; paint the mask again`]);
      return null;
    }
  }
  const inpaint = mask && image ? { image: image.slice(), mask } : undefined;
  return { ...params, init, inpaint };
}

/** Sends one generation to the worker and shows it; returns its id, or null when it cannot start. */
function startRun(p: GenerationParams): number | null {
  const request = client && requestOf(p);
  if (!client || !request) return null;
  const id = client.generate(request);
  useStore.getState().startGeneration(id, p);
  return id;
}

/** Sends runs A and B as one comparison (their steps alternate in the worker) and shows both. */
function startComparison(a: GenerationParams, b: GenerationParams): void {
  const [requestA, requestB] = [requestOf(a), requestOf(b)];
  if (!client || !requestA || !requestB) return;
  const ids = client.compare(requestA, requestB);
  useStore.getState().startGeneration(ids.a, a);
  useStore.getState().startCompare(ids, b);
}

/** Stops the running generation (in a comparison, both runs) before its next step. */
export function stopGeneration(): void {
  const { generationId, generationStatus, compareIds, compareStatus } = useStore.getState();
  if (client && generationId !== null && generationStatus === 'running') client.cancel(generationId);
  // A comparison's B can outlast A (more steps); cancelling either id stops both.
  else if (client && compareIds && compareStatus === 'running') client.cancel(compareIds.b);
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

/** Whether `e` is requestPrediction's rejection for a request replaced by a newer one (not a failure). */
export function isAbortError(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

/**
 * The page's own copy of the manifest: the panels need samples, schedule and licences even when the
 * models fail. Resolves true once the model's defaults are applied, false when it could not load.
 */
async function loadManifest(): Promise<boolean> {
  try {
    // The same fetch as the worker's: the last good copy from Cache Storage when the network is down.
    const manifest = parseManifest(await fetchManifestJson(modelBase, await openModelCache()));
    useStore.getState().setManifest(manifest);
    // A load already under way learns which files it must download (for the stall watchdog).
    client?.expectFiles([manifest.text_encoder.file, manifest.unet.file]);
    // The model's own defaults, for whatever neither the link nor the person (since) has set.
    const d = manifest.defaults;
    const defaults: Partial<UrlState> = { prompt: d.prompt, seed: d.seed, steps: d.steps, guidance: d.guidance };
    const now = selectUrlState(useStore.getState());
    const untouched = (k: UrlKey) => !opening.present.includes(k) && now[k] === opening.state[k];
    applyUrlState(Object.fromEntries(Object.entries(defaults).filter(([k]) => untouched(k as UrlKey))));
    const misfit = useStore.getState().fitPaintedMask(manifest.resolution);
    if (misfit) useStore.getState().setUrlProblems([...useStore.getState().urlProblems, misfit]);
    return true;
  } catch (err) {
    useStore.getState().failLoading(err instanceof Error ? err.message : String(err));
    return false;
  }
}

function onWorkerEvent(event: WorkerEvent) {
  const s = useStore.getState();
  switch (event.type) {
    case 'progress':
      s.setProgress(event.file, event.loaded, event.total);
      break;
    case 'phase':
      s.setLoadPhase(event.phase);
      break;
    case 'ready':
      s.setReady({ backend: event.backend, reason: event.reason, threads: event.threads, loadMs: event.loadMs, firstCallMs: event.firstCallMs, scorer: event.scorer });
      break;
    case 'backend-note':
      s.setBackendReason(event.reason);
      break;
    case 'step': {
      const { type: _type, id, unetMs: _unetMs, ...frame } = event;
      s.addFrame(id, frame);
      s.addCompareFrame(id, frame); // each ignores another run's id
      break;
    }
    case 'complete':
      s.completeGeneration(event.id, event.ms);
      s.completeCompare(event.id);
      recordRun(event.id);
      break;
    case 'cancelled':
      s.cancelGeneration(event.id);
      s.cancelCompare(event.id);
      break;
    case 'prediction':
      settlePrediction(event.id, { v: event.v, ms: event.ms });
      break;
    case 'predict-cancelled':
      settlePrediction(event.id, Object.assign(new Error('prediction replaced or cancelled'), { name: 'AbortError' }));
      break;
    case 'error':
      if (event.request === 'predict') settlePrediction(event.id, new Error(event.message));
      else if (event.request === 'generate') {
        s.failGeneration(event.id, event.message);
        s.failCompare(event.id, event.message);
      }
      else s.failLoading(event.message);
      break;
  }
}

/**
 * Mirrors the store into the hash on every edit, so the address is always a link to what is shown.
 * Browsers limit history updates (Chrome ignores more than 200 per 10 s; Safari throws past 100 per
 * 30 s), so writes closer than MIN_WRITE_MS are coalesced into one at the end of that interval, and
 * whatever is pending is written at once when the page is hidden or left. A reload can begin before
 * that, so every edit also goes to sessionStorage at once, which a reload opens with (openingHash).
 */
function syncHash() {
  const MIN_WRITE_MS = 100;
  let written = serializeUrlState(selectUrlState(useStore.getState()));
  let wanted = written;
  writeDraft(wanted);
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
    const next = serializeUrlState(selectUrlState(state));
    if (next !== wanted) writeDraft(next);
    wanted = next;
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

/** Restores the stored history, then keeps the store's history saved (settings and thumbnails only). */
async function startHistory() {
  const stored = await loadHistory();
  const s = useStore.getState();
  // Runs finished while the database was being read come first.
  s.setHistory([...s.history, ...stored.filter((e) => !s.history.some((h) => h.key === e.key))]);
  useStore.subscribe((state, prev) => {
    if (state.history !== prev.history) void saveHistory(state.history);
  });
}

let lastKey = 0;

/** Adds the finished generation `id` (if it is the one shown) to the history strip. */
function recordRun(id: number) {
  const s = useStore.getState();
  const last = s.frames.at(-1);
  if (s.generationId !== id || !s.generationParams || !last) return;
  const side = Math.round(Math.sqrt(last.x0.length / 3));
  lastKey = Math.max(Date.now(), lastKey + 1);
  s.addToHistory({ key: lastKey, params: s.generationParams, side, thumbnail: chwToRgba(last.final ?? last.x0, side, side) }, s.frames);
}

/**
 * Shows a run from the history: its settings go back into the form (and the link); its frames come
 * back when they are still in memory, else it runs again (same settings, same image).
 */
export function restoreRun(entry: HistoryEntry): void {
  stopGeneration();
  const s = useStore.getState();
  applyUrlState({ ...urlStateOfRun(entry.params, selectUrlState(s)), t: s.forwardT });
  const frames = s.historyFrames.get(entry.key);
  if (frames) s.showRun(-entry.key, entry.params, frames);
  else generateNow();
}
