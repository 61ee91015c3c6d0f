/**
 * Painting an inpainting mask [H, W] (H = W = side; 1 = keep the source pixel, 0 = regenerate, as
 * `inpaintBlend` reads it): brush strokes of round discs, rectangles, invert. Coordinates are in model
 * pixels, continuous: pixel (x, y) covers [x, x + 1) x [y, y + 1) and its centre is (x + 0.5, y + 0.5).
 * Pure: no DOM; every function returns a new mask and leaves its input alone.
 */

/** A point in model pixels (continuous). */
export interface MaskPoint {
  x: number;
  y: number;
}

/** A rectangle of whole pixels: columns x..x+width-1, rows y..y+height-1. */
export interface MaskRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Smallest brush diameter offered, in model pixels. */
export const BRUSH_MIN = 1;
/** Largest brush diameter offered, in model pixels (over a third of a 64 px image). */
export const BRUSH_MAX = 24;

/** A mask that keeps every pixel (nothing to regenerate yet). */
export function keepAllMask(side: number): Float32Array {
  return new Float32Array(side * side).fill(1); // [H, W]
}

/** A starting mask for 'painted' with nothing painted yet: regenerate the centre square (half the side), keep the rest. */
export function centreMask(side: number): Float32Array {
  const quarter = Math.floor(side / 4);
  return fillRect(keepAllMask(side), side, { x: quarter, y: quarter, width: side - 2 * quarter, height: side - 2 * quarter }, 0);
}

/** Squared distance from p to the segment a-b. */
function distanceSq(p: MaskPoint, a: MaskPoint, b: MaskPoint): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const lengthSq = dx * dx + dy * dy;
  const s = lengthSq === 0 ? 0 : Math.min(1, Math.max(0, ((p.x - a.x) * dx + (p.y - a.y) * dy) / lengthSq));
  return (p.x - a.x - s * dx) ** 2 + (p.y - a.y - s * dy) ** 2;
}

/**
 * One brush stroke from `from` to `to` (the same point for a dab) with a round brush `diameter`
 * pixels wide: every pixel whose centre lies within diameter / 2 of the segment gets `value`, and so
 * do the pixels under both ends, so even a 1-pixel brush between pixel centres leaves a mark.
 */
export function paintStroke(mask: Float32Array, side: number, from: MaskPoint, to: MaskPoint, diameter: number, value: 0 | 1): Float32Array {
  const out = mask.slice();
  const r = Math.max(0.5, diameter / 2);
  const x0 = Math.max(0, Math.floor(Math.min(from.x, to.x) - r));
  const x1 = Math.min(side - 1, Math.ceil(Math.max(from.x, to.x) + r));
  const y0 = Math.max(0, Math.floor(Math.min(from.y, to.y) - r));
  const y1 = Math.min(side - 1, Math.ceil(Math.max(from.y, to.y) + r));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) if (distanceSq({ x: x + 0.5, y: y + 0.5 }, from, to) <= r * r) out[y * side + x] = value;
  }
  for (const p of [from, to]) {
    const x = Math.floor(p.x);
    const y = Math.floor(p.y);
    if (x >= 0 && x < side && y >= 0 && y < side) out[y * side + x] = value;
  }
  return out;
}

/** The rectangle (cut to the image) set to `value`. */
export function fillRect(mask: Float32Array, side: number, rect: MaskRect, value: 0 | 1): Float32Array {
  const out = mask.slice();
  const x0 = Math.max(0, rect.x);
  const y0 = Math.max(0, rect.y);
  const x1 = Math.min(side, rect.x + rect.width);
  const y1 = Math.min(side, rect.y + rect.height);
  for (let y = y0; y < y1; y++) out.fill(value, y * side + x0, y * side + Math.max(x0, x1));
  return out;
}

/** Kept pixels become regenerated and the other way round. */
export function invertMask(mask: Float32Array): Float32Array {
  return mask.map((m) => (m >= 0.5 ? 0 : 1));
}

/** How many pixels are regenerated (mask < 0.5). */
export function regeneratedCount(mask: Float32Array): number {
  let n = 0;
  for (const m of mask) if (m < 0.5) n++;
  return n;
}

/**
 * The keyboard rectangle after an arrow key: moved one pixel, or (with Shift) its right or bottom
 * edge moved one pixel (at least 1 x 1), always inside the image.
 */
export function nudgeRect(rect: MaskRect, side: number, key: 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown', resize: boolean): MaskRect {
  const dx = key === 'ArrowLeft' ? -1 : key === 'ArrowRight' ? 1 : 0;
  const dy = key === 'ArrowUp' ? -1 : key === 'ArrowDown' ? 1 : 0;
  if (resize) {
    const width = Math.min(side - rect.x, Math.max(1, rect.width + dx));
    const height = Math.min(side - rect.y, Math.max(1, rect.height + dy));
    return { ...rect, width, height };
  }
  return {
    ...rect,
    x: Math.min(side - rect.width, Math.max(0, rect.x + dx)),
    y: Math.min(side - rect.height, Math.max(0, rect.y + dy)),
  };
}

/** The point in model pixels under a pointer at (clientX, clientY) over an element drawn at `box` (its bounding rectangle). */
export function pointerToMask(clientX: number, clientY: number, box: { left: number; top: number; width: number; height: number }, side: number): MaskPoint {
  return { x: ((clientX - box.left) / box.width) * side, y: ((clientY - box.top) / box.height) * side };
}
