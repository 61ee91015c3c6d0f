/**
 * Word-level tokenizer, byte for byte the same as training/tokenizer.py (see the contract in
 * docs/model-contract.md):
 * 1. lone UTF-16 surrogates become U+FFFD; U+FE0E/U+FE0F are removed;
 * 2. UTF-8 bytes, ASCII A-Z lower-cased;
 * 3. a word is a maximal run of bytes 0-9, a-z or >= 0x80; other bytes separate words;
 * 4. a vocabulary word maps to its id, any other to hash_offset + fnv1a32(bytes) % hash_count;
 * 5. ids are [BOS, w1..wk, EOS, PAD...] of exactly max_length, k <= max_length - 2.
 *
 * The text is scanned one UTF-16 unit at a time and scanning stops once max_length - 2 words are
 * found, so a megabyte of pasted text costs no more than its first few words.
 */
import * as v from 'valibot';
import { anyObject, arrayOf, integer, literal, object, parseJson } from '../model/json-fields.ts';

const atLeast = (min: number) => integer(min, Number.MAX_SAFE_INTEGER, `must be an integer >= ${min}`);
const id = atLeast(0);

const tokenizerSchema = object(
  {
    type: literal('word-fnv1a'),
    version: literal(1),
    /** Ids per text, including BOS and EOS. */
    max_length: atLeast(2),
    pad_id: id,
    bos_id: id,
    eos_id: id,
    /** Unknown words hash into ids hash_offset..hash_offset + hash_count - 1. */
    hash_offset: id,
    hash_count: atLeast(1),
    vocab_size: atLeast(1),
    /**
     * Word -> id, each id checked by fromJson. Not valibot's record, which drops the keys "prototype"
     * and "constructor": they are words of the vocabulary.
     */
    vocab: anyObject(),
    /**
     * Ids of the vocabulary words that occur in training captions (sorted); every other vocabulary word
     * is there only for its GloVe vector. Optional: older files cannot tell the two apart.
     */
    caption_word_ids: v.optional(arrayOf(id)),
  },
  'expected a JSON object',
);

/** The tokenizer.json file, as training writes it, after fromJson's checks of the vocabulary's ids. */
export type TokenizerJson = Omit<v.InferOutput<typeof tokenizerSchema>, 'vocab'> & { vocab: Record<string, number> };

/**
 * How the model knows a token: a special marker (BOS, EOS, PAD), a word of the training captions, a
 * word known only through its GloVe vector (in the vocabulary, never in a caption), a word hashed into
 * one of the unknown-word buckets, or a vocabulary word of a tokenizer.json that cannot tell.
 */
export type TokenKind = 'special' | 'caption' | 'glove' | 'hashed' | 'vocab';

/** One token of a text, as the page shows it. */
export interface TokenInfo {
  /** The id the text encoder receives. */
  id: number;
  /** The word as typed ("" for special tokens), or BOS / EOS / PAD. */
  text: string;
  kind: TokenKind;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a hash of bytes, as an unsigned integer. */
export function fnv1a32(bytes: ArrayLike<number>): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], FNV_PRIME) >>> 0;
  return h;
}

function isWordByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7a) || b >= 0x80;
}

/** Bytes as a string of char codes 0..255: a cheap Map key that compares like the bytes. */
function bytesKey(bytes: Uint8Array, length: number): string {
  let key = '';
  for (let i = 0; i < length; i++) key += String.fromCharCode(bytes[i]);
  return key;
}

function fail(message: string): never {
  throw new Error(`tokenizer.json: ${message}`);
}

/** Maps text to a fixed-length Int32Array of ids (see the module doc for the exact algorithm). */
export class Tokenizer {
  /** Ids per text, including BOS and EOS (16 in the shipped model). */
  readonly maxLength: number;
  /** Number of embedding rows the text encoder has. */
  readonly vocabSize: number;
  /** Id that fills the ids after EOS. */
  readonly padId: number;
  /** Id of the first token of every text. */
  readonly bosId: number;
  /** Id that follows the last word. */
  readonly eosId: number;
  private readonly hashOffset: number;
  private readonly hashCount: number;
  /** Vocabulary keyed by the word's UTF-8 bytes (see bytesKey). */
  private readonly byBytes = new Map<string, number>();
  /** Longest vocabulary word in UTF-8 bytes: longer words are never looked up. */
  private readonly maxWordBytes: number;
  /** Ids of caption words, or null when tokenizer.json does not say. */
  private readonly captionIds: Set<number> | null;

  private constructor(json: TokenizerJson) {
    this.maxLength = json.max_length;
    this.vocabSize = json.vocab_size;
    this.padId = json.pad_id;
    this.bosId = json.bos_id;
    this.eosId = json.eos_id;
    this.hashOffset = json.hash_offset;
    this.hashCount = json.hash_count;
    const encoder = new TextEncoder();
    let longest = 0;
    for (const [word, id] of Object.entries(json.vocab)) {
      const bytes = encoder.encode(word);
      this.byBytes.set(bytesKey(bytes, bytes.length), id);
      longest = Math.max(longest, bytes.length);
    }
    this.maxWordBytes = longest;
    this.captionIds = json.caption_word_ids ? new Set(json.caption_word_ids) : null;
  }

