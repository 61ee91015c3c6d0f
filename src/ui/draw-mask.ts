/**
 * Draws an inpainting mask [side, side] (1 = keep, 0 = regenerate) as an overlay: the edge between
 * kept and regenerated pixels as a dark-and-light line (visible on any image, either theme),
 * optionally a tint over the regenerated area and a dashed rectangle (the keyboard editor's).
 * The overlay canvas is finer than the mask (OVERLAY_SCALE canvas pixels per mask pixel) so lines stay thin.
 */
import type { MaskRect } from '../diffusion/mask-paint.ts';

/** Canvas pixels per mask pixel of an overlay canvas. */
export const OVERLAY_SCALE = 4;

/** What to draw besides the edge. */
export interface MaskDrawing {
  /** Tint the regenerated pixels (the editor); the reverse view shows the edge only, so the image stays readable. */
  tint: boolean;
  /** Hatch the kept pixels with faint diagonal lines (the reverse view: which side of the edge is the source's). */
  hatchKept?: boolean;
  /** The keyboard rectangle, when shown. */
  rect?: MaskRect | null;
}

/** Clears `canvas` and draws `mask` on it (nothing but the clear when mask is null). */
export function drawMask(canvas: HTMLCanvasElement, mask: Float32Array | null, side: number, drawing: MaskDrawing): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!mask || mask.length !== side * side) return;
  const s = canvas.width / side;
  const kept = (x: number, y: number) => mask[y * side + x] >= 0.5;
  if (drawing.tint) {
    ctx.fillStyle = 'rgb(255 0 170 / 42%)';
    for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) if (!kept(x, y)) ctx.fillRect(x * s, y * s, s, s);
  }
  if (drawing.hatchKept) {
    ctx.save();
    ctx.beginPath();
    for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) if (kept(x, y)) ctx.rect(x * s, y * s, s, s);
    ctx.clip();
    ctx.beginPath();
    for (let d = -canvas.height; d < canvas.width; d += 3 * s) {
      ctx.moveTo(d, canvas.height);
      ctx.lineTo(d + canvas.height, 0);
    }
    ctx.strokeStyle = 'rgb(255 255 255 / 45%)';
    ctx.lineWidth = 1;
    ctx.stroke();
    ctx.restore();
  }
  ctx.beginPath();
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      if (x + 1 < side && kept(x, y) !== kept(x + 1, y)) {
        ctx.moveTo((x + 1) * s, y * s);
        ctx.lineTo((x + 1) * s, (y + 1) * s);
      }
      if (y + 1 < side && kept(x, y) !== kept(x, y + 1)) {
        ctx.moveTo(x * s, (y + 1) * s);
        ctx.lineTo((x + 1) * s, (y + 1) * s);
      }
    }
  }
  ctx.lineCap = 'square';
  ctx.strokeStyle = 'rgb(0 0 0 / 80%)';
  ctx.lineWidth = 3;
  ctx.stroke();
  ctx.strokeStyle = 'rgb(255 255 255 / 95%)';
  ctx.lineWidth = 1.25;
  ctx.stroke();
  const r = drawing.rect;
  if (r) {
    ctx.setLineDash([6, 4]);
    for (const [colour, width] of [['#000', 3], ['#ffd400', 1.5]] as const) {
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.strokeRect(r.x * s + 1, r.y * s + 1, r.width * s - 2, r.height * s - 2);
    }
    ctx.setLineDash([]);
  }
}
