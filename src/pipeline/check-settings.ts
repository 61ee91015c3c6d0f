/**
 * What the pipeline accepts: a run's settings (src/settings/fields.ts, the names a link uses) and the
 * arrays that a link cannot carry, the image a run starts from and the mask it keeps.
 */
import { SAMPLERS, samplerInfo } from '../diffusion/sampler.ts';
import { SPACINGS } from '../diffusion/spacing.ts';
import { KEEP_CHOICES, START_MODES, type RunSettings } from '../settings/fields.ts';

/** The image a run starts from (img2img, inpainting): the forward panel's image, or the CLI's. */
export interface SourceImage {
  /** [3, H, W] in [-1, 1]. */
  image: Float32Array;
  /**
   * [H, W] in 0..1, 1 = keep the source pixel: inpainting needs one (settings.keep says which: see
   * startMask); with img2img it keeps that region of the source as it denoises the rest.
   */
  mask?: Float32Array;
}

const isSeed = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
const isGuidance = (n: number) => Number.isFinite(n) && n >= 0 && n <= 20;

/**
 * Throws a RangeError unless `settings` (and `source`) make a run with a schedule of `T` timesteps
 * and `size` = C*H*W values per image.
 */
export function checkSettings(settings: RunSettings, T: number, size?: number, source?: SourceImage): void {
  const { prompt, seed, steps, guidance, sampler, spacing, eta, negative, rescale, start, strength } = settings;
  if (typeof prompt !== 'string') throw new RangeError(`prompt must be a string, got ${typeof prompt}`);
  if (!isSeed(seed)) throw new RangeError(`seed must be an integer in 0..4294967295, got ${seed}`);
  if (!Number.isInteger(steps) || steps < 1 || steps > T) throw new RangeError(`steps must be an integer in 1..${T}, got ${steps}`);
  if (!isGuidance(guidance)) throw new RangeError(`guidance must be a number in 0..20, got ${guidance}`);
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
  if (typeof negative !== 'string') throw new RangeError(`negative must be a string, got ${typeof negative}`);
  if (!Number.isFinite(rescale) || rescale < 0 || rescale > 1) throw new RangeError(`rescale must be a number in 0..1, got ${rescale}`);
  if (!START_MODES.includes(start)) throw new RangeError(`start must be one of ${START_MODES.join(', ')}, got "${start}"`);
  if (start !== 'noise') checkSource(settings, size, source);
  if (settings.fork >= 0) {
    const { fork, fork_prompt, fork_negative, fork_guidance, fork_seed } = settings;
    if (!Number.isInteger(fork) || fork > steps - 2) throw new RangeError(`fork must be an integer in 0..${steps - 2} (a step before the last), got ${fork}`);
    if (typeof fork_prompt !== 'string' || typeof fork_negative !== 'string') throw new RangeError('fork_prompt and fork_negative must be strings');
    if (!isGuidance(fork_guidance)) throw new RangeError(`fork_guidance must be a number in 0..20, got ${fork_guidance}`);
    if (fork_seed !== -1 && !isSeed(fork_seed)) throw new RangeError(`fork_seed must be -1 or an integer in 0..4294967295, got ${fork_seed}`);
  } else if (settings.fork !== -1) {
    throw new RangeError(`fork must be -1 (no branch) or a step index, got ${settings.fork}`);
  }
  if (start === 'img2img' && !(strength > 0 && strength <= 1)) throw new RangeError(`strength must be in (0, 1], got ${strength}`);
}

function checkSource({ start, keep }: RunSettings, size: number | undefined, source: SourceImage | undefined) {
  if (!source) throw new RangeError(`start "${start}" needs a source image`);
  if (size !== undefined && source.image?.length !== size) throw new RangeError(`the source image must have ${size} values ([C, H, W]), got ${source.image?.length}`);
  if (start === 'inpaint') {
    if (!KEEP_CHOICES.includes(keep)) throw new RangeError(`keep must be one of ${KEEP_CHOICES.join(', ')}, got "${keep}"`);
    if (!source.mask) throw new RangeError('inpainting needs a mask');
  }
  if (!source.mask) return;
  if (size !== undefined && source.mask.length * 3 !== size) throw new RangeError(`the mask must have ${size / 3} values ([H, W]), got ${source.mask.length}`);
}
