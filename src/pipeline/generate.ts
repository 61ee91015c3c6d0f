/**
 * The denoising loop: text -> context, seeded noise (or a noised image) -> image, one sampler step
 * per frame. A plain function of the models (passed in as functions), so it runs the same in the
 * worker (onnxruntime-web), the CLI (onnxruntime-node) and tests (a fake U-Net). Each step reads like
 * a diffusers pipeline: predict (steppers.ts), guide, step the sampler.
 * Reference: training/samplers.py run, step for step and draw for draw.
 */
import { classifierFreeGuidance, rescaleGuidance } from '../diffusion/guidance.ts';
import { img2imgSteps } from '../diffusion/img2img.ts';
import { inpaintBlend } from '../diffusion/inpaint.ts';
import { qSampleAt } from '../diffusion/q-sample.ts';
import { alphaBar } from '../diffusion/schedule.ts';
import { createRng } from '../diffusion/rng.ts';
import { initialSamplerState, needsNoise, samplerStep } from '../diffusion/sampler.ts';
import { samplingPoints } from '../diffusion/spacing.ts';
import { contextShape } from '../model/manifest.ts';
import type { RunSettings } from '../settings/fields.ts';
import { checkSettings, type SourceImage } from './check-settings.ts';
import { abortError, type Models } from './models.ts';
import { gpuStepper, unetStepper, type Conditioning, type GpuPlan, type Stepper } from './steppers.ts';

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

/** What else a run may take besides its settings. */
export interface GenerateOptions {
  /** The image img2img and inpainting start from (settings.start says which). */
  source?: SourceImage;
  /** Checked before each U-Net call: an aborted run throws an AbortError. */
  signal?: AbortSignal;
}

function checkLength(what: string, got: Float32Array, want: number) {
  if (got.length !== want) throw new Error(`${what} returned ${got.length} values, expected ${want}`);
}

/**
 * Yields one frame per denoising step; the last frame's prev is the final image.
 *
 * Guided (guidance != 1): every step is one U-Net call with batch 2 [uncond, cond] sharing x_t; the
 * uncond row encodes `negative` if given, else the manifest's uncond_prompt. Text is encoded once
 * per generation (and once more for a branch's own settings).
 *
 * Noise, all from one generator seeded with `seed` (docs/model-contract.md): its first C*H*W normals
 * are x_T (img2img: the noise q_sample adds to the source image); then for each step in order, first
 * the sampler's draw (stochastic samplers, not on the step to t = -1), then the inpainting draw
 * (inpainting, not on the step to t = -1), each C*H*W normals. A branch with its own fork_seed draws
 * its later normals from a generator of that seed.
 */
