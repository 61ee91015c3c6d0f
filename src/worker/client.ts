/**
 * The page's typed handle on the inference worker, and its supervisor: the worker is watched by a
 * Web Lock it holds for its life (granted to the page the moment the worker is gone), a heartbeat
 * (pings; silence past `heartbeatMs` means hung) and a download watchdog (no byte for `stallMs`).
 * Any of these, or an `error`/`messageerror` event, ends in one `onDead(reason)` call.
 */
import { abortError } from '../pipeline/models.ts';
import { requestTransferablesOf, type BackendPreference, type PredictRequest, type RunJob, type WorkerEvent, type WorkerRequest } from './protocol.ts';
import { DEFAULT_LIMITS, Watchdog, type WatchdogLimits } from './watchdog.ts';

/** One run to generate: its settings and the image it starts from (transferred). */
export type RunInput = Omit<RunJob, 'id'>;

/** The U-Net's answer to a predict call: v [B, 3, H, W] and the worker's milliseconds. */
export interface Prediction {
  v: Float32Array;
  ms: number;
}

/** What the page uses of the worker: InferenceClient, or a fake in tests. */
export type WorkerPort = Pick<InferenceClient, 'load' | 'expectFiles' | 'generate' | 'cancel' | 'predict' | 'dispose'>;

/** How often the page pings and checks the watchdog, in milliseconds. */
const PING_MS = 1000;

/** Request ids run on across workers, so a restarted worker's ids never match an old generation's. */
let nextId = 1;

/** Starts the worker and sends it typed requests; every event goes to `onEvent`, a death to `onDead` (once). */
export class InferenceClient {
  private readonly worker: Worker;
  private readonly watchdog: Watchdog;
  private readonly timer: ReturnType<typeof setInterval>;
  private dead = false;
  /** Predict calls waiting for their answer, by request id. */
  private readonly predictions = new Map<number, { resolve(p: Prediction): void; reject(e: Error): void }>();

  constructor(
    private readonly onEvent: (event: WorkerEvent) => void,
    private readonly onDead: (reason: string) => void,
    limits: WatchdogLimits = DEFAULT_LIMITS,
  ) {
    this.watchdog = new Watchdog(limits, performance.now());
    // Unique per worker; randomUUID would need a secure context, and uniqueness within this page is enough.
    const lock = `inference-worker-${Date.now()}-${Math.random()}`;
    this.worker = new Worker(new URL('./inference.worker.ts', import.meta.url), { type: 'module', name: 'inference' });
    this.worker.onmessage = (e: MessageEvent<WorkerEvent>) => {
      if (this.dead) return;
      this.watchdog.heard(e.data, performance.now());
      if (e.data.type === 'watching') {
        if (e.data.held) this.awaitLock(lock);
        return;
      }
      if (e.data.type === 'pong' || this.settled(e.data)) return;
      this.onEvent(e.data);
    };
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.die(`the inference worker failed: ${e.message || 'it could not start'}`);
    };
    this.worker.onmessageerror = () => this.die('a message from the inference worker could not be read');
    this.send({ type: 'watch', id: nextId++, lock });
    this.timer = setInterval(() => {
      const reason = this.watchdog.check(performance.now());
      if (reason) this.die(reason);
      else this.send({ type: 'ping', id: nextId++ });
    }, PING_MS);
  }

  /** Asks the worker to load the models (threads 0 = the worker's choice); returns the request id its events carry. */
  load(modelBase: string, ortBase: string, backend: BackendPreference, threads = 0): number {
    this.watchdog.loadStarted(performance.now());
    return this.send({ type: 'load', id: nextId++, modelBase, ortBase, backend, threads });
  }

  /** Names the model files a load must download (from the manifest), so one that never starts also counts as stalled. */
  expectFiles(files: string[]): void {
    this.watchdog.expectFiles(files);
  }

  /**
   * Starts a generation, or with `b` two side by side (compare mode), replacing any running one; returns
   * their request ids (their events carry them; the steps of a comparison alternate). Start images are
   * transferred: pass copies you can give up.
   */
  generate(a: RunInput, b?: RunInput): { a: number; b: number | null } {
    const idA = nextId++;
    const idB = b ? nextId++ : null;
    this.send({ type: 'generate', id: idA, ...a, ...(b && idB !== null && { b: { id: idB, ...b } }) });
    return { a: idA, b: idB };
  }

  /** Stops generation `id` before its next step (a comparison: both of its runs). */
  cancel(id: number): void {
    this.send({ type: 'cancel', id });
  }

  /**
   * The U-Net's v on given rows (the training view). The latest call wins: an older one still running
   * rejects with an AbortError. A running generation goes on; the two take turns on the U-Net.
   * `input.sample` is transferred.
   */
  predict(input: Omit<PredictRequest, 'type' | 'id'>): Promise<Prediction> {
    if (this.dead) return Promise.reject(new Error('the inference worker has stopped'));
    const id = this.send({ type: 'predict', id: nextId++, ...input });
    return new Promise((resolve, reject) => this.predictions.set(id, { resolve, reject }));
  }

  /** Ends the worker (whatever it is doing) and the watching; no more events or deaths are reported. */
  dispose(): void {
    this.dead = true;
    clearInterval(this.timer);
    this.worker.terminate();
    for (const pending of this.predictions.values()) pending.reject(new Error('the inference worker was stopped'));
    this.predictions.clear();
  }

  /** Settles a predict call from its answer; whether `event` was one. */
  private settled(event: WorkerEvent): boolean {
    const pending = event.type === 'prediction' || event.type === 'predict-cancelled' || (event.type === 'error' && event.request === 'predict') ? this.predictions.get(event.id) : undefined;
    if (!pending) return false;
    this.predictions.delete(event.id);
    if (event.type === 'prediction') pending.resolve({ v: event.v, ms: event.ms });
    else if (event.type === 'error') pending.reject(new Error(event.message));
    else pending.reject(Object.assign(abortError(), { message: 'prediction replaced or cancelled' }));
    return true;
  }

  private die(reason: string) {
    if (this.dead) return;
    this.dispose();
    this.onDead(reason);
  }

  /** Granted only once the worker holding the lock is gone. */
  private awaitLock(lock: string) {
    void navigator.locks.request(lock, () => this.die('the inference worker stopped (it was closed or crashed)'));
  }

  private send(request: WorkerRequest): number {
    if (!this.dead) this.worker.postMessage(request, requestTransferablesOf(request));
    return request.id;
  }
}

/** Watchdog limits from the page URL: `?heartbeatms=` and `?stallms=` (1000..600000 ms; e2e uses short ones). */
export function limitsFromQuery(search: string): WatchdogLimits {
  const params = new URLSearchParams(search);
  const read = (key: string, fallback: number) => {
    const value = Number(params.get(key));
    return params.has(key) && Number.isInteger(value) && value >= 1000 && value <= 600_000 ? value : fallback;
  };
  return { heartbeatMs: read('heartbeatms', DEFAULT_LIMITS.heartbeatMs), stallMs: read('stallms', DEFAULT_LIMITS.stallMs) };
}

/** `?backend=wasm|webgpu` from the page URL; anything else means 'auto'. */
export function backendFromQuery(search: string): BackendPreference {
  const value = new URLSearchParams(search).get('backend');
  return value === 'wasm' || value === 'webgpu' ? value : 'auto';
}

/** `?threads=N` (WASM threads, 1..16) from the page URL; anything else means 0, the worker's choice. */
export function threadsFromQuery(search: string): number {
  const value = Number(new URLSearchParams(search).get('threads'));
  return Number.isInteger(value) && value >= 1 && value <= 16 ? value : 0;
}
