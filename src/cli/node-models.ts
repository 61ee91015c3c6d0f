/**
 * The shipped models in Node: reads a models folder (manifest.json, tokenizer, .onnx files checked
 * against the manifest), opens the ONNX files and wraps them as the pipeline's Models. Used by the CLI
 * (onnxruntime-node) and the benchmark (onnxruntime-node or onnxruntime-web's Node build), which
 * pass in their runtime so neither loads the other's.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as OrtNode from 'onnxruntime-node';
import { checkDigest, checkSize, type FileIntegrity } from '../model/integrity.ts';
import { checkIoSpec, contextShape, parseManifest, type Manifest } from '../model/manifest.ts';
import { Tokenizer } from '../text/tokenizer.ts';
import { normaliseRows } from '../worker/match.ts';
import type { Models, Scorer } from '../worker/pipeline.ts';

/** The part of onnxruntime the loader uses; onnxruntime-node and -web share it (onnxruntime-common). */
export type Ort = Pick<typeof OrtNode, 'InferenceSession' | 'Tensor'>;

/** A models folder with a missing, unreadable or mismatched file (the caller's fault, not the run's). */
export class ModelsDirError extends Error {}

/**
 * Reads a file the manifest names and checks it against the manifest's size (before reading it) and
 * SHA-256, with the page's checks and messages (src/model/integrity.ts). Throws ModelsDirError.
 */
export function readModelFile(dir: string, spec: FileIntegrity): Uint8Array {
  const path = join(dir, spec.file);
  if (!existsSync(path)) throw new ModelsDirError(`${spec.file}: missing in ${dir}`);
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new ModelsDirError(`${spec.file}: not a file in ${dir}`);
    checkSize(spec, stat.size);
    const bytes = readFileSync(path);
    checkDigest(spec, createHash('sha256').update(bytes).digest('hex'));
    return bytes;
  } catch (error) {
    throw error instanceof ModelsDirError ? error : new ModelsDirError((error as Error).message);
  }
}

function parseJsonFile(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ModelsDirError(`${file}: not valid JSON (${(error as Error).message})`);
  }
}

/**
 * Reads and validates manifest.json and the tokenizer (checked against its size and SHA-256) of an
 * existing folder; throws ModelsDirError.
 */
export function readModelsDir(dir: string): { manifest: Manifest; tokenizer: Tokenizer } {
  try {
    const manifestPath = join(dir, 'manifest.json');
    if (!existsSync(manifestPath)) throw new ModelsDirError(`manifest.json: missing in ${dir}`);
    const manifest = parseManifest(parseJsonFile('manifest.json', readFileSync(manifestPath, 'utf8')));
    const tokenizerText = new TextDecoder().decode(readModelFile(dir, manifest.tokenizer));
    return { manifest, tokenizer: Tokenizer.fromJson(parseJsonFile(manifest.tokenizer.file, tokenizerText)) };
  } catch (error) {
    throw error instanceof ModelsDirError ? error : new ModelsDirError((error as Error).message);
  }
}

/**
 * Opens the ONNX files of `dir` with `sessionOptions`, checks them against the manifest and wraps
 * them as pipeline Models. Bad text encoder or U-Net files throw ModelsDirError; a runtime failure
 * throws as it comes. The image encoder is optional, as in the page: when it is missing or bad the
 * models come without a scorer and `onScorerOff` hears why.
 */
export async function openModels(
  ort: Ort,
  dir: string,
  manifest: Manifest,
  tokenizer: Tokenizer,
  sessionOptions: OrtNode.InferenceSession.SessionOptions,
  onScorerOff: (why: string) => void = () => {},
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
  let imageSession: OrtNode.InferenceSession | null = null;
  if (imageSpec) {
    try {
      imageSession = await ort.InferenceSession.create(readModelFile(dir, imageSpec), sessionOptions);
      checkIoSpec(imageSpec.file, imageSpec, imageSession);
    } catch (error) {
      await imageSession?.release();
      imageSession = null;
      onScorerOff(`match score off: ${(error as Error).message}`);
    }
  }
  if (imageSpec && imageSession) {
    const session = imageSession;
    const E = imageSpec.embedDim;
    scorer = {
      async embedText(ids, batch) {
        const out = await textSession.run({ input_ids: new ort.Tensor('int32', ids, [batch, L]) });
        return normaliseRows(new Float32Array(out.pooled.data as Float32Array), E); // [B, E]
      },
      async embedImage(pixels, batch) {
        const out = await session.run({ pixels: new ort.Tensor('float32', pixels, [batch, C, R, R]) });
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
