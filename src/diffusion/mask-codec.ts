/**
 * A binary inpainting mask [H, W] (1 = keep, 0 = regenerate) as a short URL-safe string, so a link
 * carries a painted mask: run lengths in raster order (starting with a run of 0s, possibly empty) as
 * LEB128 varints, deflated when that is shorter, in base64url without padding. The first byte says
 * which: 0 = plain varints, 1 = deflate-raw of them. Pure: no DOM, no I/O.
 */
import { deflateSync, inflateSync } from 'fflate';

/** Masks up to 256x256 decode; anything claiming more is refused before allocating. */
const MAX_SIDE = 256;

/** Run lengths of a thresholded mask (value >= 0.5 is 1), alternating 0-run, 1-run, ..., first run may be 0. */
export function maskRuns(mask: Float32Array): number[] {
  const runs: number[] = [];
  let value = 0;
  let length = 0;
  for (const m of mask) {
    const bit = m >= 0.5 ? 1 : 0;
    if (bit === value) length++;
    else {
      runs.push(length);
      value = bit;
      length = 1;
    }
  }
  runs.push(length);
  return runs;
}

function toVarints(numbers: number[]): Uint8Array {
  const bytes: number[] = [];
  for (let n of numbers) {
    while (n >= 0x80) {
      bytes.push((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    bytes.push(n);
  }
  return Uint8Array.from(bytes);
}

function fromVarints(bytes: Uint8Array): number[] {
  const numbers: number[] = [];
  let n = 0;
  let shift = 0;
  for (const b of bytes) {
    if (shift > 21) throw new Error('mask: a run length is too long');
    n += (b & 0x7f) * 2 ** shift;
    if (b & 0x80) shift += 7;
    else {
      numbers.push(n);
      n = 0;
      shift = 0;
    }
  }
  if (shift !== 0) throw new Error('mask: the data ends inside a number');
  return numbers;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('mask: not base64url text');
  if (text.length % 4 === 1) throw new Error('mask: base64url text of impossible length');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The mask as a URL-safe string (see the module comment). */
export function encodeMask(mask: Float32Array): string {
  const plain = toVarints(maskRuns(mask));
  const packed = deflateSync(plain, { level: 9 });
  const [format, body] = packed.length < plain.length ? [1, packed] : [0, plain];
  const out = new Uint8Array(1 + body.length);
  out[0] = format;
  out.set(body, 1);
  return toBase64Url(out);
}

/** The mask [side, side] back from `encodeMask`'s string. Throws a short message for anything malformed. */
export function decodeMask(text: string, side: number): Float32Array {
  if (!Number.isInteger(side) || side < 1 || side > MAX_SIDE) throw new Error(`mask: side must be 1..${MAX_SIDE}, got ${side}`);
  const runs = decodeRuns(text, side * side);
  const total = runs.reduce((a, b) => a + b, 0);
  if (total !== side * side) throw new Error(`mask: runs cover ${total} pixels, expected ${side * side}`);
  return fillRuns(runs, total);
}

/**
 * A square mask of any side (1..256) back from `encodeMask`'s string, with its side: for a link, read
 * before the page knows the model's resolution. Throws a short message for anything malformed.
 */
export function decodeSquareMask(text: string): { mask: Float32Array; side: number } {
  const runs = decodeRuns(text, MAX_SIDE * MAX_SIDE);
  const total = runs.reduce((a, b) => a + b, 0);
  const side = Math.round(Math.sqrt(total));
  if (side < 1 || side > MAX_SIDE || side * side !== total) throw new Error(`mask: runs cover ${total} pixels, not a square of side 1..${MAX_SIDE}`);
  return { mask: fillRuns(runs, total), side };
}

/** The run lengths in `text`; `maxPixels` bounds the inflated size (a mask's varints are at most 3 bytes per pixel). */
function decodeRuns(text: string, maxPixels: number): number[] {
  const bytes = fromBase64Url(text);
  if (bytes.length < 2) throw new Error('mask: empty');
  let body = bytes.subarray(1);
  if (bytes[0] === 1) {
    try {
      body = inflateSync(body, { out: new Uint8Array(3 * maxPixels + 8) });
    } catch {
      throw new Error('mask: the compressed data is corrupt');
    }
  } else if (bytes[0] !== 0) throw new Error(`mask: unknown format ${bytes[0]}`);
  return fromVarints(body);
}

function fillRuns(runs: number[], total: number): Float32Array {
  const mask = new Float32Array(total); // [H, W]
  let offset = 0;
  runs.forEach((length, i) => {
    if (i % 2 === 1) mask.fill(1, offset, offset + length);
    offset += length;
  });
  return mask;
}
