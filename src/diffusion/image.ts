/**
 * Conversions between the model's image layout (CHW float32 in [-1, 1], pixel = (x + 1) * 127.5)
 * and canvas RGBA bytes (HWC, 4 channels, alpha 255).
 */

/** A CHW image [3, H, W] in [-1, 1] as RGBA bytes [H, W, 4]; values outside [-1, 1] are clamped. */
export function chwToRgba(chw: Float32Array, width: number, height: number): Uint8ClampedArray {
  return chwToRgbaInto(chw, width, height, new Uint8ClampedArray(4 * width * height));
}

/**
 * chwToRgba into `out` (RGBA bytes [H, W, 4], e.g. a reused ImageData's), each value multiplied by `gain`
 * first (as float32, the same numbers as scaling the array beforehand). For per-step drawing: no
 * allocation, no intermediate array.
 */
export function chwToRgbaInto(chw: Float32Array, width: number, height: number, out: Uint8ClampedArray, gain = 1): Uint8ClampedArray {
  const plane = width * height;
  if (chw.length !== 3 * plane) {
    throw new RangeError(`chwToRgba: expected 3*${height}*${width} = ${3 * plane} values, got ${chw.length}`);
  }
  if (out.length !== 4 * plane) throw new RangeError(`chwToRgbaInto: expected ${4 * plane} output bytes, got ${out.length}`);
  for (let c = 0; c < 3; c++) {
    const base = c * plane;
    for (let p = 0; p < plane; p++) {
      const v = gain === 1 ? chw[base + p] : Math.fround(chw[base + p] * gain);
      // Uint8ClampedArray clamps to 0..255 but rounds half to even; round half up explicitly.
      out[4 * p + c] = Math.round((v + 1) * 127.5);
    }
  }
  for (let p = 0; p < plane; p++) out[4 * p + 3] = 255;
  return out;
}

/** RGBA bytes [H, W, 4] as a CHW image [3, H, W] in [-1, 1] (alpha ignored): x = byte / 127.5 - 1. */
export function rgbaToChw(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): Float32Array {
  const plane = width * height;
  if (rgba.length !== 4 * plane) {
    throw new RangeError(`rgbaToChw: expected 4*${height}*${width} = ${4 * plane} bytes, got ${rgba.length}`);
  }
  const chw = new Float32Array(3 * plane); // [3, H, W]
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) chw[c * plane + p] = rgba[4 * p + c] / 127.5 - 1;
  }
  return chw;
}

/**
 * Mean squared difference between horizontally and vertically neighbouring values of a CHW image
 * [C, H, W] (units: squared [-1, 1] values). Independent unit-variance noise gives about 2; smooth
 * images give near 0. Tests use it to tell noise from pictures. Width and height default to a
 * square 3-channel image.
 */
export function highFrequencyEnergy(chw: Float32Array, width?: number, height?: number): number {
  // Default: a square 3-channel image.
  width ??= Math.round(Math.sqrt(chw.length / 3));
  height ??= width;
  const plane = width * height;
  if (plane === 0 || chw.length % plane !== 0) {
    throw new RangeError(`highFrequencyEnergy: ${chw.length} values is not a whole number of ${height}x${width} planes`);
  }
  let sum = 0;
  let count = 0;
  for (let base = 0; base < chw.length; base += plane) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = base + y * width + x;
        if (x + 1 < width) {
          sum += (chw[i + 1] - chw[i]) ** 2;
          count++;
        }
        if (y + 1 < height) {
          sum += (chw[i + width] - chw[i]) ** 2;
          count++;
        }
      }
    }
  }
  return count === 0 ? 0 : sum / count;
}
