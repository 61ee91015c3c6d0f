/** Loads a manifest sample image for the views that start from one (forward process, training view). */
import { modelBase } from '../app/paths.ts';
import { rgbaToChw } from '../diffusion/image.ts';
import type { SampleImage } from '../model/manifest.ts';
import { loadFile, openModelCache } from '../model/model-files.ts';

/**
 * Loads a sample PNG as [3, R, R] in [-1, 1], resized to the model's resolution. Its bytes are checked
 * against the manifest (size and SHA-256) and cached like the model files, then decoded from a blob URL.
 */
export function loadSample(sample: SampleImage, resolution: number): Promise<Float32Array> {
  // One decode per file and size: the views get the same array back, so results computed from it
  // (the training view's loss and sweep) stay attached to the image shown.
  const key = `${sample.file}|${sample.sha256}|${resolution}`;
  let loading = loaded.get(key);
  if (!loading) {
    loading = decodeSample(sample, resolution);
    loaded.set(key, loading);
    loading.catch(() => loaded.delete(key)); // a later view retries
  }
  return loading;
}

const loaded = new Map<string, Promise<Float32Array>>();

async function decodeSample(sample: SampleImage, resolution: number): Promise<Float32Array> {
  const bytes = await loadFile(modelBase, sample, await openModelCache());
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
  const image = new Image();
  image.src = url;
  try {
    await image.decode();
  } catch {
    throw new Error(`${sample.file}: not a readable image`);
  } finally {
    URL.revokeObjectURL(url);
  }
  const canvas = document.createElement('canvas');
  canvas.width = resolution;
  canvas.height = resolution;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  // Transparent emoji backgrounds become white, as in training.
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, resolution, resolution);
  ctx.drawImage(image, 0, 0, resolution, resolution);
  return rgbaToChw(ctx.getImageData(0, 0, resolution, resolution).data, resolution, resolution);
}
