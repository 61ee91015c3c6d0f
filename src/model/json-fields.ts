/**
 * valibot building blocks for the model's JSON files (manifest.json, tokenizer.json), and the one
 * place that turns valibot's first issue into this project's error style:
 * "manifest.json: unet.inputs[1].dtype must be one of float32, int32, int64, float16, got "double"".
 * Every message here is written "must be ..., got <value>" so that the field path reads before it.
 */
import * as v from 'valibot';

/** A value as an error message shows it: its JSON (a number as itself, Infinity too), cut to 60 characters. */
export function show(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** An issue message "<what>, got <the value>", e.g. "must be a string, got 3". */
export const got = (what: string) => (issue: v.BaseIssue<unknown>) => `${what}, got ${show(issue.input)}`;

const isPlainObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Any JSON object (not null, not an array), kept as it is. */
export const anyObject = (what = 'must be an object') => v.custom<Record<string, unknown>>(isPlainObject, got(what));

/**
 * An object with these entries (others are dropped). Unlike valibot's own, it refuses arrays, and a
 * missing entry says what its schema says of undefined ("must be a string, got undefined").
 */
export function object<E extends v.ObjectEntries>(entries: E, what = 'must be an object') {
  const missing = (issue: v.BaseIssue<unknown>) => {
    const key = issue.path?.[0].key as keyof E;
    return v.safeParse(entries[key], undefined, { abortEarly: true }).issues?.[0].message ?? issue.message;
  };
  return v.pipe(anyObject(what), v.object(entries, missing));
}

/** An integer in min..max (`what` overrides the message). */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER, what = `must be an integer in ${min}..${max}`) {
  const m = got(what);
  return v.pipe(v.number(m), v.integer(m), v.minValue(min, m), v.maxValue(max, m));
}

/** A finite number in min..max. */
export function finite(min = -Infinity, max = Infinity) {
  const m = got(`must be a finite number${min === -Infinity && max === Infinity ? '' : ` in ${min}..${max}`}`);
  return v.pipe(v.number(m), v.finite(m), v.minValue(min, m), v.maxValue(max, m));
}

/** Any string. */
export const string = v.string(got('must be a string'));

/** Exactly `value`. */
export const literal = <T extends string | number>(value: T) => v.literal(value, got(`must be ${show(value)}`));

/** One of `values`. */
export const oneOf = <const T extends readonly string[]>(values: T) => v.picklist(values, got(`must be one of ${values.join(', ')}`));

/** An array of `item`. */
export const arrayOf = <T extends v.GenericSchema>(item: T) => v.array(item, got('must be an array'));

/** "unet.inputs[0].shape", "vocab["a b"]": the field an issue is about, "" for the whole file. */
function fieldOf(issue: v.BaseIssue<unknown>): string {
  const keys = (issue.path ?? []).map((p) => p.key);
  const parts = keys.map((k, i) =>
    typeof k === 'number' ? `[${k}]` : /^[A-Za-z_]\w*$/.test(String(k)) ? `${i ? '.' : ''}${String(k)}` : `[${show(k)}]`,
  );
  return parts.join('');
}

/**
 * `json` checked against `schema` and typed, or an Error "<file>: <field> <problem>" for the first
 * problem in schema order ("<file>: <problem>" for the whole file, so its object's message names it).
 */
export function parseJson<S extends v.GenericSchema>(file: string, schema: S, json: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, json, { abortEarly: true });
  if (result.success) return result.output;
  const issue = result.issues[0];
  const field = fieldOf(issue);
  throw new Error(`${file}: ${field ? `${field} ` : ''}${issue.message}`);
}
