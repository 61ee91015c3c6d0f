/**
 * The models as the pipeline sees them: plain async functions over Float32Arrays. How they run
 * (onnxruntime-web on WASM or WebGPU, onnxruntime-node, a fake in tests) is src/ort/'s business.
 */
import type { Manifest } from '../model/manifest.ts';
import type { Tokenizer } from '../text/tokenizer.ts';

/** The models one generation calls. */
export interface Models {
  manifest: Manifest;
  tokenizer: Tokenizer;
  /** ids [B, L] int32 -> hidden states [B, L, D] float32 */
  encodeText(ids: Int32Array, batch: number): Promise<Float32Array>;
  /** sample [B,3,H,W], timestep [B], context [B,L,D] -> v [B,3,H,W] */
  unet(sample: Float32Array, timestep: Float32Array, context: Float32Array, batch: number): Promise<Float32Array>;
  /** CLIP scoring, present when the model ships an image encoder (the loop itself never uses it). */
  scorer?: Scorer;
  /**
   * Guided DDIM steps (eta 0) with the sampler on the GPU, when the U-Net runs on WebGPU: the loop then
   * queues steps ahead instead of waiting for each one's v (pipeline/gpu-stepper.ts). Must give the
   * same results as `unet` followed by the CPU's maths; the loop checks that on every step.
   */
  gpuSteps?: GpuSteps;
}

/** The CLIP pair: both sides give unit-length embeddings [B, E], so a dot product is their cosine. */
export interface Scorer {
  /** ids [B, L] int32 -> unit-length text embeddings [B, E] */
  embedText(ids: Int32Array, batch: number): Promise<Float32Array>;
  /** pixels [B, 3, H, W] in [-1, 1] -> unit-length image embeddings [B, E] */
  embedImage(pixels: Float32Array, batch: number): Promise<Float32Array>;
}

/** See Models.gpuSteps. */
export interface GpuSteps {
  /** Starts a run at x [C, H, W] (the x_t of its first step), with context [2, L, D] = [uncond, cond]. */
  open(x: Float32Array, context: Float32Array): GpuStepRun;
  /**
   * Why the GPU sampler is off, or null while it is on. The loop sets it when a step disagrees with
   * its own maths, and every later generation then runs its steps on the CPU.
   */
  off: string | null;
  /** Steps the loop may queue before the first of them is back on the CPU (1: none ahead). */
  ahead: number;
}

/** One generation's steps on the GPU sampler. */
export interface GpuStepRun {
  /**
   * Queues one step from the run's current sample: the U-Net at timestep `t`, guidance, and the DDIM
   * update (eta 0) from alpha_bar `ab` to `abPrev` (1 = the clean image); the new sample stays on the
   * GPU for the next step. Steps may be queued before earlier ones resolve; they run in call order.
   */
  step(s: GpuStep): Promise<GpuStepResult>;
  /** Waits for the queued steps and frees the run's buffers. */
  close(): Promise<void>;
}

/** One step for the GPU sampler (see GpuStepRun.step). */
export interface GpuStep {
  t: number;
  ab: number;
  abPrev: number;
  guidance: number;
  /** [2, L, D]: replaces the run's context from this step on (a fork's own text). */
  context?: Float32Array;
}

/** What a GPU step gives back, once it is on the CPU; fresh arrays. */
export interface GpuStepResult {
  /** The U-Net's output [2, C, H, W] = [uncond, cond], as `unet` returns it. */
  v: Float32Array;
  /** The sample after the step [C, H, W]. */
  prev: Float32Array;
}

/** The error the pipeline throws when its signal aborts; `name` is "AbortError" like fetch's. */
export function abortError(): Error {
  const error = new Error('generation aborted');
  error.name = 'AbortError';
  return error;
}

/** Whether `e` is an abort (a request replaced by a newer one, or stopped), not a failure. */
export function isAbortError(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}
