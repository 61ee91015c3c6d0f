/**
 * Reads public/models/manifest.json, the contract between training/ and the page
 * (docs/model-contract.md): manifest-schema.ts checks each field, this file checks that they agree
 * (the schedule's length, the models' shapes with each other, the tokenizer and the resolution). A
 * missing or inconsistent field throws a short, specific error ("manifest.json: schedule.alphas_cumprod
 * must have 1000 numbers, got 999"), never a silent default.
 */
import { parseJson, show } from './json-fields.ts';
import { manifestSchema, type ImageEncoderSpec, type IoSpec, type Manifest, type ModelSpec } from './manifest-schema.ts';

export { FILE_NAME, MAX_FILE_BYTES } from './manifest-schema.ts';
export type { DataSource, ImageEncoderSpec, IoSpec, Manifest, ModelSpec, SampleImage, TokenizerSpec, UnetSpec } from './manifest-schema.ts';

/** The size of the text encoder's hidden states and the U-Net's context, [B, L, D]. */
export interface ContextShape {
  /** Tokens per prompt, L. */
  length: number;
  /** Hidden size, D. */
  width: number;
}

function fail(message: string): never {
  throw new Error(`manifest.json: ${message}`);
}

const fmt = (io: Pick<IoSpec, 'dtype' | 'shape'>) => `[${io.shape.join(',')}] ${io.dtype}`;

/** Requires `io` named `name` in `list`, with this dtype and shape (a string dim matches any string). */
function expectIo(list: IoSpec[], name: string, dtype: IoSpec['dtype'], shape: (number | string)[], path: string) {
  const io = list.find((x) => x.name === name);
  if (!io) fail(`${path} must include '${name}' ${fmt({ dtype, shape })}, has ${show(list.map((x) => x.name))}`);
  const sameShape =
    io.shape.length === shape.length &&
    io.shape.every((d, i) => (typeof shape[i] === 'string' ? typeof d === 'string' : d === shape[i]));
  if (io.dtype !== dtype || !sameShape) fail(`${path} '${name}' must be ${fmt({ dtype, shape })}, got ${fmt(io)}`);
}

/** The size of dim `dim` of output `name`, or undefined when there is no such output or the dim is a name. */
function outputDim(spec: ModelSpec, name: string, dim: number): number | undefined {
  const size = spec.outputs.find((o) => o.name === name)?.shape[dim];
  return typeof size === 'number' ? size : undefined;
}

/**
 * Validates a parsed manifest.json and returns it typed, with alphas_cumprod as a Float64Array.
 * Checks every field the page uses, and that the two models' shapes agree with each other, the
 * tokenizer and the resolution. Throws "manifest.json: ..." on the first problem.
 */
export function parseManifest(json: unknown): Manifest {
  const m = parseJson('manifest.json', manifestSchema, json);
  const { num_train_timesteps: T, alphas_cumprod: table } = m.schedule;
  if (table.length !== T) fail(`schedule.alphas_cumprod must have ${T} numbers, got ${table.length}`);
  // A schedule only ever removes signal.
  for (let t = 1; t < T; t++) {
    if (table[t] > table[t - 1]) {
      fail(`schedule.alphas_cumprod[${t}] = ${table[t]} is above the previous value ${table[t - 1]}: must not increase`);
    }
  }
  if (m.defaults.steps < 1 || m.defaults.steps > T) fail(`defaults.steps must be an integer in 1..${T}, got ${m.defaults.steps}`);

  // Cross-model shapes: ids [B, L] -> hidden states [B, L, D] -> U-Net context [B, L, D].
  const L = m.tokenizer.max_length;
  expectIo(m.text_encoder.inputs, 'input_ids', 'int32', ['batch', L], 'text_encoder.inputs');
  const D = outputDim(m.text_encoder, 'hidden_states', 2);
  if (D === undefined) fail(`text_encoder.outputs must include 'hidden_states' [batch,${L},D] float32`);
  expectIo(m.text_encoder.outputs, 'hidden_states', 'float32', ['batch', L, D], 'text_encoder.outputs');
  const image = ['batch', m.channels, m.resolution, m.resolution];
  expectIo(m.unet.inputs, 'sample', 'float32', image, 'unet.inputs');
  expectIo(m.unet.inputs, 'timestep', 'float32', ['batch'], 'unet.inputs');
  expectIo(m.unet.inputs, 'encoder_hidden_states', 'float32', ['batch', L, D], 'unet.inputs');
  expectIo(m.unet.outputs, 'v', 'float32', image, 'unet.outputs');

  const { image_encoder: imageSpec, ...rest } = m;
  if (!imageSpec) return rest;
  // The image encoder's embedding [B, E] is compared by cosine with the text encoder's pooled [B, E].
  const E = outputDim(imageSpec, 'embedding', 1);
  if (E === undefined) fail(`image_encoder.outputs must include 'embedding' [batch,E] float32`);
  expectIo(imageSpec.inputs, 'pixels', 'float32', image, 'image_encoder.inputs');
  expectIo(imageSpec.outputs, 'embedding', 'float32', ['batch', E], 'image_encoder.outputs');
  expectIo(m.text_encoder.outputs, 'pooled', 'float32', ['batch', E], 'text_encoder.outputs (with an image_encoder)');
  const image_encoder: ImageEncoderSpec = { ...imageSpec, embedDim: E };
  return { ...rest, image_encoder };
}

