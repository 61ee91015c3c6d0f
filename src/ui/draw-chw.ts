/** Draws model-space images ([3, H, W] float32, [-1, 1]) onto canvases, one canvas pixel per image pixel. */
import { chwToRgbaInto } from '../diffusion/image.ts';

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
  // One ImageData per canvas, refilled: canvases redraw on every step of a run.
  let image = images.get(canvas);
  if (!image || image.width !== side) {
    image = new ImageData(side, side);
    images.set(canvas, image);
  }
  chwToRgbaInto(chw, side, side, image.data, gain);
  canvas.getContext('2d')!.putImageData(image, 0, 0);
}

const images = new WeakMap<HTMLCanvasElement, ImageData>();

/** Clears a canvas to the page's empty-image colour. */
export function clearCanvas(canvas: HTMLCanvasElement): void {
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
}
