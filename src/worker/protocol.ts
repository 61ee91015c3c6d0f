/**
 * The message protocol between the page and the inference worker.
 * Every request carries an `id`; every event answers one request by that id. Float arrays travel as
 * transferred buffers (no copy across the thread boundary).
 */
import type { StepFrame } from '../pipeline/generate.ts';
import type { RunSettings } from '../settings/fields.ts';

/** Which ONNX Runtime execution provider runs the models. */
export type Backend = 'webgpu' | 'wasm';

/** What the page asks for: a backend, or 'auto' (WebGPU if a usable adapter exists, else WASM). */
export type BackendPreference = Backend | 'auto';

/** Load the models once; later loads answer from the same promise. */
export interface LoadRequest {
  type: 'load';
  id: number;
  /** Absolute URL of the folder holding manifest.json, ending in '/'. */
  modelBase: string;
  /** Absolute URL of the folder holding onnxruntime-web's runtime files, ending in '/'. */
  ortBase: string;
  backend: BackendPreference;
  /** WASM threads wanted (`?threads=N`); 0 = the worker's choice. Capped to 1 without cross-origin isolation. */
  threads: number;
}

/** One run of a generate request: its id (its events carry it), its settings and the image it starts from. */
export interface RunJob {
  id: number;
  settings: RunSettings;
  /** img2img and inpainting: the image the run starts from, [3, H, W] in [-1, 1]; transferred. */
  image?: Float32Array;
}

/**
 * Run a whole generation; it replaces (cancels) any generation still running. With `b` (compare mode)
 * it runs two side by side: this request's own run is A, `b` is run B. The worker takes one step of
 * each in turn (pipeline/interleave.ts), so both advance and B never holds back A's frames; a cancel
 * naming either id stops both.
 */
export interface GenerateRequest extends RunJob {
  type: 'generate';
  b?: RunJob;
}

/** Stop the generation with this id (if it is still running) before its next step. */
export interface CancelRequest {
  type: 'cancel';
  id: number;
}

/** Answer with a pong: the page's heartbeat, so it can tell a busy worker from a dead or hung one. */
export interface PingRequest {
  type: 'ping';
  id: number;
}

/**
 * Hold the Web Lock named `lock` for as long as the worker lives. The page then asks for the same
 * lock: it is granted the moment the worker is gone (closed, crashed, killed), with no polling.
 */
export interface WatchRequest {
  type: 'watch';
  id: number;
  lock: string;
}

/**
 * Run the U-Net on given samples (the training view): row b is sample b at timestep b, conditioned on
 * prompt b. Answered by a prediction event with v. A newer predict request replaces (cancels) an older
 * one still running; a generation keeps running, its steps and these rows take turns on the U-Net.
 * `sample` is transferred.
 */
export interface PredictRequest {
  type: 'predict';
  id: number;
  /** [B, 3, H, W] float32, values in model units. */
  sample: Float32Array;
  /** [B] timesteps in 0..T-1. */
  timestep: Float32Array;
  /** B prompts ("" = unconditional, i.e. the manifest's uncond_prompt as in training's dropout). */
  prompts: string[];
}

export type WorkerRequest = LoadRequest | GenerateRequest | CancelRequest | PingRequest | WatchRequest | PredictRequest;

/** Bytes of one model file received so far. */
export interface LoadProgressEvent {
  type: 'progress';
  id: number;
  file: string;
  loaded: number;
  total: number;
}

/**
 * What a load does once its files are in, before it is ready: the first calls on a backend (session
 * creation, and on WebGPU shader compilation, graph capture and its check), or, in auto mode, timing a
 * guided step on WebGPU and on WASM.
 */
export type LoadPhase = { step: 'compile'; backend: Backend } | { step: 'time' };

/** The load entered a phase (the download goes on being reported by progress events). */
export interface LoadPhaseEvent {
  type: 'phase';
  id: number;
  phase: LoadPhase;
}

/** Models loaded; says which backend runs them and why that one. */
export interface ReadyEvent {
  type: 'ready';
  id: number;
  backend: Backend;
  /** Why this backend, e.g. "navigator.gpu missing" or "WebGPU session failed: ...". */
  reason: string;
  /** WASM threads (1 without cross-origin isolation); 0 for WebGPU. */
  threads: number;
  /** Milliseconds from the load request to ready (download + session creation). */
  loadMs: number;
  /**
   * Milliseconds of the first calls on the chosen backend once its files were in: session creation and
   * one test step (on WebGPU, shader compilation and graph capture): part of `loadMs`.
   */
  firstCallMs: number;
  /** Whether steps carry a CLIP match score, and if not, why. */
  scorer: { available: boolean; note: string };
}