  /** Validates a parsed tokenizer.json and builds the tokenizer; throws "tokenizer.json: ..." errors. */
  static fromJson(json: unknown): Tokenizer {
    const t = parseJson('tokenizer.json', tokenizerSchema, json);
    for (const [word, id] of Object.entries(t.vocab)) {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= t.vocab_size) {
        fail(`vocab[${JSON.stringify(word)}] must be an integer id in 0..${t.vocab_size - 1}, got ${JSON.stringify(id)}`);
      }
    }
    const vocab = t.vocab as Record<string, number>; // every id checked just above
    const vocabIds = new Set(Object.values(vocab));
    const bad = t.caption_word_ids?.find((id) => !vocabIds.has(id));
    if (bad !== undefined) fail(`caption_word_ids: ${bad} is not the id of a vocabulary word`);
    if (t.hash_offset + t.hash_count > t.vocab_size) {
      fail(`hash buckets end at ${t.hash_offset + t.hash_count}, past vocab_size ${t.vocab_size}`);
    }
    return new Tokenizer({ ...t, vocab });
  }

  /** Whether this tokenizer.json says which vocabulary words come from captions (else kind 'vocab'). */
  get knowsCaptionWords(): boolean {
    return this.captionIds !== null;
  }

  /** Ids of length maxLength: BOS, up to maxLength - 2 word ids, EOS, then PAD. */
  encode(text: string): Int32Array {
    return this.scan(text);
  }

  /**
   * The same ids as encode(text), each with the word it stands for and how the model knows it; the
   * trailing PAD tokens are included, so there are always maxLength of them.
   */
  explain(text: string): TokenInfo[] {
    const words: string[] = [];
    const ids = this.scan(text, (start, end) => words.push(text.slice(start, end)));
    const tokens: TokenInfo[] = [{ id: ids[0], text: 'BOS', kind: 'special' }];
    words.forEach((word, i) => tokens.push({ id: ids[1 + i], text: word, kind: this.kindOf(ids[1 + i]) }));
    tokens.push({ id: ids[1 + words.length], text: 'EOS', kind: 'special' });
    while (tokens.length < this.maxLength) tokens.push({ id: this.padId, text: 'PAD', kind: 'special' });
    return tokens;
  }

  private kindOf(id: number): TokenKind {
    if (id >= this.hashOffset && id < this.hashOffset + this.hashCount) return 'hashed';
    if (!this.captionIds) return 'vocab';
    return this.captionIds.has(id) ? 'caption' : 'glove';
  }

  /** encode's scan; `onWord` gets each emitted word's UTF-16 range in `text`. */
  private scan(text: string, onWord?: (start: number, end: number) => void): Int32Array {
    const ids = new Int32Array(this.maxLength).fill(this.padId); // [L]
    const limit = this.maxLength - 2;
    let count = 0; // words emitted
    let wordStart = -1; // UTF-16 index where the current word began
    // The current word: its FNV-1a hash so far, its length, and its first bytes for the lookup.
    const head = new Uint8Array(this.maxWordBytes + 1);
    let hash = FNV_OFFSET;
    let length = 0;
    const push = (b: number, at: number) => {
      if (length === 0) wordStart = at;
      hash = Math.imul(hash ^ b, FNV_PRIME) >>> 0;
      if (length < head.length) head[length] = b;
      length++;
    };
    const endWord = (end: number) => {
      onWord?.(wordStart, end);
      const found = length <= this.maxWordBytes ? this.byBytes.get(bytesKey(head, length)) : undefined;
      ids[1 + count++] = found ?? this.hashOffset + (hash % this.hashCount);
      hash = FNV_OFFSET;
      length = 0;
    };

    for (let i = 0; i < text.length && count < limit; i++) {
      let cp = text.charCodeAt(i);
      if (cp < 0x80) {
        if (cp >= 0x41 && cp <= 0x5a) cp += 0x20; // ASCII only: no Unicode-version drift
        if (isWordByte(cp)) push(cp, i);
        else if (length > 0) endWord(i);
        continue;
      }
      if (cp === 0xfe0e || cp === 0xfe0f) continue; // variation selectors vanish, even mid-word
      const at = i;
      if (cp >= 0xd800 && cp <= 0xdfff) {
        // Pair surrogates on the original text (before selector removal), as Python does.
        const low = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
        if (cp <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          i++;
        } else {
          cp = 0xfffd;
        }
      }
      // UTF-8 of a non-ASCII code point: every byte is >= 0x80, so all are word bytes.
      if (cp < 0x800) {
        push(0xc0 | (cp >> 6), at);
      } else if (cp < 0x10000) {
        push(0xe0 | (cp >> 12), at);
        push(0x80 | ((cp >> 6) & 0x3f), at);
      } else {
        push(0xf0 | (cp >> 18), at);
        push(0x80 | ((cp >> 12) & 0x3f), at);
        push(0x80 | ((cp >> 6) & 0x3f), at);
      }
      push(0x80 | (cp & 0x3f), at);
    }
    if (length > 0 && count < limit) endWord(text.length);

    ids[0] = this.bosId;
    ids[1 + count] = this.eosId;
    return ids;
  }
}
