/**
 * The sampler on the GPU, for guided DDIM (eta 0: the page's default): each step runs the batch-2 U-Net
 * on fixed GPU buffers, then one small compute kernel applies classifier-free guidance and the DDIM update
 * and writes x_{t-1} where the next step reads x_t. What the page shows of a step (the U-Net's v and the
 * new sample) is copied into a mappable buffer and read back without the next step waiting for it.
 *
 * Why: with the maths on the CPU, every step waits for its read-back (a mapAsync round trip) and then
 * for the CPU before the next U-Net call can start, so the GPU idles between steps
 * (docs/benchmark.md, "Measured on an H200"). Here the CPU only queues work; the pipeline keeps a few
 * steps in flight (pipeline/steppers.ts) and still checks every step against its own float64 maths on the same v.
 *
 * Several runs may be open at once (a comparison interleaves two generations): each keeps its own x and
 * context buffers and copies them into the U-Net's before its call, under the worker's one session lock.
 */
import type { GpuStep, GpuStepResult, GpuStepRun, GpuSteps } from '../pipeline/models.ts';
import { plain, type GpuUnet } from './captured-unet.ts';
import type { Lock } from './lock.ts';


/** Guidance, then DDIM (eta 0) with x0 clipped: src/diffusion/guidance.ts, prediction.ts and ddim.ts in float32. */
const KERNEL = /* wgsl */ `
struct Params { guidance: f32, sqrtAb: f32, sqrt1mAb: f32, sqrtAbPrev: f32, dirScale: f32, n: u32 }
@group(0) @binding(0) var<storage, read> v: array<f32>;        // [2, n]: uncond, cond
@group(0) @binding(1) var<storage, read> sample: array<f32>;   // [2, n]: x_t twice (the U-Net's input)
@group(0) @binding(2) var<storage, read_write> x: array<f32>;  // [n]: the run's sample, x_{t-1} after this
@group(0) @binding(3) var<uniform> p: Params;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let i = id.x;
  if (i >= p.n) { return; }
  let xt = sample[i];
  let u = v[i];
  let guided = u + p.guidance * (v[p.n + i] - u);
  let x0 = clamp(p.sqrtAb * xt - p.sqrt1mAb * guided, -1.0, 1.0);
  let eps = (xt - p.sqrtAb * x0) / p.sqrt1mAb;
  x[i] = p.sqrtAbPrev * x0 + p.dirScale * eps;
}`;

/** The GPU sampler over `unet` (captured or not); its calls go through `lock`. */
export function createGpuSteps(unet: GpuUnet, lock: Lock, ahead: number): GpuSteps {
  const { device, buffers, dims } = unet.io;
  const n = dims.C * dims.R * dims.R; // one image
  const contextFloats = 2 * dims.L * dims.D;
  const module = device.createShaderModule({ code: KERNEL });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const bytes = (floats: number) => Math.ceil((floats * 4) / 16) * 16;

  return {
    off: null,
    ahead,
    open(x, context) {
      if (x.length !== n) throw new RangeError(`GPU sampler: x has ${x.length} values, expected ${n}`);
      if (context.length !== contextFloats) throw new RangeError(`GPU sampler: context has ${context.length} values, expected ${contextFloats}`);
      const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
      const own = {
        x: device.createBuffer({ size: bytes(n), usage }),
        context: device.createBuffer({ size: bytes(contextFloats), usage }),
        params: device.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }),
      };
      device.queue.writeBuffer(own.x, 0, plain(x));
      device.queue.writeBuffer(own.context, 0, plain(context));
      const bindGroup = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [buffers.v, buffers.sample, own.x, own.params].map((buffer, binding) => ({ binding, resource: { buffer } })),
      });
      // Mappable buffers for the steps' results, reused once read: [v (2n), prev (n)].
      const free: GPUBuffer[] = [];
      const staging: GPUBuffer[] = [];
      const pending = new Set<Promise<unknown>>();
      let closed = false;

      const run: GpuStepRun = {
        step(s: GpuStep): Promise<GpuStepResult> {
          if (closed) return Promise.reject(new Error('GPU sampler: the run is closed'));
          if (s.context && s.context.length !== contextFloats) {
            return Promise.reject(new RangeError(`GPU sampler: context has ${s.context.length} values, expected ${contextFloats}`));
          }
          const out = free.pop() ?? device.createBuffer({ size: bytes(3 * n), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
          if (!staging.includes(out)) staging.push(out);
          const queued = lock(async () => {
            if (closed) throw new Error('GPU sampler: the run was closed before this step started');
            if (s.context) device.queue.writeBuffer(own.context, 0, plain(s.context));
            // This run's x_t (both halves of the batch) and context into the U-Net's buffers.
            const load = device.createCommandEncoder();
            load.copyBufferToBuffer(own.x, 0, buffers.sample, 0, n * 4);
            load.copyBufferToBuffer(own.x, 0, buffers.sample, n * 4, n * 4);
            load.copyBufferToBuffer(own.context, 0, buffers.context, 0, contextFloats * 4);
            device.queue.submit([load.finish()]);
            device.queue.writeBuffer(buffers.timestep, 0, new Float32Array([s.t, s.t]));
            const params = new ArrayBuffer(32);
            const dirScale = Math.sqrt(Math.max(1 - s.abPrev, 0)); // ddim.ts's with eta 0 (sigma 0)
            new Float32Array(params, 0, 5).set([s.guidance, Math.sqrt(s.ab), Math.sqrt(1 - s.ab), Math.sqrt(s.abPrev), dirScale]);
            new Uint32Array(params, 20, 1)[0] = n;
            device.queue.writeBuffer(own.params, 0, params);
            await unet.runOnBuffers();
            const encoder = device.createCommandEncoder();
            const pass = encoder.beginComputePass();
            pass.setPipeline(pipeline);
            pass.setBindGroup(0, bindGroup);
            pass.dispatchWorkgroups(Math.ceil(n / 64));
            pass.end();
            encoder.copyBufferToBuffer(buffers.v, 0, out, 0, 2 * n * 4);
            encoder.copyBufferToBuffer(own.x, 0, out, 2 * n * 4, n * 4);
            device.queue.submit([encoder.finish()]);
            // Not awaited under the lock: the next step's U-Net call need not wait for this read-back.
            return { mapped: out.mapAsync(GPUMapMode.READ) };
          });
          const result = queued.then(async ({ mapped }) => {
            await mapped;
            // Copies, each on its own buffer: the worker may transfer either to the page.
            const v = new Float32Array(out.getMappedRange(0, 2 * n * 4).slice(0));
            const prev = new Float32Array(out.getMappedRange(2 * n * 4, n * 4).slice(0));
            out.unmap();
            free.push(out);
            return { v, prev };
          });
          const settled = result.catch(() => undefined);
          pending.add(settled);
          void settled.then(() => pending.delete(settled));
          return result;
        },
        async close() {
          closed = true;
          await Promise.all(pending);
          for (const buffer of [...staging, own.x, own.context, own.params]) buffer.destroy();
        },
      };
      return run;
    },
  };
}
