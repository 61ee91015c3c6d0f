/** Preset inpainting masks: keep one half of a square image, regenerate the other. */

/** Which half is kept. */
export type Half = 'left' | 'right' | 'top' | 'bottom';

/** Mask [H, W] (H = W = `side`) with 1 over the kept half and 0 elsewhere; for odd sides the kept half is the smaller one. */
export function halfMask(half: Half, side: number): Float32Array {
  const mask = new Float32Array(side * side); // [H, W]
  const cut = Math.floor(side / 2);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const keep =
        half === 'left' ? x < cut : half === 'right' ? x >= side - cut : half === 'top' ? y < cut : y >= side - cut;
      mask[y * side + x] = keep ? 1 : 0;
    }
  }
  return mask;
}
