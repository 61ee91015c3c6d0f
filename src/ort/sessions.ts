/**
 * onnxruntime-web sessions: their options per backend, opening one checked against the manifest, the
 * WASM set, and the one queue every session call of the page goes through.
 */
import * as ort from 'onnxruntime-web';
import { checkIoSpec, type Manifest, type ModelSpec } from '../model/manifest.ts';
import type { GpuSteps } from '../pipeline/models.ts';
import type { Backend } from '../worker/protocol.ts';
import type { CapturedUnet, UnetIo } from './captured-unet.ts';
import { serialised } from './lock.ts';

/** JSEP's preferredLayout: NHWC runs Conv channels-last with Transposes around it; NCHW runs it in place. */
export type WebGpuLayout = 'NCHW' | 'NHWC';

/**
 * WebGPU runs NHWC (JSEP's default), although it wraps every Conv and InstanceNormalization in
 * Transposes (502 kernels per U-Net call against NCHW's 322): JSEP's NCHW Conv kernel is the slower one,
 * and on a real GPU the Convs dominate a step (docs/benchmark.md, "Figures behind choices in the code").
 */
export const WEBGPU_LAYOUT: WebGpuLayout = 'NHWC';

/** A backend's open sessions. */
export interface Sessions {
  textEncoder: ort.InferenceSession;
  /** The U-Net, uncaptured; null when `captured` serves every call. */
  unet: ort.InferenceSession | null;
  /** The U-Net at batch 2 under graph capture (WebGPU only, when its check at load passed): every call. */
  captured?: CapturedUnet;
  /** The sampler on the GPU (WebGPU only), over `captured` or else over `unet` on `gpuIo`'s buffers. */
  gpuSteps?: GpuSteps;
  gpuIo?: UnetIo;
}

/** Session options for `backend` (graph optimisations on; WebGPU in `layout`). */
export function sessionOptions(backend: Backend, layout: WebGpuLayout = WEBGPU_LAYOUT): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [backend === 'webgpu' ? { name: 'webgpu', preferredLayout: layout } : backend],
    graphOptimizationLevel: 'all',
  };
}

/** Opens `bytes` as the model `spec` names and checks its inputs and outputs against it. Throws "<file>: ...". */
export async function createSession(spec: ModelSpec, bytes: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, options);
  } catch (err) {
    throw new Error(`${spec.file}: could not open the model (${messageOf(err)})`);
  }
  try {
    checkIoSpec(spec.file, spec, session);
  } catch (err) {
    await session.release();
    throw err;
  }
  return session;
}

/** The WASM sessions (WebGPU's are webgpu-sessions.ts's). */
export async function createWasmSessions(manifest: Manifest, textBytes: Uint8Array, unetBytes: Uint8Array): Promise<Sessions> {
  const options = sessionOptions('wasm');
  const textEncoder = await createSession(manifest.text_encoder, textBytes, options);
  try {
    return { textEncoder, unet: await createSession(manifest.unet, unetBytes, options) };
  } catch (err) {
    await textEncoder.release();
    throw err;
  }
}

/** Releases every session and GPU buffer of `sessions`; the GPU sampler says why it is off. */
export async function releaseAll(sessions: Sessions): Promise<void> {
  if (sessions.gpuSteps) sessions.gpuSteps.off = 'the WebGPU sessions were released';
  await Promise.all([sessions.textEncoder.release(), sessions.unet?.release(), sessions.captured?.release()]);
  sessions.gpuIo?.destroy();
}

/** ORT sessions must not run concurrently (a replaced generation may still be inside a call): one queue for every session of the page. */
export const exclusive = serialised();

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
