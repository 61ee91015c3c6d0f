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

/** The tokenizer.json file, as training writes it. */
export interface TokenizerJson {
  type: 'word-fnv1a';
  version: 1;
  max_length: number;
  pad_id: number;
  bos_id: number;
  eos_id: number;
  hash_offset: number;
  hash_count: number;
  vocab_size: number;
  vocab: Record<string, number>;
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

function intField(obj: Record<string, unknown>, name: string, min: number): number {
  const value = obj[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(`${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
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
  }

  /** Validates a parsed tokenizer.json and builds the tokenizer; throws "tokenizer.json: ..." errors. */
  static fromJson(json: unknown): Tokenizer {
    if (typeof json !== 'object' || json === null) fail('expected a JSON object');
    const obj = json as Record<string, unknown>;
    if (obj.type !== 'word-fnv1a') fail(`type must be "word-fnv1a", got ${JSON.stringify(obj.type)}`);
    if (obj.version !== 1) fail(`version must be 1, got ${JSON.stringify(obj.version)}`);
    const maxLength = intField(obj, 'max_length', 2);
    for (const name of ['pad_id', 'bos_id', 'eos_id', 'hash_offset']) intField(obj, name, 0);
    const hashCount = intField(obj, 'hash_count', 1);
    const vocabSize = intField(obj, 'vocab_size', 1);
    const vocab = obj.vocab;
    if (typeof vocab !== 'object' || vocab === null || Array.isArray(vocab)) fail('vocab must be an object');
    for (const [word, id] of Object.entries(vocab)) {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocabSize) {
        fail(`vocab[${JSON.stringify(word)}] must be an integer id in 0..${vocabSize - 1}, got ${JSON.stringify(id)}`);
      }
    }
    if ((obj.hash_offset as number) + hashCount > vocabSize) {
      fail(`hash buckets end at ${(obj.hash_offset as number) + hashCount}, past vocab_size ${vocabSize}`);
    }
    return new Tokenizer({ ...(obj as unknown as TokenizerJson), max_length: maxLength });
  }

  /** Ids of length maxLength: BOS, up to maxLength - 2 word ids, EOS, then PAD. */
  encode(text: string): Int32Array {
    const ids = new Int32Array(this.maxLength).fill(this.padId); // [L]
    const limit = this.maxLength - 2;
    let count = 0; // words emitted
    // The current word: its FNV-1a hash so far, its length, and its first bytes for the lookup.
    const head = new Uint8Array(this.maxWordBytes + 1);
    let hash = FNV_OFFSET;
    let length = 0;
    const push = (b: number) => {
      hash = Math.imul(hash ^ b, FNV_PRIME) >>> 0;
      if (length < head.length) head[length] = b;
      length++;
    };
    const endWord = () => {
      const found = length <= this.maxWordBytes ? this.byBytes.get(bytesKey(head, length)) : undefined;
      ids[1 + count++] = found ?? this.hashOffset + (hash % this.hashCount);
      hash = FNV_OFFSET;
      length = 0;
    };

    for (let i = 0; i < text.length && count < limit; i++) {
      let cp = text.charCodeAt(i);
      if (cp < 0x80) {
        if (cp >= 0x41 && cp <= 0x5a) cp += 0x20; // ASCII only: no Unicode-version drift
        if (isWordByte(cp)) push(cp);
        else if (length > 0) endWord();
        continue;
      }
      if (cp === 0xfe0e || cp === 0xfe0f) continue; // variation selectors vanish, even mid-word
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
        push(0xc0 | (cp >> 6));
      } else if (cp < 0x10000) {
        push(0xe0 | (cp >> 12));
        push(0x80 | ((cp >> 6) & 0x3f));
      } else {
        push(0xf0 | (cp >> 18));
        push(0x80 | ((cp >> 12) & 0x3f));
        push(0x80 | ((cp >> 6) & 0x3f));
      }
      push(0x80 | (cp & 0x3f));
    }
    if (length > 0 && count < limit) endWord();

    ids[0] = this.bosId;
    ids[1 + count] = this.eosId;
    return ids;
  }
}
