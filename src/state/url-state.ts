/**
 * The page's shareable state in the URL hash, e.g.
 * `#prompt=cat%20face&seed=1&steps=30&guidance=4&t=500&sampler=dpmpp-2m&spacing=karras&eta=0&rescale=0.7&negative=
 * &start=img2img&strength=0.6&keep=left&mask=&src=run&src_prompt=...`.
 * One declarative table both parses and serialises, so a link reproduces a run. Both are total
 * functions: parsing never throws (a broken value falls back to its default, numbers out of range are
 * clamped, and each is reported), and writing never throws (lone UTF-16 surrogates, which make
 * `encodeURIComponent` throw, become U+FFFD; values outside the table are written as the parser would
 * read them). Strings are cut at whole code points, never inside a surrogate pair.
 */
import { SAMPLERS, supportsSpacing, type SamplerName } from '../diffusion/sampler.ts';
import { SPACINGS, type Spacing } from '../diffusion/spacing.ts';
import { decodeSquareMask } from '../diffusion/mask-codec.ts';

/** What a generation starts from: pure noise, a noised image (img2img), or an image with half kept (inpaint). */
export const START_MODES = ['noise', 'img2img', 'inpaint'] as const;
export type StartMode = (typeof START_MODES)[number];

/** Which half of the source image inpainting keeps (the rest is regenerated). */
export const KEEP_HALVES = ['left', 'right', 'top', 'bottom'] as const;
export type KeepHalf = (typeof KEEP_HALVES)[number];

/** What inpainting keeps: a half, or 'mask', the mask painted on the forward panel (the `mask` field). */
export const KEEP_CHOICES = [...KEEP_HALVES, 'mask'] as const;
export type KeepChoice = (typeof KEEP_CHOICES)[number];

/** One field of the hash: its key, how to read it, its default and (for numbers) its range. */
export type UrlField =
  | { name: string; type: 'string'; default: string; maxLength: number }
  | { name: string; type: 'int' | 'float'; default: number; min: number; max: number }
  | { name: string; type: 'enum'; default: string; values: readonly string[] }
  /** A painted mask, `encodeMask`'s text ('' = none); read only if it decodes to a square mask. */
  | { name: string; type: 'mask'; default: '' };

/** Every field the hash carries. Defaults follow the model contract's `defaults`. */
export const URL_FIELDS = [
  { name: 'prompt', type: 'string', default: 'cat face', maxLength: 500 },
  { name: 'seed', type: 'int', default: 1, min: 0, max: 4294967295 }, // uint32, as the rng takes it
  { name: 'steps', type: 'int', default: 30, min: 1, max: 100 }, // time per step: docs/benchmark.md
  { name: 'guidance', type: 'float', default: 4, min: 0, max: 20 }, // classifier-free guidance scale
  { name: 't', type: 'int', default: 500, min: 0, max: 999 }, // forward-process timestep
  { name: 'sampler', type: 'enum', default: 'ddim', values: SAMPLERS.map((s) => s.name) },
  { name: 'spacing', type: 'enum', default: 'trailing', values: SPACINGS }, // karras: euler-a, dpmpp-2m only
  { name: 'eta', type: 'float', default: 0, min: 0, max: 1 }, // DDIM's eta (other samplers ignore it)
  { name: 'rescale', type: 'float', default: 0, min: 0, max: 1 }, // guidance rescale phi
  { name: 'negative', type: 'string', default: '', maxLength: 500 }, // negative prompt
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
  { name: 'src_sampler', type: 'enum', default: 'ddim', values: SAMPLERS.map((s) => s.name) },
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
  { name: 'b_sampler', type: 'enum', default: 'ddim', values: SAMPLERS.map((s) => s.name) },
] as const satisfies readonly UrlField[];

/** The values of the hash, typed from the table. */
export interface UrlState {
  prompt: string;
  seed: number;
  steps: number;
  guidance: number;
  t: number;
  sampler: SamplerName;
  spacing: Spacing;
  eta: number;
  rescale: number;
  negative: string;
  start: StartMode;
  /** img2img strength in 0.05..1. */
  strength: number;
  keep: KeepChoice;
  /** With keep=mask: the painted mask as `encodeMask` writes it; '' otherwise. */
  mask: string;
  /** The forward panel's image: a sample index as text, or "run" (rebuilt from the src_* settings). */
  src: string;
  src_prompt: string;
  src_seed: number;
  src_steps: number;
  src_guidance: number;
  src_sampler: SamplerName;
  src_spacing: Spacing;
  src_eta: number;
  src_rescale: number;
  src_negative: string;
  /** Last step shared with the parent (0-based), or -1 for no branch. */
  fork: number;
  fork_prompt: string;
  fork_negative: string;
  fork_guidance: number;
  /** Seed of the branch's later noise, or -1 to keep the parent's generator. */
  fork_seed: number;
  /** 1 = compare mode (run B beside A), 0 = off. */
  cmp: number;
  b_prompt: string;
  b_seed: number;
  b_steps: number;
  b_guidance: number;
  b_sampler: SamplerName;
}

