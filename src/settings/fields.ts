/**
 * Every setting a link carries, in one declarative table: its name (the URL key, and the field's name
 * everywhere else: the store, the worker request, the pipeline), how it is read, its default and range.
 * The types below are derived from the table, so a new field is added here once.
 */
import { SAMPLERS } from '../diffusion/sampler.ts';
import { SPACINGS } from '../diffusion/spacing.ts';

/** What a generation starts from: pure noise, a noised image (img2img), or an image with a part kept (inpaint). */
export const START_MODES = ['noise', 'img2img', 'inpaint'] as const;
export type StartMode = (typeof START_MODES)[number];

/** Which half of the source image inpainting keeps (the rest is regenerated). */
export const KEEP_HALVES = ['left', 'right', 'top', 'bottom'] as const;
export type KeepHalf = (typeof KEEP_HALVES)[number];

/** What inpainting keeps: a half, or 'mask', the mask painted on the forward panel (the `mask` field). */
export const KEEP_CHOICES = [...KEEP_HALVES, 'mask'] as const;
export type KeepChoice = (typeof KEEP_CHOICES)[number];

/** One field: its key, how to read it, its default and (for numbers) its range. */
export type Field =
  | { name: string; type: 'string'; default: string; maxLength: number }
  | { name: string; type: 'int' | 'float'; default: number; min: number; max: number }
  | { name: string; type: 'enum'; default: string; values: readonly string[] }
  /** A painted mask, `encodeMask`'s text ('' = none); read only if it decodes to a square mask. */
  | { name: string; type: 'mask'; default: '' };

const SAMPLER_NAMES = SAMPLERS.map((s) => s.name);

/** Every field of a link, in the order the hash is written. Defaults follow the model contract's `defaults`. */
export const URL_FIELDS = [
  { name: 'prompt', type: 'string', default: 'cat face', maxLength: 500 },
  { name: 'seed', type: 'int', default: 1, min: 0, max: 4294967295 }, // uint32, as the rng takes it
  { name: 'steps', type: 'int', default: 30, min: 1, max: 100 }, // time per step: docs/benchmark.md
  { name: 'guidance', type: 'float', default: 4, min: 0, max: 20 }, // classifier-free guidance scale
  { name: 't', type: 'int', default: 500, min: 0, max: 999 }, // the forward panel's timestep
  { name: 'sampler', type: 'enum', default: 'ddim', values: SAMPLER_NAMES },
  { name: 'spacing', type: 'enum', default: 'trailing', values: SPACINGS }, // karras: euler-a, dpmpp-2m only
  { name: 'eta', type: 'float', default: 0, min: 0, max: 1 }, // DDIM's eta (other samplers ignore it)
  { name: 'rescale', type: 'float', default: 0, min: 0, max: 1 }, // guidance rescale phi (0 = off)
  { name: 'negative', type: 'string', default: '', maxLength: 500 }, // negative prompt ("" = the model's own)
  { name: 'start', type: 'enum', default: 'noise', values: START_MODES }, // what the run starts from
  { name: 'strength', type: 'float', default: 0.6, min: 0.05, max: 1 }, // img2img: share of the steps run
  { name: 'keep', type: 'enum', default: 'left', values: KEEP_CHOICES }, // inpaint: the half kept, or 'mask'
  { name: 'mask', type: 'mask', default: '' }, // keep=mask: the painted mask (1 = keep), RLE + base64url
  // The forward panel's image: a sample's index ("0", "1", ...) or "run", the image a run generated
  // from noise with the src_* settings below, so a link rebuilds it before running its own settings.
  { name: 'src', type: 'string', default: '0', maxLength: 8 },
  { name: 'src_prompt', type: 'string', default: 'cat face', maxLength: 500 },
  { name: 'src_seed', type: 'int', default: 1, min: 0, max: 4294967295 },
  { name: 'src_steps', type: 'int', default: 30, min: 1, max: 100 },
  { name: 'src_guidance', type: 'float', default: 4, min: 0, max: 20 },
  { name: 'src_sampler', type: 'enum', default: 'ddim', values: SAMPLER_NAMES },
  { name: 'src_spacing', type: 'enum', default: 'trailing', values: SPACINGS },
  { name: 'src_eta', type: 'float', default: 0, min: 0, max: 1 },
  { name: 'src_rescale', type: 'float', default: 0, min: 0, max: 1 },
  { name: 'src_negative', type: 'string', default: '', maxLength: 500 },
  // A branch: after step fork+1 (fork is the 0-based index of the last shared step; -1 = no branch) the
  // run goes on with these settings; fork_seed -1 keeps the parent's noise generator.
  { name: 'fork', type: 'int', default: -1, min: -1, max: 98 },
  { name: 'fork_prompt', type: 'string', default: '', maxLength: 500 },
  { name: 'fork_negative', type: 'string', default: '', maxLength: 500 },
  { name: 'fork_guidance', type: 'float', default: 4, min: 0, max: 20 },
  { name: 'fork_seed', type: 'int', default: -1, min: -1, max: 4294967295 },
  // Compare (A/B): cmp=1 runs a second run B beside the main settings' run A. B takes A's other
  // settings; these are its own. The defaults are the model's defaults with the next seed.
  { name: 'cmp', type: 'int', default: 0, min: 0, max: 1 },
  { name: 'b_prompt', type: 'string', default: 'cat face', maxLength: 500 },
  { name: 'b_seed', type: 'int', default: 2, min: 0, max: 4294967295 },
  { name: 'b_steps', type: 'int', default: 30, min: 1, max: 100 },
  { name: 'b_guidance', type: 'float', default: 4, min: 0, max: 20 },
  { name: 'b_sampler', type: 'enum', default: 'ddim', values: SAMPLER_NAMES },
] as const satisfies readonly Field[];

