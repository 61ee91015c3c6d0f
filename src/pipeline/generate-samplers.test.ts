/** generate() with every sampler, spacing, eta, negative prompt, guidance rescale, img2img and inpainting. */
import { describe, expect, it } from 'vitest';
import { createRng } from '../diffusion/rng.ts';
import { parseManifest } from '../model/manifest.ts';
import { fakeManifestJson, fakeModels } from '../testing/fake-model.ts';
import { f32, mismatch, readFixture, type FixtureArray } from '../testing/fixtures.ts';
import { samplerRuns, samplerSettings, type SamplerRun } from '../testing/samplers-fixture.ts';
import { collect, type TestRun } from '../testing/runs.ts';

const params: TestRun = { prompt: 'cat face', seed: 7, steps: 6, guidance: 3 };
const table = readFixture<{ alphas_cumprod: number[] }>('schedule.json').alphas_cumprod;

/** Fake models at `resolution` px over the fixtures' schedule table. */
function modelsAt(resolution: number) {
  const json = fakeManifestJson(resolution);
  json.schedule.alphas_cumprod = table;
  return fakeModels(parseManifest(json));
}

function paramsOf(run: SamplerRun): TestRun {
  const base: TestRun = { prompt: 'cat face', ...samplerSettings(run) };
  const mask = run.inpaint ? f32(run.inpaint.mask) : undefined;
  // img2img and inpainting together keep a region of the one source image (the fixture's run does).
  if (run.init) return { ...base, start: 'img2img', strength: run.init.strength, source: { image: f32(run.init.image), mask } };
  if (run.inpaint) return { ...base, start: 'inpaint', source: { image: f32(run.inpaint.image), mask } };
  return base;
}

describe('generate parity with training/samplers.py run (src/fixtures/samplers-dummy.json)', () => {
  for (const run of samplerRuns()) {
    const name = `${run.sampler} ${run.spacing}, ${run.steps} steps, guidance ${run.guidance}, eta ${run.eta}, rescale ${run.rescale}${run.init ? `, img2img ${run.init.strength}` : ''}${run.inpaint ? ', inpaint' : ''}`;
    it(`${name}: every frame and every draw agrees to 1e-5`, async () => {
      const frames = await collect(modelsAt(run.shape[3]), paramsOf(run));
      expect(frames.length).toBe(run.frames.length);
      if (!run.init) expect(Array.from(frames[0].xt)).toEqual(Array.from(f32(run.x_T)));
      frames.forEach((f, i) => {
        const ref = run.frames[i];
        expect([f.index, f.total]).toEqual([i, run.frames.length]);
        expect(Math.abs(f.t - ref.t), `frame ${i} t`).toBeLessThanOrEqual(1e-9 * Math.max(1, ref.t));
        expect(Math.abs(f.tPrev - ref.t_prev), `frame ${i} t_prev`).toBeLessThanOrEqual(1e-9 * Math.max(1, ref.t_prev));
        const pairs: [Float32Array | null, FixtureArray | null, string][] = [
          [f.xt, ref.x_t, 'x_t'], [f.x0, ref.x0, 'x0'], [f.eps, ref.eps, 'eps'], [f.prev, ref.prev, 'prev'],
          [f.noise, ref.noise, 'noise'], [f.inpaintNoise, ref.inpaint_noise, 'inpaint noise'],
        ];
        for (const [mine, theirs, what] of pairs) {
          expect(mine === null, `frame ${i} ${what} drawn?`).toBe(theirs === null);
          if (mine && theirs) expect(mismatch(mine, f32(theirs), 1e-5), `frame ${i} ${what}`).toBeNull();
        }
      });
    });
  }
});

