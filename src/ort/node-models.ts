/**
 * The shipped models in Node: reads a models folder (manifest.json, tokenizer, .onnx files checked
 * against the manifest), opens the ONNX files and wraps them as the pipeline's Models. Used by the CLI
 * (onnxruntime-node), the benchmark and the parity tests (onnxruntime-node or onnxruntime-web's Node
 * build), which pass in their runtime so neither loads the other's.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as OrtNode from 'onnxruntime-node';
import { checkDigest, checkSize, type FileIntegrity } from '../model/integrity.ts';
import { checkIoSpec, parseManifest, type Manifest } from '../model/manifest.ts';
import type { Models } from '../pipeline/models.ts';
import { Tokenizer } from '../text/tokenizer.ts';
import { modelsOf, scorerOf } from './session-models.ts';
import { serialised } from './lock.ts';

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
 * them as pipeline Models (session-models.ts, as the page does). Bad text encoder or U-Net files throw
 * ModelsDirError; a runtime failure throws as it comes. The image encoder is optional, as in the page:
 * when it is missing or bad the models come without a scorer and `onScorerOff` hears why.
 */
export async function openModels(
  ort: Ort,
  dir: string,
  manifest: Manifest,
  tokenizer: Tokenizer,
  sessionOptions: OrtNode.InferenceSession.SessionOptions,
  onScorerOff: (why: string) => void = () => {},
): Promise<Models> {
  const textEncoder = await ort.InferenceSession.create(readModelFile(dir, manifest.text_encoder), sessionOptions);
  const unet = await ort.InferenceSession.create(readModelFile(dir, manifest.unet), sessionOptions);
  try {
    checkIoSpec(manifest.text_encoder.file, manifest.text_encoder, textEncoder);
    checkIoSpec(manifest.unet.file, manifest.unet, unet);
  } catch (error) {
    throw new ModelsDirError((error as Error).message);
  }
  const lock = serialised();
  const models = modelsOf(ort, manifest, tokenizer, { textEncoder, unet }, lock);
  const imageSpec = manifest.image_encoder;
  if (!imageSpec) return models;
  let image: OrtNode.InferenceSession | null = null;
  try {
    image = await ort.InferenceSession.create(readModelFile(dir, imageSpec), sessionOptions);
    checkIoSpec(imageSpec.file, imageSpec, image);
  } catch (error) {
    await image?.release();
    onScorerOff(`match score off: ${(error as Error).message}`);
    return models;
  }
  return { ...models, scorer: scorerOf(ort, manifest, imageSpec, textEncoder, image, lock) };
}
