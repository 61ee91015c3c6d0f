/** A canvas showing one model-space image ([3, H, W], [-1, 1]). */
import { useEffect, useRef } from 'react';
import { clearCanvas, drawChw } from './draw-chw.ts';

/**
 * Draws `chw` at `gain` when either changes (an effect, not a ref callback: a parent's re-render must
 * not repaint every canvas it holds); blank when `chw` is null.
 */
export function ChwCanvas({ chw, gain = 1, label, testId }: { chw: Float32Array | null; gain?: number; label: string; testId?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current!;
    if (chw) drawChw(c, chw, gain);
    else clearCanvas(c);
  }, [chw, gain]);
  return <canvas ref={ref} width={64} height={64} role="img" aria-label={label} data-testid={testId} />;
}
