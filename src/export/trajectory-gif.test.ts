import { GifReader } from 'omggif';
import { describe, expect, it } from 'vitest';
import { chwToRgba } from '../diffusion/image.ts';
import { createRng } from '../diffusion/rng.ts';
import { encodeTrajectoryGif, stepPanel, type GifStep } from './trajectory-gif.ts';

/** A run-like sequence: x_t goes from noise to a smooth picture, x̂0 is the picture throughout. */
function fakeRun(side: number, count: number): GifStep[] {
  const rng = createRng(3);
  const picture = new Float32Array(3 * side * side).map((_, i) => Math.sin(i / 17) * 0.8);
  return Array.from({ length: count }, (_, k) => {
    const a = (k + 1) / count;
    const noise = rng.normals(picture.length);
    const xt = picture.map((p, i) => a * p + (1 - a) * noise[i] * 0.5);
    return { xt, x0: picture.map((p) => p * a) };
  });
}

function decodeFrames(bytes: Uint8Array): { reader: GifReader; frames: Uint8Array[] } {
  const reader = new GifReader(bytes);
  const frames = Array.from({ length: reader.numFrames() }, (_, i) => {
    const rgba = new Uint8Array(reader.width * reader.height * 4);
    reader.decodeAndBlitFrameRGBA(i, rgba);
    return rgba;
  });
  return { reader, frames };
}

describe('encodeTrajectoryGif', () => {
  it('decodes (with omggif) to one looping frame per step, each x_t | x̂0 within palette error of the run', () => {
    const side = 16;
    const steps = fakeRun(side, 5);
    const { reader, frames } = decodeFrames(encodeTrajectoryGif(steps, side, { scale: 2, delayMs: 100 }));
    expect([reader.width, reader.height, frames.length, reader.loopCount()]).toEqual([64, 32, 5, 0]);
    expect(reader.frameInfo(0).delay).toBe(10); // centiseconds
    expect(reader.frameInfo(4).delay).toBe(30); // the result rests longer
    frames.forEach((gifFrame, k) => {
      const want = stepPanel(steps[k], side); // [16, 32, 4], the GIF is that at scale 2
      let sum = 0;
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 64; x++) {
          for (let c = 0; c < 3; c++) sum += Math.abs(gifFrame[4 * (y * 64 + x) + c] - want[4 * ((y >> 1) * 32 + (x >> 1)) + c]);
        }
      }
      expect(sum / (32 * 64 * 3), `frame ${k} mean error`).toBeLessThan(4);
    });
  });

  it('shows x_t on the left and x̂0 on the right', () => {
    const side = 4;
    const xt = new Float32Array(3 * side * side).fill(-1); // black
    const x0 = new Float32Array(3 * side * side).fill(1); // white
    const panel = stepPanel({ xt, x0 }, side);
    expect(Array.from(panel.subarray(0, 4))).toEqual([0, 0, 0, 255]);
    expect(Array.from(panel.subarray(4 * side, 4 * side + 4))).toEqual([255, 255, 255, 255]);
    expect(chwToRgba(xt, side, side).length * 2).toBe(panel.length);
  });

  it('refuses an empty run', () => {
    expect(() => encodeTrajectoryGif([], 8)).toThrow(/no steps/);
  });
});
