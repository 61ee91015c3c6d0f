/**
 * Types and validation for public/models/manifest.json, the contract between training/ and the page
 * (docs/model-contract.md). Field names mirror the JSON. A missing or inconsistent field throws a
 * short, specific error ("manifest.json: schedule.alphas_cumprod must have 1000 numbers, got 999"),
 * never a silent default.
 */
import type { NoiseSchedule } from '../diffusion/schedule.ts';
import type { FileIntegrity } from './integrity.ts';

/** One model input or output: a dimension is a size or a symbolic name such as "batch". */
export interface IoSpec {
  name: string;
  dtype: 'float32' | 'int32' | 'int64' | 'float16';
  shape: (number | string)[];
}

/** An ONNX file (name, size and SHA-256, see FileIntegrity) and its inputs and outputs. */
export interface ModelSpec extends FileIntegrity {
  inputs: IoSpec[];
  outputs: IoSpec[];
}

/** The U-Net's spec, with its size and cost. */
export interface UnetSpec extends ModelSpec {
  /** Number of trainable parameters. */
  parameters: number;
  /** Forward-pass cost per image per step, in GFLOPs. */
  gflops_per_image: number;
}

/**
 * The CLIP image encoder (optional): pixels [B, 3, H, W] in [-1, 1] -> unit-length embedding [B, E],
 * comparable by cosine with the text encoder's `pooled` output [B, E] (normalised).
 */
export interface ImageEncoderSpec extends ModelSpec {
  /** Size of the joint embedding, E. */
  embedDim: number;
}

/** A shipped sample image (name, size and SHA-256) and its caption. */
export interface SampleImage extends FileIntegrity {
  caption: string;
  /** Where the training image of this concept came from (attribution). */
  source?: string;
  /** SPDX licence of that source. */
  license?: string;
}

/** One training-data package and its licence. */
export interface DataSource {
  package: string;
  version: string;
  license: string;
  attribution: string;
  /** What the package contributed, e.g. "captions". */
  role?: string;
}

/** Parsed manifest.json. */
export interface Manifest {
  format_version: 1;
  name: string;
  /** Image side in pixels (square). */
  resolution: number;
  /** Image channels (3: RGB, CHW layout, values in [-1, 1]). */
  channels: 3;
  prediction_type: 'v_prediction';
  schedule: NoiseSchedule;
  tokenizer: TokenizerSpec;
  text_encoder: ModelSpec;
  unet: UnetSpec;
  /** Present when the model ships an image encoder: the page scores how well x̂0 matches the prompt. */
  image_encoder?: ImageEncoderSpec;
  /** The prompt whose encoding is the unconditional branch of classifier-free guidance. */
  uncond_prompt: string;
  defaults: { steps: number; guidance: number; seed: number; prompt: string };
  samples: SampleImage[];
  data: { sources: DataSource[]; images: number; concepts: number };
  training: Record<string, unknown>;
  metrics: Record<string, unknown>;
  model_card: string;
}

/** tokenizer.json (name, size and SHA-256) and how it tokenizes. */
export interface TokenizerSpec extends FileIntegrity {
  type: 'word-fnv1a';
  /** Tokens per prompt, L. */
  max_length: number;
}

/**
 * The most bytes one file may have (1 GiB). The page allocates a file's buffer from the manifest's
 * size before downloading it, so a bound here turns an absurd size into a clear error, not a RangeError.
 */
export const MAX_FILE_BYTES = 2 ** 30;

/**
 * A file name the page and CLI accept: a plain name, optionally inside one folder ("samples/x.png").
 * Each part starts with a letter or digit and holds only letters, digits, '.', '_' and '-': no
 * absolute paths, no "..", no backslashes, no "//" or ':' (a URL or another host), no '%' escapes.
 */
export const FILE_NAME = /^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,127}\/)?[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The size of the text encoder's hidden states and the U-Net's context, [B, L, D]. */
export interface ContextShape {
  /** Tokens per prompt, L. */
  length: number;
  /** Hidden size, D. */
  width: number;
}

type Json = Record<string, unknown>;

class ManifestError extends Error {
  constructor(message: string) {
    super(`manifest.json: ${message}`);
    this.name = 'ManifestError';
  }
}

const show = (value: unknown) => {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ManifestError(`${path} must be an object, got ${show(value)}`);
  }
  return value as Json;
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new ManifestError(`${path} must be an array, got ${show(value)}`);
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new ManifestError(`${path} must be a string, got ${show(value)}`);
  return value;
}

function fileName(value: unknown, path: string): string {
  const name = string(value, path);
  // An allow-list, not a deny-list: resolved against the models URL, anything else could leave it.
  if (!FILE_NAME.test(name)) {
    throw new ManifestError(
      `${path} must be a plain file name (letters, digits, '.', '_', '-'; at most one folder, no '..', '\\', ':' or '//'), got ${show(value)}`,
    );
  }
  return name;
}

