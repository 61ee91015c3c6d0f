/** The models: manifest, download progress, which backend runs them, and load errors. */
import type { StateCreator } from 'zustand';
import type { Manifest } from '../model/manifest.ts';
import type { Backend, LoadPhase } from '../worker/protocol.ts';
import type { StoreState } from './store.ts';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

/** Which backend runs the models, and why that one. */
export interface BackendInfo {
  backend: Backend;
  reason: string;
  /** WASM threads; 0 for WebGPU. */
  threads: number;
  loadMs: number;
  /** Milliseconds of the first calls once the files were in (part of loadMs). */
  firstCallMs: number;
  /** Whether steps carry a CLIP match score, and if not, why. */
  scorer: { available: boolean; note: string };
}

export interface ModelSlice {
  manifest: Manifest | null;
  loadStatus: LoadStatus;
  /** Bytes received per file. */
  progress: Record<string, { loaded: number; total: number }>;
  /** What the load does after the download, or null before that (and when it is ready). */
  loadPhase: LoadPhase | null;
  backendInfo: BackendInfo | null;
  loadError: string | null;
  /** Why the inference worker was given up on (died, hung, download stalled); null while it is fine. */
  workerFailure: string | null;
  /** Problems found reading the URL hash, shown once as a notice. */
  urlProblems: string[];
  setManifest(manifest: Manifest): void;
  startLoading(): void;
  setProgress(file: string, loaded: number, total: number): void;
  setLoadPhase(phase: LoadPhase): void;
  setReady(info: BackendInfo): void;
  /** The backend's reason changed after the load (the sampler on the GPU turned itself off). */
  setBackendReason(reason: string): void;
  failLoading(message: string): void;
  /** The worker is gone: no model until a retry starts a new one. */
  failWorker(reason: string): void;
  setUrlProblems(problems: string[]): void;
}

export const createModelSlice: StateCreator<StoreState, [], [], ModelSlice> = (set) => ({
  manifest: null,
  loadStatus: 'idle',
  progress: {},
  loadPhase: null,
  backendInfo: null,
  loadError: null,
  workerFailure: null,
  urlProblems: [],
  setManifest: (manifest) => set({ manifest }),
  startLoading: () => set({ loadStatus: 'loading', loadError: null, workerFailure: null, progress: {}, loadPhase: null }),
  setProgress: (file, loaded, total) => set((s) => ({ progress: { ...s.progress, [file]: { loaded, total } } })),
  setLoadPhase: (loadPhase) => set({ loadPhase }),
  setReady: (backendInfo) => set({ loadStatus: 'ready', backendInfo, loadError: null, loadPhase: null }),
  setBackendReason: (reason) => set((s) => (s.backendInfo ? { backendInfo: { ...s.backendInfo, reason } } : {})),
  failLoading: (loadError) => set({ loadStatus: 'error', loadError }),
  failWorker: (workerFailure) => set({ loadStatus: 'error', workerFailure }),
  setUrlProblems: (urlProblems) => set({ urlProblems }),
});