export type UrlKey = keyof UrlState;

/** The result of reading a hash: every value, which keys were given, and what was wrong. */
export interface ParsedUrlState {
  values: UrlState;
  /** Keys present in the hash with a usable value. */
  present: UrlKey[];
  /** One line per broken value, e.g. `steps: "abc" is not a whole number; using 30`. */
  problems: string[];
}

/** The defaults of every field. */
export function defaultUrlState(): UrlState {
  const out: Record<string, string | number> = {};
  for (const f of URL_FIELDS) out[f.name] = f.default;
  return out as unknown as UrlState;
}

/** Reads `#a=1&b=2` (leading '#' optional). Never throws. */
export function parseUrlState(hash: string): ParsedUrlState {
  const values = defaultUrlState() as unknown as Record<string, string | number>;
  const present: UrlKey[] = [];
  const problems: string[] = [];
  const raw = readPairs(hash, problems);
  for (const field of URL_FIELDS) {
    const text = raw.get(field.name);
    if (text === undefined) continue;
    const result = readField(field, text);
    if (result.problem) problems.push(`${field.name}: ${result.problem}`);
    if (result.value !== undefined) {
      values[field.name] = result.value;
      present.push(field.name);
    }
  }
  // Across fields: Karras spacing needs a sampler that works in sigma.
  const state = values as unknown as UrlState;
  if (!supportsSpacing(state.sampler, state.spacing)) {
    problems.push(`spacing: ${state.spacing} does not work with ${state.sampler}; using trailing`);
    state.spacing = 'trailing';
    if (present.includes('spacing')) present.splice(present.indexOf('spacing'), 1);
  }
  // A painted mask goes with keep=mask only: without one there is nothing to keep, and with a half it is unused.
  if (state.keep === 'mask' && state.mask === '') {
    problems.push('keep: "mask" needs a painted mask in the mask field; using left');
    state.keep = 'left';
    if (present.includes('keep')) present.splice(present.indexOf('keep'), 1);
  }
  if (state.keep !== 'mask' && state.mask !== '') {
    state.mask = '';
    if (present.includes('mask')) present.splice(present.indexOf('mask'), 1);
  }
  return { values: state, present, problems };
}

/**
 * Writes every field, in table order, as `prompt=...&seed=...` (no leading '#'). Never throws: a value
 * the table does not allow (a lone surrogate, NaN, out of range, too long) is written as the parser
 * would read it, so the hash always reads back without problems.
 */
export function serializeUrlState(state: UrlState): string {
  const given = (state ?? {}) as unknown as Record<string, unknown>;
  const text: Record<string, string> = {};
  for (const f of URL_FIELDS) text[f.name] = formatValue(f, given[f.name]);
  // The parser's cross-field rule, applied here too so the written hash reads back without problems.
  if (!supportsSpacing(text.sampler as SamplerName, text.spacing as Spacing)) text.spacing = 'trailing';
  if (text.keep === 'mask' && text.mask === '') text.keep = 'left';
  if (text.keep !== 'mask') text.mask = '';
  return URL_FIELDS.map((f) => `${f.name}=${encodeURIComponent(text[f.name])}`).join('&');
}

