/** The compare view's difference picture: where two images ([3, H, W], model units) differ, and by how much. */

/**
 * |a − b| element by element, [3, H, W]. For images in [-1, 1] the values lie in [0, 2]; shown as
 * (value − 1) on the usual [-1, 1] scale, 0 is black and a full-range difference white, so a
 * channel's byte equals the difference of the two pictures' bytes (to rounding).
 */
export function absDifference(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length !== b.length) throw new RangeError(`absDifference: the images differ in size (${a.length} vs ${b.length} values)`);
  const out = new Float32Array(a.length); // [3, H, W]
  for (let i = 0; i < a.length; i++) out[i] = Math.abs(a[i] - b[i]);
  return out;
}

/** Mean of |a − b| over every value, in model units (0 = identical; images in [-1, 1] give at most 2). */
export function meanAbsDifference(a: Float32Array, b: Float32Array): number {
  const d = absDifference(a, b);
  let sum = 0;
  for (const v of d) sum += v;
  return d.length === 0 ? 0 : sum / d.length;
}
