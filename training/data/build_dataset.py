"""Build the training set: 64x64 RGB emoji images with caption phrases, from pinned npm packages.

Sources (installed by `npm ci`, versions pinned in package-lock.json):
  emoji-datasource-google@16.0.0  Noto Emoji PNGs, Apache-2.0
  emoji-datasource-twitter@16.0.0 Twemoji PNGs, CC-BY-4.0
  emojibase-data@17.0.0           labels and tags, MIT
Skin-tone variants are left out (emoji.json lists them apart, under skin_variations). Images are
composited on white. The result is deterministic: same packages in, same bytes out.

Usage: /usr/bin/python3 training/data/build_dataset.py [--node-modules node_modules] [--out training/build]
Writes dataset.npz (images uint8 [N, 64, 64, 3], concept int32 [N], style int32 [N]) and dataset.json
(concepts with caption phrases, styles, sources).
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
from PIL import Image

RESOLUTION = 64

# style id -> (npm package, image folder, caption word, licence, attribution)
STYLES = [
    {"name": "noto", "package": "emoji-datasource-google", "folder": "img/google/64",
     "flag": "has_img_google", "license": "Apache-2.0",
     "attribution": "Noto Emoji by Google, Apache License 2.0 (via emoji-datasource-google)"},
    {"name": "twemoji", "package": "emoji-datasource-twitter", "folder": "img/twitter/64",
     "flag": "has_img_twitter", "license": "CC-BY-4.0",
     "attribution": "Twemoji by Twitter, Inc and other contributors, CC-BY 4.0 (via emoji-datasource-twitter)"},
]
CAPTION_SOURCES = [
    {"package": "emojibase-data", "license": "MIT",
     "attribution": "Emojibase by Miles Johnson, MIT (labels and tags)"},
]


def package_version(node_modules: Path, name: str) -> str:
    return json.loads((node_modules / name / "package.json").read_text("utf-8"))["version"]


def clean(phrase: str) -> str:
    return " ".join(phrase.replace("_", " ").replace("-", " ").lower().split())


def concept_phrases(entry: dict, base: dict | None) -> dict:
    """Caption phrases of one emoji: names first (the best captions), then tags, then the glyph."""
    names = [clean(entry["name"])] if entry.get("name") else []
    names += [clean(s) for s in entry.get("short_names", [])]
    tags: list[str] = []
    glyph = None
    if base is not None:
        names.append(clean(base["label"]))
        tags = [clean(t) for t in base.get("tags", [])]
        glyph = base.get("emoji")
    dedup = lambda xs: list(dict.fromkeys(x for x in xs if x))
    return {"names": dedup(names), "tags": dedup(tags), "glyph": glyph}


def load_rgb(path: Path) -> np.ndarray:
    """PNG -> uint8 [64, 64, 3], alpha composited on white."""
    img = Image.open(path).convert("RGBA")
    if img.size != (RESOLUTION, RESOLUTION):
        img = img.resize((RESOLUTION, RESOLUTION), Image.LANCZOS)
    rgba = np.asarray(img, dtype=np.float32) / 255.0
    rgb = rgba[..., :3] * rgba[..., 3:] + (1.0 - rgba[..., 3:])
    return np.clip(np.round(rgb * 255.0), 0, 255).astype(np.uint8)


def build(node_modules: Path, out: Path, limit: int | None = None) -> dict:
    emoji = json.loads((node_modules / "emoji-datasource-google" / "emoji.json").read_text("utf-8"))
    base = {e["hexcode"]: e for e in json.loads(
        (node_modules / "emojibase-data" / "en" / "data.json").read_text("utf-8"))}
    emoji.sort(key=lambda e: e["sort_order"])
    if limit:
        emoji = emoji[:limit]
    concepts, images, concept_ids, style_ids = [], [], [], []
    for entry in emoji:
        phrases = concept_phrases(entry, base.get(entry["unified"]))
        found = []
        for s, style in enumerate(STYLES):
            path = node_modules / style["package"] / style["folder"] / entry["image"]
            if entry.get(style["flag"]) and path.exists():
                found.append((s, load_rgb(path)))
        if not found or not phrases["names"]:
            continue
        cid = len(concepts)
        concepts.append({"id": cid, "unified": entry["unified"], "category": entry["category"],
                         "subcategory": entry["subcategory"], **phrases})
        for s, img in found:
            images.append(img)
            concept_ids.append(cid)
            style_ids.append(s)
    out.mkdir(parents=True, exist_ok=True)
    arr = np.stack(images)
    np.savez_compressed(out / "dataset.npz", images=arr,
                        concept=np.array(concept_ids, np.int32), style=np.array(style_ids, np.int32))
    sources = [{"package": s["package"], "version": package_version(node_modules, s["package"]),
                "license": s["license"], "attribution": s["attribution"], "role": f"images ({s['name']} style)"}
               for s in STYLES]
    sources += [{"package": c["package"], "version": package_version(node_modules, c["package"]),
                 "license": c["license"], "attribution": c["attribution"], "role": "captions"}
                for c in CAPTION_SOURCES]
    meta = {"resolution": RESOLUTION, "styles": [s["name"] for s in STYLES], "sources": sources,
            "images": int(arr.shape[0]), "concepts": concepts,
            "images_sha256": hashlib.sha256(arr.tobytes()).hexdigest()}
    (out / "dataset.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), "utf-8")
    return meta


def main() -> None:
    root = Path(__file__).resolve().parents[2]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--node-modules", type=Path, default=root / "node_modules")
    ap.add_argument("--out", type=Path, default=root / "training" / "build")
    ap.add_argument("--limit", type=int, default=None, help="only the first N emoji (for tests)")
    args = ap.parse_args()
    meta = build(args.node_modules, args.out, args.limit)
    print(f"{meta['images']} images of {len(meta['concepts'])} concepts -> {args.out} "
          f"(sha256 {meta['images_sha256'][:12]})")


if __name__ == "__main__":
    main()
