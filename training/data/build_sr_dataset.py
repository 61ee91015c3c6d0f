"""Build the super-resolution data: 256 px renders of the SVG emoji styles, a held-out set of concepts,
and a small training file that travels to a GPU machine.

  /usr/bin/python3 training/data/build_sr_dataset.py        # after build_dataset.py; ~6 min the first time

Sources: the three SVG styles of the base dataset (fluent flat, fluent color, openmoji; the same pinned
npm packages and icons as dataset.json, rendered by render_svgs.mjs at 256 px into their own cache).
The bitmap-only styles (Noto and Twemoji, 64 px PNGs) have no 256 px originals and are left out.

Split: a concept is held out when sha256("sr-heldout:" + unified) mod --heldout-mod is 0 (every 16th
concept: 165 of the 2,507): every drawing of it, in every style, goes to sr_heldout.npz at 256 px and none
to training. The rest go to sr_train.npz as one --crop px square per image (default 112: the 96 px
training crops of configs/sr_gpu.json have 25 positions in it; origin on the 4 px grid, the most drawn-on
of 4 seeded candidates), as lossless WebP, each style an equal share of --train-mib (default 8; what a
style does not need goes to the others). The file travels with the GPU job next to the base model's data
and weights, and the job stays well under 64 MiB with room for an SR checkpoint. Why crops: the network
is fully convolutional and trains on crops anyway, and a crop costs a fraction of a whole render's bytes
(white background is nearly free, drawing is not), so the budget holds a drawing of most training images
instead of whole renders of a few.

Writes to --out: sr_train.npz, sr_heldout.npz (format: training/sr_data.py), sr_dataset.json (counts,
bytes, the held-out concepts, the check against the 64 px renders, the sources), and the SR section of
the data card (public/models/DATA_CARD.md unless --limit; --card to choose).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from build_dataset import ROOT, STYLES, load_sources, norm_hex, package_version, render_svgs  # noqa: E402
from card_sections import replace_section  # noqa: E402
from sr_data import HIGH, SCALE, area_down, encode_webp, save_split  # noqa: E402

SVG_STYLES = [s for s, st in enumerate(STYLES) if st["kind"] == "svg"]
RESVG = {"package": "@resvg/resvg-js", "license": "MPL-2.0", "role": "renders the SVG styles at 256 px (tool, not data)",
         "attribution": "resvg-js by yisibl and contributors, MPL-2.0"}


def is_heldout(unified: str, mod: int) -> bool:
    """The split rule: stable across dataset rebuilds (it depends on the concept's code only)."""
    return int.from_bytes(hashlib.sha256(f"sr-heldout:{unified}".encode()).digest()[:4], "big") % mod == 0


def crop_origin(image: np.ndarray, crop: int, rng: np.random.Generator, tries: int = 4) -> tuple[int, int]:
    """(y, x), multiples of SCALE: of `tries` seeded candidates, the one with the most non-white pixels."""
    span = (image.shape[0] - crop) // SCALE
    best, best_ink = (0, 0), -1
    for _ in range(tries):
        y, x = (int(v) * SCALE for v in rng.integers(0, span + 1, 2))
        ink = int((image[y:y + crop, x:x + crop] < 250).any(axis=2).sum())
        if ink > best_ink:
            best, best_ink = (y, x), ink
    return best


def rendered_images(nm: Path, cache: Path, meta: dict, limit: int | None) -> list[tuple[int, int, np.ndarray]]:
    """(concept id, style, uint8 [256, 256, 3]) for every SVG-style image of dataset.json (first `limit` concepts)."""
    src = load_sources(nm, skin_tones=False)
    concepts = meta["concepts"][:limit] if limit else meta["concepts"]
    wanted: dict[str, set] = {STYLES[s]["package"]: set() for s in SVG_STYLES}
    rows = []
    for c in concepts:
        key = norm_hex(c["unified"])
        for s in c["styles"]:
            if s in SVG_STYLES:
                pkg = STYLES[s]["package"]
                name = src["icon_of"][pkg].get(key)
                if name is None:
                    raise SystemExit(f"build_sr_dataset: {c['unified']} has no {pkg} icon here; rebuild dataset.json "
                                     "with these packages (build_dataset.py)")
                wanted[pkg].add(name)
                rows.append((c["id"], s, pkg, name))
    svg = render_svgs(nm, cache, {p: sorted(v) for p, v in wanted.items()}, size=HIGH)
    out = []
    for cid, s, pkg, name in rows:
        img = svg[pkg]["images"].get(name)
        if img is not None:  # an icon resvg could not render at this size is left out (the card lists them)
            out.append((cid, s, img))
    return out


def check_against_64(images: list[tuple[int, int, np.ndarray]], data_dir: Path) -> dict:
    """Per style: mean absolute difference (uint8 levels) between area_down of the 256 px render and the
    dataset's own 64 px render of the same icon, i.e. how far the SR stage's low-resolution inputs are
    from the images the base model learned."""
    from common import load_dataset
    img64, concept, style, _ = load_dataset(data_dir)
    row = {(int(c), int(s)): i for i, (c, s) in enumerate(zip(concept, style))}
    diffs: dict[int, list[float]] = {}
    for cid, s, img in images:
        i = row.get((cid, s))
        if i is not None:
            d = np.abs(area_down(img[None])[0].astype(np.int16) - img64[i].astype(np.int16)).mean()
            diffs.setdefault(s, []).append(float(d))
    return {STYLES[s]["name"]: {"mean_abs_diff_levels": round(float(np.mean(v)), 3), "images": len(v)}
            for s, v in sorted(diffs.items())}


def fill_budget(blobs: list[bytes], styles: list[int], budget: float, rng: np.random.Generator) -> list[int]:
    """Rows to keep: each style gets an equal share of the byte budget, taken in a seeded order; what a
    style does not need (all its images fit) goes to the others in equal parts, until nothing changes.
    So the cheap flat styles keep every image and the costly one (fluent color) gets the rest."""
    order = {s: [i for i in rng.permutation(len(blobs)).tolist() if styles[i] == s] for s in sorted(set(styles))}
    need = {s: sum(len(blobs[i]) for i in rows) for s, rows in order.items()}
    share, open_styles, left = {}, set(order), float(budget)
    while open_styles:
        each = left / len(open_styles)
        done = {s for s in open_styles if need[s] <= each}
        if not done:
            share.update({s: each for s in open_styles})
            break
        for s in done:
            share[s] = need[s]
            left -= need[s]
        open_styles -= done
    keep = []
    for s, rows in order.items():
        used = 0
        for i in rows:
            if used + len(blobs[i]) > share[s]:
                break
            used += len(blobs[i])
            keep.append(i)
    return sorted(keep)


def _encode(args):
    """One training crop's WebP bytes (a Pool task: (render, y, x, crop))."""
    img, y, x, crop = args
    return encode_webp(img[y:y + crop, x:x + crop])


def build(args) -> dict:
    t0 = time.time()
    meta = json.loads((args.data / "dataset.json").read_text("utf-8"))
    images = rendered_images(args.node_modules, args.svg_cache, meta, args.limit)
    held = [r for r in images if is_heldout(meta["concepts"][r[0]]["unified"], args.heldout_mod)]
    train = [r for r in images if not is_heldout(meta["concepts"][r[0]]["unified"], args.heldout_mod)]
    rng = np.random.default_rng(args.seed)
    origins = [crop_origin(img, args.crop, rng) for _, _, img in train]
    with Pool(args.workers) as pool:
        train_webp = pool.map(_encode, [(img, y, x, args.crop) for (_, _, img), (y, x) in zip(train, origins)], chunksize=16)
        held_webp = pool.map(encode_webp, [img for _, _, img in held], chunksize=16)
    keep = fill_budget(train_webp, [r[1] for r in train], args.train_mib * 2 ** 20, rng)
    keep.sort()
    args.out.mkdir(parents=True, exist_ok=True)
    train_bytes = save_split(args.out / "sr_train.npz", None, [train[i][0] for i in keep], [train[i][1] for i in keep],
                             [origins[i] for i in keep], args.crop, encoded=[train_webp[i] for i in keep])
    held_bytes = save_split(args.out / "sr_heldout.npz", None, [r[0] for r in held], [r[1] for r in held],
                            [(0, 0)] * len(held), HIGH, encoded=held_webp)
    nm = args.node_modules
    sources = [{"package": STYLES[s]["package"], "version": package_version(nm, STYLES[s]["package"]),
                "license": STYLES[s]["license"], "attribution": STYLES[s]["attribution"],
                "role": f"images ({STYLES[s]['name']} style, rendered at 256 px)"} for s in SVG_STYLES]
    sources.append({**RESVG, "version": package_version(nm, RESVG["package"])})
    held_concepts = sorted({r[0] for r in held})
    info = {
        "resolution": HIGH, "low_resolution": HIGH // SCALE, "crop": args.crop, "heldout_mod": args.heldout_mod,
        "seed": args.seed, "train_mib_budget": args.train_mib, "limit": args.limit,
        "styles": {STYLES[s]["name"]: s for s in SVG_STYLES},
        "rendered": dict(Counter(STYLES[r[1]]["name"] for r in images)),
        "train": {"images": len(keep), "of": len(train), "bytes": train_bytes,
                  "webp_bytes_per_style": {STYLES[s]["name"]: sum(len(train_webp[i]) for i in keep if train[i][1] == s)
                                           for s in SVG_STYLES},
                  "per_style": dict(Counter(STYLES[train[i][1]]["name"] for i in keep)),
                  "left_out_per_style": dict(Counter(STYLES[train[i][1]]["name"] for i in set(range(len(train))) - set(keep)))},
        "heldout": {"images": len(held), "concepts": len(held_concepts), "bytes": held_bytes,
                    "per_style": dict(Counter(STYLES[r[1]]["name"] for r in held)),
                    "concept_list": [{"id": c, "unified": meta["concepts"][c]["unified"],
                                      "name": meta["concepts"][c]["names"][0]} for c in held_concepts]},
        "check_against_64px_renders": check_against_64(images, args.data),
        "sources": sources, "seconds": round(time.time() - t0, 1),
    }
    (args.out / "sr_dataset.json").write_text(json.dumps(info, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return info


def card_section(info: dict) -> str:
    """The data card's super-resolution section (Markdown)."""
    t, h = info["train"], info["heldout"]
    L = ["## Super-resolution data (the 64 -> 256 px stage)", "",
         f"256 px renders of the three SVG styles ({', '.join(info['styles'])}) by resvg, from the same pinned "
         "packages and icons as the 64 px set; built by `training/data/build_sr_dataset.py`. The bitmap-only "
         "styles (Noto, Twemoji: 64 px PNGs, no larger originals) are left out of this stage. The low-resolution "
         f"input of each image is its {SCALE}x{SCALE} area mean, rounded to uint8.", "",
         f"- held out for evaluation: every drawing of {h['concepts']} concepts (sha256(\"sr-heldout:\" + code) mod "
         f"{info['heldout_mod']} = 0): {h['images']} images at 256 px ({', '.join(f'{k} {v}' for k, v in h['per_style'].items())}), "
         f"`sr_heldout.npz`, {h['bytes']:,} bytes",
         f"- training: one {info['crop']} px crop of each other image (origin on the 4 px grid, the most drawn-on of "
         f"4 seeded positions), lossless WebP, each style an equal share of the {info['train_mib_budget']} MiB budget "
         "(what a style does not need goes to the others): "
         f"{t['images']} of {t['of']} images ({', '.join(f'{k} {v}' for k, v in t['per_style'].items())}), "
         f"`sr_train.npz`, {t['bytes']:,} bytes. It travels with the GPU job, beside the base model's data "
         "and weights, well under the job's 64 MiB; a crop costs a fraction of a render's bytes, and the fully "
         "convolutional network trains on crops anyway.",
         "- area-downsampled 256 px renders against the 64 px renders of the same icons (mean absolute difference, "
         "uint8 levels): " + ", ".join(f"{k} {v['mean_abs_diff_levels']}" for k, v in info["check_against_64px_renders"].items()),
         "", "| package | version | licence | role | attribution |", "|---|---|---|---|---|"]
    L += [f"| {s['package']} | {s['version']} | {s['license']} | {s['role']} | {s['attribution']} |" for s in info["sources"]]
    L += ["", "Super-resolution models trained on the OpenMoji renders carry its CC BY-SA 4.0 attribution, as the "
          "base model does.", ""]
    return "\n".join(L)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--node-modules", type=Path, default=ROOT / "node_modules")
    ap.add_argument("--data", type=Path, default=ROOT / "training" / "build", help="folder with dataset.json / .npz")
    ap.add_argument("--out", type=Path, default=ROOT / "training" / "build")
    ap.add_argument("--svg-cache", type=Path, default=ROOT / "training" / "build" / "svg-cache-256")
    ap.add_argument("--limit", type=int, default=None, help="only the first N concepts (tests)")
    ap.add_argument("--crop", type=int, default=112, help="stored crop side, px (a multiple of 4; >= the training crop)")
    ap.add_argument("--train-mib", type=float, default=8.0, help="byte budget of sr_train.npz")
    ap.add_argument("--heldout-mod", type=int, default=16, help="hold out every N-th concept (by hash)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--card", type=Path, default=None,
                    help="data card to put the SR section in (default: public/models/DATA_CARD.md without --limit)")
    ap.add_argument("--card-only", action="store_true", help="only write the card section from OUT/sr_dataset.json")
    args = ap.parse_args()
    if args.crop % SCALE or not 0 < args.crop <= HIGH:
        raise SystemExit(f"--crop must be a multiple of {SCALE} in {SCALE}..{HIGH}, got {args.crop}")
    if args.card_only:  # the section again from sr_dataset.json (after the card was rewritten elsewhere)
        info = json.loads((args.out / "sr_dataset.json").read_text("utf-8"))
    else:
        info = build(args)
    card = args.card or (None if args.limit else ROOT / "public" / "models" / "DATA_CARD.md")
    if card:
        text = card.read_text("utf-8") if card.exists() else ""
        card.write_text(replace_section(text, "sr-data", card_section(info)), "utf-8")
    t, h = info["train"], info["heldout"]
    print(f"sr_train.npz: {t['images']} crops of {t['of']} training images, {t['bytes'] / 2**20:.2f} MiB; "
          f"sr_heldout.npz: {h['images']} images of {h['concepts']} concepts, {h['bytes'] / 2**20:.2f} MiB; "
          f"{info['seconds']} s")
    print(f"  train per style {t['per_style']}, left out {t['left_out_per_style']}")
    print(f"  area-down vs 64 px renders: {info['check_against_64px_renders']}")


if __name__ == "__main__":
    main()
