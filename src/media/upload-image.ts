/**
 * A person's own image as the forward panel's source: any PNG, JPEG or WebP, checked before decoding
 * (size, format by content not name, dimensions read from the header by image-size, so a
 * decompression bomb is refused before it is decoded), centre-cropped to a square and resized to the
 * model's resolution, transparency composited on white as the training data was.
 */
import { imageSize } from 'image-size';
import { rgbaToChw } from '../diffusion/image.ts';

/** Largest file accepted. */
export const UPLOAD_MAX_BYTES = 20 * 1024 * 1024;
/** Largest decoded image accepted (pixels): 8k x 5k; more is refused before decoding. */
export const UPLOAD_MAX_PIXELS = 40_000_000;
/** Smallest side accepted, px: below this nothing recognisable survives. */
export const UPLOAD_MIN_SIDE = 8;

const FORMATS: Record<string, string> = { png: 'PNG', jpg: 'JPEG', webp: 'WebP' };

/** Width, height and format of image bytes, or an Error whose message says what is wrong, for the person. */
export function checkUpload(bytes: Uint8Array, name: string): { width: number; height: number; format: string } {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (bytes.length === 0) throw new Error(`${name} is empty.`);
  if (bytes.length > UPLOAD_MAX_BYTES) throw new Error(`${name} is ${mb(bytes.length)}; the limit is ${mb(UPLOAD_MAX_BYTES)}.`);
  let info: { width?: number; height?: number; type?: string };
  try {
    info = imageSize(bytes);
  } catch {
    throw new Error(`${name} is not a PNG, JPEG or WebP image.`);
  }
  const format = FORMATS[info.type ?? ''];
  if (!format) throw new Error(`${name} is a ${info.type ?? 'unknown'} file; use a PNG, JPEG or WebP image.`);
  const { width = 0, height = 0 } = info;
  if (width < UPLOAD_MIN_SIDE || height < UPLOAD_MIN_SIDE) throw new Error(`${name} is ${width}x${height} px; it must be at least ${UPLOAD_MIN_SIDE}x${UPLOAD_MIN_SIDE}.`);
  if (width * height > UPLOAD_MAX_PIXELS) throw new Error(`${name} is ${width}x${height} px; images over ${UPLOAD_MAX_PIXELS / 1e6} megapixels are refused.`);
  return { width, height, format };
}

/** The centred square of a width x height image: source rectangle [x, y, side, side]. */
export function centreSquare(width: number, height: number): [number, number, number, number] {
  const side = Math.min(width, height);
  return [Math.floor((width - side) / 2), Math.floor((height - side) / 2), side, side];
}

/** The file as [3, R, R] in [-1, 1]; throws an Error with a message for the person. */
export async function imageFromFile(file: File, resolution: number): Promise<Float32Array> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const { width, height } = checkUpload(bytes, file.name || 'The file');
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as BlobPart]));
  } catch {
    throw new Error(`${file.name || 'The file'} could not be decoded: it may be damaged.`);
  }
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = resolution;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, resolution, resolution);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, ...centreSquare(width, height), 0, 0, resolution, resolution);
  bitmap.close();
  return rgbaToChw(ctx.getImageData(0, 0, resolution, resolution).data, resolution, resolution);
}