/**
 * One denoising step: the pipeline's frame (less the inpainting draw) plus timings and the match
 * score. Arrays are [3, H, W] float32 in CHW order, except `text`.
 */
export interface StepEvent
  extends Pick<StepFrame, 'index' | 'total' | 't' | 'tPrev' | 'xt' | 'eps' | 'x0' | 'v' | 'ab' | 'text' | 'prev' | 'noise'> {
  type: 'step';
  id: number;
  /**
   * The finished image (the step's prev, after any inpainting blend) on the step to t = -1, else
   * null. Without inpainting it equals x0; with it, the known region is the known image as is.
   */
  final: Float32Array | null;
  /** Milliseconds this step took in the worker (model calls + sampler). */
  ms: number;
  /** Milliseconds of this step's U-Net call alone (part of `ms`). */
  unetMs: number;
  /**
   * How well this step's x̂0 (the finished image on the last step) matches the prompt: the cosine of
   * their CLIP embeddings (image encoder vs the text encoder's pooled output), or null without a
   * scorer or an empty prompt.
   */
  match: number | null;
}

/**
 * The backend's reason changed after the load: the sampler on the GPU turned itself off (a step
 * disagreed with the CPU's maths), so later generations run their steps on the CPU.
 */
export interface BackendNoteEvent {
  type: 'backend-note';
  id: number;
  reason: string;
}

/** A generation finished every step. */
export interface CompleteEvent {
  type: 'complete';
  id: number;
  /** Milliseconds for the whole generation, text encoding included. */
  ms: number;
  /** Milliseconds of the generation's one text-encoder call (part of `ms`). */
  textMs: number;
}

/** A request failed; the worker stays usable. */
export interface FailureEvent {
  type: 'error';
  id: number;
  /** Which request failed, so the page can tell a load failure from a generation failure. */
  request: WorkerRequest['type'];
  message: string;
}

/** A generation stopped early, by a cancel request or a newer generate request. */
export interface CancelledEvent {
  type: 'cancelled';
  id: number;
  /** Steps that had completed when it stopped. */
  steps: number;
}

/** The answer to a ping. */
export interface PongEvent {
  type: 'pong';
  id: number;
}

/** The worker now holds the lock of a watch request (or says it cannot: no Web Locks here). */
export interface WatchingEvent {
  type: 'watching';
  id: number;
  held: boolean;
}

/** The U-Net's answer to a predict request. */
export interface PredictionEvent {
  type: 'prediction';
  id: number;
  /** [B, 3, H, W] float32: the v the model predicts for each row. */
  v: Float32Array;
  /** Milliseconds in the worker, text encoding and every U-Net call included. */
  ms: number;
}

/** A predict request stopped early, by a cancel or a newer predict request. */
export interface PredictCancelledEvent {
  type: 'predict-cancelled';
  id: number;
}

export type WorkerEvent =
  | PongEvent
  | WatchingEvent
  | PredictionEvent
  | PredictCancelledEvent
  | LoadProgressEvent
  | LoadPhaseEvent
  | ReadyEvent
  | BackendNoteEvent
  | StepEvent
  | CompleteEvent
  | FailureEvent
  | CancelledEvent;

/** Buffers of an event to transfer rather than copy. */
export function transferablesOf(event: WorkerEvent): Transferable[] {
  if (event.type === 'prediction') return [event.v.buffer];
  if (event.type !== 'step') return [];
  const arrays = [event.xt, event.eps, event.x0, event.v, event.prev, event.noise, event.final, event.text?.ids, event.text?.context];
  // final is prev on the last step: a buffer may be listed once only.
  return [...new Set(arrays.flatMap((a) => (a ? [a.buffer as ArrayBuffer] : [])))];
}

/** Buffers of a request to transfer rather than copy (a generate request's start images, deduplicated). */
export function requestTransferablesOf(request: WorkerRequest): Transferable[] {
  if (request.type === 'predict') return [request.sample.buffer as ArrayBuffer];
  if (request.type !== 'generate') return [];
  const arrays = [request.image, request.b?.image];
  return [...new Set(arrays.flatMap((a) => (a ? [a.buffer as ArrayBuffer] : [])))];
}
