/**
 * A run as an animated GIF: one frame per denoising step, x_t on the left and x̂0 on the right,
 * looping. Encoded by gifenc (maintained, fast, no dependencies) with a 256-colour palette chosen per
 * frame, so frames are the run's pixels up to GIF's palette quantisation (a few levels of 255 on
 * these images). Shared by the page's export button and the CLI's --gif. No I/O: returns bytes.
 */
import * as gifencModule from 'gifenc';
import { chwToRgba } from '../diffusion/image.ts';
import { upscaleNearest } from './png-file.ts';

// gifenc ships a CommonJS build (package "main") and an ESM one ("module"): bundlers and vitest see the
// ESM names, Node's own loader (the CLI) sees the CommonJS exports under `default`.
const { applyPalette, GIFEncoder, quantize }: typeof gifencModule =
  'GIFEncoder' in gifencModule ? gifencModule : (gifencModule as unknown as { default: typeof gifencModule }).default;

/** One step of a run: the noisy sample and the model's clean-image guess, [3, H, W] in [-1, 1]. */
export interface GifStep {
  xt: Float32Array;
  x0: Float32Array;
}

/** RGBA [side, 2*side, 4] of one step: x_t | x̂0. */
export function stepPanel(step: GifStep, side: number): Uint8ClampedArray {
  const left = chwToRgba(step.xt, side, side);
  const right = chwToRgba(step.x0, side, side);
  const out = new Uint8ClampedArray(side * 2 * side * 4); // [H, 2W, 4]
  for (let y = 0; y < side; y++) {
    out.set(left.subarray(4 * y * side, 4 * (y + 1) * side), 4 * (y * 2 * side));
    out.set(right.subarray(4 * y * side, 4 * (y + 1) * side), 4 * (y * 2 * side + side));
  }
  return out;
}

/**
 * GIF bytes of the steps, each shown `delayMs` (the last one three times as long, so the loop rests
 * on the result), every frame scaled up `scale` times by nearest neighbour.
 */
export function encodeTrajectoryGif(steps: GifStep[], side: number, options: { scale?: number; delayMs?: number } = {}): Uint8Array {
  if (steps.length === 0) throw new RangeError('gif: a run with no steps has nothing to show');
  const scale = options.scale ?? 4;
  const delay = options.delayMs ?? 120;
  const [width, height] = [2 * side * scale, side * scale];
  const gif = GIFEncoder();
  steps.forEach((step, i) => {
    // gifenc reads the pixels through a Uint32Array view of the whole buffer: pass a fresh, unshared one.
    const rgba = new Uint8ClampedArray(upscaleNearest(stepPanel(step, side), 2 * side, side, scale));
    const palette = quantize(rgba, 256);
    const index = applyPalette(rgba, palette);
    gif.writeFrame(index, width, height, { palette, delay: i === steps.length - 1 ? 3 * delay : delay, repeat: 0 });
  });
  gif.finish();
  return gif.bytes();
}
