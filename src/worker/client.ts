/**
 * The page's typed handle on the inference worker, and its supervisor: the worker is watched by a
 * Web Lock it holds for its life (granted to the page the moment the worker is gone), a heartbeat
 * (pings; silence past `heartbeatMs` means hung) and a download watchdog (no byte for `stallMs`).
 * Any of these, or an `error`/`messageerror` event, ends in one `onDead(reason)` call.
 */
import {
  requestTransferablesOf,
  type BackendPreference,
  type GenerateRequest,
  type PredictRequest,
  type WorkerEvent,
  type WorkerRequest,
} from './protocol.ts';
import { DEFAULT_LIMITS, Watchdog, type WatchdogLimits } from './watchdog.ts';

/** Settings of one generation. */
export type GenerateOptions = Omit<GenerateRequest, 'type' | 'id'>;

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
      if (e.data.type !== 'pong') this.onEvent(e.data);
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
   * Starts a generation (replacing any running one); returns its request id. The start-point arrays
   * (init, inpaint) are transferred: pass copies you can give up.
   */
  generate(options: GenerateOptions): number {
    return this.send({ type: 'generate', id: nextId++, ...options });
  }

  /**
   * Starts two generations side by side (compare mode; replacing any running one); returns both
   * request ids. Their steps alternate. Start-point arrays are transferred, as for generate.
   */
  compare(a: GenerateOptions, b: GenerateOptions): { a: number; b: number } {
    const idA = nextId++;
    const idB = nextId++;
    this.send({ type: 'compare', id: idA, ...a, b: { id: idB, ...b } });
    return { a: idA, b: idB };
  }

  /** Stops generation `id` before its next step (a comparison: both of its runs). */
  cancel(id: number): void {
    this.send({ type: 'cancel', id });
  }

  /** Asks for the U-Net's v on given rows (the training view); replaces an older predict request. `sample` is transferred. */
  predict(input: Omit<PredictRequest, 'type' | 'id'>): number {
    return this.send({ type: 'predict', id: nextId++, ...input });
  }

  /** Stops predict request `id`. */
  cancelPredict(id: number): void {
    this.send({ type: 'cancel-predict', id });
  }

  /** Ends the worker (whatever it is doing) and the watching; no more events or deaths are reported. */
  dispose(): void {
    this.dead = true;
    clearInterval(this.timer);
    this.worker.terminate();
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
