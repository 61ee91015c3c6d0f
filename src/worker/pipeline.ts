/**
 * The denoising loop: text -> context, seeded noise (or a noised image) -> image, one sampler step
 * per frame. A plain function of the models (passed in as functions), so it runs the same in the
 * worker (onnxruntime-web), the CLI (onnxruntime-node) and tests (a fake U-Net). No onnxruntime here.
 * Reference: training/samplers.py run, step for step and draw for draw.
 */
import { classifierFreeGuidance, rescaleGuidance } from '../diffusion/guidance.ts';
import { img2imgSteps } from '../diffusion/img2img.ts';
import { inpaintBlend } from '../diffusion/inpaint.ts';
import { qSampleAt } from '../diffusion/q-sample.ts';
import { alphaBar } from '../diffusion/schedule.ts';
import { createRng } from '../diffusion/rng.ts';
import { initialSamplerState, needsNoise, SAMPLERS, samplerInfo, samplerStep, type SamplerName } from '../diffusion/sampler.ts';
import { samplingPoints, SPACINGS, type Spacing } from '../diffusion/spacing.ts';
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
  /** CLIP scoring, present when the model ships an image encoder (the pipeline itself never uses it). */
  scorer?: Scorer;
  /**
   * Guided DDIM steps (eta 0) with the sampler on the GPU, when the U-Net runs on WebGPU: the loop then
   * queues steps ahead instead of waiting for each one's v (gpu-steps.ts). Must give the same results
   * as `unet` followed by the CPU's maths; the loop checks that on every step.
   */
  gpuSteps?: GpuSteps;
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

/**
 * Largest difference allowed between a GPU step's new sample and the CPU's maths on the same v, relative
 * to max(1, |value|). Float32 against float64 differs by ~1e-6 here (eps = (x_t - sqrt(ab) x0) / sqrt(1 - ab)
 * amplifies rounding by at most ~10 at the last steps); a wrong kernel or a stale buffer differs by far more.
 */
export const GPU_STEP_TOLERANCE = 1e-4;

/** The CLIP pair: both sides give unit-length embeddings [B, E], so a dot product is their cosine. */
export interface Scorer {
  /** ids [B, L] int32 -> unit-length text embeddings [B, E] */
  embedText(ids: Int32Array, batch: number): Promise<Float32Array>;
  /** pixels [B, 3, H, W] in [-1, 1] -> unit-length image embeddings [B, E] */
  embedImage(pixels: Float32Array, batch: number): Promise<Float32Array>;
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
  /** The sampler; default 'ddim'. */
  sampler?: SamplerName;
  /** Where the steps sit; default 'trailing'. 'karras' works with 'euler-a' and 'dpmpp-2m' only. */
  spacing?: Spacing;
  /** DDIM's eta in 0..1 (0 = deterministic, the default; 1 = DDPM's variance). DDIM only. */
  eta?: number;
  /**
   * Text for the unconditional branch of guidance instead of the manifest's uncond_prompt: the image
   * is pushed away from it. "" or absent = none. Unused at guidance 1 (no unconditional branch).
   */
  negativePrompt?: string;
  /** Guidance rescale phi in 0..1 (Lin et al. 2024; 0 = off, the default, ~0.7 suggested). */
  guidanceRescale?: number;
  /**
   * img2img: start from `image` ([3, H, W] in [-1, 1]) noised with the seed's first normals, and run
   * only the last round_half_up(steps * strength) steps of the plan; strength in (0, 1].
   */
  init?: { image: Float32Array; strength: number };
  /**
   * Inpainting: after every step, where `mask` ([H, W] in 0..1, 1 = keep) says so, the sample is
   * replaced by `image` ([3, H, W]) noised to the step's target (fresh seeded noise, see generate).
   */
  inpaint?: { image: Float32Array; mask: Float32Array };
  /**
   * Branch: after the step with index `at` (0-based, as frames count), go on with another prompt,
   * negative prompt, guidance and (for stochastic samplers) noise. Steps 0..at are exactly the run
   * without the fork; sampler state (DPM-Solver++'s history) carries over.
   */
  fork?: Fork;
}

