/**
 * The denoising loop: text -> context, seeded noise -> image, one DDIM step per frame.
 * A plain function of the models (passed in as functions), so it runs the same in the worker
 * (onnxruntime-web), the CLI (onnxruntime-node) and tests (a fake U-Net). No onnxruntime here.
 */
import { ddimStep } from '../diffusion/ddim.ts';
import { classifierFreeGuidance } from '../diffusion/guidance.ts';
import { createRng } from '../diffusion/rng.ts';
import { ddimTimesteps } from '../diffusion/schedule.ts';
import { contextShape, type Manifest } from '../model/manifest.ts';
import type { Tokenizer } from '../text/tokenizer.ts';

/** The models the loop calls; how they run (WASM, WebGPU, native, fake) is the caller's business. */
export interface Models {
  manifest: Manifest;
  tokenizer: Tokenizer;
  /** ids [B, L] int32 -> hidden states [B, L, D] float32 */
  encodeText(ids: Int32Array, batch: number): Promise<Float32Array>;
  /** sample [B,3,H,W], timestep [B], context [B,L,D] -> v [B,3,H,W] */
  unet(sample: Float32Array, timestep: Float32Array, context: Float32Array, batch: number): Promise<Float32Array>;
}

/** What to generate. */
export interface GenerateParams {
  /** The text to condition on ("" gives the unconditional image). */
  prompt: string;
  /** Noise seed, an integer in 0..2^32-1: the same seed gives the same image. */
  seed: number;
  /** Number of DDIM steps, an integer in 1..T. */
  steps: number;
  /** Classifier-free guidance scale in 0..20 (1 = plain conditional, one batch-1 call per step). */
  guidance: number;
}

/**
 * One denoising step. Arrays are [3, H, W] in model units ([-1, 1] for images), fresh for each frame:
 * the caller may keep or transfer them.
 */
export interface StepFrame {
  /** 0-based step number. */
  index: number;
  /** Number of steps in this generation. */
  total: number;
  /** Timestep of xt (0..T-1). */
  t: number;
  /** Timestep of prev (-1 = the clean image). */
  tPrev: number;
  /** The noisy sample this step started from. */
  xt: Float32Array;
  /** The (guided) noise estimate. */
  eps: Float32Array;
  /** The (guided) clean-image estimate, clipped to [-1, 1]. */
  x0: Float32Array;
  /** The sample after this step; the last frame's prev is the final image. */
  prev: Float32Array;
}

/** The error generate() throws when its signal aborts; `name` is "AbortError" like fetch's. */
export function abortError(): Error {
  const error = new Error('generation aborted');
  error.name = 'AbortError';
  return error;
}

/** Throws a RangeError unless params are usable with a schedule of `T` timesteps. */
export function validateParams(params: GenerateParams, T: number): void {
  const { prompt, seed, steps, guidance } = params;
  if (typeof prompt !== 'string') throw new RangeError(`prompt must be a string, got ${typeof prompt}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in 0..4294967295, got ${seed}`);
  }
  if (!Number.isInteger(steps) || steps < 1 || steps > T) {
    throw new RangeError(`steps must be an integer in 1..${T}, got ${steps}`);
  }
  if (!Number.isFinite(guidance) || guidance < 0 || guidance > 20) {
    throw new RangeError(`guidance must be a number in 0..20, got ${guidance}`);
  }
}

function checkLength(what: string, got: Float32Array, want: number) {
  if (got.length !== want) throw new Error(`${what} returned ${got.length} values, expected ${want}`);
}

/**
 * Yields one frame per denoising step; the last frame's prev is the final image. Checks signal before
 * each U-Net call and throws an AbortError-like error when aborted.
 *
 * Guided (guidance != 1): every step is one U-Net call with batch 2 [uncond, cond] sharing x_t.
 * Text is encoded once per generation. x_T is the first C*H*W normals of a generator seeded with seed.
 */
export async function* generate(models: Models, params: GenerateParams, signal?: AbortSignal): AsyncGenerator<StepFrame> {
  const { manifest, tokenizer } = models;
  const schedule = manifest.schedule;
  validateParams(params, schedule.num_train_timesteps);
  const { length: L, width: D } = contextShape(manifest);
  if (tokenizer.maxLength !== L) {
    throw new Error(`tokenizer.json max_length ${tokenizer.maxLength} differs from manifest.json's ${L}`);
  }
  const res = manifest.resolution;
  const size = manifest.channels * res * res; // one image, [C, H, W]

  // 1. Text: [uncond, cond] when guided, else [cond] alone.
  const guided = params.guidance !== 1;
  const batch = guided ? 2 : 1;
  const ids = new Int32Array(batch * L); // [B, L]
  if (guided) ids.set(tokenizer.encode(manifest.uncond_prompt), 0);
  ids.set(tokenizer.encode(params.prompt), (batch - 1) * L);
  if (signal?.aborted) throw abortError();
  const context = await models.encodeText(ids, batch); // [B, L, D]
  checkLength('text encoder', context, batch * L * D);

  // 2. Seeded pure noise at t = T-1.
  let x = createRng(params.seed).normals(size); // [C, H, W]
  const timesteps = ddimTimesteps(params.steps, schedule.num_train_timesteps);

  // 3. One DDIM step per timestep, t_prev of the last step is -1 (the clean image).
  for (let i = 0; i < timesteps.length; i++) {
    const t = timesteps[i];
    const tPrev = i + 1 < timesteps.length ? timesteps[i + 1] : -1;
    const sample = new Float32Array(batch * size); // [B, C, H, W], fresh: the runtime may keep it
    for (let b = 0; b < batch; b++) sample.set(x, b * size); // both halves share x_t
    const timestep = new Float32Array(batch).fill(t); // [B]
    if (signal?.aborted) throw abortError();
    const out = await models.unet(sample, timestep, context, batch); // [B, C, H, W]
    if (signal?.aborted) throw abortError();
    checkLength('U-Net', out, batch * size);
    const v = guided ? classifierFreeGuidance(out, params.guidance) : out; // [C, H, W]
    const step = ddimStep(schedule, t, tPrev, x, v);
    const next = step.prevSample;
    // prev is a copy so the caller may transfer it while the loop goes on from `next`.
    yield { index: i, total: timesteps.length, t, tPrev, xt: x, eps: step.predEpsilon, x0: step.predOriginalSample, prev: next.slice() };
    x = next;
  }
}
