"""Record in tokenizer.json which vocabulary words occur in training captions.

The vocabulary is every caption word plus the most frequent GloVe words (train.py new_clip), with ids
in sorted word order, so an id alone cannot say whether the model saw the word in a caption or knows
it only through its GloVe vector. The page marks the two differently (the architecture view's token
chips), so tokenizer.json carries `caption_word_ids`. Tokenizers built by Tokenizer.build record them
already; this adds them to one built before that (the shipped one), from the dataset's captions.

Usage: /usr/bin/python3 training/mark_caption_words.py [--data training/build] [--tokenizer public/models/tokenizer.json]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data.captions import all_caption_texts  # noqa: E402
from tokenizer import Tokenizer, split_words  # noqa: E402


def caption_word_ids(tok: Tokenizer, meta: dict) -> list[int]:
    """Sorted ids of the vocabulary words that the dataset's captions contain (dataset.json's meta)."""
    words = {w.decode("utf-8") for t in all_caption_texts(meta["concepts"], meta["styles"]) for w in split_words(t)}
    return sorted(tok.vocab[w] for w in words if w in tok.vocab)


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=root / "training" / "build", help="folder with dataset.json")
    ap.add_argument("--tokenizer", type=Path, default=root / "public" / "models" / "tokenizer.json")
    args = ap.parse_args()
    tok = Tokenizer.load(args.tokenizer)
    meta = json.loads((args.data / "dataset.json").read_text("utf-8"))
    tok.caption_word_ids = caption_word_ids(tok, meta)
    args.tokenizer.write_text(json.dumps(tok.to_json(), ensure_ascii=False), "utf-8")
    n = len(tok.caption_word_ids)
    print(f"{args.tokenizer}: {n} caption words, {len(tok.vocab) - n} known only through GloVe vectors")


if __name__ == "__main__":
    main()
