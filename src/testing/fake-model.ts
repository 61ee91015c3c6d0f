/**
 * Test support: a small, valid manifest and tokenizer, and the contract's dummy model
 * (v_cond = x t / (t + 1), v_uncond = -0.5 x t / (t + 1)), so the loop runs without onnxruntime.
 */
import { cosineAlphasCumprod } from '../diffusion/schedule.ts';
import { parseManifest, type Manifest } from '../model/manifest.ts';
import { Tokenizer } from '../text/tokenizer.ts';
import type { Models } from '../pipeline/models.ts';

/** A manifest.json object (before parsing) for a `resolution` px model with context [B, 16, width]. */
export function fakeManifestJson(resolution = 8, width = 4): Record<string, any> {
  const io = (name: string, dtype: string, shape: (number | string)[]) => ({ name, dtype, shape });
  const image = ['batch', 3, resolution, resolution];
  return {
    format_version: 1,
    name: 'fake',
    resolution,
    channels: 3,
    prediction_type: 'v_prediction',
    schedule: { type: 'cosine', num_train_timesteps: 1000, alphas_cumprod: Array.from(cosineAlphasCumprod(1000)) },
    tokenizer: { file: 'tokenizer.json', bytes: 1, sha256: 'c'.repeat(64), type: 'word-fnv1a', max_length: 16 },
    text_encoder: {
      file: 'text_encoder.onnx', bytes: 1, sha256: 'a'.repeat(64),
      inputs: [io('input_ids', 'int32', ['batch', 16])],
      outputs: [io('hidden_states', 'float32', ['batch', 16, width]), io('pooled', 'float32', ['batch', width])],
    },
    unet: {
      file: 'unet.onnx', bytes: 1, sha256: 'b'.repeat(64), parameters: 1, gflops_per_image: 0.001,
      inputs: [io('sample', 'float32', image), io('timestep', 'float32', ['batch']),
        io('encoder_hidden_states', 'float32', ['batch', 16, width])],
      outputs: [io('v', 'float32', image)],
    },
    uncond_prompt: '',
    defaults: { steps: 30, guidance: 4, seed: 1, prompt: 'cat face' },
    samples: [{ file: 'samples/cat-face.png', bytes: 1, sha256: 'd'.repeat(64), caption: 'cat face', source: 'fake' }],
    data: { sources: [{ package: 'p', version: '1.0.0', license: 'MIT', attribution: 'a' }], images: 1, concepts: 1 },
    training: { hardware: 'none' },
    metrics: {},
    model_card: 'MODEL_CARD.md',
  };
}

/** A tokenizer.json object whose vocabulary is `words` (ids from 259 in order). */
export function fakeTokenizerJson(words = ['cat', 'face', 'café', '🐱']): Record<string, any> {
  const vocab = Object.fromEntries(words.map((w, i) => [w, 259 + i]));
  return {
    type: 'word-fnv1a', version: 1, max_length: 16, pad_id: 0, bos_id: 1, eos_id: 2,
    hash_offset: 3, hash_count: 256, vocab_size: 259 + words.length, vocab,
  };
}

/** The contract's dummy v prediction for one image at timestep t, conditional or not. */
export function dummyV(x: Float32Array, t: number, cond: boolean): Float32Array {
  const scale = cond ? 1 : -0.5;
  return x.map((xi) => (scale * xi * t) / (t + 1));
}

/** Models whose U-Net is the dummy: row b of the batch is conditional iff its prompt is not "". */
export function fakeModels(manifest: Manifest = parseManifest(fakeManifestJson())): Models & { calls: { unet: number; text: number } } {
  const tokenizer = Tokenizer.fromJson(fakeTokenizerJson());
  const L = manifest.tokenizer.max_length;
  const D = manifest.text_encoder.outputs[0].shape[2] as number;
  const calls = { unet: 0, text: 0 };
  // Hidden state 1 marks a conditional row: the unconditional prompt "" encodes to [BOS, EOS, PAD...].
  const emptyIds = tokenizer.encode(manifest.uncond_prompt);
  return {
    manifest,
    tokenizer,
    calls,
    async encodeText(ids, batch) {
      calls.text++;
      const out = new Float32Array(batch * L * D); // [B, L, D]
      for (let b = 0; b < batch; b++) {
        const row = ids.subarray(b * L, (b + 1) * L);
        out[b * L * D] = row.every((id, i) => id === emptyIds[i]) ? 0 : 1;
      }
      return out;
    },
    async unet(sample, timestep, context, batch) {
      calls.unet++;
      const size = sample.length / batch;
      const out = new Float32Array(sample.length); // [B, 3, H, W]
      for (let b = 0; b < batch; b++) {
        const x = sample.subarray(b * size, (b + 1) * size);
        out.set(dummyV(x, timestep[b], context[b * L * D] === 1), b * size);
      }
      return out;
    },
  };
}
