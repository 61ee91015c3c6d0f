/** Which backend runs the model (WebGPU or WASM with its threads), and why that one, in full. */
import { useStore } from '../state/store.ts';
import { plural } from './plural.ts';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function BackendBadge() {
  const info = useStore((s) => s.backendInfo);
  const status = useStore((s) => s.loadStatus);
  let label: string;
  let reason = '';
  if (status === 'ready' && info) {
    label = info.backend === 'webgpu' ? 'WebGPU' : `WASM · ${plural(info.threads, 'thread')}`;
    reason = info.reason;
  } else {
    label = status === 'error' ? 'Model not loaded' : 'Loading model…';
  }
  // The reason wraps rather than being cut off: it is the one place that says why this backend runs.
  return (
    <div
      className={`badge badge-${status}`}
      data-testid="backend-badge"
      data-backend={status === 'ready' ? info?.backend : ''}
      title={status === 'ready' && info ? `Ready ${seconds(info.loadMs)} after the page asked for the model; its first calls took ${seconds(info.firstCallMs)}.` : undefined}
    >
      <span className="badge-label">{label}</span>
      {reason && (
        <span className="badge-reason" data-testid="backend-reason">
          {reason}
        </span>
      )}
    </div>
  );
}
