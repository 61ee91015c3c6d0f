/** Which backend runs the model (WebGPU or WASM with its threads), and why that one. */
import { useStore } from '../state/store.ts';

export function BackendBadge() {
  const info = useStore((s) => s.backendInfo);
  const status = useStore((s) => s.loadStatus);
  let label: string;
  let reason = '';
  if (status === 'ready' && info) {
    label = info.backend === 'webgpu' ? 'WebGPU' : `WASM · ${info.threads} thread${info.threads === 1 ? '' : 's'}`;
    reason = info.reason;
  } else {
    label = status === 'error' ? 'Model not loaded' : 'Loading model…';
  }
  return (
    <div className={`badge badge-${status}`} data-testid="backend-badge" data-backend={status === 'ready' ? info?.backend : ''} title={reason}>
      <span className="badge-label">{label}</span>
      {reason && <span className="badge-reason">{reason}</span>}
    </div>
  );
}
