/** Small array helpers shared by the loop's GPU checks and the runtime's batch handling. */

/** max |a - b| / max(1, |b|) over the elements; Infinity if any is not finite. */
export function worstRelativeDifference(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

/** [a; b]: two rows (or two halves of a batch) as one array. */
export function rows(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
