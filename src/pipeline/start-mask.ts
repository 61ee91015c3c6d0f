/** The mask an inpainting run keeps, from its settings: a half, or the painted mask the link carries. */
import { halfMask } from '../diffusion/half-mask.ts';
import { decodeMask } from '../diffusion/mask-codec.ts';
import type { RunSettings } from '../settings/fields.ts';

/**
 * [side, side] in 0..1 (1 = keep the source pixel) for an inpainting run, null for any other start.
 * Throws the codec's short message ("mask: ...") when a painted mask does not decode at `side`.
 */
export function startMask(settings: Pick<RunSettings, 'start' | 'keep' | 'mask'>, side: number): Float32Array | null {
  if (settings.start !== 'inpaint') return null;
  return settings.keep === 'mask' ? decodeMask(settings.mask, side) : halfMask(settings.keep, side);
}
