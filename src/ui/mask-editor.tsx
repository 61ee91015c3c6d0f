/**
 * Painting the inpainting mask on the forward panel's image: a canvas stacked on the picture takes
 * pointer strokes (a round brush; paint marks pixels to regenerate, erase keeps them again) and, for
 * the keyboard, a rectangle moved with the arrow keys, resized with Shift+arrows and applied with
 * Enter or Space. A stroke is painted into a local copy while the pointer is down and stored (and
 * encoded for the link) once, when it ends; each edit makes the next run inpaint with the mask.
 * Closed, the overlay shows the mask the next inpainting run will keep (a half or the painted one).
 */
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent, type ReactNode } from 'react';
import { halfMask } from '../diffusion/half-mask.ts';
import {
  BRUSH_MAX,
  BRUSH_MIN,
  fillRect,
  invertMask,
  keepAllMask,
  nudgeRect,
  paintStroke,
  pointerToMask,
  regeneratedCount,
  type MaskPoint,
  type MaskRect,
} from '../diffusion/mask-paint.ts';
import { selectPaintedMask } from '../state/settings-slice.ts';
import { useStore } from '../state/store.ts';
import { drawMask, OVERLAY_SCALE } from './draw-mask.ts';
import { SliderField } from './slider-field.tsx';

type BrushMode = 'paint' | 'erase';

const ARROWS = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown']);

/** The mask the next inpainting run would keep, for the closed overlay (null when the next run does not inpaint). */
function useNextRunMask(side: number): Float32Array | null {
  const start = useStore((s) => s.settings.start);
  const keep = useStore((s) => s.settings.keep);
  const painted = useStore(selectPaintedMask);
  return useMemo(() => {
    if (start !== 'inpaint') return null;
    if (keep !== 'mask') return halfMask(keep, side);
    return painted?.side === side ? painted.mask : null;
  }, [start, keep, painted, side]);
}

/**
 * The picture (`children`, the forward panel's x0 canvas) with the mask stacked on it, the Paint mask
 * toggle, and, when `editing`, the brush tools below it.
 */
