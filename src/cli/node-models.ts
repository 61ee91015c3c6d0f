/**
 * The shipped models in Node: reads a models folder (manifest.json, tokenizer, .onnx files checked
 * against the manifest), opens the ONNX files and wraps them as the pipeline's Models. Used by the CLI
 * (onnxruntime-node) and the benchmark (onnxruntime-node or onnxruntime-web's Node build), which
 * pass in their runtime so neither loads the other's.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as OrtNode from 'onnxruntime-node';
import { checkIoSpec, contextShape, parseManifest, type Manifest, type ModelSpec } from '../model/manifest.ts';
import { Tokenizer } from '../text/tokenizer.ts';
import { normaliseRows } from '../worker/match.ts';
import type { Models, Scorer } from '../worker/pipeline.ts';

/** The part of onnxruntime the loader uses; onnxruntime-node and -web share it (onnxruntime-common). */
export type Ort = Pick<typeof OrtNode, 'InferenceSession' | 'Tensor'>;

/** A models folder with a missing, unreadable or mismatched file (the caller's fault, not the run's). */
export class ModelsDirError extends Error {}

/** Reads and checks a model file against the manifest's size and SHA-256. */
export function readModelFile(dir: string, spec: ModelSpec): Uint8Array {
  const path = join(dir, spec.file);
  if (!existsSync(path)) throw new ModelsDirError(`${spec.file}: missing in ${dir}`);
  const bytes = readFileSync(path);
  if (bytes.length !== spec.bytes) {
    throw new ModelsDirError(`${spec.file}: ${bytes.length} bytes, manifest.json says ${spec.bytes}`);
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== spec.sha256) throw new ModelsDirError(`${spec.file}: sha256 ${sha}, manifest.json says ${spec.sha256}`);
  return bytes;
}

function readJson(dir: string, file: string): unknown {
  const path = join(dir, file);
  if (!existsSync(path)) throw new ModelsDirError(`${file}: missing in ${dir}`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ModelsDirError(`${file}: not valid JSON (${(error as Error).message})`);
  }
}

/** Reads and validates manifest.json and the tokenizer of an existing folder; throws ModelsDirError. */
export function readModelsDir(dir: string): { manifest: Manifest; tokenizer: Tokenizer } {
  try {
    const manifest = parseManifest(readJson(dir, 'manifest.json'));
    return { manifest, tokenizer: Tokenizer.fromJson(readJson(dir, manifest.tokenizer.file)) };
  } catch (error) {
    throw error instanceof ModelsDirError ? error : new ModelsDirError((error as Error).message);
  }
}

/**
 * Opens both ONNX files of `dir` with `sessionOptions`, checks them against the manifest and wraps
 * them as pipeline Models. Bad files throw ModelsDirError; a runtime failure throws as it comes.
 */
export async function openModels(
  ort: Ort,
  dir: string,
  manifest: Manifest,
  tokenizer: Tokenizer,
  sessionOptions: OrtNode.InferenceSession.SessionOptions,
): Promise<Models> {
  const textSession = await ort.InferenceSession.create(readModelFile(dir, manifest.text_encoder), sessionOptions);
  const unetSession = await ort.InferenceSession.create(readModelFile(dir, manifest.unet), sessionOptions);
  try {
    checkIoSpec(manifest.text_encoder.file, manifest.text_encoder, textSession);
    checkIoSpec(manifest.unet.file, manifest.unet, unetSession);
  } catch (error) {
    throw new ModelsDirError((error as Error).message);
  }

  const { length: L, width: D } = contextShape(manifest);
  const { channels: C, resolution: R } = manifest;
  let scorer: Scorer | undefined;
  const imageSpec = manifest.image_encoder;
  if (imageSpec) {
    const imageSession = await ort.InferenceSession.create(readModelFile(dir, imageSpec), sessionOptions);
    try {
      checkIoSpec(imageSpec.file, imageSpec, imageSession);
    } catch (error) {
      throw new ModelsDirError((error as Error).message);
    }
    const E = imageSpec.embedDim;
    scorer = {
      async embedText(ids, batch) {
        const out = await textSession.run({ input_ids: new ort.Tensor('int32', ids, [batch, L]) });
        return normaliseRows(new Float32Array(out.pooled.data as Float32Array), E); // [B, E]
      },
      async embedImage(pixels, batch) {
        const out = await imageSession.run({ pixels: new ort.Tensor('float32', pixels, [batch, C, R, R]) });
        return out.embedding.data as Float32Array; // [B, E], unit length
      },
    };
  }
  return {
    manifest,
    tokenizer,
    ...(scorer ? { scorer } : {}),
    async encodeText(ids, batch) {
      const out = await textSession.run({ input_ids: new ort.Tensor('int32', ids, [batch, L]) });
      return out.hidden_states.data as Float32Array; // [B, L, D]
    },
    async unet(sample, timestep, context, batch) {
      const out = await unetSession.run({
        sample: new ort.Tensor('float32', sample, [batch, C, R, R]),
        timestep: new ort.Tensor('float32', timestep, [batch]),
        encoder_hidden_states: new ort.Tensor('float32', context, [batch, L, D]),
      });
      return out.v.data as Float32Array; // [B, C, H, W]
    },
  };
}
