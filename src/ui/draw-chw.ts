/** Draws model-space images ([3, H, W] float32, [-1, 1]) onto canvases, one canvas pixel per image pixel. */
import { chwToRgba } from '../diffusion/image.ts';

/**
 * Paints `chw` (square, 3 channels) onto `canvas`, resizing it to the image. `gain` multiplies values
 * first: noise (standard normal) is shown at gain 0.5 so that ±2σ fills the range instead of clipping.
 */
export function drawChw(canvas: HTMLCanvasElement, chw: Float32Array, gain = 1): void {
  const side = Math.round(Math.sqrt(chw.length / 3));
  if (canvas.width !== side || canvas.height !== side) {
    canvas.width = side;
    canvas.height = side;
  }
  const values = gain === 1 ? chw : chw.map((v) => v * gain);
  // chwToRgba always allocates an ArrayBuffer; its declared type also admits SharedArrayBuffer.
  const rgba = chwToRgba(values, side, side) as Uint8ClampedArray<ArrayBuffer>;
  canvas.getContext('2d')!.putImageData(new ImageData(rgba, side, side), 0, 0);
}

/** Clears a canvas to the page's empty-image colour. */
export function clearCanvas(canvas: HTMLCanvasElement): void {
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
}