export function MaskEditor({ side, editing, onEditingChange, children }: { side: number; editing: boolean; onEditingChange(editing: boolean): void; children: ReactNode }) {
  const painted = useStore(selectPaintedMask);
  const nextRunMask = useNextRunMask(side);
  const [mode, setMode] = useState<BrushMode>('paint');
  const [brush, setBrush] = useState(6);
  const [rect, setRect] = useState<MaskRect>(() => {
    const quarter = Math.floor(side / 4);
    return { x: quarter, y: quarter, width: quarter, height: quarter };
  });
  const [rectShown, setRectShown] = useState(false);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  /** The stroke in progress: the mask painted so far and the last pointer position. */
  const strokeRef = useRef<{ mask: Float32Array; last: MaskPoint; pointer: number } | null>(null);
  const helpId = useId();
  const toolsId = useId();

  // What the editor edits: the painted mask if it fits this image, else a blank one (nothing to regenerate).
  const base = painted?.side === side ? painted.mask : null;
  const shown = editing ? (base ?? keepAllMask(side)) : nextRunMask;
  const value: 0 | 1 = mode === 'paint' ? 0 : 1;

  useEffect(() => {
    if (canvasRef.current && !strokeRef.current) drawMask(canvasRef.current, shown, side, { tint: true, rect: editing && rectShown ? rect : null });
  }, [shown, side, editing, rectShown, rect]);

  const commit = (mask: Float32Array) => useStore.getState().applyPaintedMask(mask, side);
  const current = () => base ?? keepAllMask(side);

  const pointAt = (e: PointerEvent<HTMLCanvasElement>) => {
    // The picture is the canvas's content box: inside its 1 px border.
    const el = e.currentTarget;
    const r = el.getBoundingClientRect();
    return pointerToMask(e.clientX, e.clientY, { left: r.left + el.clientLeft, top: r.top + el.clientTop, width: el.clientWidth, height: el.clientHeight }, side);
  };
  const onPointerDown = (e: PointerEvent<HTMLCanvasElement>) => {
    if (!editing || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    e.currentTarget.focus();
    const p = pointAt(e);
    const mask = paintStroke(current(), side, p, p, brush, value);
    strokeRef.current = { mask, last: p, pointer: e.pointerId };
    drawMask(e.currentTarget, mask, side, { tint: true });
  };
  const onPointerMove = (e: PointerEvent<HTMLCanvasElement>) => {
    const stroke = strokeRef.current;
    if (!stroke || stroke.pointer !== e.pointerId) return;
    const p = pointAt(e);
    stroke.mask = paintStroke(stroke.mask, side, stroke.last, p, brush, value);
    stroke.last = p;
    drawMask(e.currentTarget, stroke.mask, side, { tint: true });
  };
  const endStroke = (e: PointerEvent<HTMLCanvasElement>) => {
    const stroke = strokeRef.current;
    if (!stroke || stroke.pointer !== e.pointerId) return;
    strokeRef.current = null;
    commit(stroke.mask);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLCanvasElement>) => {
    // The page's replay shortcuts (Space, arrows: ui/use-playback.ts) listen on window: these keys are ours here.
    if (ARROWS.has(e.key) || e.key === ' ' || e.key === 'Enter') e.stopPropagation();
    if (ARROWS.has(e.key)) {
      e.preventDefault();
      // The first arrow only shows the rectangle where it is.
      if (rectShown) setRect(nudgeRect(rect, side, e.key as 'ArrowLeft', e.shiftKey));
      setRectShown(true);
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      setRectShown(true);
      commit(fillRect(current(), side, rect, value));
    } else if (e.key === 'Escape' && rectShown) {
      e.preventDefault();
      setRectShown(false);
    }
  };

  const regenerated = shown ? regeneratedCount(shown) : 0;
  const share = Math.round((100 * regenerated) / (side * side));
  const rectText = `rectangle at x ${rect.x}, y ${rect.y}, ${rect.width} by ${rect.height} pixels`;
  return (
    <>
      <div className={editing ? 'overlay-host editing' : 'overlay-host'}>
        {children}
        <canvas
          ref={canvasRef}
          className="mask-overlay mask-editor"
          data-testid="mask-editor"
          width={side * OVERLAY_SCALE}
          height={side * OVERLAY_SCALE}
          hidden={!editing && !shown}
          tabIndex={editing ? 0 : -1}
          {...(editing
            ? { role: 'application', 'aria-label': 'Inpainting mask editor', 'aria-describedby': helpId }
            : { 'aria-hidden': true })}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={endStroke}
          onPointerCancel={endStroke}
          onKeyDown={onKeyDown}
          onBlur={() => setRectShown(false)}
        />
      </div>
      <button type="button" className="toggle paint-toggle" aria-pressed={editing} onClick={() => onEditingChange(!editing)}>
        Paint mask
      </button>
      {editing && (
        <div className="mask-tools" id={toolsId} role="group" aria-label="Inpainting mask tools">
          <p className="hint quiet" id={helpId}>
            Paint over what the model should redraw (tinted); the rest of the image is kept. Erase puts pixels back. Keyboard:
            focus the image, arrows show and move a rectangle, Shift+arrows resize it, Enter or Space paints (or erases) it, Escape
            hides it.
          </p>
          <div className="chart-legend" role="group" aria-label="Brush mode">
            <button type="button" className="toggle" aria-pressed={mode === 'paint'} onClick={() => setMode('paint')}>
              Paint
            </button>
            <button type="button" className="toggle" aria-pressed={mode === 'erase'} onClick={() => setMode('erase')}>
              Erase
            </button>
          </div>
          <SliderField
            id={`${toolsId}-brush`}
            label="Brush size"
            value={brush}
            min={BRUSH_MIN}
            max={BRUSH_MAX}
            step={1}
            valueText={`brush ${brush} pixels wide`}
            onChange={(v) => setBrush(Number.isFinite(v) ? v : 6)}
          />
          <div className="mask-buttons">
            <button type="button" className="secondary small" onClick={() => commit(keepAllMask(side))}>
              Clear
            </button>
            <button type="button" className="secondary small" onClick={() => commit(invertMask(current()))}>
              Invert
            </button>
          </div>
          <p className="hint quiet" data-testid="mask-status" aria-live="polite">
            Regenerating {regenerated} of {side * side} pixels ({share}%).{rectShown && ` Keyboard ${rectText}.`}
          </p>
        </div>
      )}
    </>
  );
}