/** [L, D] of the text encoder's hidden states, which the U-Net takes as context [B, L, D]. */
export function contextShape(manifest: Manifest): ContextShape {
  const hidden = manifest.text_encoder.outputs.find((o) => o.name === 'hidden_states');
  return { length: manifest.tokenizer.max_length, width: hidden!.shape[2] as number };
}

/** The part of an onnxruntime InferenceSession that checkIoSpec reads (no onnxruntime import here). */
export interface SessionIo {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Present in onnxruntime >= 1.21; `shape` is empty when the model does not declare it. */
  readonly inputMetadata?: readonly SessionValueMetadata[];
  readonly outputMetadata?: readonly SessionValueMetadata[];
}

/** An onnxruntime ValueMetadata, structurally. */
export interface SessionValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: ReadonlyArray<number | string>;
}

/**
 * A manifest dim against a model dim: a named manifest dim ("batch") needs a dynamic model dim
 * (a name or -1); a size matches the same size or a dynamic dim.
 */
function dimMatches(want: number | string, got: number | string): boolean {
  if (typeof got === 'string' || got < 0) return true;
  return typeof want === 'number' && got === want;
}

/**
 * Throws unless a loaded session's inputs and outputs are exactly the manifest's: same names and,
 * where the session declares them, the same dtypes and sizes (a symbolic manifest dim such as
 * "batch" must be dynamic in the model). `file` names the model in the error, e.g. "unet.onnx".
 */
export function checkIoSpec(file: string, spec: Pick<ModelSpec, 'inputs' | 'outputs'>, session: SessionIo): void {
  const sides = [
    ['input', spec.inputs, session.inputNames, session.inputMetadata],
    ['output', spec.outputs, session.outputNames, session.outputMetadata],
  ] as const;
  for (const [kind, expected, names, metadata] of sides) {
    const want = expected.map((io) => io.name);
    const missing = want.filter((n) => !names.includes(n));
    const extra = names.filter((n) => !want.includes(n));
    if (missing.length > 0 || extra.length > 0) {
      throw new Error(`${file}: expected ${kind}s ${show(want)} (manifest.json), the model has ${show(names)}`);
    }
    for (const io of expected) {
      const meta = metadata?.find((x) => x.name === io.name);
      if (!meta) continue;
      const shape = meta.shape ?? []; // empty: the model does not declare it
      const sizeOk = shape.length === 0 || (shape.length === io.shape.length && shape.every((d, i) => dimMatches(io.shape[i], d)));
      if (!meta.isTensor || (meta.type !== undefined && meta.type !== io.dtype) || !sizeOk) {
        const got = meta.isTensor ? `[${shape.join(',')}] ${meta.type}` : 'a non-tensor';
        throw new Error(`${file}: expected ${kind} '${io.name}' ${fmt(io)}, got ${got}`);
      }
    }
  }
}
