import { describe, expect, it } from 'vitest';
import { encodeMask } from './mask-codec.ts';
import { centreMask, fillRect, invertMask, keepAllMask, nudgeRect, paintStroke, pointerToMask, regeneratedCount } from './mask-paint.ts';

const SIDE = 64;

/** The regenerated pixels as "x,y" strings, for readable comparisons. */
function painted(mask: Float32Array, side = SIDE): string[] {
  const out: string[] = [];
  mask.forEach((m, i) => m < 0.5 && out.push(`${i % side},${Math.floor(i / side)}`));
  return out;
}

describe('mask painting', () => {
  it('a 1-pixel dab marks exactly the pixel under it, even on a pixel corner', () => {
    expect(painted(paintStroke(keepAllMask(8), 8, { x: 3.5, y: 2.5 }, { x: 3.5, y: 2.5 }, 1, 0), 8)).toEqual(['3,2']);
    expect(painted(paintStroke(keepAllMask(8), 8, { x: 3, y: 2 }, { x: 3, y: 2 }, 1, 0), 8)).toEqual(['3,2']);
  });

  it('a dab of diameter 5 is a disc of the 21 pixels whose centres lie within 2.5 of it', () => {
    const mask = paintStroke(keepAllMask(SIDE), SIDE, { x: 10.5, y: 20.5 }, { x: 10.5, y: 20.5 }, 5, 0);
    expect(regeneratedCount(mask)).toBe(21); // 5x5 square less its 4 corners
    expect(mask[20 * SIDE + 10]).toBe(0);
    expect(mask[20 * SIDE + 12]).toBe(0);
    expect(mask[22 * SIDE + 12]).toBe(1); // corner: distance 2.83 > 2.5
    expect(mask[20 * SIDE + 13]).toBe(1);
  });

  it('a stroke covers the whole segment, with no gaps between fast pointer events', () => {
    const mask = paintStroke(keepAllMask(SIDE), SIDE, { x: 2.5, y: 10.5 }, { x: 60.5, y: 10.5 }, 3, 0);
    for (let x = 2; x <= 60; x++) for (const y of [9, 10, 11]) expect(mask[y * SIDE + x], `${x},${y}`).toBe(0);
    expect(regeneratedCount(mask)).toBe(61 * 3); // the band, plus one column of 3 beyond each end (centres within 1.5 of the end point)
    const diagonal = paintStroke(keepAllMask(SIDE), SIDE, { x: 0.5, y: 0.5 }, { x: 63.5, y: 63.5 }, 1, 0);
    for (let i = 0; i < SIDE; i++) expect(diagonal[i * SIDE + i]).toBe(0);
  });

  it('erasing puts pixels back, strokes off the edge are cut, and the input is left alone', () => {
    const start = keepAllMask(SIDE);
    const stroke = paintStroke(start, SIDE, { x: -5, y: 30 }, { x: 3, y: 30 }, 4, 0);
    expect(regeneratedCount(start)).toBe(0);
    expect(regeneratedCount(stroke)).toBeGreaterThan(0);
    expect(painted(stroke).every((p) => Number(p.split(',')[0]) <= 5)).toBe(true);
    expect(regeneratedCount(paintStroke(stroke, SIDE, { x: -5, y: 30 }, { x: 3, y: 30 }, 4, 1))).toBe(0);
  });

  it('fills rectangles (cut to the image), inverts, and starts from a centre square', () => {
    expect(regeneratedCount(fillRect(keepAllMask(SIDE), SIDE, { x: 60, y: 60, width: 10, height: 10 }, 0))).toBe(16);
    const centre = centreMask(SIDE);
    expect(regeneratedCount(centre)).toBe(32 * 32);
    expect(centre[16 * SIDE + 16]).toBe(0);
    expect(centre[15 * SIDE + 16]).toBe(1);
    expect(regeneratedCount(invertMask(centre))).toBe(SIDE * SIDE - 32 * 32);
  });

  it('moves and resizes the keyboard rectangle inside the image', () => {
    const r = { x: 0, y: 62, width: 4, height: 2 };
    expect(nudgeRect(r, SIDE, 'ArrowLeft', false)).toEqual(r);
    expect(nudgeRect(r, SIDE, 'ArrowDown', false)).toEqual(r);
    expect(nudgeRect(r, SIDE, 'ArrowRight', false)).toEqual({ ...r, x: 1 });
    expect(nudgeRect(r, SIDE, 'ArrowRight', true)).toEqual({ ...r, width: 5 });
    expect(nudgeRect(r, SIDE, 'ArrowDown', true)).toEqual(r); // already at the bottom edge
    expect(nudgeRect({ ...r, width: 1 }, SIDE, 'ArrowLeft', true)).toEqual({ ...r, width: 1 });
  });

  it('maps pointer positions on an enlarged canvas to model pixels', () => {
    const box = { left: 100, top: 50, width: 256, height: 256 };
    expect(pointerToMask(100, 50, box, SIDE)).toEqual({ x: 0, y: 0 });
    expect(pointerToMask(100 + 128, 50 + 64, box, SIDE)).toEqual({ x: 32, y: 16 });
  });

  it('a typical painted mask (a few strokes) fits a link in at most 300 characters', () => {
    let mask = keepAllMask(SIDE);
    const strokes: [number, number, number, number, number][] = [
      [10, 12, 40, 20, 6],
      [40, 20, 50, 44, 6],
      [14, 40, 30, 56, 10],
      [52, 6, 58, 12, 3],
    ];
    for (const [x0, y0, x1, y1, d] of strokes) mask = paintStroke(mask, SIDE, { x: x0, y: y0 }, { x: x1, y: y1 }, d, 0);
    const text = encodeMask(mask);
    console.log(`typical painted mask: ${regeneratedCount(mask)} regenerated pixels -> mask=${text.length} characters`);
    expect(text.length).toBeLessThanOrEqual(300);
  });
});
