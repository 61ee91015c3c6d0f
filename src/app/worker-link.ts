/**
 * The page's end of the inference worker: starts it (and a fresh one on Retry or when it dies), asks it
 * to load the models, and turns its events into store actions. One link per page (`workerLink`); tests
 * make their own over a fake port.
 */
import type { PredictInput } from '../pipeline/predict.ts';
import { useStore } from '../state/store.ts';
import { backendFromQuery, InferenceClient, limitsFromQuery, threadsFromQuery, type Prediction, type WorkerPort } from '../worker/client.ts';
import type { WorkerEvent } from '../worker/protocol.ts';
import { modelBase, ortBase } from './paths.ts';

/** Makes a worker port that reports its events and its death (once). */
export type PortFactory = (onEvent: (event: WorkerEvent) => void, onDead: (reason: string) => void) => WorkerPort;

/** See the module comment. */
export class WorkerLink {
  /** The worker now, or null before start and after it died. */
  port: WorkerPort | null = null;
  /** Hears every generation that ran to the end (the history records it). */
  onRunComplete: (id: number) => void = () => {};

  constructor(
    private readonly open: PortFactory,
    /** The page's query string (?backend=, ?threads=). */
    private readonly search: string,
  ) {}

  /** Replaces the worker (ending the old one, whatever it was doing). */
  start(): void {
    this.port?.dispose();
    this.port = this.open(
      (event) => this.route(event),
      (reason) => this.died(reason),
    );
  }

  /** (Re)asks the worker to load the models. */
  load(): void {
    const s = useStore.getState();
    s.startLoading();
    if (s.manifest) this.port?.expectFiles([s.manifest.text_encoder.file, s.manifest.unet.file]);
    this.port?.load(modelBase, ortBase, backendFromQuery(this.search), threadsFromQuery(this.search));
  }

  /**
   * Starts over after any failure (a file that would not load, a worker that died, hung or stalled):
   * a fresh worker and the models again. The settings and the frames already shown stay.
   */
  retry(): void {
    this.interruptRuns('the inference worker was restarted'); // its worker is about to go
    this.start();
    this.load();
  }

  private died(reason: string) {
    this.port = null;
    this.interruptRuns(reason);
    useStore.getState().failWorker(reason);
  }

  /** The worker is gone: what it was running ends as failed (A and, in a comparison, B), keeping the frames shown. */
  private interruptRuns(reason: string) {
    const s = useStore.getState();
    s.interruptGeneration();
    if (s.compareIds && s.compareStatus === 'running') s.failCompare(s.compareIds.b, reason);
  }

  private route(event: WorkerEvent) {
    const s = useStore.getState();
    switch (event.type) {
      case 'progress':
        return s.setProgress(event.file, event.loaded, event.total);
      case 'phase':
        return s.setLoadPhase(event.phase);
      case 'ready':
        return s.setReady({ backend: event.backend, reason: event.reason, threads: event.threads, loadMs: event.loadMs, firstCallMs: event.firstCallMs, scorer: event.scorer });
      case 'backend-note':
        return s.setBackendReason(event.reason);
      case 'step': {
        const { type: _type, id, unetMs: _unetMs, ...frame } = event;
        s.addFrame(id, frame);
        return s.addCompareFrame(id, frame); // each ignores another run's id
      }
      case 'complete':
        s.completeGeneration(event.id, event.ms);
        s.completeCompare(event.id);
        return this.onRunComplete(event.id);
      case 'cancelled':
        s.cancelGeneration(event.id);
        return s.cancelCompare(event.id);
      case 'error':
        if (event.request === 'load') return s.failLoading(event.message);
        s.failGeneration(event.id, event.message);
        return s.failCompare(event.id, event.message);
      default:
        return undefined; // pongs, watching and predictions stay with the client
    }
  }
}

/** The page's link. */
export const workerLink = new WorkerLink(
  (onEvent, onDead) => new InferenceClient(onEvent, onDead, limitsFromQuery(location.search)),
  location.search,
);

/**
 * Asks the worker for the U-Net's v on given rows (the training view). The latest request wins: an
 * older one still running rejects with an AbortError (pipeline/models.ts isAbortError). A running
 * generation goes on; the two take turns on the U-Net. `input.sample` is transferred.
 */
export function requestPrediction(input: PredictInput): Promise<Prediction> {
  if (!workerLink.port) return Promise.reject(new Error('the inference worker has not started'));
  return workerLink.port.predict({ sample: input.sample, timestep: input.timestep, prompts: input.prompts });
}