/** What changes at a branch point; see GenerateParams.fork. */
export interface Fork {
  /** Index of the last step shared with the parent run, 0..frames-2. */
  at: number;
  prompt: string;
  /** "" = the manifest's uncond_prompt. */
  negativePrompt: string;
  guidance: number;
  /**
   * Seed of the generator that makes the branch's later draws (sampler and inpainting noise), or null
   * to go on with the parent's generator (then a fork that changes nothing reproduces the parent).
   */
  seed: number | null;
}

/** GenerateParams with every default filled in. */
type ResolvedParams = Required<Omit<GenerateParams, 'init' | 'inpaint' | 'fork'>> & Pick<GenerateParams, 'init' | 'inpaint' | 'fork'>;

/**
 * One denoising step. Arrays are [3, H, W] in model units ([-1, 1] for images), fresh for each frame:
 * the caller may keep or transfer them.
 */
export interface StepFrame {
  /** 0-based step number. */
  index: number;
  /** Number of steps in this generation. */
  total: number;
  /** Timestep of xt as the U-Net was fed it (0..T-1; fractional with Karras spacing). */
  t: number;
  /** Timestep of prev, the sample this step produces (-1 = the clean image). */
  tPrev: number;
  /** The noisy sample this step started from. */
  xt: Float32Array;
  /** The (guided) noise estimate the sampler used (re-derived from the clipped x0, after any guidance rescale). */
  eps: Float32Array;
  /**
   * What each branch predicted: the step's one U-Net call's output as it came, [2, C, H, W] =
   * [uncond, cond] when guided, [1, C, H, W] = [cond] at guidance 1. diffusion/branches.ts turns it into
   * per-branch eps-hat; doing that where it is shown keeps the loop's per-step work as it was.
   */
  v: Float32Array;
  /** alpha_bar at t (the point's own, also for fractional Karras timesteps). */
  ab: number;
  /**
   * The prompt's tokens and text-encoder output, on the first frame of a generation and on a fork's first step (else null):
   * ids [L] int32 and context [L, D] float32 of the conditional row.
   */
  text: { ids: Int32Array; context: Float32Array } | null;
  /** The (guided) clean-image estimate, clipped to [-1, 1]. */
  x0: Float32Array;
  /** The sample after this step (after the inpainting blend); the last frame's prev is the final image. */
  prev: Float32Array;
  /** The normals the sampler drew for this step, or null (deterministic step, or the last). */
  noise: Float32Array | null;
  /** The normals the inpainting blend drew to noise the known image, or null. */
  inpaintNoise: Float32Array | null;
}

/** The error generate() throws when its signal aborts; `name` is "AbortError" like fetch's. */
export function abortError(): Error {
  const error = new Error('generation aborted');
  error.name = 'AbortError';
  return error;
}

