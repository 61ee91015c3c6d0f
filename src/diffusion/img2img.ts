/**
 * The img2img start point: instead of pure noise, start from a given image noised part of the way.
 * Reference: training/samplers.py (img2img_steps, and q_sample_ab in run).
 */

/**
 * How many of an N-step plan img2img runs at `strength` in (0, 1]: round_half_up(N * strength),
 * clamped to 1..N. The run starts at point N - k of the plan, from q_sample(image, that point, noise)
 * with the seed's first normals as noise; strength 1 starts at the first point (nearly pure noise).
 */
export function img2imgSteps(steps: number, strength: number): number {
  if (!(strength > 0 && strength <= 1)) throw new RangeError(`img2img strength must be in (0, 1], got ${strength}`);
  return Math.min(steps, Math.max(1, Math.floor(steps * strength + 0.5)));
}
