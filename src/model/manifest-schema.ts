/**
 * The schema of public/models/manifest.json, the contract between training/ and the page
 * (docs/model-contract.md), and the types inferred from it. Field names mirror the JSON. This checks
 * each field on its own; manifest.ts checks that the fields agree with each other.
 */
import * as v from 'valibot';
import type { NoiseSchedule } from '../diffusion/schedule.ts';
import { anyObject, arrayOf, finite, got, integer, literal, object, oneOf, show, string } from './json-fields.ts';

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

// An allow-list, not a deny-list: resolved against the models URL, anything else could leave it.
const fileNameMessage = got(`must be a plain file name (letters, digits, '.', '_', '-'; at most one folder, no '..', '\\', ':' or '//')`);
const fileName = v.pipe(v.string(fileNameMessage), v.regex(FILE_NAME, fileNameMessage));

/**
 * A file entry (name, size and SHA-256, see FileIntegrity) with `entries` besides. The size limit is
 * checked first, on the raw entry, so that its message can name the file.
 */
function fileEntry<E extends v.ObjectEntries>(entries: E) {
  const withinLimit = v.check(
    (f: Record<string, unknown>) => !Number.isInteger(f.bytes) || (f.bytes as number) <= MAX_FILE_BYTES,
    (issue) => `= ${show(issue.input.bytes)} for ${String(issue.input.file)} is over the ${MAX_FILE_BYTES}-byte (1 GiB) limit for one file`,
  );
  const fields = {
    file: fileName,
    bytes: integer(1, MAX_FILE_BYTES),
    sha256: v.pipe(string, v.regex(/^[0-9a-f]{64}$/, got('must be 64 lower-case hex digits'))),
  };
  return v.pipe(anyObject(), v.forward(withinLimit, ['bytes']), object({ ...fields, ...entries }));
}

const DTYPES = ['float32', 'int32', 'int64', 'float16'] as const;
const dimText = 'must be a dimension name or an integer >= 1';
const dim = got(dimText);

/** One model input or output: a dimension is a size or a symbolic name such as "batch". */
const ioSpec = object({
  name: string,
  dtype: oneOf(DTYPES),
  shape: arrayOf(v.union([v.pipe(v.string(dim), v.nonEmpty(dim)), integer(1, Number.MAX_SAFE_INTEGER, dimText)], dim)),
});

const io = { inputs: arrayOf(ioSpec), outputs: arrayOf(ioSpec) };

// ab < 1 keeps sqrt(1 - ab) > 0, which DDIM divides by; manifest.ts checks the length and the order.
const probability = got('must be a number in [0, 1)');
const schedule = object({
  /** Name of the schedule that produced the table, e.g. "cosine". Informational. */
  type: string,
  num_train_timesteps: integer(2),
  alphas_cumprod: v.pipe(
    arrayOf(v.pipe(v.number(probability), v.minValue(0, probability), v.ltValue(1, probability))),
    v.transform((table) => Float64Array.from(table)), // [T]
  ),
}) satisfies v.GenericSchema<unknown, NoiseSchedule>;

/** manifest.json as written, each field checked on its own (see parseManifest for the rest). */
export const manifestSchema = object(
  {
    format_version: literal(1),
    name: string,
    /** Image side in pixels (square). */
    resolution: integer(1, 4096),
    /** Image channels (3: RGB, CHW layout, values in [-1, 1]). */
    channels: literal(3),
    prediction_type: literal('v_prediction'),
    schedule,
    /** tokenizer.json and how it tokenizes. */
    tokenizer: fileEntry({
      type: literal('word-fnv1a'),
      /** Tokens per prompt, L. */
      max_length: integer(3, 4096),
    }),
    text_encoder: fileEntry(io),
    unet: fileEntry({
      ...io,
      /** Number of trainable parameters. */
      parameters: integer(1),
      /** Forward-pass cost per image per step, in GFLOPs. */
      gflops_per_image: finite(0),
    }),
    /**
     * The CLIP image encoder, when the model ships one: pixels [B, 3, H, W] in [-1, 1] -> unit-length
     * embedding [B, E], comparable by cosine with the text encoder's `pooled` output [B, E].
     */
    image_encoder: v.optional(fileEntry(io)),
    /** The prompt whose encoding is the unconditional branch of classifier-free guidance. */
    uncond_prompt: string,
    defaults: object({
      /** In 1..T, which parseManifest checks against the schedule. */
      steps: integer(-Infinity, Infinity, 'must be an integer'),
      guidance: finite(0, 20),
      seed: integer(0, 2 ** 32 - 1),
      prompt: string,
    }),
    samples: arrayOf(
      fileEntry({
        caption: string,
        /** Where the training image of this concept came from (attribution). */
        source: v.optional(string),
        /** SPDX licence of that source. */
        license: v.optional(string),
      }),
    ),
    data: object({
      sources: arrayOf(
        object({
          package: string,
          version: string,
          license: string,
          attribution: string,
          /** What the package contributed, e.g. "captions". */
          role: v.optional(string),
        }),
      ),
      images: integer(0),
      concepts: integer(0),
    }),
    training: anyObject(),
    metrics: anyObject(),
    model_card: fileName,
  },
  '(root) must be an object',
);

type ManifestJson = v.InferOutput<typeof manifestSchema>;

/** One model input or output (see ioSpec). */
export type IoSpec = v.InferOutput<typeof ioSpec>;

/** An ONNX file (name, size and SHA-256) and its inputs and outputs. */
export type ModelSpec = ManifestJson['text_encoder'];

/** The U-Net's spec, with its size and cost. */
export type UnetSpec = ManifestJson['unet'];

/** tokenizer.json (name, size and SHA-256) and how it tokenizes. */
export type TokenizerSpec = ManifestJson['tokenizer'];

/** A shipped sample image (name, size and SHA-256), its caption and attribution. */
export type SampleImage = ManifestJson['samples'][number];

/** One training-data package and its licence. */
export type DataSource = ManifestJson['data']['sources'][number];

/** The image encoder's spec, with the size of the joint embedding, E, read from its output. */
export type ImageEncoderSpec = ModelSpec & { embedDim: number };

/** Parsed manifest.json: as written, the schedule as a Float64Array, the image encoder with embedDim. */
export type Manifest = Omit<ManifestJson, 'image_encoder'> & { image_encoder?: ImageEncoderSpec };