type FieldValue<F> = F extends { type: 'enum'; values: readonly (infer V)[] } ? V : F extends { type: 'int' | 'float' } ? number : string;

/** The values of a link: one property per field of URL_FIELDS, named and typed by it. */
export type UrlState = { -readonly [F in (typeof URL_FIELDS)[number] as F['name']]: FieldValue<F> };
export type UrlKey = keyof UrlState;

/**
 * The fields that make a run: what the pipeline takes and the worker request carries, as they are.
 * (The others place the forward panel, name a source run, or set up a comparison.)
 */
export const RUN_KEYS = [
  'prompt', 'seed', 'steps', 'guidance', 'sampler', 'spacing', 'eta', 'rescale', 'negative',
  'start', 'strength', 'keep', 'mask', 'fork', 'fork_prompt', 'fork_negative', 'fork_guidance', 'fork_seed',
] as const satisfies readonly UrlKey[];
export type RunKey = (typeof RUN_KEYS)[number];

/** One run's settings (see RUN_KEYS). */
export type RunSettings = Pick<UrlState, RunKey>;

/** Run B's own settings in a comparison (cmp=1), the rest being A's. */
export const COMPARE_KEYS = ['b_prompt', 'b_seed', 'b_steps', 'b_guidance', 'b_sampler'] as const satisfies readonly UrlKey[];
export type CompareSettings = Pick<UrlState, (typeof COMPARE_KEYS)[number]>;

/** The field named `name`. */
export function fieldOf(name: UrlKey): Field {
  return URL_FIELDS.find((f) => f.name === name)!;
}

/** The defaults of every field. */
export function defaultUrlState(): UrlState {
  return Object.fromEntries(URL_FIELDS.map((f) => [f.name, f.default])) as UrlState;
}

/** `values` reduced to the keys in `keys`. */
export function pick<T extends object, K extends keyof T>(values: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, values[k]])) as Pick<T, K>;
}

/** A run's settings: the defaults with `change` over them. */
export function runSettings(change: Partial<RunSettings> = {}): RunSettings {
  return { ...pick(defaultUrlState(), RUN_KEYS), ...change };
}

/**
 * A number for field `name` clamped to its range and rounded when the field is whole; a value that is
 * not a finite number gives the field's default.
 */
export function clampNumber(name: UrlKey, value: number): number {
  const field = fieldOf(name);
  if (field.type !== 'int' && field.type !== 'float') throw new TypeError(`${name} is not a number field`);
  if (!Number.isFinite(value)) return field.default;
  const v = field.type === 'int' ? Math.round(value) : value;
  return Math.min(field.max, Math.max(field.min, v));
}
