/**
 * The page's shareable state in the URL hash, e.g.
 * `#prompt=cat%20face&seed=1&steps=30&guidance=4&t=500&sampler=dpmpp-2m&spacing=karras&eta=0&rescale=0.7&negative=
 * &start=img2img&strength=0.6&keep=left&mask=&src=run&src_prompt=...`.
 * One declarative table (src/settings/fields.ts) both parses and serialises, so a link reproduces a run. Both are total
 * functions: parsing never throws (a broken value falls back to its default, numbers out of range are
 * clamped, and each is reported), and writing never throws (lone UTF-16 surrogates, which make
 * `encodeURIComponent` throw, become U+FFFD; values outside the table are written as the parser would
 * read them). Strings are cut at whole code points, never inside a surrogate pair.
 */
import { supportsSpacing } from '../diffusion/sampler.ts';
import { decodeSquareMask } from '../diffusion/mask-codec.ts';
import { defaultUrlState, URL_FIELDS, type Field, type UrlKey, type UrlState } from '../settings/fields.ts';

/** The result of reading a hash: every value, which keys were given, and what was wrong. */
export interface ParsedUrlState {
  values: UrlState;
  /** Keys present in the hash with a usable value. */
  present: UrlKey[];
  /** One line per broken value, e.g. `steps: "abc" is not a whole number; using 30`. */
  problems: string[];
}

/** Reads `#a=1&b=2` (leading '#' optional). Never throws. */
export function parseUrlState(hash: string): ParsedUrlState {
  const values = defaultUrlState() as Record<string, string | number>;
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
  if (!supportsSpacing(text.sampler as UrlState['sampler'], text.spacing as UrlState['spacing'])) text.spacing = 'trailing';
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

function readField(field: Field, text: string): { value?: string | number; problem?: string } {
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

function formatValue(field: Field, value: unknown): string {
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
 * hash itself is written at most every 100 ms (syncHash in app/hash-sync.ts), and a reload starts from the
 * URL as it was when the reload began, so text typed just before it could be lost. Any other
 * navigation (a link, a new tab, back/forward) opens what its URL says.
 */
export function openingHash(hash: string, navigationType: string | undefined, draft: string | null): string {
  return navigationType === 'reload' && draft !== null ? `#${draft}` : hash;
}
