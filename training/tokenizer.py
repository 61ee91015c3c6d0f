"""Word-level tokenizer shared, byte for byte, with src/text/tokenizer.ts.

The algorithm (the page implements the same steps; parity fixtures prove it):
1. Lone UTF-16 surrogates become U+FFFD; U+FE0E/U+FE0F (emoji variation selectors) are removed.
2. The text is encoded as UTF-8; ASCII A-Z are lower-cased (only ASCII, so no Unicode-version drift).
3. A word is a maximal run of bytes that are ASCII digits, ASCII lower-case letters or >= 0x80
   (so "café" and "🐱" are words); every other byte separates words.
4. A word in the vocabulary maps to its id; any other word maps to one of `hash_count` buckets by
   32-bit FNV-1a of its bytes, so unseen words still get a stable id.
5. Ids: [BOS, w1 .. wk, EOS, PAD ...] of length `max_length`; at most max_length - 2 words are kept.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable

PAD_ID = 0
BOS_ID = 1
EOS_ID = 2
HASH_OFFSET = 3
HASH_COUNT = 256
FIRST_WORD_ID = HASH_OFFSET + HASH_COUNT  # 259
MAX_LENGTH = 16  # tokens, including BOS and EOS

_SURROGATE = re.compile("[\ud800-\udfff]")


def normalise(text: str) -> bytes:
    """Steps 1-2: the UTF-8 bytes the tokenizer splits, ASCII lower-cased."""
    text = _SURROGATE.sub("\ufffd", text).replace("\ufe0e", "").replace("\ufe0f", "")
    raw = bytearray(text.encode("utf-8"))
    for i, b in enumerate(raw):
        if 0x41 <= b <= 0x5A:
            raw[i] = b + 0x20
    return bytes(raw)


def _is_word_byte(b: int) -> bool:
    return 0x30 <= b <= 0x39 or 0x61 <= b <= 0x7A or b >= 0x80


def split_words(text: str, limit: int | None = None) -> list[bytes]:
    """Step 3: the words of `text` as UTF-8 byte strings, at most `limit` of them."""
    data = normalise(text)
    words: list[bytes] = []
    start = -1
    for i, b in enumerate(data):
        if _is_word_byte(b):
            if start < 0:
                start = i
        elif start >= 0:
            words.append(data[start:i])
            start = -1
            if limit is not None and len(words) >= limit:
                return words
    if start >= 0:
        words.append(data[start:])
    return words if limit is None else words[:limit]


def fnv1a32(data: bytes) -> int:
    """32-bit FNV-1a hash of bytes."""
    h = 0x811C9DC5
    for b in data:
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


class Tokenizer:
    """Maps text to a fixed-length list of int ids (see the module doc for the exact algorithm)."""

    def __init__(self, vocab: dict[str, int], max_length: int = MAX_LENGTH,
                 hash_count: int = HASH_COUNT, caption_word_ids: list[int] | None = None):
        self.vocab = vocab
        self.max_length = max_length
        self.hash_count = hash_count
        # Ids of the words that occur in training captions; the rest of the vocabulary is there only for
        # its GloVe vector. None when unknown (older files). The page marks the two kinds differently.
        self.caption_word_ids = caption_word_ids
        self._by_bytes = {w.encode("utf-8"): i for w, i in vocab.items()}

    @property
    def vocab_size(self) -> int:
        """Number of embedding rows the text encoder needs."""
        return HASH_OFFSET + self.hash_count + len(self.vocab)

    @staticmethod
    def build(captions: Iterable[str], max_length: int = MAX_LENGTH, extra: Iterable[str] = ()) -> "Tokenizer":
        """A tokenizer whose vocabulary is every word of `captions` and of `extra` (e.g. GloVe words),
        ids in sorted word order; it records which ids are caption words."""
        caption = {w.decode("utf-8") for c in captions for w in split_words(c)}
        words = sorted(caption | {w.decode("utf-8") for e in extra for w in split_words(e)})
        vocab = {w: FIRST_WORD_ID + i for i, w in enumerate(words)}
        return Tokenizer(vocab, max_length, caption_word_ids=sorted(vocab[w] for w in caption))

    def word_id(self, word: bytes) -> int:
        found = self._by_bytes.get(word)
        if found is not None:
            return found
        return HASH_OFFSET + fnv1a32(word) % self.hash_count

    def encode(self, text: str) -> list[int]:
        """Ids of length max_length: BOS, words, EOS, then PAD."""
        words = split_words(text, self.max_length - 2)
        ids = [BOS_ID] + [self.word_id(w) for w in words] + [EOS_ID]
        return ids + [PAD_ID] * (self.max_length - len(ids))

    def to_json(self) -> dict:
        return {
            "type": "word-fnv1a",
            "version": 1,
            "max_length": self.max_length,
            "pad_id": PAD_ID,
            "bos_id": BOS_ID,
            "eos_id": EOS_ID,
            "hash_offset": HASH_OFFSET,
            "hash_count": self.hash_count,
            "vocab_size": self.vocab_size,
            "vocab": self.vocab,
            **({"caption_word_ids": self.caption_word_ids} if self.caption_word_ids is not None else {}),
        }

    @staticmethod
    def from_json(obj: dict) -> "Tokenizer":
        assert obj["type"] == "word-fnv1a" and obj["version"] == 1, "unknown tokenizer format"
        return Tokenizer(dict(obj["vocab"]), obj["max_length"], obj["hash_count"], obj.get("caption_word_ids"))

    @staticmethod
    def load(path: Path) -> "Tokenizer":
        return Tokenizer.from_json(json.loads(Path(path).read_text("utf-8")))