describe('generate options', () => {
  it('defaults are DDIM, trailing, eta 0, no negative prompt, no rescale: the same frames as spelled out', async () => {
    const a = await collect(fakeModels(), params);
    const b = await collect(fakeModels(), { ...params, sampler: 'ddim', spacing: 'trailing', eta: 0, negative: '', rescale: 0 });
    expect(b.map((f) => Array.from(f.prev))).toEqual(a.map((f) => Array.from(f.prev)));
    expect(a.every((f) => f.noise === null && f.inpaintNoise === null)).toBe(true);
  });

  it('DDIM eta reaches the sampler: the eta = 1 run of ddim-dummy.json (drawn noise continues the seed)', async () => {
    type Run = { seed: number; shape: number[]; steps: number; guidance: number; eta: number; frames: Record<'x_t' | 'prev', FixtureArray>[] };
    const run = readFixture<{ runs: Run[] }>('ddim-dummy.json').runs.find((r) => r.eta > 0)!;
    const frames = await collect(modelsAt(run.shape[3]), { prompt: 'cat face', seed: run.seed, steps: run.steps, guidance: run.guidance, eta: run.eta });
    frames.forEach((f, i) => expect(mismatch(f.prev, f32(run.frames[i].prev), 1e-5), `frame ${i}`).toBeNull());
  });

  it('encodes the negative prompt in the unconditional row, the manifest\'s uncond_prompt without one', async () => {
    const models = fakeModels();
    const rows: number[][] = [];
    const encode = models.encodeText;
    models.encodeText = (ids, batch) => (rows.push(Array.from(ids)), encode(ids, batch));
    const enc = (text: string) => models.tokenizer.encode(text);
    await collect(models, { ...params, steps: 1, negative: 'blurry dog' });
    await collect(models, { ...params, steps: 1, negative: '' });
    await collect(models, { ...params, steps: 1, guidance: 1, negative: 'blurry dog' }); // no uncond branch
    expect(rows).toEqual([[...enc('blurry dog'), ...enc('cat face')], [...enc(''), ...enc('cat face')], [...enc('cat face')]]);
  });

  it('a negative prompt changes the image (the fake model treats any non-empty text as conditional)', async () => {
    const plain = (await collect(fakeModels(), params)).at(-1)!.prev;
    const negative = (await collect(fakeModels(), { ...params, negative: 'dog' })).at(-1)!.prev;
    expect(Array.from(negative)).not.toEqual(Array.from(plain));
  });

  it('guidance rescale changes guided runs only', async () => {
    const run = (p: TestRun) => collect(fakeModels(), { ...params, ...p }).then((f) => Array.from(f.at(-1)!.prev));
    expect(await run({ rescale: 0.7 })).not.toEqual(await run({}));
    expect(await run({ guidance: 1, rescale: 0.7 })).toEqual(await run({ guidance: 1 }));
  });

  it('feeds the U-Net fractional float32 timesteps with Karras spacing', async () => {
    const models = fakeModels();
    const seen: number[] = [];
    const unet = models.unet;
    models.unet = (s, t, c, b) => (seen.push(...t), unet(s, t, c, b));
    const frames = await collect(models, { ...params, sampler: 'dpmpp-2m', spacing: 'karras' });
    expect(seen.filter((_, i) => i % 2 === 0)).toEqual(frames.map((f) => Math.fround(f.t)));
    expect(frames.some((f) => !Number.isInteger(f.t))).toBe(true);
    expect(frames.at(-1)!.tPrev).toBe(-1);
  });

  it('img2img runs the last steps from the noised image; strength 1 runs them all', async () => {
    const image = new Float32Array(192).fill(0.5);
    const frames = await collect(fakeModels(), { ...params, steps: 10, start: 'img2img', strength: 0.3, source: { image } });
    expect(frames.map((f) => f.t)).toEqual([299, 199, 99]);
    expect(frames.map((f) => [f.index, f.total])).toEqual([[0, 3], [1, 3], [2, 3]]);
    const full = await collect(fakeModels(), { ...params, steps: 10, start: 'img2img', strength: 1, source: { image } });
    expect(full).toHaveLength(10);
  });

  it('inpainting with an all-ones mask returns the known image; with zeros it draws but keeps the sampler\'s image', async () => {
    const image = createRng(99).normals(192).map((z) => Math.tanh(z));
    const ones = await collect(fakeModels(), { ...params, start: 'inpaint', source: { image, mask: new Float32Array(64).fill(1) } });
    expect(Array.from(ones.at(-1)!.prev)).toEqual(Array.from(image));
    const zeros = await collect(fakeModels(), { ...params, start: 'inpaint', source: { image, mask: new Float32Array(64) } });
    const plain = await collect(fakeModels(), params);
    expect(Array.from(zeros.at(-1)!.prev)).toEqual(Array.from(plain.at(-1)!.prev));
    expect(zeros.map((f) => f.inpaintNoise !== null)).toEqual([true, true, true, true, true, false]);
  });

  it('rejects bad options with clear errors', async () => {
    const image = new Float32Array(192);
    const bad: [TestRun, string][] = [
      [{ sampler: 'plms' as never }, 'sampler must be one of ddim, ddpm, euler-a, dpmpp-2m, got "plms"'],
      [{ spacing: 'leading' as never }, 'spacing must be one of trailing, karras, got "leading"'],
      [{ spacing: 'karras' }, 'spacing "karras" does not work with sampler "ddim" (it takes trailing)'],
      [{ sampler: 'ddpm', spacing: 'karras' }, 'spacing "karras" does not work with sampler "ddpm"'],
      [{ eta: 1.5 }, 'eta must be a number in 0..1, got 1.5'],
      [{ eta: NaN }, 'eta must be a number in 0..1, got NaN'],
      [{ sampler: 'euler-a', eta: 0.5 }, 'eta applies to the ddim sampler only, got eta 0.5 with "euler-a"'],
      [{ rescale: -0.1 }, 'rescale must be a number in 0..1, got -0.1'],
      [{ start: 'img2img', strength: 0, source: { image } }, 'strength must be in (0, 1], got 0'],
      [{ start: 'img2img', source: { image: new Float32Array(5) } }, 'the source image must have 192 values ([C, H, W]), got 5'],
      [{ start: 'img2img' }, 'start "img2img" needs a source image'],
      [{ start: 'inpaint', source: { image, mask: new Float32Array(192) } }, 'the mask must have 64 values ([H, W]), got 192'],
      [{ start: 'inpaint', source: { image } }, 'inpainting needs a mask'],
      [{ start: 'inpaint', source: { image: new Float32Array(64), mask: new Float32Array(64) } }, 'the source image must have 192 values'],
      [{ start: 'sketch' as never }, 'start must be one of noise, img2img, inpaint, got "sketch"'],
    ];
    for (const [change, message] of bad) await expect(collect(fakeModels(), { ...params, ...change })).rejects.toThrow(message);
  });
});
