/**
 * The CLIP match score (image encoder vs the text encoder's pooled output) through onnxruntime-node:
 * an image the shipped model drew for a prompt scores higher against that prompt than against the
 * others, and the score is a cosine.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { modelsDir } from '../testing/fixtures.ts';
import { openModels, readModelsDir } from '../ort/node-models.ts';
import { matchScore } from '../pipeline/match.ts';
import { generateRun as generate } from '../testing/runs.ts';

const PROMPTS = ['red heart', 'cat face', 'rocket', 'snowflake'];

describe('match score', { timeout: 120_000 }, () => {
  it('ranks the prompt an image was drawn from first, for every prompt', async () => {
    const { manifest, tokenizer } = readModelsDir(modelsDir);
    expect(manifest.image_encoder, 'the shipped model has an image encoder').toBeDefined();
    const models = await openModels(ort, modelsDir, manifest, tokenizer, { intraOpNumThreads: 2 });
    const scorer = models.scorer!;
    for (const prompt of PROMPTS) {
      let image: Float32Array | undefined;
      for await (const frame of generate(models, { prompt, seed: 1, steps: 8, guidance: 4 })) image = frame.prev;
      const scores = await Promise.all(PROMPTS.map((p) => matchScore(scorer, tokenizer, p, image!)));
      for (const s of scores) expect(Math.abs(s)).toBeLessThanOrEqual(1 + 1e-5);
      const best = PROMPTS[scores.indexOf(Math.max(...scores))];
      expect(best, `scores ${PROMPTS.map((p, i) => `${p} ${scores[i].toFixed(3)}`).join(', ')}`).toBe(prompt);
    }
  });

  it('gives unit-length embeddings on both sides', async () => {
    const { manifest, tokenizer } = readModelsDir(modelsDir);
    const { scorer } = await openModels(ort, modelsDir, manifest, tokenizer, {});
    const norm = (v: Float32Array) => Math.hypot(...v);
    expect(norm(await scorer!.embedText(tokenizer.encode('cat face'), 1))).toBeCloseTo(1, 5);
    expect(norm(await scorer!.embedImage(new Float32Array(3 * 64 * 64).fill(0.5), 1))).toBeCloseTo(1, 5);
  });
});
