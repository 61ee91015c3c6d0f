/** The page's typed handle on the inference worker. */
import {
  requestTransferablesOf,
  type BackendPreference,
  type GenerateRequest,
  type PredictRequest,
  type WorkerEvent,
  type WorkerRequest,
} from './protocol.ts';

/** Settings of one generation. */
export type GenerateOptions = Omit<GenerateRequest, 'type' | 'id'>;

/** Starts the worker and sends it typed requests; every event goes to the listener. */
export class InferenceClient {
  private readonly worker: Worker;
  private nextId = 1;

  constructor(private readonly onEvent: (event: WorkerEvent) => void) {
    this.worker = new Worker(new URL('./inference.worker.ts', import.meta.url), { type: 'module', name: 'inference' });
    this.worker.onmessage = (e: MessageEvent<WorkerEvent>) => this.onEvent(e.data);
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.onEvent({ type: 'error', id: 0, request: 'load', message: `inference worker failed: ${e.message || 'could not start'}` });
    };
  }

  /** Asks the worker to load the models (threads 0 = the worker's choice); returns the request id its events carry. */
  load(modelBase: string, ortBase: string, backend: BackendPreference, threads = 0): number {
    return this.send({ type: 'load', id: this.nextId++, modelBase, ortBase, backend, threads });
  }

  /**
   * Starts a generation (replacing any running one); returns its request id. The start-point arrays
   * (init, inpaint) are transferred: pass copies you can give up.
   */
  generate(options: GenerateOptions): number {
    return this.send({ type: 'generate', id: this.nextId++, ...options });
  }

  /** Stops generation `id` before its next step. */
  cancel(id: number): void {
    this.send({ type: 'cancel', id });
  }

  /** Asks for the U-Net's v on given rows (the training view); replaces an older predict request. `sample` is transferred. */
  predict(input: Omit<PredictRequest, 'type' | 'id'>): number {
    return this.send({ type: 'predict', id: this.nextId++, ...input });
  }

  /** Stops predict request `id`. */
  cancelPredict(id: number): void {
    this.send({ type: 'cancel-predict', id });
  }

  dispose(): void {
    this.worker.terminate();
  }

  private send(request: WorkerRequest): number {
    this.worker.postMessage(request, requestTransferablesOf(request));
    return request.id;
  }
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
