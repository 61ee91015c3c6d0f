/**
 * The U-Net at batch 2 (one guided step) under WebGPU graph capture: onnxruntime records the call's
 * kernels once and replays them, so a step costs no bind groups and no uniform uploads on the CPU side
 * (on a real GPU that overhead, not the arithmetic, is what a call costs: docs/benchmark.md). Capture
 * needs inputs and outputs in fixed GPU buffers: x_t and t are written into theirs each step, the text
 * context only when it changes (once per generation). run() copies v into a mappable buffer and reads
 * it back (the sampler's maths then runs on the CPU); runOnBuffers() leaves v on the GPU for the sampler
 * there (gpu-steps.ts), which the uncaptured session can drive the same way (gpuUnetOf). A captured step is checked against an uncaptured one at
 * load (checkCapture): a replay that ignores new inputs or writes elsewhere must not reach the page.
 */
import * as ort from 'onnxruntime-web';

/** Sizes of the U-Net's inputs for one image: channels, resolution, context length and width. */
export interface UnetDims {
  C: number;
  R: number;
  L: number;
  D: number;
}

/** The U-Net's batch-2 inputs and output in fixed GPU buffers, as onnxruntime tensors to feed and fetch. */
export interface UnetIo {
  device: GPUDevice;
  dims: UnetDims;
  buffers: { sample: GPUBuffer; timestep: GPUBuffer; context: GPUBuffer; v: GPUBuffer };
  feeds: Record<string, ort.Tensor>;
  fetches: Record<string, ort.Tensor>;
  destroy(): void;
}

/** Allocates the U-Net's batch-2 buffers on `device` (onnxruntime's WebGPU device). */
export function createUnetIo(device: GPUDevice, dims: UnetDims): UnetIo {
  const size = 2 * dims.C * dims.R * dims.R;
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const make = (floats: number) => device.createBuffer({ size: Math.ceil((floats * 4) / 16) * 16, usage });
  const buffers = { sample: make(size), timestep: make(2), context: make(2 * dims.L * dims.D), v: make(size) };
  const gpu = (buffer: GPUBuffer, shape: number[]) => ort.Tensor.fromGpuBuffer(buffer, { dataType: 'float32', dims: shape });
  return {
    device,
    dims,
    buffers,
    feeds: {
      sample: gpu(buffers.sample, [2, dims.C, dims.R, dims.R]),
      timestep: gpu(buffers.timestep, [2]),
      encoder_hidden_states: gpu(buffers.context, [2, dims.L, dims.D]),
    },
    fetches: { v: gpu(buffers.v, [2, dims.C, dims.R, dims.R]) },
    destroy() {
      for (const buffer of Object.values(buffers)) buffer.destroy();
    },
  };
}

/**
 * A batch-2 U-Net that runs on `io`'s buffers: each call reads sample, timestep and context from them
 * and leaves v in `io.buffers.v`. The sampler on the GPU (gpu-steps.ts) chains steps through it.
 */
export interface GpuUnet {
  io: UnetIo;
  /** One U-Net call on the buffers; resolves once its work is submitted (v is not read back). */
  runOnBuffers(): Promise<void>;
}

/** A batch-2 U-Net call on fixed GPU buffers under graph capture. */
export interface CapturedUnet extends GpuUnet {
  /** sample [2, C, R, R], timestep [2], context [2, L, D] -> v [2, C, R, R]. Calls must not overlap. */
  run(sample: Float32Array, timestep: Float32Array, context: Float32Array): Promise<Float32Array>;
  release(): Promise<void>;
}

/** The uncaptured batch-2 U-Net session on GPU buffers (graph capture off or refused). */
export function gpuUnetOf(session: ort.InferenceSession, io: UnetIo): GpuUnet {
  return {
    io,
    async runOnBuffers() {
      await session.run(io.feeds, io.fetches);
    },
  };
}

/** Opens the U-Net for graph capture at batch 2 on ORT's WebGPU device. */
export async function createCapturedUnet(bytes: Uint8Array, dims: UnetDims, base: ort.InferenceSession.SessionOptions): Promise<CapturedUnet> {
  const session = await ort.InferenceSession.create(bytes, {
    ...base,
    enableGraphCapture: true,
    preferredOutputLocation: 'gpu-buffer',
    freeDimensionOverrides: { batch: 2 }, // capture replays fixed shapes
  });
  const io = createUnetIo((await ort.env.webgpu.device) as GPUDevice, dims);
  const { device, buffers } = io;
  const size = 2 * dims.C * dims.R * dims.R;
  const staging = device.createBuffer({ size: buffers.v.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  let uploaded: Float32Array | null = null; // the context run() last wrote into its buffer

  return {
    io,
    async runOnBuffers() {
      uploaded = null; // the GPU sampler writes its own context into the buffer
      await session.run(io.feeds, io.fetches);
    },
    async run(sample, timestep, context) {
      device.queue.writeBuffer(buffers.sample, 0, plain(sample));
      device.queue.writeBuffer(buffers.timestep, 0, plain(timestep));
      if (!uploaded || !sameValues(uploaded, context)) {
        device.queue.writeBuffer(buffers.context, 0, plain(context));
        uploaded = context.slice();
      }
      await session.run(io.feeds, io.fetches);
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(buffers.v, 0, staging, 0, staging.size);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const v = new Float32Array(staging.getMappedRange().slice(0, size * 4));
      staging.unmap();
      return v;
    },
    async release() {
      await session.release();
      io.destroy();
      staging.destroy();
    },
  };
}

/**
 * Runs the captured U-Net twice (the capture, then a replay on other inputs) and compares the replay
 * with `reference` (the same call uncaptured). Returns null when they agree, else why not.
 */
export async function checkCapture(
  captured: Pick<CapturedUnet, 'run'>,
  reference: (sample: Float32Array, timestep: Float32Array, context: Float32Array) => Promise<Float32Array>,
  dims: UnetDims,
): Promise<string | null> {
  let seed = 1234;
  const noise = (n: number) => Float32Array.from({ length: n }, () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1);
  const size = 2 * dims.C * dims.R * dims.R;
  const context = noise(2 * dims.L * dims.D);
  await captured.run(noise(size), new Float32Array([900, 900]), context); // the capture run
  const sample = noise(size);
  const timestep = new Float32Array([250, 250]);
  const replay = await captured.run(sample, timestep, context);
  const want = await reference(sample, timestep, context);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(replay[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  // WebGPU vs WebGPU on the same kernels: any real difference is a replay that missed something.
  return Number.isFinite(worst) && worst <= 1e-4 ? null : `captured step differs from uncaptured by ${worst.toExponential(1)}`;
}

/** The array itself, or a copy when it lives on a SharedArrayBuffer (WebGPU takes plain buffers). */
export function plain(a: Float32Array): Float32Array<ArrayBuffer> {
  return a.buffer instanceof ArrayBuffer ? (a as Float32Array<ArrayBuffer>) : new Float32Array(a);
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
