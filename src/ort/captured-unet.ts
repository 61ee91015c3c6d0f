/**
 * The U-Net at batch 2 (one guided step) under WebGPU graph capture: onnxruntime records the call's
 * kernels once and replays them, so a step costs no bind groups and no uniform uploads on the CPU side
 * (on a real GPU that overhead, not the arithmetic, is what a call costs: docs/benchmark.md). Capture
 * needs inputs and outputs in fixed GPU buffers: x_t and t are written into theirs each step, the text
 * context only when it changes (once per generation). run() copies v into a mappable buffer and reads
 * it back (the sampler's maths then runs on the CPU); runOnBuffers() leaves v on the GPU for the sampler
 * there (gpu-steps.ts), which the uncaptured session can drive the same way (gpuUnetOf).
 * Replays are checked at load (checkCapture): one that ignores new inputs or writes elsewhere must not
 * reach the page. Batch-1 calls use it too, their row duplicated (session-models.ts): on a GPU a call costs
 * its kernel launches rather than its rows, and the page then needs no uncaptured U-Net session.
 */
import * as ort from 'onnxruntime-web';
import { rows, worstRelativeDifference } from '../pipeline/arrays.ts';

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

/** Session options that put the U-Net under graph capture at batch 2 (added to the WebGPU options). */
export const CAPTURE_OPTIONS: ort.InferenceSession.SessionOptions = {
  enableGraphCapture: true,
  preferredOutputLocation: 'gpu-buffer',
  freeDimensionOverrides: { batch: 2 }, // capture replays fixed shapes
};

/** The batch-2 U-Net on fixed GPU buffers, over a session opened with CAPTURE_OPTIONS. */
export async function createCapturedUnet(session: ort.InferenceSession, dims: UnetDims): Promise<CapturedUnet> {
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
 * Checks replays with nothing but the captured U-Net: the capture run computes its output for real, on
 * two rows with different sample, timestep and context; a replay then gets the same rows swapped. A
 * replay that follows all its inputs swaps the output rows too (each row's kernels are the same);
 * one that kept any input or the output of the capture run does not. Run it first, so that its first
 * call is the capture. Returns null when the rows swapped, else why not.
 */
export async function checkCapture(captured: Pick<CapturedUnet, 'run'>, dims: UnetDims): Promise<string | null> {
  let seed = 1234;
  const noise = (n: number) => Float32Array.from({ length: n }, () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1);
  const n = dims.C * dims.R * dims.R;
  const ctx = dims.L * dims.D;
  const [xa, xb, ca, cb] = [noise(n), noise(n), noise(ctx), noise(ctx)];
  const first = await captured.run(rows(xa, xb), new Float32Array([900, 250]), rows(ca, cb)); // the capture run
  const swapped = await captured.run(rows(xb, xa), new Float32Array([250, 900]), rows(cb, ca));
  const rowA = first.subarray(0, n);
  const rowB = first.subarray(n);
  if (!first.every(Number.isFinite)) return 'the capture run gave non-finite values';
  if (worstRelativeDifference(rowA, rowB) < 1e-3) return 'the check cannot tell its two rows apart';
  const worst = Math.max(worstRelativeDifference(swapped.subarray(0, n), rowB), worstRelativeDifference(swapped.subarray(n), rowA));
  // The same kernels on the same values: any real difference is a replay that missed something.
  return worst <= 1e-4 ? null : `a replay on swapped rows differs from the capture run by ${worst.toExponential(1)}`;
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
