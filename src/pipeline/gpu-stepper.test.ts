import { describe, expect, it } from 'vitest';
import { fakeModels } from '../testing/fake-model.ts';
import { collect, generateRun, type TestRun } from '../testing/runs.ts';
import { worstRelativeDifference } from './arrays.ts';
import type { StepFrame } from './generate.ts';
import type { GpuStep, GpuSteps, Models } from './models.ts';
import { GPU_STEP_TOLERANCE } from './steppers.ts';

const params: TestRun = { prompt: 'cat face', seed: 7, steps: 10, guidance: 3 };

interface FakeGpu extends GpuSteps {
  opened: number;
  closed: number;
  steps: GpuStep[];
  /** Most steps queued and not yet resolved at one time. */
  maxOutstanding: number;
}

/**
 * The GPU sampler as gpu-steps.ts runs it, on the CPU: the batch-2 U-Net on the run's sample, then the
 * WGSL kernel's maths in float32 (Math.fround after every operation). Steps run in call order and
 * resolve a little later, as a GPU read-back does. `wrongAt` makes that step's new sample wrong.
 */
function fakeGpu(models: Models, options: { ahead?: number; wrongAt?: number; failAt?: number } = {}): FakeGpu {
  const f = Math.fround;
  const gpu: FakeGpu = {
    off: null,
    ahead: options.ahead ?? 3,
    opened: 0,
    closed: 0,
    steps: [],
    maxOutstanding: 0,
    open(x0, context0) {
      gpu.opened++;
      let x = x0.slice();
      let context = context0.slice();
      let tail: Promise<unknown> = Promise.resolve();
      let outstanding = 0;
      return {
        step(s) {
          const index = gpu.steps.push(s) - 1;
          if (s.context) context = s.context.slice();
          const ctx = context;
          outstanding++;
          gpu.maxOutstanding = Math.max(gpu.maxOutstanding, outstanding);
          const result = tail.then(async () => {
            if (index === options.failAt) throw new Error('device lost');
            const n = x.length;
            const sample = new Float32Array(2 * n);
            sample.set(x, 0);
            sample.set(x, n);
            const v = await models.unet(sample, new Float32Array([s.t, s.t]), ctx, 2);
            const [a, b, c, d] = [f(Math.sqrt(s.ab)), f(Math.sqrt(1 - s.ab)), f(Math.sqrt(s.abPrev)), f(Math.sqrt(Math.max(1 - s.abPrev, 0)))];
            const prev = new Float32Array(n);
            for (let i = 0; i < n; i++) {
              const guided = f(v[i] + f(f(s.guidance) * f(v[n + i] - v[i])));
              const x0 = Math.min(Math.max(f(f(a * x[i]) - f(b * guided)), -1), 1);
              const eps = f(f(x[i] - f(a * x0)) / b);
              prev[i] = f(f(c * x0) + f(d * eps));
            }
            if (index === options.wrongAt) prev[5] += 0.01;
            x = prev;
            await new Promise((r) => setTimeout(r, 1)); // the read-back
            outstanding--;
            return { v, prev: prev.slice() };
          });
          tail = result.catch(() => undefined);
          return result;
        },
        async close() {
          gpu.closed++;
          await tail;
        },
      };
    },
  };
  return gpu;
}

function withGpu(options?: Parameters<typeof fakeGpu>[1]) {
  const models = fakeModels();
  const gpu = fakeGpu(models, options);
  return { models: { ...models, gpuSteps: gpu } as Models, gpu, plain: models };
}

