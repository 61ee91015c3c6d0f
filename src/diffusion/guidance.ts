/**
 * Classifier-free guidance (Ho & Salimans 2022): out = uncond + scale * (cond - uncond).
 * Reference: training/schedule.py guide.
 */

/**
 * Combines the halves of a batch-2 model output [uncond, cond] (each [C, H, W]) into one [C, H, W].
 * `scale` is the guidance weight: 0 = unconditional, 1 = conditional, > 1 = pushed past it.
 * Per element in float64, stored float32.
 */
export function classifierFreeGuidance(batch2: Float32Array, scale: number): Float32Array {
  if (batch2.length % 2 !== 0) {
    throw new RangeError(`guidance: batch-2 output has an odd length ${batch2.length}`);
  }
  const n = batch2.length / 2;
  const out = new Float32Array(n); // [C, H, W]
  for (let i = 0; i < n; i++) {
    const u = batch2[i];
    out[i] = u + scale * (batch2[n + i] - u);
  }
  return out;
}
