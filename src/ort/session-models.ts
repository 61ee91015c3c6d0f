/**
 * ONNX sessions as the pipeline's Models: the one wrapping, shared by the page's worker (onnxruntime-web)
 * and the CLI and benchmarks (onnxruntime-node or onnxruntime-web's Node build), which pass in their
 * runtime's Tensor class, so neither loads the other's runtime.
 */
import type * as Ort from 'onnxruntime-web';
import { contextShape, type ImageEncoderSpec, type Manifest } from '../model/manifest.ts';
import { rows } from '../pipeline/arrays.ts';
import { normaliseRows } from '../pipeline/match.ts';
import type { Models, Scorer } from '../pipeline/models.ts';
import type { Tokenizer } from '../text/tokenizer.ts';
import type { Lock } from './lock.ts';

/** The part of onnxruntime the wrapping uses; onnxruntime-node and -web share it (onnxruntime-common). */
export type OrtTensors = Pick<typeof Ort, 'Tensor'>;

/** The sessions the models run on. */
export interface ModelSessions {
  textEncoder: Ort.InferenceSession;
  /** The U-Net, uncaptured; null when `captured` serves every call. */
  unet: Ort.InferenceSession | null;
  /** A batch-2 U-Net call on fixed buffers (WebGPU graph capture, captured-unet.ts): batch-1 calls run as their row twice. */
  captured?: { run(sample: Float32Array, timestep: Float32Array, context: Float32Array): Promise<Float32Array> };
}

/**
 * The pipeline's text encoder and U-Net over `sessions`. Every call goes through `lock` (sessions must
 * not run concurrently) and comes back as a fresh Float32Array; errors say which file failed.
 */
export function modelsOf(ort: OrtTensors, manifest: Manifest, tokenizer: Tokenizer, sessions: ModelSessions, lock: Lock): Models {
  const { length: L, width: D } = contextShape(manifest);
  const R = manifest.resolution;
  const C = manifest.channels;
  const run = runner(lock);
  return {
    manifest,
    tokenizer,
    // ids [B, L] int32 -> hidden states [B, L, D]
    async encodeText(ids, batch) {
      expectLength(manifest.text_encoder.file, 'input_ids', ids.length, batch * L);
      const feeds = { input_ids: new ort.Tensor('int32', ids, [batch, L]) };
      return run(sessions.textEncoder, feeds, 'hidden_states', manifest.text_encoder.file);
    },
    // sample [B, C, R, R], timestep [B], context [B, L, D] -> v [B, C, R, R]
    async unet(sample, timestep, context, batch) {
      const file = manifest.unet.file;
      expectLength(file, 'sample', sample.length, batch * C * R * R);
      expectLength(file, 'timestep', timestep.length, batch);
      expectLength(file, 'encoder_hidden_states', context.length, batch * L * D);
      const captured = sessions.captured;
      if (captured && batch <= 2) {
        // Batch 1 as its row twice (the captured graph has batch 2), keeping the first row's v.
        const [s, t, c] = batch === 2 ? [sample, timestep, context] : [rows(sample, sample), rows(timestep, timestep), rows(context, context)];
        const v = await lock(() => captured.run(s, t, c).catch((err: unknown) => {
          throw new Error(`${file}: ${messageOf(err)}`);
        }));
        return batch === 2 ? v : v.slice(0, C * R * R);
      }
      if (!sessions.unet) throw new Error(`${file}: batch ${batch} needs the uncaptured session, which is not open`);
      const feeds = {
        sample: new ort.Tensor('float32', sample, [batch, C, R, R]),
        timestep: new ort.Tensor('float32', timestep, [batch]),
        encoder_hidden_states: new ort.Tensor('float32', context, [batch, L, D]),
      };
      return run(sessions.unet, feeds, 'v', file);
    },
  };
}

/** The CLIP pair over the text encoder's `pooled` output and the image encoder session. */
export function scorerOf(
  ort: OrtTensors,
  manifest: Manifest,
  spec: ImageEncoderSpec,
  textEncoder: Ort.InferenceSession,
  image: Ort.InferenceSession,
  lock: Lock,
): Scorer {
  const L = manifest.tokenizer.max_length;
  const R = manifest.resolution;
  const C = manifest.channels;
  const run = runner(lock);
  return {
    async embedText(ids, batch) {
      expectLength(manifest.text_encoder.file, 'input_ids', ids.length, batch * L);
      const pooled = await run(textEncoder, { input_ids: new ort.Tensor('int32', ids, [batch, L]) }, 'pooled', manifest.text_encoder.file);
      return normaliseRows(pooled, spec.embedDim); // [B, E]
    },
    async embedImage(pixels, batch) {
      expectLength(spec.file, 'pixels', pixels.length, batch * C * R * R);
      return run(image, { pixels: new ort.Tensor('float32', pixels, [batch, C, R, R]) }, 'embedding', spec.file); // [B, E], unit length
    },
  };
}

/** Runs a session under `lock`, copies the one wanted output to a Float32Array, disposes every output. */
function runner(lock: Lock) {
  return (session: Ort.InferenceSession, feeds: Record<string, Ort.Tensor>, output: string, file: string) =>
    lock(async () => {
      let results: Ort.InferenceSession.OnnxValueMapType | undefined;
      try {
        results = await session.run(feeds, [output]);
        const tensor = results[output];
        if (tensor.type !== 'float32') throw new Error(`output '${output}' is ${tensor.type}, expected float32`);
        return new Float32Array((await tensor.getData()) as Float32Array);
      } catch (err) {
        throw new Error(`${file}: ${messageOf(err)}`);
      } finally {
        for (const value of Object.values(results ?? {})) value.dispose();
      }
    });
}

function expectLength(file: string, input: string, got: number, want: number) {
  if (got !== want) throw new Error(`${file}: input '${input}' needs ${want} values, got ${got}`);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
