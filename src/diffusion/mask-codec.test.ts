import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { halfMask } from './half-mask.ts';
import { decodeMask, encodeMask, maskRuns } from './mask-codec.ts';

const SIDE = 64;

/** A painted-looking mask: the union of a few brush discs. */
function brushMask(discs: [number, number, number][]): Float32Array {
  const mask = new Float32Array(SIDE * SIDE).fill(1); // keep everything ...
  for (const [cx, cy, r] of discs) {
    for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) mask[y * SIDE + x] = 0; // ... but the painted discs
  }
  return mask;
}

describe('mask codec', () => {
  it('round-trips half masks, all-keep, all-regenerate and painted masks exactly', () => {
    const masks = [
      halfMask('left', SIDE),
      halfMask('bottom', SIDE),
      new Float32Array(SIDE * SIDE).fill(1),
      new Float32Array(SIDE * SIDE),
      brushMask([[20, 30, 9], [40, 22, 6], [33, 50, 12]]),
    ];
    for (const mask of masks) expect(Array.from(decodeMask(encodeMask(mask), SIDE))).toEqual(Array.from(mask));
  });

  it('round-trips any binary mask (property test)', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 16 * 16, maxLength: 16 * 16 }), (bits) => {
        const mask = Float32Array.from(bits, (b) => (b ? 1 : 0));
        expect(Array.from(decodeMask(encodeMask(mask), 16))).toEqual(Array.from(mask));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a typical painted mask short enough for a link (<= 300 characters)', () => {
    const strokes = brushMask([[12, 12, 5], [18, 16, 5], [24, 20, 5], [30, 24, 5], [36, 28, 5], [42, 32, 5], [48, 40, 7], [20, 48, 10]]);
    const text = encodeMask(strokes);
    console.log(`painted mask: ${maskRuns(strokes).length} runs -> ${text.length} characters; half mask: ${encodeMask(halfMask('left', SIDE)).length}`);
    expect(text.length).toBeLessThanOrEqual(300);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(encodeMask(halfMask('left', SIDE)).length).toBeLessThanOrEqual(40);
  });

  it('refuses malformed text with a short message, never a huge allocation', () => {
    expect(() => decodeMask('not base64!', SIDE)).toThrow(/base64url/);
    expect(() => decodeMask('', SIDE)).toThrow(/empty/);
    expect(() => decodeMask(encodeMask(halfMask('left', 32)), SIDE)).toThrow(/cover 1024 pixels, expected 4096/);
    expect(() => decodeMask('Av____8', SIDE)).toThrow(/mask:/);
    expect(() => decodeMask('AQAA', 100000)).toThrow(/side must be/);
    fc.assert(fc.property(fc.string(), (s) => {
      try {
        decodeMask(s, SIDE);
      } catch (e) {
        expect((e as Error).message).toMatch(/^mask: /);
      }
    }), { numRuns: 2000 });
  });
});