/** Throws a RangeError unless params are usable with a schedule of `T` timesteps and `size` = C*H*W values per image. */
export function validateParams(params: GenerateParams, T: number, size?: number): void {
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
  const { sampler = 'ddim', spacing = 'trailing', eta = 0, negativePrompt = '', guidanceRescale = 0 } = params;
  if (!SAMPLERS.some((s) => s.name === sampler)) {
    throw new RangeError(`sampler must be one of ${SAMPLERS.map((s) => s.name).join(', ')}, got "${sampler}"`);
  }
  if (!SPACINGS.includes(spacing)) throw new RangeError(`spacing must be one of ${SPACINGS.join(', ')}, got "${spacing}"`);
  const info = samplerInfo(sampler);
  if (!info.spacings.includes(spacing)) {
    throw new RangeError(`spacing "${spacing}" does not work with sampler "${sampler}" (it takes ${info.spacings.join(', ')})`);
  }
  if (!Number.isFinite(eta) || eta < 0 || eta > 1) throw new RangeError(`eta must be a number in 0..1, got ${eta}`);
  if (eta !== 0 && sampler !== 'ddim') throw new RangeError(`eta applies to the ddim sampler only, got eta ${eta} with "${sampler}"`);
  if (typeof negativePrompt !== 'string') throw new RangeError(`negativePrompt must be a string, got ${typeof negativePrompt}`);
  if (!Number.isFinite(guidanceRescale) || guidanceRescale < 0 || guidanceRescale > 1) {
    throw new RangeError(`guidanceRescale must be a number in 0..1, got ${guidanceRescale}`);
  }
  if (params.init) {
    const { image, strength } = params.init;
    if (!(strength > 0 && strength <= 1)) throw new RangeError(`init.strength must be in (0, 1], got ${strength}`);
    if (size !== undefined && image?.length !== size) throw new RangeError(`init.image must have ${size} values ([C, H, W]), got ${image?.length}`);
  }
  if (params.fork) {
    const { at, prompt: forkPrompt, negativePrompt: forkNegative, guidance: forkGuidance, seed: forkSeed } = params.fork;
    if (!Number.isInteger(at) || at < 0 || at > steps - 2) throw new RangeError(`fork.at must be an integer in 0..${steps - 2} (a step before the last), got ${at}`);
    if (typeof forkPrompt !== 'string' || typeof forkNegative !== 'string') throw new RangeError('fork.prompt and fork.negativePrompt must be strings');
    if (!Number.isFinite(forkGuidance) || forkGuidance < 0 || forkGuidance > 20) throw new RangeError(`fork.guidance must be a number in 0..20, got ${forkGuidance}`);
    if (forkSeed !== null && (!Number.isInteger(forkSeed) || forkSeed < 0 || forkSeed > 0xffffffff)) {
      throw new RangeError(`fork.seed must be null or an integer in 0..4294967295, got ${forkSeed}`);
    }
  }
  if (params.inpaint) {
    const { image, mask } = params.inpaint;
    if (size !== undefined && image?.length !== size) throw new RangeError(`inpaint.image must have ${size} values ([C, H, W]), got ${image?.length}`);
    if (size !== undefined && mask?.length * 3 !== size) throw new RangeError(`inpaint.mask must have ${size / 3} values ([H, W]), got ${mask?.length}`);
  }
}

function resolveParams(params: GenerateParams): ResolvedParams {
  return { sampler: 'ddim', spacing: 'trailing', eta: 0, negativePrompt: '', guidanceRescale: 0, ...params };
}

/** One side of a run's text conditioning: the encoded batch and the guidance it is mixed with. */
interface Conditioning {
  guided: boolean;
  /** 2 ([uncond, cond]) when guided, else 1. */
  batch: number;
  /** [batch, L] token ids, the conditional row last */
  ids: Int32Array;
  /** [batch, L, D] */
  context: Float32Array;
  guidance: number;
  rescale: number;
}

/**
 * Steps queued on the GPU sampler in step order: take(i) returns step i's result, first queuing the
 * steps up to i + ahead - 1 (before `end`). Steps are taken in order, each once.
 */
function stepQueue(run: GpuStepRun, ahead: number, stepAt: (j: number) => GpuStep, end: number) {
  const depth = Math.max(1, Math.floor(ahead) || 1);
  const queued = new Map<number, Promise<GpuStepResult>>();
  let next: number | null = null;
  return {
    take(i: number): Promise<GpuStepResult> {
      next ??= i;
      for (; next < end && next - i < depth; next++) {
        const step = run.step(stepAt(next));
        step.catch(() => undefined); // taken in turn; dropped if the loop stops first
        queued.set(next, step);
      }
      const step = queued.get(i);
      if (!step) throw new Error(`GPU sampler: step ${i} was not queued`);
      queued.delete(i);
      return step;
    },
  };
}

