/**
 * The prompt-match score: the cosine of two CLIP embeddings (x̂0 by the image encoder, the prompt by
 * the text encoder's pooled output). Plain maths over a `Scorer`, shared by the worker and the CLI.
 */
import type { Tokenizer } from '../text/tokenizer.ts';
import type { Scorer } from './models.ts';

/** Scales each row of `v` ([rows, dim]) to unit length, in place; a zero row stays zero. */
export function normaliseRows(v: Float32Array, dim: number): Float32Array {
  for (let start = 0; start < v.length; start += dim) {
    const row = v.subarray(start, start + dim);
    let sum = 0;
    for (const x of row) sum += x * x;
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let i = 0; i < row.length; i++) row[i] *= scale;
  }
  return v;
}

/** Dot product; the cosine when both are unit length. */
export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** How well `image` ([3, H, W] in [-1, 1]) matches `prompt`: the cosine of their CLIP embeddings. */
export async function matchScore(scorer: Scorer, tokenizer: Tokenizer, prompt: string, image: Float32Array): Promise<number> {
  const [text, img] = await Promise.all([scorer.embedText(tokenizer.encode(prompt), 1), scorer.embedImage(image, 1)]);
  return dot(text, img);
}
