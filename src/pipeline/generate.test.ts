import { describe, expect, it } from 'vitest';
import { branchEps } from '../diffusion/branches.ts';
import { ddimStep } from '../diffusion/ddim.ts';
import { highFrequencyEnergy } from '../diffusion/image.ts';
import { createRng } from '../diffusion/rng.ts';
import { parseManifest } from '../model/manifest.ts';
import { fakeManifestJson, fakeModels } from '../testing/fake-model.ts';
import { f32, mismatch, readFixture, type FixtureArray } from '../testing/fixtures.ts';
import { collect, generateRun, type TestRun } from '../testing/runs.ts';
import type { StepFrame } from './generate.ts';

const params: TestRun = { prompt: 'cat face', seed: 7, steps: 10, guidance: 3 };

describe('generate', () => {
  it('yields one frame per step with trailing timesteps, t_prev chaining to -1', async () => {
    const frames = await collect(fakeModels(), params);
    expect(frames.map((f) => f.t)).toEqual([999, 899, 799, 699, 599, 499, 399, 299, 199, 99]);
    expect(frames.map((f) => f.tPrev)).toEqual([899, 799, 699, 599, 499, 399, 299, 199, 99, -1]);
    expect(frames.map((f) => f.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(frames.every((f) => f.total === 10)).toBe(true);
    for (let i = 1; i < frames.length; i++) expect(Array.from(frames[i].xt)).toEqual(Array.from(frames[i - 1].prev));
  });

  it('starts from the seed\'s first C*H*W normals and ends at the clipped x0', async () => {
    const frames = await collect(fakeModels(), params);
    expect(Array.from(frames[0].xt)).toEqual(Array.from(createRng(7).normals(3 * 8 * 8)));
    const last = frames.at(-1)!;
    expect(Array.from(last.prev)).toEqual(Array.from(last.x0));
    expect(Math.max(...last.prev.map(Math.abs))).toBeLessThanOrEqual(1);
  });

  it('is deterministic per seed and differs between seeds', async () => {
    const a = (await collect(fakeModels(), params)).at(-1)!.prev;
    const b = (await collect(fakeModels(), params)).at(-1)!.prev;
    const c = (await collect(fakeModels(), { ...params, seed: 8 })).at(-1)!.prev;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('encodes text once and calls the U-Net once per step, batch 2 when guided', async () => {
    const models = fakeModels();
    const batches: number[] = [];
    const unet = models.unet;
    models.unet = (s, t, c, batch) => (batches.push(batch), unet(s, t, c, batch));
    await collect(models, params);
    expect(models.calls).toEqual({ text: 1, unet: 10 });
    expect(batches).toEqual(new Array(10).fill(2));
  });

  it('runs batch 1 (cond only) at guidance 1, with the same result as the guided formula', async () => {
    const models = fakeModels();
    const batches: number[] = [];
    const unet = models.unet;
    models.unet = (s, t, c, batch) => (batches.push(batch), unet(s, t, c, batch));
    const frames = await collect(models, { ...params, guidance: 1 });
    expect(new Set(batches)).toEqual(new Set([1]));
    // v = x t/(t+1) for the conditional branch alone: replay it with ddimStep.
    const m = models.manifest;
    let x = createRng(7).normals(192);
    for (const f of frames) {
      x = ddimStep(m.schedule, f.t, f.tPrev, x, x.map((xi) => (xi * f.t) / (f.t + 1))).prevSample;
    }
    expect(Array.from(frames.at(-1)!.prev)).toEqual(Array.from(x));
  });

  it('uses the unconditional branch: guidance 0 and an empty prompt give the same image', async () => {
    const zero = (await collect(fakeModels(), { ...params, guidance: 0 })).at(-1)!.prev;
    const empty = (await collect(fakeModels(), { ...params, prompt: '', guidance: 1 })).at(-1)!.prev;
    expect(Array.from(zero)).toEqual(Array.from(empty));
  });

  it('frames own their arrays: transferring one does not break the loop', async () => {
    const frames: StepFrame[] = [];
    for await (const f of generateRun(fakeModels(), params)) {
      frames.push({ ...f, prev: f.prev.slice() });
      structuredClone(f.prev, { transfer: [f.prev.buffer] }); // detaches f.prev
      structuredClone(f.xt, { transfer: [f.xt.buffer] });
    }
    expect(frames.length).toBe(10);
  });

  it('aborts before the next U-Net call with an AbortError', async () => {
    const models = fakeModels();
    const controller = new AbortController();
    const seen: number[] = [];
    const run = async () => {
      for await (const f of generateRun(models, params, controller.signal)) {
        seen.push(f.index);
        if (f.index === 2) controller.abort();
      }
    };
    await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([0, 1, 2]);
    expect(models.calls.unet).toBe(3);
  });

  it('aborts before encoding when already aborted', async () => {
    const models = fakeModels();
    await expect(collect(models, params, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
    expect(models.calls).toEqual({ text: 0, unet: 0 });
  });

  it('rejects bad params with clear errors', async () => {
    const bad: [TestRun, string][] = [
      [{ steps: 0 }, 'steps must be an integer in 1..1000, got 0'],
      [{ steps: 1001 }, 'steps must be an integer in 1..1000, got 1001'],
      [{ steps: 2.5 }, 'steps must be an integer in 1..1000, got 2.5'],
      [{ guidance: NaN }, 'guidance must be a number in 0..20, got NaN'],
      [{ guidance: 21 }, 'guidance must be a number in 0..20, got 21'],
      [{ guidance: -1 }, 'guidance must be a number in 0..20, got -1'],
      [{ seed: -1 }, 'seed must be an integer in 0..4294967295, got -1'],
      [{ seed: 2 ** 32 }, 'seed must be an integer in 0..4294967295, got 4294967296'],
      [{ seed: 1.5 }, 'seed must be an integer in 0..4294967295, got 1.5'],
    ];
    for (const [change, message] of bad) await expect(collect(fakeModels(), { ...params, ...change })).rejects.toThrow(message);
  });

  it('rejects model outputs of the wrong size', async () => {
    const models = fakeModels();
    models.unet = async () => new Float32Array(5);
    await expect(collect(models, params)).rejects.toThrow('U-Net returned 5 values, expected 384');
    const models2 = fakeModels();
    models2.encodeText = async () => new Float32Array(5);
    await expect(collect(models2, params)).rejects.toThrow('text encoder returned 5 values, expected 128');
  });

  it('turns noise into a smooth image with a denoising fake model', async () => {
    // A U-Net that knows the answer is a flat grey image: v = sqrt(ab) eps - sqrt(1 - ab) x0.
    const models = fakeModels(parseManifest(fakeManifestJson(16, 4)));
    const ab = models.manifest.schedule.alphas_cumprod;
    models.unet = async (sample, timestep) => {
      const a = ab[timestep[0]];
      const x0 = 0.2;
      return sample.map((x) => {
        const eps = (x - Math.sqrt(a) * x0) / Math.sqrt(1 - a);
        return Math.sqrt(a) * eps - Math.sqrt(1 - a) * x0;
      });
    };
    const frames = await collect(models, { ...params, steps: 5 });
    expect(highFrequencyEnergy(frames[0].xt)).toBeGreaterThan(1);
    expect(highFrequencyEnergy(frames.at(-1)!.prev)).toBeLessThan(1e-6);
  });
});

describe('generate parity with training/ (src/fixtures/ddim-dummy.json)', () => {
  type Frame = Record<'x_t' | 'x0' | 'eps' | 'prev', FixtureArray> & { t: number; t_prev: number };
  type Run = { seed: number; shape: number[]; steps: number; guidance: number; eta: number; x_T: FixtureArray; frames: Frame[] };
  const { runs } = readFixture<{ runs: Run[] }>('ddim-dummy.json');
  const table = readFixture<{ alphas_cumprod: number[] }>('schedule.json').alphas_cumprod;
  const deterministic = runs.filter((r) => r.eta === 0); // generate() is DDIM with eta = 0

  it('has eta = 0 runs', () => expect(deterministic.length).toBeGreaterThan(0));

  for (const run of deterministic) {
    it(`seed ${run.seed}, ${run.steps} steps, guidance ${run.guidance}: every frame agrees to 1e-5`, async () => {
      const json = fakeManifestJson(run.shape[3]);
      json.schedule.alphas_cumprod = table;
      const frames = await collect(fakeModels(parseManifest(json)), {
        prompt: 'cat face', seed: run.seed, steps: run.steps, guidance: run.guidance,
      });
      expect(Array.from(frames[0].xt)).toEqual(Array.from(f32(run.x_T)));
      expect(frames.length).toBe(run.frames.length);
      frames.forEach((f, i) => {
        const ref = run.frames[i];
        expect([f.t, f.tPrev]).toEqual([ref.t, ref.t_prev]);
        for (const [mine, theirs] of [[f.xt, ref.x_t], [f.x0, ref.x0], [f.eps, ref.eps], [f.prev, ref.prev]] as const) {
          expect(mismatch(mine, f32(theirs), 1e-5), `frame ${i}`).toBeNull();
        }
      });
    });
  }
});

describe('generate with a fork (branch)', () => {
  const stochastic: TestRun = { prompt: 'cat face', seed: 7, steps: 8, guidance: 3, sampler: 'ddpm' };

  it('shares steps 0..at with the parent bit for bit, then follows the fork\'s prompt and guidance', async () => {
    const parent = await collect(fakeModels(), params);
    const fork = { fork: 3, fork_prompt: 'red heart', fork_negative: '', fork_guidance: 6, fork_seed: -1 };
    const branch = await collect(fakeModels(), { ...params, ...fork });
    expect(branch.length).toBe(parent.length);
    for (let i = 0; i <= 3; i++) {
      expect(Array.from(branch[i].prev), `step ${i}`).toEqual(Array.from(parent[i].prev));
      expect(Array.from(branch[i].x0), `step ${i}`).toEqual(Array.from(parent[i].x0));
    }
    expect(Array.from(branch[4].xt)).toEqual(Array.from(parent[4].xt)); // the fork starts from the shared x_t
    expect(Array.from(branch[4].prev)).not.toEqual(Array.from(parent[4].prev));
    // The same run with the fork's settings from the start ends elsewhere: the fork kept the parent's early steps.
    const fromStart = await collect(fakeModels(), { ...params, prompt: 'red heart', guidance: 6 });
    expect(Array.from(branch.at(-1)!.prev)).not.toEqual(Array.from(fromStart.at(-1)!.prev));
  });

  it('a fork that changes nothing reproduces the parent; encoding its text costs one more call, not more U-Net calls', async () => {
    const models = fakeModels();
    const parent = await collect(fakeModels(), stochastic);
    const same = await collect(models, { ...stochastic, ...{ fork: 2, fork_prompt: 'cat face', fork_negative: '', fork_guidance: 3, fork_seed: -1 } });
    expect(Array.from(same.at(-1)!.prev)).toEqual(Array.from(parent.at(-1)!.prev));
    expect(models.calls).toEqual({ text: 2, unet: 8 });
  });

  it('a fork seed changes only the later noise of a stochastic sampler', async () => {
    const parent = await collect(fakeModels(), stochastic);
    const reseeded = await collect(fakeModels(), { ...stochastic, ...{ fork: 2, fork_prompt: 'cat face', fork_negative: '', fork_guidance: 3, fork_seed: 99 } });
    for (let i = 0; i <= 2; i++) expect(Array.from(reseeded[i].prev)).toEqual(Array.from(parent[i].prev));
    expect(Array.from(reseeded[3].noise!)).toEqual(Array.from(createRng(99).normals(3 * 8 * 8)));
    expect(Array.from(reseeded.at(-1)!.prev)).not.toEqual(Array.from(parent.at(-1)!.prev));
    const again = await collect(fakeModels(), { ...stochastic, ...{ fork: 2, fork_prompt: 'cat face', fork_negative: '', fork_guidance: 3, fork_seed: 99 } });
    expect(Array.from(again.at(-1)!.prev)).toEqual(Array.from(reseeded.at(-1)!.prev));
  });

  it('switches between batch 2 and batch 1 when the fork changes whether guidance is used', async () => {
    const models = fakeModels();
    const batches: number[] = [];
    const unet = models.unet;
    models.unet = (s, t, c, batch) => (batches.push(batch), unet(s, t, c, batch));
    await collect(models, { ...params, steps: 4, ...{ fork: 1, fork_prompt: 'cat face', fork_negative: '', fork_guidance: 1, fork_seed: -1 } });
    expect(batches).toEqual([2, 2, 1, 1]);
  });

  it('refuses a fork point outside the run with a clear message', async () => {
    const bad = { fork: 9, fork_prompt: 'x', fork_negative: '', fork_guidance: 3, fork_seed: -1 };
    await expect(collect(fakeModels(), { ...params, ...bad })).rejects.toThrow('fork must be an integer in 0..8 (a step before the last), got 9');
    await expect(collect(fakeModels(), { ...params, ...bad, fork: 1, fork_seed: -2 })).rejects.toThrow(/fork_seed must be -1 or an integer/);
    await expect(collect(fakeModels(), { ...params, ...bad, fork: -3 })).rejects.toThrow('fork must be -1 (no branch) or a step index, got -3');
  });
});

describe('generate: what each branch predicted (the architecture view)', () => {
  const split = (f: StepFrame, w: number) => branchEps(f.ab, f.xt, f.v, f.v.length === 2 * f.xt.length, w);

  it('carries the one batch-2 call\'s output, whose branches give eps-hat without and with the prompt', async () => {
    const models = fakeModels();
    const frames = await collect(models, params);
    expect(models.calls.unet).toBe(frames.length); // no second call for the branches
    for (const f of frames) {
      const { uncond, cond, guided } = split(f, 3);
      const a = Math.sqrt(f.ab);
      const b = Math.sqrt(1 - f.ab);
      const k = f.t / (f.t + 1);
      // The fake U-Net: v_cond = x t / (t + 1), v_uncond = -0.5 x t / (t + 1); eps = sqrt(1-ab) x + sqrt(ab) v.
      for (let i = 0; i < f.xt.length; i += 17) {
        expect(cond[i]).toBeCloseTo(b * f.xt[i] + a * f.xt[i] * k, 5);
        expect(uncond![i]).toBeCloseTo(b * f.xt[i] - 0.5 * a * f.xt[i] * k, 5);
      }
      // The guided eps-hat is the one the sampler used, wherever x0-hat was not clipped.
      for (let i = 0; i < f.x0.length; i++) if (Math.abs(f.x0[i]) < 1) expect(Math.abs(f.eps[i] - guided[i])).toBeLessThan(1e-4);
    }
  });

  it('carries the step\'s alpha_bar, and at guidance 1 a batch-1 output with no unconditional branch', async () => {
    const models = fakeModels();
    const frames = await collect(models, { ...params, guidance: 1 });
    const ab = models.manifest.schedule.alphas_cumprod;
    for (const f of frames) {
      expect(f.ab).toBe(ab[f.t]);
      expect(f.v.length).toBe(f.xt.length);
      expect(split(f, 1).uncond).toBeNull();
    }
  });

  it('gives the prompt\'s tokens and context (the conditional row) on the first frame only', async () => {
    for (const guidance of [1, 3]) {
      const models = fakeModels();
      const frames = await collect(models, { ...params, guidance });
      expect(Array.from(frames[0].text!.ids)).toEqual(Array.from(models.tokenizer.encode('cat face')));
      expect(frames[0].text!.context.length).toBe(16 * 4); // [L, D]
      expect(frames[0].text!.context[0]).toBe(1); // the fake encoder marks a conditional row
      expect(frames.slice(1).every((f) => f.text === null)).toBe(true);
    }
  });

  it('gives x_{t-1} and the sampler\'s fresh noise, which chain into the next step', async () => {
    const frames = await collect(fakeModels(), { ...params, sampler: 'ddpm' });
    for (let i = 0; i + 1 < frames.length; i++) {
      expect(Array.from(frames[i + 1].xt)).toEqual(Array.from(frames[i].prev));
      expect(frames[i].noise).toHaveLength(3 * 8 * 8);
    }
    expect(frames.at(-1)!.noise).toBeNull(); // no noise on the step to the clean image
  });
});