/** max |a - b| / max(1, |b|) over the elements; Infinity if any is not finite. */
export function worstRelativeDifference(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

function checkLength(what: string, got: Float32Array, want: number) {
  if (got.length !== want) throw new Error(`${what} returned ${got.length} values, expected ${want}`);
}

/**
 * Yields one frame per denoising step; the last frame's prev is the final image. Checks signal before
 * each U-Net call and throws an AbortError-like error when aborted.
 *
 * Guided (guidance != 1): every step is one U-Net call with batch 2 [uncond, cond] sharing x_t; the
 * uncond row encodes negativePrompt if given, else the manifest's uncond_prompt. Text is encoded once
 * per generation.
 *
 * Noise, all from one generator seeded with `seed` (docs/model-contract.md): its first C*H*W normals
 * are x_T (img2img: the noise q_sample adds to the init image); then for each step in order, first
 * the sampler's draw (stochastic samplers, not on the step to t = -1), then the inpainting draw
 * (inpainting, not on the step to t = -1), each C*H*W normals.
 */
export async function* generate(models: Models, params: GenerateParams, signal?: AbortSignal): AsyncGenerator<StepFrame> {
  const { manifest, tokenizer } = models;
  const schedule = manifest.schedule;
  const res = manifest.resolution;
  const size = manifest.channels * res * res; // one image, [C, H, W]
  validateParams(params, schedule.num_train_timesteps, size);
  const p = resolveParams(params);
  const { length: L, width: D } = contextShape(manifest);
  if (tokenizer.maxLength !== L) {
    throw new Error(`tokenizer.json max_length ${tokenizer.maxLength} differs from manifest.json's ${L}`);
  }

  // 1. Text: [uncond, cond] when guided, else [cond] alone; a fork's own text after its branch point.
  const encode = async (prompt: string, negativePrompt: string, guidance: number): Promise<Conditioning> => {
    const guided = guidance !== 1;
    const batch = guided ? 2 : 1;
    const ids = new Int32Array(batch * L); // [B, L]
    if (guided) ids.set(tokenizer.encode(negativePrompt !== '' ? negativePrompt : manifest.uncond_prompt), 0);
    ids.set(tokenizer.encode(prompt), (batch - 1) * L);
    if (signal?.aborted) throw abortError();
    const context = await models.encodeText(ids, batch); // [B, L, D]
    checkLength('text encoder', context, batch * L * D);
    return { guided, batch, ids, context, guidance, rescale: p.guidanceRescale };
  };
  const parent = await encode(p.prompt, p.negativePrompt, p.guidance);
  const fork = p.fork ? await encode(p.fork.prompt, p.fork.negativePrompt, p.fork.guidance) : null;

  // 2. The plan (N + 1 points ending at the clean image) and the start: seeded pure noise at the first
  //    point, or for img2img the init image noised to the point the last k steps start from.
  const points = samplingPoints(schedule, p.steps, p.spacing);
  let rng = createRng(p.seed);
  const firstNoise = rng.normals(size); // [C, H, W]
  const start = p.init ? p.steps - img2imgSteps(p.steps, p.init.strength) : 0;
  let state = initialSamplerState(p.init ? qSampleAt(points[start].ab, p.init.image, firstNoise) : firstNoise);

  // 3. One sampler step per point; the last one ends at t = -1 (the clean image).
  const forkedAt = (i: number) => fork !== null && i - start > p.fork!.at;
  const conditioningAt = (i: number) => (forkedAt(i) ? fork! : parent);
  // Guided DDIM (eta 0) without rescale or inpainting can run on the GPU sampler, a few steps ahead.
  const gpu = models.gpuSteps;
  const gpuFits = p.sampler === 'ddim' && p.eta === 0 && p.guidanceRescale === 0 && !p.inpaint && parent.guided && (fork === null || fork.guided);
  let run = gpu && gpu.off === null && gpuFits ? gpu.open(state.x, parent.context) : null;
  const gpuStepAt = (j: number): GpuStep => {
    const c = conditioningAt(j);
    return {
      t: points[j].t,
      ab: alphaBar(schedule, points[j].t),
      abPrev: alphaBar(schedule, points[j + 1].t),
      guidance: c.guidance,
      context: j > start && c !== conditioningAt(j - 1) ? c.context : undefined,
    };
  };
  const queue = run ? stepQueue(run, gpu!.ahead, gpuStepAt, p.steps) : null;
  try {
    for (let i = start; i < p.steps; i++) {
      const from = points[i];
      const to = points[i + 1];
      const x = state.x;
      const forked = forkedAt(i);
      if (forked && i - start === p.fork!.at + 1 && p.fork!.seed !== null) rng = createRng(p.fork!.seed);
      const { guided, batch, ids, context, guidance, rescale } = conditioningAt(i);
      // The conditioning's tokens and context go with the first step that uses them (the fork's first step too).
      const newText = i === start || (forked && i - start === p.fork!.at + 1);
      if (signal?.aborted) throw abortError();
      let out: Float32Array; // [B, C, H, W]
      let gpuPrev: Float32Array | null = null;
      if (run) {
        ({ v: out, prev: gpuPrev } = await queue!.take(i));
      } else {
        const sample = new Float32Array(batch * size); // [B, C, H, W], fresh: the runtime may keep it
        for (let b = 0; b < batch; b++) sample.set(x, b * size); // both halves share x_t
        const timestep = new Float32Array(batch).fill(from.t); // [B]
        out = await models.unet(sample, timestep, context, batch);
      }
      if (signal?.aborted) throw abortError();
      checkLength('U-Net', out, batch * size);
      let v = guided ? classifierFreeGuidance(out, guidance) : out; // [C, H, W]
      if (guided && rescale > 0) v = rescaleGuidance(from.ab, x, out.subarray(size), v, rescale);
      const noise = needsNoise(p.sampler, p.eta, to) ? rng.normals(size) : null;
      const step = samplerStep(schedule, p.sampler, state, from, to, v, { eta: p.eta, noise: noise ?? undefined });
      let next = step.prevSample;
      if (gpuPrev) {
        // The GPU's new sample is kept only if it is the CPU's maths on the same v: a wrong kernel or
        // buffer turns the GPU sampler off, and the steps go on from the CPU's sample.
        const worst = worstRelativeDifference(gpuPrev, next);
        if (worst <= GPU_STEP_TOLERANCE) next = gpuPrev;
        else {
          gpu!.off = `a step on the GPU sampler differed from the CPU's maths by ${worst.toExponential(1)}`;
          await run!.close();
          run = null;
        }
      }
      let inpaintNoise: Float32Array | null = null;
      if (p.inpaint) {
        // The known region at the target point: q_sample(known, t_prev), or the image itself at t = -1.
        let known = p.inpaint.image;
        if (to.t !== -1) {
          inpaintNoise = rng.normals(size);
          known = qSampleAt(to.ab, known, inpaintNoise);
        }
        next = inpaintBlend(p.inpaint.mask, known, next);
      }
      state = { ...step.state, x: next };
      // prev is a copy so the caller may transfer it while the loop goes on from `next`.
      yield {
        index: i - start,
        total: p.steps - start,
        t: from.t,
        tPrev: to.t,
        xt: x,
        eps: step.predEpsilon,
        v: out, // the loop is done with it: guidance, rescale and the sampler have read it
        ab: from.ab,
        text: newText ? { ids: ids.slice((batch - 1) * L), context: context.slice((batch - 1) * L * D, batch * L * D) } : null,
        x0: step.predOriginalSample,
        prev: next.slice(),
        noise,
        inpaintNoise,
      };
    }
  } finally {
    await run?.close();
  }
}
