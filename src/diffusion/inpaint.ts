/**
 * The inpainting blend: after every step the known region of the sample is replaced by the known
 * image noised to the step's target point, so the model only invents the unknown region yet sees a
 * consistent picture. Reference: training/samplers.py (inpaint_blend, and the loop in run).
 */

/**
 * mask * known + (1 - mask) * x per element. `mask` is [H, W] (1 = keep the known image, 0 = the
 * sampler's, fractions blend), applied to every channel of `known` and `x` ([C, H, W]).
 * Per element in float64, stored float32.
 */
export function inpaintBlend(mask: Float32Array, known: Float32Array, x: Float32Array): Float32Array {
  const plane = mask.length;
  if (known.length !== x.length || plane === 0 || x.length % plane !== 0) {
    throw new RangeError(`inpaintBlend: mask has ${mask.length} values, known ${known.length}, x ${x.length}`);
  }
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const m = mask[i % plane];
    out[i] = m * known[i] + (1 - m) * x[i];
  }
  return out;
}
