/**
 * Property-based tests of the URL hash: over tens of thousands of random hashes and states (arbitrary
 * Unicode including lone surrogates, huge and odd numbers, unknown and repeated keys, broken
 * percent-encoding), reading and writing never throw, and every valid state round-trips exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SAMPLERS } from '../diffusion/sampler.ts';
import { cutAtCodePoint, parseUrlState, serializeUrlState, URL_FIELDS, wellFormed, type UrlField, type UrlState } from './url-state.ts';

/** Cases per property; four properties give 40,000 cases (the issue asks for at least 10,000). */
const RUNS = 10_000;

const KEYS = [...URL_FIELDS.map((f) => f.name), '', '__proto__', 'constructor', 'PROMPT', 'seed ', '%73eed', 'x'];

/** Any UTF-16 string, lone surrogates included. */
const anyText = fc.string({ unit: 'binary', maxLength: 40 });

/** Text that looks like a number, or nearly: huge, tiny, negative, hex, exponent, Infinity, NaN, blank. */
const numberish = fc.oneof(
  fc.double().map(String),
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc.constantFrom('1e30', '-5', '1e400', '-0', '0x10', '0b11', ' 12 ', 'Infinity', 'NaN', '', '.', '1e', '4294967296'),
);

/** Percent-encoding, valid or not: truncated UTF-8, encoded surrogates, stray '%'. */
const percentish = fc.oneof(
  fc.constantFrom('%', '%F0%9F%90', '%F0%9F%90%B1', '%ED%A0%80', '%E0%A4%A', '%zz', '%25', '%00', '%C0%80', '+'),
  anyText.map((t) => encodeURIComponent(wellFormed(t))),
);

const value = fc.oneof(anyText, numberish, percentish, fc.array(percentish, { maxLength: 300 }).map((parts) => parts.join('')));

/** A hash of random pairs, some without '=', some keys repeated, with stray '&' and '#'. */
const hash = fc
  .array(fc.tuple(fc.constantFrom(...KEYS), value, fc.boolean()), { maxLength: 12 })
  .chain((pairs) =>
    fc.tuple(fc.constantFrom('', '#', '##', '&'), fc.constant(pairs)).map(([lead, ps]) => lead + ps.map(([k, v, eq]) => (eq ? `${k}=${v}` : k + v)).join('&')),
  );

/** A float of the table's range with at most 3 decimals (the precision the writer keeps). */
const float3 = (min: number, max: number) => fc.integer({ min: Math.round(min * 1000), max: Math.round(max * 1000) }).map((k) => k / 1000);

/** A prompt the page can hold: well-formed, at most `max` UTF-16 units, any code points (emoji, CJK, controls). */
const prompt = (max: number) => fc.string({ unit: 'grapheme', maxLength: max }).map((t) => cutAtCodePoint(t, max));

/** A valid value of one field of the table (any field added to it later is covered too). */
function validValue(f: UrlField): fc.Arbitrary<string | number> {
  if (f.type === 'string') return prompt(f.maxLength);
  if (f.type === 'enum') return fc.constantFrom(...f.values);
  return f.type === 'int' ? fc.integer({ min: f.min, max: f.max }) : float3(f.min, f.max);
}

/** Every valid state: each value in its range, and (the one rule across fields) a spacing the sampler supports. */
const validState: fc.Arbitrary<UrlState> = fc
  .record(Object.fromEntries(URL_FIELDS.map((f) => [f.name, validValue(f)])) as Record<string, fc.Arbitrary<string | number>>)
  .chain((r) => {
    const sampler = SAMPLERS.find((s) => s.name === r.sampler)!;
    return fc.constantFrom(...sampler.spacings).map((spacing) => ({ ...r, spacing }) as unknown as UrlState);
  });

describe('url-state properties', () => {
  it('parse never throws, and whatever it reads writes a hash that reads back the same, without problems', () => {
    fc.assert(
      fc.property(hash, (h) => {
        const parsed = parseUrlState(h);
        const written = serializeUrlState(parsed.values);
        const again = parseUrlState(written);
        expect(again.problems).toEqual([]);
        expect(again.values).toEqual(parsed.values);
        expect(serializeUrlState(again.values)).toBe(written);
      }),
      { numRuns: RUNS },
    );
  }, 30_000);

  it('every valid state round-trips exactly, every key present', () => {
    fc.assert(
      fc.property(validState, (state) => {
        const written = serializeUrlState(state);
        expect(parseUrlState(`#${written}`)).toEqual({ values: state, present: URL_FIELDS.map((f) => f.name), problems: [] });
      }),
      { numRuns: RUNS },
    );
  }, 30_000);

  it('writing never throws, whatever the store holds (lone surrogates, NaN, huge numbers, unknown names)', () => {
    const junk = fc.oneof(anyText, fc.double(), fc.constant(undefined), fc.constant(null), fc.bigInt().map(Number));
    const anyState = fc.dictionary(fc.constantFrom(...KEYS), junk) as unknown as fc.Arbitrary<UrlState>;
    fc.assert(
      fc.property(anyState, (state) => {
        const written = serializeUrlState(state);
        expect(parseUrlState(written).problems).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  }, 30_000);

  it('long prompts of any text are cut at whole code points and stay writable', () => {
    // Any text placed across the 500-unit cut: emoji (surrogate pairs), lone surrogates, anything.
    const around = fc.tuple(fc.integer({ min: 440, max: 520 }), anyText, fc.integer({ min: 0, max: 40 }));
    fc.assert(
      fc.property(around, fc.constantFrom('prompt', 'negative'), ([pad, middle, cats], key) => {
        const text = 'a'.repeat(pad) + middle + '🐱'.repeat(cats);
        for (const encoded of [encodeURIComponent(wellFormed(text)), text]) {
          const { values } = parseUrlState(`#${key}=${encoded}`);
          const read = values[key as 'prompt' | 'negative'];
          expect(read.length).toBeLessThanOrEqual(500);
          expect(wellFormed(read)).toBe(read); // no half of a surrogate pair left
          expect(() => serializeUrlState(values)).not.toThrow();
        }
      }),
      { numRuns: RUNS },
    );
  }, 30_000);
});