/** `file`, `bytes` (1..MAX_FILE_BYTES) and `sha256` of one file entry at `path`. */
function fileEntry(value: unknown, path: string): FileIntegrity {
  const m = object(value, path);
  const file = fileName(m.file, `${path}.file`);
  const bytes = m.bytes;
  if (typeof bytes === 'number' && Number.isInteger(bytes) && bytes > MAX_FILE_BYTES) {
    throw new ManifestError(`${path}.bytes = ${bytes} for ${file} is over the ${MAX_FILE_BYTES}-byte (1 GiB) limit for one file`);
  }
  integer(bytes, `${path}.bytes`, 1, MAX_FILE_BYTES);
  const sha256 = string(m.sha256, `${path}.sha256`);
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new ManifestError(`${path}.sha256 must be 64 lower-case hex digits, got ${show(sha256)}`);
  return { file, bytes: bytes as number, sha256 };
}

function number(value: unknown, path: string, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = min === -Infinity && max === Infinity ? '' : ` in ${min}..${max}`;
    throw new ManifestError(`${path} must be a finite number${range}, got ${show(value)}`);
  }
  return value;
}

function integer(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ManifestError(`${path} must be an integer in ${min}..${max}, got ${show(value)}`);
  }
  return value;
}

function literal<T>(value: unknown, expected: T, path: string): T {
  if (value !== expected) throw new ManifestError(`${path} must be ${show(expected)}, got ${show(value)}`);
  return expected;
}

function parseSchedule(value: unknown): NoiseSchedule {
  const s = object(value, 'schedule');
  const T = integer(s.num_train_timesteps, 'schedule.num_train_timesteps', 2);
  const raw = array(s.alphas_cumprod, 'schedule.alphas_cumprod');
  if (raw.length !== T) {
    throw new ManifestError(`schedule.alphas_cumprod must have ${T} numbers, got ${raw.length}`);
  }
  const table = new Float64Array(T); // [T]
  for (let t = 0; t < T; t++) {
    // ab < 1 keeps sqrt(1 - ab) > 0, which DDIM divides by; a schedule only ever removes signal.
    const path = `schedule.alphas_cumprod[${t}]`;
    const ab = raw[t];
    if (typeof ab !== 'number' || !(ab >= 0 && ab < 1)) {
      throw new ManifestError(`${path} must be a number in [0, 1), got ${show(ab)}`);
    }
    if (t > 0 && ab > table[t - 1]) {
      throw new ManifestError(`${path} = ${ab} is above the previous value ${table[t - 1]}: must not increase`);
    }
    table[t] = ab;
  }
  return { type: string(s.type, 'schedule.type'), num_train_timesteps: T, alphas_cumprod: table };
}

const DTYPES = ['float32', 'int32', 'int64', 'float16'];

function parseIo(value: unknown, path: string): IoSpec {
  const io = object(value, path);
  const name = string(io.name, `${path}.name`);
  const dtype = string(io.dtype, `${path}.dtype`);
  if (!DTYPES.includes(dtype)) throw new ManifestError(`${path}.dtype must be one of ${DTYPES.join(', ')}, got ${show(dtype)}`);
  const shape = array(io.shape, `${path}.shape`).map((d, i) => {
    if (typeof d === 'string' && d !== '') return d;
    return integer(d, `${path}.shape[${i}]`, 1);
  });
  return { name, dtype: dtype as IoSpec['dtype'], shape };
}

function parseModel(value: unknown, path: string): ModelSpec {
  const m = object(value, path);
  return {
    ...fileEntry(m, path),
    inputs: array(m.inputs, `${path}.inputs`).map((io, i) => parseIo(io, `${path}.inputs[${i}]`)),
    outputs: array(m.outputs, `${path}.outputs`).map((io, i) => parseIo(io, `${path}.outputs[${i}]`)),
  };
}

const fmt = (io: Pick<IoSpec, 'dtype' | 'shape'>) => `[${io.shape.join(',')}] ${io.dtype}`;

/** Requires `io` named `name` in `list`, with this dtype and shape (a string dim matches any string). */
function expectIo(list: IoSpec[], name: string, dtype: IoSpec['dtype'], shape: (number | string)[], path: string) {
  const io = list.find((x) => x.name === name);
  if (!io) throw new ManifestError(`${path} must include '${name}' ${fmt({ dtype, shape })}, has ${show(list.map((x) => x.name))}`);
  const sameShape =
    io.shape.length === shape.length &&
    io.shape.every((d, i) => (typeof shape[i] === 'string' ? typeof d === 'string' : d === shape[i]));
  if (io.dtype !== dtype || !sameShape) {
    throw new ManifestError(`${path} '${name}' must be ${fmt({ dtype, shape })}, got ${fmt(io)}`);
  }
}

/**
 * Validates a parsed manifest.json and returns it typed, with alphas_cumprod as a Float64Array.
 * Checks every field the page uses, and that the two models' shapes agree with each other, the
 * tokenizer and the resolution. Throws ManifestError ("manifest.json: ...") on the first problem.
 */