describe('generate on the GPU sampler', () => {
  it('gives the CPU loop\'s frames, with steps queued ahead up to `ahead`', async () => {
    const { models, gpu } = withGpu({ ahead: 3 });
    const onGpu = await collect(models, params);
    const onCpu = await collect(fakeModels(), params);
    expect(gpu.opened).toBe(1);
    expect(gpu.closed).toBe(1);
    expect(gpu.steps.map((s) => s.t)).toEqual(onCpu.map((f) => f.t));
    expect(gpu.steps.every((s) => s.guidance === 3)).toBe(true);
    expect(gpu.steps.at(-1)!.abPrev).toBe(1); // the last step ends at the clean image
    expect(gpu.maxOutstanding).toBe(3);
    expect(gpu.off).toBeNull();
    expect(onGpu.map((f) => [f.index, f.t, f.tPrev])).toEqual(onCpu.map((f) => [f.index, f.t, f.tPrev]));
    for (let i = 0; i < onCpu.length; i++) {
      for (const key of ['xt', 'x0', 'eps', 'v', 'prev'] as const) {
        expect(worstRelativeDifference(onGpu[i][key], onCpu[i][key]), `${key} at step ${i}`).toBeLessThan(1e-5);
      }
      if (i > 0) expect(Array.from(onGpu[i].xt)).toEqual(Array.from(onGpu[i - 1].prev)); // the chain goes on from the GPU's sample
    }
    expect(onGpu[0].text).not.toBeNull();
  });

  it('queues no step ahead with ahead 1', async () => {
    const { models, gpu } = withGpu({ ahead: 1 });
    await collect(models, params);
    expect(gpu.maxOutstanding).toBe(1);
    expect(gpu.steps).toHaveLength(10);
  });

  it('turns itself off when a step disagrees with the CPU, and the steps go on from the CPU\'s sample', async () => {
    const { models, gpu } = withGpu({ wrongAt: 4 });
    const frames = await collect(models, params);
    const onCpu = await collect(fakeModels(), params);
    expect(gpu.off).toMatch(/a step on the GPU sampler differed from the CPU's maths by 1\.\de-2/);
    expect(gpu.closed).toBe(1);
    expect(frames).toHaveLength(10);
    expect(worstRelativeDifference(frames.at(-1)!.prev, onCpu.at(-1)!.prev)).toBeLessThan(1e-5);
    // Later generations do not open a run.
    await collect(models, params);
    expect(gpu.opened).toBe(1);
  });

  it('uses the CPU loop for what the kernel does not do', async () => {
    const cases: TestRun[] = [
      { ...params, guidance: 1 },
      { ...params, sampler: 'euler-a' },
      { ...params, eta: 0.5 },
      { ...params, rescale: 0.7 },
      { ...params, start: 'inpaint', source: { image: new Float32Array(192), mask: new Float32Array(64).fill(1) } },
      { ...params, fork: 3, fork_prompt: 'cat', fork_guidance: 1 },
    ];
    for (const p of cases) {
      const { models, gpu } = withGpu();
      expect(await collect(models, p)).toHaveLength(10);
      expect(gpu.opened, JSON.stringify({ ...p, source: !!p.source })).toBe(0);
    }
  });

  it('hands a fork its own context and guidance from its first step', async () => {
    const fork: TestRun = { fork: 4, fork_prompt: '', fork_negative: '', fork_guidance: 6, fork_seed: -1 };
    const { models, gpu } = withGpu();
    const frames = await collect(models, { ...params, ...fork });
    const onCpu = await collect(fakeModels(), { ...params, ...fork });
    expect(gpu.steps.map((s) => s.context !== undefined)).toEqual([false, false, false, false, false, true, false, false, false, false]);
    expect(gpu.steps.map((s) => s.guidance)).toEqual([3, 3, 3, 3, 3, 6, 6, 6, 6, 6]);
    expect(gpu.off).toBeNull();
    expect(worstRelativeDifference(frames.at(-1)!.prev, onCpu.at(-1)!.prev)).toBeLessThan(1e-5);
    expect(frames[5].text).not.toBeNull();
  });

  it('stops and closes its run when aborted, and reports a failed step as the generation\'s error', async () => {
    const { models, gpu } = withGpu();
    const controller = new AbortController();
    const seen: StepFrame[] = [];
    await expect(async () => {
      for await (const frame of generateRun(models, params, controller.signal)) {
        seen.push(frame);
        if (frame.index === 2) controller.abort();
      }
    }).rejects.toThrow(/aborted/);
    expect(seen).toHaveLength(3);
    expect(gpu.closed).toBe(1);
    expect(gpu.steps.length).toBeLessThanOrEqual(3 + gpu.ahead);

    const failing = withGpu({ failAt: 2 });
    await expect(collect(failing.models, params)).rejects.toThrow('device lost');
    expect(failing.gpu.closed).toBe(1);
  });
});

describe('worstRelativeDifference', () => {
  it('is relative above 1, absolute below, and infinite for non-finite values', () => {
    expect(worstRelativeDifference(new Float32Array([2.002, 0.5]), new Float32Array([2, 0.5]))).toBeCloseTo(1e-3, 6);
    expect(worstRelativeDifference(new Float32Array([0.001]), new Float32Array([0]))).toBeCloseTo(1e-3, 6);
    expect(worstRelativeDifference(new Float32Array([NaN]), new Float32Array([0]))).toBe(Infinity);
    expect(GPU_STEP_TOLERANCE).toBeLessThan(1e-3);
  });
});
