/**
 * The inpainting mask of the shown run, drawn over the reverse view's x_t and x̂0 canvases. It changes
 * once per run (with the run's settings), never per step: the overlay is a second canvas stacked on
 * the picture and drawn only when the run changes, so steps cost nothing more and the pictures'
 * pixels stay the model's.
 */
import { useEffect, useMemo, useRef } from 'react';
import { halfMask } from '../diffusion/half-mask.ts';
import { decodeMask } from '../diffusion/mask-codec.ts';
import type { RunSettings } from '../settings/fields.ts';
import { useStore } from '../state/store.ts';
import { drawMask, OVERLAY_SCALE } from './draw-mask.ts';

/** The mask [side, side] an inpainting run kept (1 = kept), or null for other runs (or a mask that does not fit). */
export function runMask(params: RunSettings | null, side: number): Float32Array | null {
  if (!params || params.start !== 'inpaint') return null;
  if (params.keep !== 'mask') return halfMask(params.keep, side);
  try {
    return decodeMask(params.mask, side);
  } catch {
    return null; // such a run never started (the controller refuses it); nothing to show
  }
}

/** The shown run's inpainting mask and the side it is drawn at; re-renders only when the run changes. */
export function useRunMask(): { mask: Float32Array | null; side: number } {
  const params = useStore((s) => s.generationParams);
  const side = useStore((s) => s.manifest?.resolution ?? 64);
  const mask = useMemo(() => runMask(params, side), [params, side]);
  return { mask, side };
}

/** A canvas stacked on a picture (see .mask-overlay in styles.css) showing `mask`'s edge and its kept side hatched; hidden when there is none. */
export function MaskOverlay({ mask, side, testId }: { mask: Float32Array | null; side: number; testId: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current) drawMask(ref.current, mask, side, { tint: false, hatchKept: true });
  }, [mask, side]);
  return (
    <canvas
      ref={ref}
      className="mask-overlay"
      data-testid={testId}
      width={side * OVERLAY_SCALE}
      height={side * OVERLAY_SCALE}
      hidden={!mask}
      aria-hidden="true"
    />
  );
}
