/**
 * The inference worker: loads the models once (a singleton promise), runs generations and streams
 * every step to the page. The latest generate request wins; cancel takes effect before the next step.
 */
/// <reference lib="webworker" />
import { backendReason, loadModels, type LoadedModels } from '../ort/load-models.ts';
import { generate } from '../pipeline/generate.ts';
import { interleave } from '../pipeline/interleave.ts';
import { dot } from '../pipeline/match.ts';
import { predictV } from '../pipeline/predict.ts';
import { startMask } from '../pipeline/start-mask.ts';
import { timeModelCalls } from '../pipeline/timed-models.ts';
import type { CancelRequest, GenerateRequest, LoadRequest, PredictRequest, RunJob, WorkerEvent, WorkerRequest } from './protocol.ts';
import { transferablesOf } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

let loading: Promise<LoadedModels> | null = null;
/** The backend's reason as the page last heard it (a change after a generation is posted as a note). */
let reasonSaid = '';

/** The generation running now (at most one; a comparison is one, of two runs with `ids`). */
let running: { id: number; ids: number[]; controller: AbortController; done: Promise<void> } | null = null;
/** Id of the newest generate request; older ones that are still waiting give way to it. */
let newestId = -1;
/** The predict request running now (at most one; a newer one aborts it). */
let predicting: { id: number; controller: AbortController } | null = null;

function post(event: WorkerEvent) {
  self.postMessage(event, transferablesOf(event));
}

/**
 * Lets queued messages (cancel, generate) run before the next step: a message to ourselves is a new
 * task, queued behind them. Not setTimeout(0): a step runs inside the previous yield's task, so the
 * timers nest, and browsers clamp nested timers to >= 4 ms, an idle wait on every step.
 */
const yieldChannel = new MessageChannel();
const yieldWaiters: (() => void)[] = [];
yieldChannel.port1.onmessage = () => yieldWaiters.shift()?.();
const yieldToEventLoop = () =>
  new Promise<void>((resolve) => {
    yieldWaiters.push(resolve);
    yieldChannel.port2.postMessage(null);
  });

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  const request = e.data;
  switch (request.type) {
    case 'load':
      void handleLoad(request);
      break;
    case 'generate':
      void handleGenerate(request);
      break;
    case 'cancel':
      handleCancel(request);
      break;
    case 'ping':
      post({ type: 'pong', id: request.id });
      break;
    case 'watch':
      holdLock(request.id, request.lock);
      break;
    case 'predict':
      void handlePredict(request);
      break;
  }
};

async function handleLoad(request: LoadRequest) {
  const started = performance.now();
  loading ??= loadModels({
    modelBase: request.modelBase,
    ortBase: request.ortBase,
    backend: request.backend,
    threads: request.threads,
    onProgress: (file, loaded, total) => post({ type: 'progress', id: request.id, file, loaded, total }),
    onPhase: (phase) => post({ type: 'phase', id: request.id, phase }),
  });
  try {
    const loaded = await loading;
    const { backend, threads, scorer, firstCallMs } = loaded;
    reasonSaid = backendReason(loaded);
    post({ type: 'ready', id: request.id, backend, reason: reasonSaid, threads, scorer, firstCallMs, loadMs: performance.now() - started });
  } catch (err) {
    loading = null; // a later load request retries (e.g. after a network error)
    post({ type: 'error', id: request.id, request: 'load', message: messageOf(err) });
  }
}

async function handleGenerate(request: GenerateRequest) {
  newestId = request.id;
  const previous = running;
  previous?.controller.abort();
  await previous?.done;
  if (newestId !== request.id || !loading) {
    if (!loading) post({ type: 'error', id: request.id, request: 'generate', message: 'models are not loaded' });
    else post({ type: 'cancelled', id: request.id, steps: 0 });
    if (request.b) post({ type: 'cancelled', id: request.b.id, steps: 0 });
    return;
  }
  const controller = new AbortController();
  let finish!: () => void;
  const jobs: RunJob[] = request.b ? [request, request.b] : [request];
  running = { id: request.id, ids: jobs.map((j) => j.id), controller, done: new Promise<void>((r) => (finish = r)) };
  const steps = jobs.map(() => 0);
  const ended = jobs.map(() => false);
  let loaded: LoadedModels | null = null;
  try {
    loaded = await loading;
    // One step of each job in turn (a single generation is just its own stream).
    const models = loaded;
    for await (const { lane, value: event } of interleave(jobs.map((job) => runJob(job, models, controller.signal)))) {
      post(event);
      if (event.type === 'step') steps[lane]++;
      else ended[lane] = true;
      // WASM inference is synchronous inside its promises, so without a real task boundary a
      // cancel or newer generate message would wait until the whole run had finished.
      await yieldToEventLoop();
      if (controller.signal.aborted) break;
    }
  } catch (err) {
    // runJob reports its own failures; this is the models' load failing.
    if (!controller.signal.aborted) jobs.forEach((job, i) => ended[i] || post({ type: 'error', id: job.id, request: 'generate', message: messageOf(err) }));
    ended.fill(true);
  } finally {
    jobs.forEach((job, i) => ended[i] || post({ type: 'cancelled', id: job.id, steps: steps[i] }));
    const reason = loaded && backendReason(loaded);
    if (reason && reason !== reasonSaid) post({ type: 'backend-note', id: request.id, reason: (reasonSaid = reason) });
    running = null;
    finish();
  }
}

