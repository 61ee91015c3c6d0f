/** Loads a manifest sample image for the views that start from one (forward process, training view). */
import { rgbaToChw } from '../diffusion/image.ts';

/** Loads a sample PNG as [3, R, R] in [-1, 1], resized to the model's resolution, composited on white as in training. */
export async function loadSample(url: string, resolution: number): Promise<Float32Array> {
  const image = new Image();
  image.src = url;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = resolution;
  canvas.height = resolution;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, resolution, resolution);
  ctx.drawImage(image, 0, 0, resolution, resolution);
  return rgbaToChw(ctx.getImageData(0, 0, resolution, resolution).data, resolution, resolution);
}