export function parseManifest(json: unknown): Manifest {
  const m = object(json, '(root)');
  literal(m.format_version, 1, 'format_version');
  const resolution = integer(m.resolution, 'resolution', 1, 4096);
  const channels = literal(m.channels, 3 as const, 'channels');
  const schedule = parseSchedule(m.schedule);
  const T = schedule.num_train_timesteps;

  const tok = object(m.tokenizer, 'tokenizer');
  const tokenizer: TokenizerSpec = {
    ...fileEntry(tok, 'tokenizer'),
    type: literal(tok.type, 'word-fnv1a' as const, 'tokenizer.type'),
    max_length: integer(tok.max_length, 'tokenizer.max_length', 3, 4096),
  };
  const L = tokenizer.max_length;

  const textEncoder = parseModel(m.text_encoder, 'text_encoder');
  const unetBase = parseModel(m.unet, 'unet');
  const u = object(m.unet, 'unet');
  const unet: UnetSpec = {
    ...unetBase,
    parameters: integer(u.parameters, 'unet.parameters', 1),
    gflops_per_image: number(u.gflops_per_image, 'unet.gflops_per_image', 0),
  };

  // Cross-model shapes: ids [B, L] -> hidden states [B, L, D] -> U-Net context [B, L, D].
  expectIo(textEncoder.inputs, 'input_ids', 'int32', ['batch', L], 'text_encoder.inputs');
  const hidden = textEncoder.outputs.find((o) => o.name === 'hidden_states');
  const D = hidden?.shape[2];
  if (typeof D !== 'number') {
    throw new ManifestError(`text_encoder.outputs must include 'hidden_states' [batch,${L},D] float32`);
  }
  expectIo(textEncoder.outputs, 'hidden_states', 'float32', ['batch', L, D], 'text_encoder.outputs');
  const image = ['batch', channels, resolution, resolution];
  expectIo(unet.inputs, 'sample', 'float32', image, 'unet.inputs');
  expectIo(unet.inputs, 'timestep', 'float32', ['batch'], 'unet.inputs');
  expectIo(unet.inputs, 'encoder_hidden_states', 'float32', ['batch', L, D], 'unet.inputs');
  expectIo(unet.outputs, 'v', 'float32', image, 'unet.outputs');

  let imageEncoder: ImageEncoderSpec | undefined;
  if (m.image_encoder !== undefined) {
    const base = parseModel(m.image_encoder, 'image_encoder');
    const emb = base.outputs.find((o) => o.name === 'embedding');
    const E = emb?.shape[1];
    if (typeof E !== 'number') throw new ManifestError(`image_encoder.outputs must include 'embedding' [batch,E] float32`);
    expectIo(base.inputs, 'pixels', 'float32', image, 'image_encoder.inputs');
    expectIo(base.outputs, 'embedding', 'float32', ['batch', E], 'image_encoder.outputs');
    expectIo(textEncoder.outputs, 'pooled', 'float32', ['batch', E], 'text_encoder.outputs (with an image_encoder)');
    imageEncoder = { ...base, embedDim: E };
  }

  const d = object(m.defaults, 'defaults');
  const defaults = {
    steps: integer(d.steps, 'defaults.steps', 1, T),
    guidance: number(d.guidance, 'defaults.guidance', 0, 20),
    seed: integer(d.seed, 'defaults.seed', 0, 2 ** 32 - 1),
    prompt: string(d.prompt, 'defaults.prompt'),
  };

  const samples = array(m.samples, 'samples').map((value, i) => {
    const s = object(value, `samples[${i}]`);
    const sample: SampleImage = {
      ...fileEntry(s, `samples[${i}]`),
      caption: string(s.caption, `samples[${i}].caption`),
    };
    if (s.source !== undefined) sample.source = string(s.source, `samples[${i}].source`);
    if (s.license !== undefined) sample.license = string(s.license, `samples[${i}].license`);
    return sample;
  });

  const data = object(m.data, 'data');
  const sources = array(data.sources, 'data.sources').map((value, i) => {
    const s = object(value, `data.sources[${i}]`);
    const p = `data.sources[${i}]`;
    const source: DataSource = {
      package: string(s.package, `${p}.package`),
      version: string(s.version, `${p}.version`),
      license: string(s.license, `${p}.license`),
      attribution: string(s.attribution, `${p}.attribution`),
    };
    if (s.role !== undefined) source.role = string(s.role, `${p}.role`);
    return source;
  });

  return {
    format_version: 1,
    name: string(m.name, 'name'),
    resolution,
    channels,
    prediction_type: literal(m.prediction_type, 'v_prediction' as const, 'prediction_type'),
    schedule,
    tokenizer,
    text_encoder: textEncoder,
    unet,
    ...(imageEncoder ? { image_encoder: imageEncoder } : {}),
    uncond_prompt: string(m.uncond_prompt, 'uncond_prompt'),
    defaults,
    samples,
    data: {
      sources,
      images: integer(data.images, 'data.images', 0),
      concepts: integer(data.concepts, 'data.concepts', 0),
    },
    training: object(m.training, 'training'),
    metrics: object(m.metrics, 'metrics'),
    model_card: fileName(m.model_card, 'model_card'),
  };
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
