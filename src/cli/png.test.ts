import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, encodePng } from './png.ts';

/** Splits a PNG into chunks, checking each CRC with zlib's own crc32. */
function readChunks(png: Uint8Array): { type: string; data: Uint8Array }[] {
  expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks = [];
  for (let o = 8; o < png.length; ) {
    const length = view.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    const data = png.subarray(o + 8, o + 8 + length);
    expect(view.getUint32(o + 8 + length), `${type} CRC`).toBe(zlib.crc32(png.subarray(o + 4, o + 8 + length)));
    chunks.push({ type, data });
    o += 12 + length;
  }
  return chunks;
}

describe('encodePng', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('writes IHDR, IDAT, IEND that decode back to the RGB pixels', () => {
    const [w, h] = [3, 2];
    const rgba = Uint8Array.from({ length: w * h * 4 }, (_, i) => (i * 53) % 256);
    const chunks = readChunks(encodePng(rgba, w, h));
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const ihdr = new DataView(chunks[0].data.buffer, chunks[0].data.byteOffset, 13);
    expect([ihdr.getUint32(0), ihdr.getUint32(4), ...chunks[0].data.subarray(8)]).toEqual([3, 2, 8, 2, 0, 0, 0]);
    const rows = zlib.inflateSync(chunks[1].data);
    expect(rows.length).toBe(h * (1 + w * 3));
    for (let y = 0; y < h; y++) {
      expect(rows[y * (1 + 3 * w)]).toBe(0); // filter type: none
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 3; c++) expect(rows[y * (1 + 3 * w) + 1 + 3 * x + c]).toBe(rgba[4 * (y * w + x) + c]);
      }
    }
    expect(chunks[2].data.length).toBe(0);
  });

  it('rejects a wrong buffer size', () => {
    expect(() => encodePng(new Uint8Array(10), 2, 2)).toThrow('png: expected 16 RGBA bytes for 2x2, got 10');
  });
});
