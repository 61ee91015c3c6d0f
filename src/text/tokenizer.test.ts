import { describe, expect, it } from 'vitest';
import { fakeTokenizerJson } from '../testing/fake-model.ts';
import { readFixture, readModelJson } from '../testing/fixtures.ts';
import { fnv1a32, Tokenizer } from './tokenizer.ts';

const pad = (ids: number[]) => [...ids, ...new Array(16 - ids.length).fill(0)];

describe('Tokenizer (vocab cat=259, face=260, café=261, 🐱=262)', () => {
  const tok = Tokenizer.fromJson(fakeTokenizerJson());
  // Expected ids computed with training/tokenizer.py.
  const cases: [string, number[]][] = [
    ['cat face', [1, 259, 260, 2]],
    ['Cat FACE!', [1, 259, 260, 2]],
    ['CAFÉ', [1, 236, 2]], // only ASCII is lower-cased: "cafÉ" is an unknown word
    ['café', [1, 261, 2]],
    ['🐱\ufe0f', [1, 262, 2]],
    ['dog', [1, 12, 2]],
    ['a\ufe0fb', [1, 205, 2]], // the selector vanishes inside a word
    ['\ud83d\ufe0f\udc31', [1, 138, 2]], // lone surrogates become U+FFFD before the selector goes
    ['\ud800x', [1, 185, 2]],
    ['x\udc00', [1, 171, 2]],
    ['0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19', [1, 178, 31, 216, 69, 102, 211, 140, 249, 74, 183, 71, 218, 109, 256, 2]],
    ['', [1, 2]],
  ];
  for (const [text, ids] of cases) {
    it(`encodes ${JSON.stringify(text)}`, () => expect(Array.from(tok.encode(text))).toEqual(pad(ids)));
  }

  it('returns exactly max_length int32 ids', () => {
    const ids = tok.encode('cat');
    expect(ids).toBeInstanceOf(Int32Array);
    expect(ids.length).toBe(16);
  });

  it('hashes with 32-bit FNV-1a', () => {
    expect(fnv1a32([])).toBe(0x811c9dc5);
    expect(fnv1a32(new TextEncoder().encode('a'))).toBe(0xe40c292c);
    expect(fnv1a32(new TextEncoder().encode('foobar'))).toBe(0xbf9cf968);
  });

  it('keeps the first 14 words of 8 MB of text', () => {
    const huge = 'cat '.repeat(2_000_000);
    expect(Array.from(tok.encode(huge))).toEqual([1, ...new Array(14).fill(259), 2]);
  });

  it('handles one huge word (hashes it without building it)', () => {
    const ids = tok.encode('a'.repeat(1_000_000));
    expect(ids[1]).toBeGreaterThanOrEqual(3);
    expect(ids[1]).toBeLessThan(259);
  });

  // The shipped vocabulary has "prototype"; a schema library's record type drops such keys silently.
  it('keeps vocabulary words that are names of Object properties', () => {
    const words = Tokenizer.fromJson(fakeTokenizerJson(['prototype', 'constructor', 'hasownproperty', 'tostring']));
    expect(Array.from(words.encode('prototype constructor hasOwnProperty toString'))).toEqual(pad([1, 259, 260, 261, 262, 2]));
  });

  it('rejects malformed tokenizer.json with specific errors', () => {
    expect(() => Tokenizer.fromJson(null)).toThrow('tokenizer.json: expected a JSON object');
    expect(() => Tokenizer.fromJson({ ...fakeTokenizerJson(), type: 'bpe' })).toThrow('tokenizer.json: type must be "word-fnv1a", got "bpe"');
    expect(() => Tokenizer.fromJson({ ...fakeTokenizerJson(), max_length: 1 })).toThrow(/max_length must be an integer >= 2, got 1/);
    expect(() => Tokenizer.fromJson({ ...fakeTokenizerJson(), vocab: { cat: 9999 } })).toThrow(/vocab\["cat"\] must be an integer id in 0\.\.262/);
    expect(() => Tokenizer.fromJson({ ...fakeTokenizerJson(), vocab: {}, vocab_size: 100 })).toThrow(/past vocab_size 100/);
  });
});

describe('tokenizer parity with training/tokenizer.py (src/fixtures/tokenizer-cases.json)', () => {
  const fixture = readFixture<{ cases: { text: string; ids: number[] }[] }>('tokenizer-cases.json');
  const tok = Tokenizer.fromJson(readModelJson('tokenizer.json'));

  it('has cases', () => expect(fixture.cases.length).toBeGreaterThan(0));

  it('every case gives identical ids', () => {
    const wrong = fixture.cases
      .map((c) => ({ text: c.text, want: c.ids, got: Array.from(tok.encode(c.text)) }))
      .filter((c) => c.got.join() !== c.want.join());
    expect(wrong.slice(0, 5)).toEqual([]);
  });
});

describe('Tokenizer.explain (the token chips)', () => {
  // cat and 🐱 from captions; face and café known only through GloVe vectors.
  const tok = Tokenizer.fromJson({ ...fakeTokenizerJson(), caption_word_ids: [259, 262] });

  it('gives each id of encode() its word as typed and how the model knows it', () => {
    const text = 'A Cat, face 🐱\ufe0f zebra!';
    const tokens = tok.explain(text);
    expect(tokens.map((t) => t.id)).toEqual(Array.from(tok.encode(text)));
    expect(tokens.slice(0, 7)).toEqual([
      { id: 1, text: 'BOS', kind: 'special' },
      { id: tok.encode('a')[1], text: 'A', kind: 'hashed' },
      { id: 259, text: 'Cat', kind: 'caption' },
      { id: 260, text: 'face', kind: 'glove' },
      { id: 262, text: '🐱\ufe0f', kind: 'caption' },
      { id: tok.encode('zebra')[1], text: 'zebra', kind: 'hashed' },
      { id: 2, text: 'EOS', kind: 'special' },
    ]);
    expect(tokens.slice(7).every((t) => t.text === 'PAD' && t.id === 0)).toBe(true);
    expect(tokens).toHaveLength(16);
  });

  it('keeps only the words that fit, like encode()', () => {
    const text = Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ');
    const tokens = tok.explain(text);
    expect(tokens.map((t) => t.id)).toEqual(Array.from(tok.encode(text)));
    expect(tokens.at(-1)).toEqual({ id: 2, text: 'EOS', kind: 'special' });
    expect(tokens[14].text).toBe('w13');
  });

  it('says "vocab" when tokenizer.json does not record caption words, and rejects ids that are not vocabulary words', () => {
    const plain = Tokenizer.fromJson(fakeTokenizerJson());
    expect(plain.knowsCaptionWords).toBe(false);
    expect(plain.explain('cat dog').slice(1, 3).map((t) => t.kind)).toEqual(['vocab', 'hashed']);
    expect(() => Tokenizer.fromJson({ ...fakeTokenizerJson(), caption_word_ids: [5] })).toThrow(/caption_word_ids: 5 is not the id of a vocabulary word/);
  });

  it('the shipped tokenizer.json tells caption words from GloVe-only words', () => {
    const shipped = Tokenizer.fromJson(readModelJson('tokenizer.json'));
    expect(shipped.knowsCaptionWords).toBe(true);
    const kinds = Object.fromEntries(shipped.explain('cat huge qwzx').slice(1, 4).map((t) => [t.text, t.kind]));
    expect(kinds).toEqual({ cat: 'caption', huge: 'glove', qwzx: 'hashed' });
  });
});