export async function* generate(models: Models, settings: RunSettings, options: GenerateOptions = {}): AsyncGenerator<StepFrame> {
  const { manifest, tokenizer } = models;
  const { source, signal } = options;
  const schedule = manifest.schedule;
  const size = manifest.channels * manifest.resolution ** 2; // one image, [C, H, W]
  checkSettings(settings, schedule.num_train_timesteps, size, source);
  const s = settings;
  const { length: L, width: D } = contextShape(manifest);
  if (tokenizer.maxLength !== L) {
    throw new Error(`tokenizer.json max_length ${tokenizer.maxLength} differs from manifest.json's ${L}`);
  }

  // 1. Text: [uncond, cond] when guided, else [cond] alone; a branch's own text after its branch point.
  const encode = async (prompt: string, negative: string, guidance: number): Promise<Conditioning> => {
    const guided = guidance !== 1;
    const batch = guided ? 2 : 1;
    const ids = new Int32Array(batch * L); // [B, L]
    if (guided) ids.set(tokenizer.encode(negative !== '' ? negative : manifest.uncond_prompt), 0);
    ids.set(tokenizer.encode(prompt), (batch - 1) * L);
    if (signal?.aborted) throw abortError();
    const context = await models.encodeText(ids, batch); // [B, L, D]
    checkLength('text encoder', context, batch * L * D);
    return { guided, batch, ids, context, guidance };
  };
  const parent = await encode(s.prompt, s.negative, s.guidance);
  const branch = s.fork >= 0 ? await encode(s.fork_prompt, s.fork_negative, s.fork_guidance) : null;

  // 2. The plan (N + 1 points ending at the clean image) and the start: seeded pure noise at the first
  //    point, or for img2img the source image noised to the point the last k steps start from.
  const points = samplingPoints(schedule, s.steps, s.spacing);
  let rng = createRng(s.seed);
  const firstNoise = rng.normals(size); // [C, H, W]
  const start = s.start === 'img2img' ? s.steps - img2imgSteps(s.steps, s.strength) : 0;
  let state = initialSamplerState(s.start === 'img2img' ? qSampleAt(points[start].ab, source!.image, firstNoise) : firstNoise);
  // Inpainting, or img2img that keeps a region: after every step the kept part is the source, noised to the step's target.
  const inpaint = s.start !== 'noise' && source?.mask ? { image: source.image, mask: source.mask } : null;
  // Step i belongs to the branch once the branch point (the fork-th frame) is behind it.
  const conditioningAt = (i: number) => (branch !== null && i - start > s.fork ? branch : parent);
  // Guided DDIM (eta 0) without rescale or inpainting can run on the GPU sampler, a few steps ahead.
  const gpuFits = s.sampler === 'ddim' && s.eta === 0 && s.rescale === 0 && !inpaint && parent.guided && (branch === null || branch.guided);
  const stepper = chooseStepper(models, size, gpuFits, state.x, parent.context, {
    end: s.steps,
    stepAt: (j) => {
      const c = conditioningAt(j);
      const changed = j > start && c !== conditioningAt(j - 1);
      return { t: points[j].t, ab: alphaBar(schedule, points[j].t), abPrev: alphaBar(schedule, points[j + 1].t), guidance: c.guidance, context: changed ? c.context : undefined };
    },
  });

  // 3. One sampler step per point; the last one ends at t = -1 (the clean image).
  try {
    for (let i = start; i < s.steps; i++) {
      const from = points[i];
      const to = points[i + 1];
      const x = state.x;
      const c = conditioningAt(i);
      const firstOfBranch = branch !== null && i - start === s.fork + 1;
      if (firstOfBranch && s.fork_seed >= 0) rng = createRng(s.fork_seed);
      if (signal?.aborted) throw abortError();
      // predict
      const prediction = await stepper.predict({ index: i, t: from.t }, x, c);
      const out = prediction.v; // [B, C, H, W]
      if (signal?.aborted) throw abortError();
      checkLength('U-Net', out, c.batch * size);
      // guide
      let v = c.guided ? classifierFreeGuidance(out, c.guidance) : out; // [C, H, W]
      if (c.guided && s.rescale > 0) v = rescaleGuidance(from.ab, x, out.subarray(size), v, s.rescale);
      // step
      const noise = needsNoise(s.sampler, s.eta, to) ? rng.normals(size) : null;
      const step = samplerStep(schedule, s.sampler, state, from, to, v, { eta: s.eta, noise: noise ?? undefined });
      let next = await stepper.settle(prediction, step.prevSample);
      let inpaintNoise: Float32Array | null = null;
      if (inpaint) {
        // The known region at the target point: q_sample(known, t_prev), or the image itself at t = -1.
        let known = inpaint.image;
        if (to.t !== -1) {
          inpaintNoise = rng.normals(size);
          known = qSampleAt(to.ab, known, inpaintNoise);
        }
        next = inpaintBlend(inpaint.mask, known, next);
      }
      state = { ...step.state, x: next };
      // The conditioning's tokens and context go with the first step that uses them.
      const newText = i === start || firstOfBranch;
      yield {
        index: i - start,
        total: s.steps - start,
        t: from.t,
        tPrev: to.t,
        xt: x,
        eps: step.predEpsilon,
        v: out, // the loop is done with it: guidance, rescale and the sampler have read it
        ab: from.ab,
        text: newText ? { ids: c.ids.slice((c.batch - 1) * L), context: c.context.slice((c.batch - 1) * L * D, c.batch * L * D) } : null,
        x0: step.predOriginalSample,
        prev: next.slice(), // a copy, so the caller may transfer it while the loop goes on from `next`
        noise,
        inpaintNoise,
      };
    }
  } finally {
    await stepper.close();
  }
}

/** The GPU sampler when the run `fits` it and the models have one that is on; else a U-Net call per step. */
function chooseStepper(models: Models, size: number, fits: boolean, x: Float32Array, context: Float32Array, plan: GpuPlan): Stepper {
  const perCall = unetStepper(models, size);
  const gpu = models.gpuSteps;
  return gpu && gpu.off === null && fits ? gpuStepper(gpu, x, context, plan, perCall) : perCall;
}
