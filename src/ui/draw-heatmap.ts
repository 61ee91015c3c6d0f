/** Draws a matrix (e.g. the text encoder's context [L, D]) as a diverging heatmap, one canvas pixel per value. */

/**
 * Paints `values` ([rows, cols], row-major) onto `canvas`: blue below zero, white at zero, red above,
 * full colour at ±`limit` (default: the largest |value|). Returns the limit used, for the caption.
 */
export function drawHeatmap(canvas: HTMLCanvasElement, values: Float32Array, rows: number, cols: number, limit?: number): number {
  if (values.length !== rows * cols) throw new RangeError(`drawHeatmap: ${values.length} values for [${rows}, ${cols}]`);
  let max = limit ?? 0;
  if (limit === undefined) for (const v of values) max = Math.max(max, Math.abs(v));
  if (!(max > 0)) max = 1;
  canvas.width = cols;
  canvas.height = rows;
  const rgba = new Uint8ClampedArray(rows * cols * 4);
  for (let i = 0; i < values.length; i++) {
    const u = Math.max(-1, Math.min(1, values[i] / max));
    // White to red (#c0392b-ish) above zero, white to blue (#2c6fbb-ish) below.
    const [r, g, b] = u >= 0 ? [255 - 63 * u, 255 - 198 * u, 255 - 212 * u] : [255 + 211 * u, 255 + 144 * u, 255 + 68 * u];
    rgba.set([r, g, b, 255], 4 * i);
  }
  canvas.getContext('2d')!.putImageData(new ImageData(rgba, cols, rows), 0, 0);
  return max;
}
