/**
 * PNG files of generated images, shared by the page's export buttons and the CLI: 8-bit RGB encoded
 * by fast-png (a maintained encoder, so we carry no hand-written deflate/CRC code), optionally
 * upscaled by nearest neighbour, with the run's settings in tEXt chunks. No I/O: returns bytes.
 */
import { encode } from 'fast-png';
import type { RunSettings } from '../settings/fields.ts';

/**
 * The settings a PNG records: the run's own (src/settings/fields.ts; the page adds its start point),
 * the model that made it (manifest name) and the page link that reproduces it, when there is one.
 */
export type PngSettings = Pick<RunSettings, 'prompt' | 'seed' | 'steps' | 'guidance' | 'sampler' | 'spacing' | 'eta' | 'negative' | 'rescale'> &
  Partial<Pick<RunSettings, 'start' | 'strength' | 'keep' | 'mask'>> & { model?: string; link?: string };

/**
 * tEXt holds Latin-1 only, so every value is written with `%` and any character outside printable
 * Latin-1 percent-encoded as UTF-8: `decodeURIComponent(value)` always gives the original text back
 * (lone surrogates come back as U+FFFD), and plain ASCII prompts stay readable as they are.
 */
export function toLatin1Text(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const printable = (code >= 0x20 && code < 0x7f) || (code >= 0xa0 && code <= 0xff);
    if (printable && ch !== '%') out += ch;
    else for (const byte of new TextEncoder().encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The tEXt keywords and values for a run's settings (keywords as PNG's spec allows: 1-79 Latin-1 chars). */
export function settingsText(s: PngSettings): Record<string, string> {
  const text: Record<string, string> = {
    Software: 'diffusion-playground',
    prompt: s.prompt,
    negative_prompt: s.negative,
    seed: String(s.seed),
    steps: String(s.steps),
    guidance: String(s.guidance),
    sampler: s.sampler,
    spacing: s.spacing,
    eta: String(s.eta),
    guidance_rescale: String(s.rescale),
  };
  if (s.start && s.start !== 'noise') {
    text.start = s.start;
    if (s.start === 'img2img' && s.strength !== undefined) text.strength = String(s.strength);
    if (s.start === 'inpaint' && s.keep !== undefined) text.keep = s.keep;
    if (s.start === 'inpaint' && s.keep === 'mask' && s.mask) text.mask = s.mask;
  }
  if (s.model) text.model = s.model;
  if (s.link) text.link = s.link;
  return Object.fromEntries(Object.entries(text).map(([k, v]) => [k, toLatin1Text(v)]));
}

/** RGBA [H, W, 4] scaled up `factor` times by nearest neighbour (each pixel becomes a factor x factor block). */
export function upscaleNearest(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, factor: number): Uint8ClampedArray {
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`upscaleNearest: factor must be a positive integer, got ${factor}`);
  if (rgba.length !== width * height * 4) {
    throw new RangeError(`upscaleNearest: expected ${width * height * 4} RGBA bytes for ${width}x${height}, got ${rgba.length}`);
  }
  const outWidth = width * factor;
  const out = new Uint8ClampedArray(outWidth * height * factor * 4); // [H*f, W*f, 4]
  for (let y = 0; y < height * factor; y++) {
    const srcRow = Math.floor(y / factor) * width;
    for (let x = 0; x < outWidth; x++) {
      const s = 4 * (srcRow + Math.floor(x / factor));
      out.set(rgba.subarray(s, s + 4), 4 * (y * outWidth + x));
    }
  }
  return out;
}

/**
 * PNG bytes of an opaque RGBA image [H, W, 4] (alpha is dropped), scaled up `scale` times by nearest
 * neighbour, with `text` as tEXt chunks.
 */
export function encodeImagePng(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  options: { scale?: number; text?: Record<string, string> } = {},
): Uint8Array {
  const scale = options.scale ?? 1;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`png: bad size ${width}x${height}`);
  }
  const big = scale === 1 ? rgba : upscaleNearest(rgba, width, height, scale);
  const [w, h] = [width * scale, height * scale];
  if (big.length !== w * h * 4) throw new RangeError(`png: expected ${w * h * 4} RGBA bytes for ${w}x${h}, got ${big.length}`);
  const rgb = new Uint8Array(w * h * 3); // [H, W, 3]
  for (let p = 0; p < w * h; p++) rgb.set(big.subarray(4 * p, 4 * p + 3), 3 * p);
  return encode({ width: w, height: h, data: rgb, channels: 3, depth: 8, text: options.text });
}
