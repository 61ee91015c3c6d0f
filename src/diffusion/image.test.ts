import { describe, expect, it } from 'vitest';
import { chwToRgba, chwToRgbaInto, highFrequencyEnergy, rgbaToChw } from './image.ts';
import { createRng } from './rng.ts';

describe('chwToRgba / rgbaToChw', () => {
  it('maps [-1, 1] to 0..255 with round-half-up, clamps, sets alpha, and lays out HWC', () => {
    // [3, 1, 2]: R = (-1, 1), G = (0, 2), B = (-2, 0.003921568)
    const chw = Float32Array.from([-1, 1, 0, 2, -2, 1 / 255]);
    expect(Array.from(chwToRgba(chw, 2, 1))).toEqual([0, 128, 0, 255, 255, 255, 128, 255]);
  });

  it('round-trips bytes exactly', () => {
    const rgba = Uint8ClampedArray.from({ length: 4 * 6 }, (_, i) => (i % 4 === 3 ? 255 : (i * 37) % 256));
    expect(Array.from(chwToRgba(rgbaToChw(rgba, 3, 2), 3, 2))).toEqual(Array.from(rgba));
  });

  it('rejects wrong sizes', () => {
    expect(() => chwToRgba(new Float32Array(5), 2, 1)).toThrow(/expected 3\*1\*2 = 6 values, got 5/);
    expect(() => rgbaToChw(new Uint8ClampedArray(5), 2, 1)).toThrow(/expected 4\*1\*2 = 8 bytes, got 5/);
  });
});

describe('highFrequencyEnergy', () => {
  it('is 0 for a flat image, about 2 for unit noise, small for a smooth gradient', () => {
    expect(highFrequencyEnergy(new Float32Array(3 * 64 * 64).fill(0.3))).toBe(0);
    const noise = highFrequencyEnergy(createRng(1).normals(3 * 64 * 64));
    expect(noise).toBeGreaterThan(1.8);
    expect(noise).toBeLessThan(2.2);
    const ramp = Float32Array.from({ length: 3 * 64 * 64 }, (_, i) => ((i % 64) / 63) * 2 - 1);
    expect(highFrequencyEnergy(ramp)).toBeLessThan(0.001);
  });

  it('only compares neighbours within a row and a plane', () => {
    // [1, 2, 2] = [[0, 1], [0, 1]]: horizontal diffs 1, 1; vertical 0, 0.
    expect(highFrequencyEnergy(Float32Array.from([0, 1, 0, 1]), 2, 2)).toBe(0.5);
  });
});

describe('chwToRgbaInto', () => {
  it('equals chwToRgba of the array scaled first (as float32), into the given bytes', () => {
    const side = 8;
    const chw = Float32Array.from({ length: 3 * side * side }, (_, i) => Math.sin(i * 12.9898) * 2.5);
    for (const gain of [1, 0.5, 0.37, 3.1]) {
      const out = new Uint8ClampedArray(4 * side * side).fill(7);
      const returned = chwToRgbaInto(chw, side, side, out, gain);
      expect(returned).toBe(out);
      expect(Array.from(out)).toEqual(Array.from(chwToRgba(chw.map((v) => v * gain), side, side)));
    }
  });

  it('rejects an output of the wrong size', () => {
    expect(() => chwToRgbaInto(new Float32Array(6), 2, 1, new Uint8ClampedArray(4))).toThrow(/expected 8 output bytes, got 4/);
  });
});