/** Replaces every lone UTF-16 surrogate by U+FFFD (what String.prototype.toWellFormed does), so `encodeURIComponent` cannot throw. */
export function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** The longest prefix of `text` of at most `maxUnits` UTF-16 units that does not end inside a surrogate pair. */
export function cutAtCodePoint(text: string, maxUnits: number): string {
  if (text.length <= maxUnits) return text;
  const cut = text.slice(0, Math.max(0, maxUnits));
  const last = cut.charCodeAt(cut.length - 1);
  // A high surrogate whose low half was cut off: drop it rather than leave half a character.
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/** Reads a number typed or linked for a field of range min..max; `fallback` is used when the text is no usable number. */
export function readNumber(
  text: string,
  range: { min: number; max: number; integer: boolean },
  fallback: number,
): { value?: number; problem?: string } {
  const shown = `"${shorten(text)}"`;
  const trimmed = text.trim();
  // + 0 turns -0 into 0, which is how the writer writes it.
  const number = (trimmed === '' ? NaN : Number(trimmed)) + 0;
  if (!Number.isFinite(number)) return { problem: `${shown} is not a number; using ${fallback}` };
  if (range.integer && !Number.isInteger(number)) return { problem: `${shown} is not a whole number; using ${fallback}` };
  if (number < range.min || number > range.max) {
    const clamped = Math.min(range.max, Math.max(range.min, number));
    return { value: clamped, problem: `${shorten(trimmed)} is outside ${range.min}..${range.max}; using ${clamped}` };
  }
  // Floats keep the 3 decimals the writer keeps, so what runs is what the rewritten link says.
  return { value: range.integer ? number : roundFloat(number) };
}

function readPairs(hash: string, problems: string[]): Map<string, string> {
  const pairs = new Map<string, string>();
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  for (const part of body.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : safeDecode(part.slice(eq + 1));
    if (key === null) continue;
    if (value === null) {
      problems.push(`${shorten(key)}: "${shorten(part.slice(eq + 1))}" is not valid URL encoding; using the default`);
      continue;
    }
    pairs.set(key, value); // a repeated key: the last one wins
  }
  return pairs;
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

function readField(field: UrlField, text: string): { value?: string | number; problem?: string } {
  if (field.type === 'string') {
    const clean = wellFormed(text);
    const problem = clean !== text ? 'had broken characters (lone surrogates); replaced by U+FFFD' : undefined;
    if (clean.length <= field.maxLength) return { value: clean, problem };
    return { value: cutAtCodePoint(clean, field.maxLength), problem: `longer than ${field.maxLength} characters; cut` };
  }
  if (field.type === 'enum') {
    if (field.values.includes(text)) return { value: text };
    return { problem: `"${shorten(text)}" is not one of ${field.values.join(', ')}; using ${field.default}` };
  }
  if (field.type === 'mask') {
    if (text === '') return { value: '' };
    const problem = maskProblem(text);
    return problem ? { problem: `${problem}; using no mask` } : { value: text };
  }
  return readNumber(text, { min: field.min, max: field.max, integer: field.type === 'int' }, field.default);
}

/** The last mask text checked and its verdict: the hash is written on every store change, the mask rarely changes. */
let checked: { text: string; problem: string | null } | null = null;

/** Why `text` is no usable painted mask (decodeSquareMask's message), or null when it is one. */
function maskProblem(text: string): string | null {
  if (checked?.text !== text) {
    let problem: string | null = null;
    try {
      decodeSquareMask(text);
    } catch (err) {
      // decodeSquareMask says "mask: ..."; the field name is added by the caller.
      problem = (err instanceof Error ? err.message : String(err)).replace(/^mask: /, '');
    }
    checked = { text, problem };
  }
  return checked.problem;
}

/** At most 40 code points of `text` for a message, well-formed. */
function shorten(text: string): string {
  const clean = wellFormed(text);
  const cut = cutAtCodePoint(clean, 40);
  return cut.length < clean.length ? `${cut}...` : cut;
}

const roundFloat = (value: number) => Number(value.toFixed(3));

function formatValue(field: UrlField, value: unknown): string {
  if (field.type === 'string') return cutAtCodePoint(wellFormed(typeof value === 'string' ? value : field.default), field.maxLength);
  if (field.type === 'enum') return typeof value === 'string' && field.values.includes(value) ? value : field.default;
  if (field.type === 'mask') return typeof value === 'string' && value !== '' && maskProblem(value) === null ? value : '';
  let n = typeof value === 'number' && Number.isFinite(value) ? value : field.default;
  n = Math.min(field.max, Math.max(field.min, field.type === 'int' ? Math.round(n) : n));
  // Floats: at most 3 decimals, no trailing zeros ("4", "7.5"), so links stay short and stable.
  return String(field.type === 'float' ? roundFloat(n) : n);
}

/**
 * The hash to open with. On a reload, this tab's latest settings (`draft`, from sessionStorage): the
 * hash itself is written at most every 100 ms (syncHash in controller.ts), and a reload starts from the
 * URL as it was when the reload began, so text typed just before it could be lost. Any other
 * navigation (a link, a new tab, back/forward) opens what its URL says.
 */
export function openingHash(hash: string, navigationType: string | undefined, draft: string | null): string {
  return navigationType === 'reload' && draft !== null ? `#${draft}` : hash;
}