/**
 * One generation as a stream of events: a step event per step, then complete, or error if it fails.
 * Stops quietly when `signal` aborts (the caller reports it as cancelled).
 */
async function* runJob(job: RunJob, loaded: LoadedModels, signal: AbortSignal): AsyncGenerator<WorkerEvent> {
  try {
    // Timed per generation, so the page (and the benchmark) sees what each model call cost.
    const { models, last } = timeModelCalls(loaded.models);
    const started = performance.now();
    const scorer = loaded.models.scorer; // the timed wrapper carries the two generation models only
    // The prompt's CLIP embedding, once per generation; each step's x̂0 is scored against it.
    const { settings, image } = job;
    const promptEmbedding = scorer && settings.prompt.trim() !== '' ? await scorer.embedText(models.tokenizer.encode(settings.prompt), 1) : null;
    let lastStep = started;
    // generate() checks the image and mask against the model's size; a bad one comes back as an error event.
    const mask = startMask(settings, loaded.models.manifest.resolution) ?? undefined;
    for await (const frame of generate(models, settings, { source: image && { image, mask }, signal })) {
      const image = frame.tPrev === -1 ? frame.prev : frame.x0;
      const match = scorer && promptEmbedding ? dot(await scorer.embedImage(image, 1), promptEmbedding) : null;
      const now = performance.now();
      // The pipeline's arrays are fresh per frame, so posting may transfer (detach) them.
      yield {
        type: 'step',
        id: job.id,
        index: frame.index,
        total: frame.total,
        t: frame.t,
        tPrev: frame.tPrev,
        xt: frame.xt,
        eps: frame.eps,
        x0: frame.x0,
        v: frame.v,
        ab: frame.ab,
        text: frame.text,
        prev: frame.prev,
        noise: frame.noise,
        final: frame.tPrev === -1 ? frame.prev : null,
        ms: now - lastStep,
        unetMs: last.unetMs,
        match,
      };
      // The next step is timed from here: the time away (posting, and in a comparison the other
      // run's step) is not this run's.
      lastStep = performance.now();
      if (signal.aborted) return;
    }
    if (!signal.aborted) yield { type: 'complete', id: job.id, ms: performance.now() - started, textMs: last.textMs };
  } catch (err) {
    if (!signal.aborted) yield { type: 'error', id: job.id, request: 'generate', message: messageOf(err) };
  }
}

function handleCancel(request: CancelRequest) {
  if (running?.ids.includes(request.id)) running.controller.abort();
  // A generate still waiting for its predecessor: make it give way.
  else if (newestId === request.id) newestId = -1;
}

/** Holds the lock until this worker is gone; the page's request for it is granted then. */
function holdLock(id: number, lock: string) {
  if (!self.navigator.locks) {
    post({ type: 'watching', id, held: false }); // no Web Locks (insecure context): the heartbeat alone watches
    return;
  }
  void self.navigator.locks.request(lock, () => {
    post({ type: 'watching', id, held: true });
    return new Promise<never>(() => {});
  });
}

/**
 * The training view's U-Net call. It does not stop a generation: both go through the same models,
 * whose calls the sessions run one at a time, so predict rows and generation steps take turns.
 */
async function handlePredict(request: PredictRequest) {
  predicting?.controller.abort();
  const controller = new AbortController();
  predicting = { id: request.id, controller };
  const started = performance.now();
  try {
    if (!loading) throw new Error('models are not loaded');
    const { models } = await loading;
    const v = await predictV(models, request, controller.signal, yieldToEventLoop);
    post({ type: 'prediction', id: request.id, v, ms: performance.now() - started });
  } catch (err) {
    if (controller.signal.aborted) post({ type: 'predict-cancelled', id: request.id });
    else post({ type: 'error', id: request.id, request: 'predict', message: messageOf(err) });
  } finally {
    if (predicting?.id === request.id) predicting = null;
  }
}
