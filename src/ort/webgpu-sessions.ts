/**
 * The WebGPU sessions: the text encoder, the U-Net under graph capture at batch 2 when its replays
 * pass the check (captured-unet.ts), else uncaptured, and the sampler on the GPU over it (gpu-steps.ts).
 */
import * as ort from 'onnxruntime-web';
import { contextShape, type Manifest, type ModelSpec } from '../model/manifest.ts';
import type { Models } from '../pipeline/models.ts';
import { CAPTURE_OPTIONS, checkCapture, createCapturedUnet, createUnetIo, gpuUnetOf, type CapturedUnet, type GpuUnet, type UnetDims } from './captured-unet.ts';
import { createGpuSteps } from './gpu-steps.ts';
import { createSession, exclusive, messageOf, sessionOptions, type Sessions, type WebGpuLayout } from './sessions.ts';

/** The backend badge's words while the sampler on the GPU is on. */
export const GPU_SAMPLER_ON = 'sampler on the GPU (guided DDIM)';

/** The badge's words for the GPU sampler's state now (it turns itself off if a step disagrees with the CPU). */
export function gpuSamplerState(gpuSteps: Models['gpuSteps']): string | null {
  if (!gpuSteps) return null;
  return gpuSteps.off === null ? GPU_SAMPLER_ON : `sampler on the CPU: ${gpuSteps.off}`;
}

/**
 * The WebGPU sessions. With capture wanted, the U-Net opens once, under graph capture at batch 2, and
 * serves batch-1 calls too (their row duplicated); the uncaptured U-Net opens only when capture is not
 * wanted or fails. That is one session and one U-Net call fewer in the first calls, and on a GPU a
 * batch-1 call through the captured graph costs about what a captured batch-2 call does, far less than an
 * uncaptured one (docs/benchmark.md, "Figures behind choices in the code").
 * `capture` says which, for the badge.
 */
export async function openWebGpu(
  manifest: Manifest,
  textBytes: Uint8Array,
  unetBytes: Uint8Array,
  layout: WebGpuLayout,
  captureWanted: boolean,
): Promise<{ sessions: Sessions; capture: string }> {
  const options = sessionOptions('webgpu', layout);
  const textEncoder = await createSession(manifest.text_encoder, textBytes, options);
  try {
    let capture = 'graph capture off: software adapter';
    if (captureWanted) {
      const opened = await openCapture(manifest, unetBytes, options);
      if (typeof opened !== 'string') return { sessions: { textEncoder, unet: null, captured: opened }, capture: 'graph capture on' };
      capture = opened;
    }
    return { sessions: { textEncoder, unet: await createSession(manifest.unet, unetBytes, options) }, capture };
  } catch (err) {
    await textEncoder.release();
    throw err;
  }
}

const dimsOf = (manifest: Manifest): UnetDims => {
  const { length: L, width: D } = contextShape(manifest);
  return { C: manifest.channels, R: manifest.resolution, L, D };
};

/**
 * Opens the U-Net under graph capture and checks its replays (checkCapture, whose first call is the
 * capture). Returns it, or why not ("graph capture off: ...").
 */
async function openCapture(manifest: Manifest, bytes: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<CapturedUnet | string> {
  const dims = dimsOf(manifest);
  let session: ort.InferenceSession | null = null;
  let captured: CapturedUnet | null = null;
  try {
    // CAPTURE_OPTIONS fix the symbolic batch at 2, so the session reports 2 where manifest.json says "batch".
    const atBatch2 = (ios: ModelSpec['inputs']) => ios.map((io) => ({ ...io, shape: io.shape.map((d) => (d === 'batch' ? 2 : d)) }));
    const spec = { ...manifest.unet, inputs: atBatch2(manifest.unet.inputs), outputs: atBatch2(manifest.unet.outputs) };
    session = await createSession(spec, bytes, { ...options, ...CAPTURE_OPTIONS });
    captured = await createCapturedUnet(session, dims);
    const cap = captured;
    const why = await checkCapture({ run: (s, t, c) => exclusive(() => cap.run(s, t, c)) }, dims);
    if (why) throw new Error(why);
    return captured;
  } catch (err) {
    await (captured ?? session)?.release().catch(() => undefined);
    return `graph capture off: ${messageOf(err)}`;
  }
}

/**
 * Puts guided DDIM's sampler on the GPU (gpu-steps.ts), over the captured U-Net when there is one, else
 * over the uncaptured session on GPU buffers; the pipeline checks each of its steps against the CPU's
 * maths. Returns null when it is on (gpuSamplerState then speaks for it), else the badge's note why not.
 * Steps are queued ahead only on a hardware adapter: on a software one a step takes seconds, and queued
 * steps would delay a cancel by as many.
 */
export async function openGpuSteps(manifest: Manifest, sessions: Sessions, models: Models, software: boolean): Promise<string | null> {
  try {
    let unet: GpuUnet | undefined = sessions.captured;
    if (!unet) {
      if (!sessions.unet) throw new Error('no U-Net session');
      sessions.gpuIo = createUnetIo((await ort.env.webgpu.device) as GPUDevice, dimsOf(manifest));
      unet = gpuUnetOf(sessions.unet, sessions.gpuIo);
    }
    sessions.gpuSteps = createGpuSteps(unet, exclusive, software ? 1 : 4);
    models.gpuSteps = sessions.gpuSteps;
    return null;
  } catch (err) {
    sessions.gpuIo?.destroy();
    delete sessions.gpuIo;
    return `sampler on the CPU: ${messageOf(err)}`;
  }
}
