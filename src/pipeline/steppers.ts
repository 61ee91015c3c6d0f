/**
 * Where a step's model output comes from. The loop (generate.ts) asks a stepper for each step's
 * prediction and then does the guidance and the sampler's maths itself; it never knows which one runs:
 *   - unetStepper: one U-Net call per step on x_t, batch 2 ([uncond, cond]) when guided;
 *   - gpuStepper: guided DDIM with the sampler on the GPU (Models.gpuSteps), a few steps queued ahead
 *     so the GPU never waits for the CPU. Each step also brings the GPU's new sample, which `settle`
 *     keeps only if it is the CPU's maths on the same v; otherwise it turns the GPU sampler off and
 *     the run goes on, from the CPU's sample, through the U-Net stepper.
 */
import type { GpuStep, GpuStepResult, GpuStepRun, GpuSteps, Models } from './models.ts';
import { worstRelativeDifference } from './arrays.ts';

/** A run's text conditioning: the encoded batch and the guidance it is mixed with. */
export interface Conditioning {
  guided: boolean;
  /** 2 ([uncond, cond]) when guided, else 1. */
  batch: number;
  /** [batch, L] token ids, the conditional row last */
  ids: Int32Array;
  /** [batch, L, D] */
  context: Float32Array;
  guidance: number;
}

/** Which step: its index in the plan and the timestep the U-Net is fed. */
export interface StepAt {
  index: number;
  t: number;
}

/** A step's prediction: the U-Net's output [batch, C, H, W], and the GPU sampler's new sample [C, H, W] if it ran there. */
export interface Prediction {
  v: Float32Array;
  gpuPrev?: Float32Array;
}

/** See the module comment. */
export interface Stepper {
  /** The prediction for step `at` from x_t = `x` under `c`. */
  predict(at: StepAt, x: Float32Array, c: Conditioning): Promise<Prediction>;
  /** The sample the run goes on from, given the CPU's `next` for the same prediction. */
  settle(prediction: Prediction, next: Float32Array): Promise<Float32Array>;
  /** Frees what the stepper holds; the run is over. */
  close(): Promise<void>;
}

/**
 * Largest difference allowed between a GPU step's new sample and the CPU's maths on the same v, relative
 * to max(1, |value|). Float32 against float64 differs by ~1e-6 here (eps = (x_t - sqrt(ab) x0) / sqrt(1 - ab)
 * amplifies rounding by at most ~10 at the last steps); a wrong kernel or a stale buffer differs by far more.
 */
export const GPU_STEP_TOLERANCE = 1e-4;

/** One U-Net call per step, on `size` = C*H*W values per image. */
export function unetStepper(models: Pick<Models, 'unet'>, size: number): Stepper {
  return {
    async predict({ t }, x, { batch, context }) {
      const sample = new Float32Array(batch * size); // [B, C, H, W], fresh: the runtime may keep it
      for (let b = 0; b < batch; b++) sample.set(x, b * size); // both halves share x_t
      return { v: await models.unet(sample, new Float32Array(batch).fill(t), context, batch) };
    },
    settle: async (_prediction, next) => next,
    close: async () => {},
  };
}

/** What the GPU stepper needs of the run: its plan as GPU steps, and where it ends. */
export interface GpuPlan {
  /** The GPU sampler's step `index` (its context only where the conditioning changes). */
  stepAt(index: number): GpuStep;
  /** One past the last step index. */
  end: number;
}

/**
 * Guided DDIM on the GPU sampler from x [C, H, W] with context [2, L, D], falling back to `fallback`
 * for good if a step disagrees with the CPU's maths (see the module comment).
 */
export function gpuStepper(gpu: GpuSteps, x: Float32Array, context: Float32Array, plan: GpuPlan, fallback: Stepper): Stepper {
  let run: GpuStepRun | null = gpu.open(x, context);
  const queue = stepQueue(run, gpu.ahead, plan);
  return {
    async predict(at, x, c) {
      if (!run) return fallback.predict(at, x, c);
      const { v, prev } = await queue.take(at.index);
      return { v, gpuPrev: prev };
    },
    async settle(prediction, next) {
      if (!prediction.gpuPrev || !run) return next;
      const worst = worstRelativeDifference(prediction.gpuPrev, next);
      if (worst <= GPU_STEP_TOLERANCE) return prediction.gpuPrev;
      gpu.off = `a step on the GPU sampler differed from the CPU's maths by ${worst.toExponential(1)}`;
      const closing = run;
      run = null;
      await closing.close();
      return next;
    },
    async close() {
      await run?.close();
      run = null;
    },
  };
}

/**
 * Steps queued on the GPU sampler in step order: take(i) returns step i's result, first queuing the
 * steps up to i + ahead - 1 (before `plan.end`). Steps are taken in order, each once.
 */
function stepQueue(run: GpuStepRun, ahead: number, plan: GpuPlan) {
  const depth = Math.max(1, Math.floor(ahead) || 1);
  const queued = new Map<number, Promise<GpuStepResult>>();
  let next: number | null = null;
  return {
    take(i: number): Promise<GpuStepResult> {
      next ??= i;
      for (; next < plan.end && next - i < depth; next++) {
        const step = run.step(plan.stepAt(next));
        step.catch(() => undefined); // taken in turn; dropped if the loop stops first
        queued.set(next, step);
      }
      const step = queued.get(i);
      if (!step) throw new Error(`GPU sampler: step ${i} was not queued`);
      queued.delete(i);
      return step;
    },
  };
}
