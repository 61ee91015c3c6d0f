"""Build the training set: 64x64 RGB emoji images in five vendor styles, with caption phrases, from
pinned npm packages.

Images (style index: name, package):
  0 noto          emoji-datasource-google@16.0.0   64 px PNGs, Apache-2.0
  1 twemoji       emoji-datasource-twitter@16.0.0  64 px PNGs, CC-BY-4.0
  2 fluent flat   @iconify-json/fluent-emoji-flat  SVGs, MIT
  3 fluent color  @iconify-json/fluent-emoji       SVGs, MIT (its chars.json is empty: mapped by icon name)
  4 openmoji      @iconify-json/openmoji           SVGs, CC-BY-SA-4.0
SVGs are rendered by render_svgs.mjs (@resvg/resvg-js, in a child process, cached under
training/build/svg-cache/). Captions come from emoji-datasource names, emojibase-data labels and tags,
emojilib keywords and openmoji annotations and tags.

A concept is one emoji sequence, keyed by its normalised hexcode (uppercase, no FE0F), with an image in
one to five styles: every emoji of emoji-datasource, then the emoji and OpenMoji extras that only the
OpenMoji and Fluent sets have. Sequences with a skin-tone modifier (1F3FB-1F3FF) are left out unless
--skin-tones. Everything is composited on white. The result is deterministic: same packages in, same
bytes out.

Usage: /usr/bin/python3 training/data/build_dataset.py [--out training/build] [--limit N] [--card PATH]
Writes dataset.npz (images uint8 [N, 64, 64, 3], concept int32 [N], style int32 [N]; a zip of .npy
files like np.savez_compressed's, compressed with LZMA, which np.load reads as it is), dataset.json
(concepts, styles, sources) and DATA_CARD.md. Without --limit it also writes public/models/DATA_CARD.md.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from card_sections import keep_sections  # noqa: E402

RESOLUTION = 64
ROOT = Path(__file__).resolve().parents[2]
TONE_NAMES = {"1F3FB": "light skin tone", "1F3FC": "medium-light skin tone", "1F3FD": "medium skin tone",
              "1F3FE": "medium-dark skin tone", "1F3FF": "dark skin tone"}
SKIN_TONES = set(TONE_NAMES)

# Style index = position in this list. kind "png": emoji-datasource images; "svg": an Iconify collection.
STYLES = [
    {"name": "noto", "kind": "png", "package": "emoji-datasource-google", "folder": "img/google/64",
     "flag": "has_img_google", "license": "Apache-2.0",
     "attribution": "Noto Emoji by Google, Apache License 2.0 (via emoji-datasource-google)"},
    {"name": "twemoji", "kind": "png", "package": "emoji-datasource-twitter", "folder": "img/twitter/64",
     "flag": "has_img_twitter", "license": "CC-BY-4.0",
     "attribution": "Twemoji by Twitter, Inc and other contributors, CC-BY 4.0 (via emoji-datasource-twitter)"},
    {"name": "fluent flat", "kind": "svg", "package": "@iconify-json/fluent-emoji-flat", "license": "MIT",
     "attribution": "Fluent Emoji (Flat) by Microsoft Corporation, MIT License (via @iconify-json/fluent-emoji-flat)"},
    {"name": "fluent color", "kind": "svg", "package": "@iconify-json/fluent-emoji", "license": "MIT",
     "attribution": "Fluent Emoji (Color) by Microsoft Corporation, MIT License (via @iconify-json/fluent-emoji)"},
    {"name": "openmoji", "kind": "svg", "package": "@iconify-json/openmoji", "license": "CC-BY-SA-4.0",
     "attribution": "OpenMoji – the open-source emoji and icon project. License: CC BY-SA 4.0 "
                    "(via @iconify-json/openmoji)"},
]
OTHER_SOURCES = [
    {"package": "emojibase-data", "license": "MIT", "role": "captions",
     "attribution": "Emojibase by Miles Johnson, MIT (labels and tags)"},
    {"package": "emojilib", "license": "MIT", "role": "captions",
     "attribution": "emojilib by Mu-An Chiou and contributors, MIT (keywords)"},
    {"package": "openmoji", "license": "CC-BY-SA-4.0", "role": "captions",
     "attribution": "OpenMoji – the open-source emoji and icon project. License: CC BY-SA 4.0 "
                    "(annotations, tags, groups)"},
    {"package": "@resvg/resvg-js", "license": "MPL-2.0", "role": "renders the SVG styles (tool, not data)",
     "attribution": "resvg-js by yisibl and contributors, MPL-2.0"},
]
# openmoji's group slugs -> emoji-datasource's category names, so the two kinds of concept share categories
OPENMOJI_GROUPS = {"smileys-emotion": "Smileys & Emotion", "people-body": "People & Body", "component": "Component",
                   "animals-nature": "Animals & Nature", "food-drink": "Food & Drink",
                   "travel-places": "Travel & Places", "activities": "Activities", "objects": "Objects",
                   "symbols": "Symbols", "flags": "Flags"}


def package_version(node_modules: Path, name: str) -> str:
    return json.loads((node_modules / name / "package.json").read_text("utf-8"))["version"]


def read_json(path: Path):
    return json.loads(path.read_text("utf-8"))


def clean(phrase: str) -> str:
    return " ".join(phrase.replace("_", " ").replace("-", " ").lower().split())


def norm_hex(hexcode: str) -> str:
    """'1f636-200d-1f32b-fe0f' -> '1F636-200D-1F32B': the concept key."""
    return "-".join(c for c in hexcode.upper().split("-") if c != "FE0F")


def has_skin_tone(key: str) -> bool:
    return any(c in SKIN_TONES for c in key.split("-"))


def is_private_use(key: str) -> bool:
    return any(0xE000 <= int(c, 16) <= 0xF8FF or int(c, 16) >= 0xF0000 for c in key.split("-"))


def glyph_of(hexcode: str) -> str:
    return "".join(chr(int(c, 16)) for c in hexcode.split("-"))


def is_word_phrase(phrase: str) -> bool:
    """A caption phrase needs a word of two or more letters: drops ':D', '+1', '12:00', mangled text."""
    return bool(re.search(r"[^\W\d_]{2,}", phrase)) and "\ufffd" not in phrase


def dedup(xs) -> list[str]:
    return list(dict.fromkeys(x for x in xs if x))


def load_rgb(path: Path) -> np.ndarray:
    """PNG -> uint8 [64, 64, 3], alpha composited on white."""
    img = Image.open(path).convert("RGBA")
    if img.size != (RESOLUTION, RESOLUTION):
        img = img.resize((RESOLUTION, RESOLUTION), Image.LANCZOS)
    rgba = np.asarray(img, dtype=np.float32) / 255.0
    rgb = rgba[..., :3] * rgba[..., 3:] + (1.0 - rgba[..., 3:])
    return np.clip(np.round(rgb * 255.0), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------------------------- sources


def load_sources(nm: Path, skin_tones: bool) -> dict:
    """Every package's metadata, keyed by concept key."""
    keep = lambda key: skin_tones or not has_skin_tone(key)
    src = {"datasource": [], "datasource_skipped": [], "base": {}, "lib": {}, "openmoji": {}, "icons": {}}
    for e in sorted(read_json(nm / "emoji-datasource-google" / "emoji.json"), key=lambda e: e["sort_order"]):
        if keep(norm_hex(e["unified"])):
            src["datasource"].append(e)
        else:
            src["datasource_skipped"].append(e["unified"])
        if skin_tones:  # skin variations: their own images and names, the base entry's category
            for v in (e.get("skin_variations") or {}).values():
                src["datasource"].append({**e, **v, "skin_variations": None, "base_unified": e["unified"]})
    src["twitter_images"] = {e["unified"]: e for e in read_json(nm / "emoji-datasource-twitter" / "emoji.json")}
    for e in read_json(nm / "emojibase-data" / "en" / "data.json"):
        for x in [e] + ((e.get("skins") or []) if skin_tones else []):
            src["base"][norm_hex(x["hexcode"])] = {**x, "tags": x.get("tags") or e.get("tags", [])}
    src["lib"] = {norm_hex("-".join(f"{ord(ch):X}" for ch in glyph)): words
                  for glyph, words in read_json(nm / "emojilib" / "dist" / "emoji-en-US.json").items()}
    for e in read_json(nm / "openmoji" / "data" / "openmoji.json"):
        if keep(norm_hex(e["hexcode"])):
            src["openmoji"].setdefault(norm_hex(e["hexcode"]), e)
    # Iconify collections: concept key -> icon name, from chars.json. fluent-emoji's chars.json is empty
    # (it has the flat set's icon names), the flat set maps its aliases (the right-pointing hands, mirrored
    # left ones) nowhere, and openmoji maps a few icons (hair components) nowhere: those go by name.
    flat, color, om = "@iconify-json/fluent-emoji-flat", "@iconify-json/fluent-emoji", "@iconify-json/openmoji"
    src["icon_of"], src["aliases"] = {}, {}
    for pkg in (flat, color, om):
        icons = read_json(nm / pkg / "icons.json")
        src["icons"][pkg] = sorted([*icons["icons"], *icons.get("aliases", {})])
        src["aliases"][pkg] = set(icons.get("aliases", {}))
        src["icon_of"][pkg] = {}
        for h, name in read_json(nm / pkg / "chars.json").items():
            src["icon_of"][pkg].setdefault(norm_hex(h), name)

    def add_by_name(pkg: str, key_of_name: dict[str, str]) -> None:
        mapped = set(src["icon_of"][pkg].values())
        for name in src["icons"][pkg]:
            if name not in mapped and name in key_of_name:
                src["icon_of"][pkg].setdefault(key_of_name[name], name)

    slug = lambda s: re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")
    add_by_name(om, {slug(e["annotation"]): k for k, e in reversed(src["openmoji"].items())})
    add_by_name(flat, {name: k for k, name in reversed(src["icon_of"][om].items())})
    color_names = set(src["icons"][color])
    src["icon_of"][color] = {k: n for k, n in src["icon_of"][flat].items() if n in color_names}
    for pkg in src["icon_of"]:
        src["icon_of"][pkg] = {k: n for k, n in src["icon_of"][pkg].items() if keep(k)}
    return src


def concept_candidates(src: dict) -> list[dict]:
    """Concepts in order: emoji-datasource (by sort order), then openmoji-only, then Iconify-only."""
    out, seen = [], set()
    for e in src["datasource"]:
        key = norm_hex(e["unified"])
        if key not in seen:
            seen.add(key)
            out.append({"key": key, "ds": e})
    for key in src["openmoji"]:
        if key not in seen:
            seen.add(key)
            out.append({"key": key, "ds": None})
    for pkg in ("@iconify-json/openmoji", "@iconify-json/fluent-emoji-flat"):
        for key in src["icon_of"][pkg]:
            if key not in seen:
                seen.add(key)
                out.append({"key": key, "ds": None})
    return out


def concept_text(c: dict, src: dict) -> dict:
    """Names (best first), tags, glyph, category and subcategory of one concept."""
    key, ds = c["key"], c["ds"]
    base, om, lib = src["base"].get(key), src["openmoji"].get(key), src["lib"].get(key, [])
    names = []
    if ds is not None:
        if ds.get("base_unified"):  # a skin variation: the base emoji's name with its tones
            tones = [TONE_NAMES[t] for t in key.split("-") if t in TONE_NAMES]
            names += [f"{ds['name']}: {', '.join(dedup(tones))}"]
        else:
            names += [ds["name"]] if ds.get("name") else []
            names += ds.get("short_names", [])
    names += [base["label"]] if base else []
    names += [om["annotation"]] if om else []
    if not names:  # only an icon name to go by
        names += [src["icon_of"][p][key].replace("-", " ") for p in src["icon_of"] if key in src["icon_of"][p]]
    names = dedup(clean(n) for n in names if "\ufffd" not in n)
    tags = list(base.get("tags", [])) if base else []
    tags += lib
    if om:
        tags += [t for field in ("tags", "openmoji_tags") for t in om[field].split(",")]
    tags = [t for t in dedup(clean(t) for t in tags) if t not in names and is_word_phrase(t)]
    if base and base.get("emoji"):
        glyph = base["emoji"]
    elif ds is not None:
        glyph = glyph_of(ds["unified"])
    elif om and om["emoji"] and not is_private_use(key):
        glyph = om["emoji"]
    else:
        glyph = None if is_private_use(key) else glyph_of(key)
    if ds is not None:
        category, subcategory = ds["category"], ds["subcategory"]
    elif om:
        category, subcategory = OPENMOJI_GROUPS.get(om["group"], om["group"]), om["subgroups"]
    else:
        category, subcategory = ("extras-openmoji" if is_private_use(key) else "extras-unicode"), "other"
    return {"names": names, "tags": tags, "glyph": glyph, "category": category, "subcategory": subcategory}


def image_sources(c: dict, src: dict, nm: Path) -> dict[int, tuple[str, object]]:
    """style index -> ('png', path) or ('svg', icon name), for every style that has this concept."""
    out = {}
    ds = c["ds"]
    for s, style in enumerate(STYLES):
        if style["kind"] == "png" and ds is not None:
            entry = ds if s == 0 else (src["twitter_images"].get(ds.get("base_unified") or ds["unified"]) or {})
            if ds.get("base_unified") and s == 1:  # the twitter package's own record of this skin variation
                entry = next((v for v in (entry.get("skin_variations") or {}).values()
                              if v["unified"] == ds["unified"]), {})
            path = nm / style["package"] / style["folder"] / ds["image"]
            if entry.get(style["flag"]) and path.exists():
                out[s] = ("png", path)
        elif style["kind"] == "svg" and c["key"] in src["icon_of"][style["package"]]:
            out[s] = ("svg", src["icon_of"][style["package"]][c["key"]])
    return out


# ---------------------------------------------------------------------------------------------- SVGs


def render_svgs(nm: Path, cache: Path, wanted: dict[str, list[str]], size: int = RESOLUTION) -> dict[str, dict]:
    """Render the wanted icons of each collection (in parallel, through render_svgs.mjs and its cache) at
    `size` px (build_sr_dataset.py: 256, in a cache of its own).
    Returns pkg -> {'images': {name: uint8 [size, size, 3]}, 'skipped': {name: reason}, 'ms_per_icon': float}."""
    node = shutil.which("node")
    if node is None:
        raise SystemExit("build_dataset: node is needed to render the SVG styles (render_svgs.mjs)")
    script = Path(__file__).resolve().with_name("render_svgs.mjs")
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        procs = {}
        for pkg, names in wanted.items():
            (Path(tmp) / f"{len(procs)}.json").write_text(json.dumps(names))
            procs[pkg] = subprocess.Popen([node, str(script), pkg, str(cache), str(Path(tmp) / f"{len(procs)}.json")],
                                          stdout=subprocess.PIPE, cwd=nm.parent, text=True,
                                          env={**os.environ, "RENDER_SVGS_SIZE": str(size)})
        for pkg, p in procs.items():
            stdout, _ = p.communicate()
            if p.returncode != 0:
                raise SystemExit(f"build_dataset: render_svgs.mjs failed for {pkg} (exit {p.returncode})")
            report = json.loads(stdout.strip().splitlines()[-1])
            meta = read_json(Path(report["json"]))
            arr = np.fromfile(report["bin"], dtype=np.uint8).reshape(-1, size, size, 3)
            index = {n: i for i, n in enumerate(meta["names"])}
            out[pkg] = {"images": {n: arr[index[n]] for n in wanted[pkg] if n in index},
                        "skipped": {n: meta["skipped"][n] for n in wanted[pkg] if n in meta["skipped"]},
                        "ms_per_icon": report["ms_per_icon"], "rendered": report["rendered"]}
    return out


# ---------------------------------------------------------------------------------------------- output


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like np.savez_compressed, but LZMA (about a third smaller than deflate on these images) and with
    fixed timestamps, so the same arrays give the same bytes. np.load reads it unchanged."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_LZMA) as zf:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_LZMA
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())


def load_images(data_dir: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(images uint8 [N, 64, 64, 3], concept int32 [N], style int32 [N]) from dataset.npz: the same as
    common.load_dataset reads (np.load opens the LZMA zip as it is)."""
    z = np.load(Path(data_dir) / "dataset.npz")
    return z["images"], z["concept"], z["style"]


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def data_card(meta: dict, report: dict, command: str) -> str:
    """DATA_CARD.md: what is in the dataset, where it came from, how to rebuild it."""
    styles, concepts = meta["styles"], meta["concepts"]
    per_style = Counter(s for c in concepts for s in c["styles"])
    n_styles = Counter(len(c["styles"]) for c in concepts)
    cats = list(dict.fromkeys(c["category"] for c in concepts))
    n_names = [len(c["names"]) for c in concepts]
    n_tags = [len(c["tags"]) for c in concepts]
    n_phrases = [a + b for a, b in zip(n_names, n_tags)]
    L = ["# Data card: emoji training set", "",
         "64x64 RGB emoji images (composited on white) in five vendor styles, each the picture of one "
         "*concept* (an emoji sequence, or an OpenMoji extra icon), with caption phrases. Built by "
         "`training/data/build_dataset.py` from pinned npm packages; deterministic (same packages, same bytes).", "",
         "Rebuild (after `npm ci`):", "", "```", command, "```", "",
         "## Counts", "",
         f"- concepts: {len(concepts)}; images: {meta['images']}; skin-tone variants "
         f"{'included' if report['skin_tones'] else 'left out (sequences with 1F3FB-1F3FF)'}",
         f"- files: dataset.npz {report['npz_bytes']:,} bytes (LZMA zip of .npy), dataset.json "
         f"{report['json_bytes']:,} bytes",
         f"- sha256: images array {meta['images_sha256']}, dataset.npz {report['npz_sha256']}", "",
         "| style | images | source |", "|---|---:|---|"]
    for s, name in enumerate(styles):
        L.append(f"| {name} | {per_style[s]} | {STYLES[s]['package']} |")
    L += ["", "Concepts by number of styles with an image:", "", "| styles | concepts |", "|---:|---:|"]
    L += [f"| {k} | {n_styles[k]} |" for k in sorted(n_styles)]
    L += ["", "Images per category and style:", "",
          "| category | concepts | " + " | ".join(styles) + " |", "|---|---:|" + "---:|" * len(styles)]
    for cat in cats:
        cs = [c for c in concepts if c["category"] == cat]
        L.append(f"| {cat} | {len(cs)} | " + " | ".join(str(sum(s in c["styles"] for c in cs))
                                                       for s in range(len(styles))) + " |")
    L += ["", "## Captions", "",
          "Names, best first: emoji-datasource name and short names, emojibase label, OpenMoji annotation "
          "(an icon name where there is nothing else). Tags: emojibase tags, emojilib keywords, OpenMoji tags "
          "and openmoji_tags, lower-cased, without those equal to a name or without a word of two letters "
          "(':D', '+1', '12:00'). The glyph is kept too (none for private-use OpenMoji extras).", "",
          "| per concept | median | min | max |", "|---|---:|---:|---:|"]
    for label, xs in (("names", n_names), ("tags", n_tags), ("phrases (names + tags)", n_phrases)):
        L.append(f"| {label} | {statistics.median(xs):g} | {min(xs)} | {max(xs)} |")
    L += [f"", f"Concepts with a glyph: {sum(c['glyph'] is not None for c in concepts)}; distinct phrases: "
          f"{len({p for c in concepts for p in c['names'] + c['tags']})}.", "",
          "## Left out", ""]
    if report["datasource_skipped"]:
        L.append(f"- emoji-datasource: {len(report['datasource_skipped'])} entries that are skin-tone modifiers "
                 f"themselves: " + ", ".join(f"`{k}`" for k in report["datasource_skipped"]) + ".")
    for pkg, r in report["svg"].items():
        crashed = sorted(r["skipped"].items())
        L.append(f"- {pkg}: {len(crashed)} icons not rendered"
                 + (": " + ", ".join(f"`{n}` ({why})" for n, why in crashed) if crashed else "")
                 + ".")
    for pkg, names in report["unmapped"].items():
        L.append(f"- {pkg}: {len(names)} icons (aliases and skin-tone variants not counted) map to no "
                 f"concept: alternative designs, or an emoji's picture under a second name"
                 + (": " + ", ".join(f"`{n}`" for n in names[:60]) if names else "")
                 + (" …" if len(names) > 60 else "") + ".")
    if report["duplicates"]:
        L.append(f"- {len(report['duplicates'])} concepts whose only pictures are icons already used by an earlier "
                 f"concept (an Iconify set shares one icon between an emoji and an OpenMoji extra): "
                 + ", ".join(f"`{k}`" for k in report["duplicates"]) + ".")
    if report["no_image"]:
        L.append(f"- {len(report['no_image'])} openmoji@{report['openmoji_version']} entries have no image in "
                 f"any style here (newer than @iconify-json/openmoji): "
                 + ", ".join(f"`{k}`" for k in report["no_image"][:40])
                 + (" …" if len(report["no_image"]) > 40 else "") + ".")
    L += ["", "## Sources and licences", "",
          "| package | version | licence | role | attribution |", "|---|---|---|---|---|"]
    for s in meta["sources"]:
        L.append(f"| {s['package']} | {s['version']} | {s['license']} | {s['role']} | {s['attribution']} |")
    L += ["", "Images derived from OpenMoji are under CC BY-SA 4.0: images or models made from them carry "
          "that attribution; the Twemoji images need attribution under CC BY 4.0.", ""]
    return "\n".join(L)


def build(node_modules: Path, out: Path, limit: int | None = None, skin_tones: bool = False,
          svg_cache: Path | None = None, card: Path | None = None, command: str | None = None) -> dict:
    nm = Path(node_modules)
    src = load_sources(nm, skin_tones)
    candidates, claimed, duplicates = [], set(), []
    for c in concept_candidates(src):
        # An icon that serves several concepts (openmoji's 'brain' is both 1F9E0 and the extra E319) is
        # kept for the first only: the same picture should not carry two concepts' captions.
        sources = image_sources(c, src, nm)
        c["sources"] = {s: v for s, v in sources.items() if v[0] == "png" or (s, v[1]) not in claimed}
        claimed.update((s, v[1]) for s, v in c["sources"].items() if v[0] == "svg")
        if c["sources"]:
            candidates.append(c)
        elif sources:
            duplicates.append(c["key"])
    kept = {c["key"] for c in candidates}
    no_image = [k for k in src["openmoji"] if k not in kept and k not in duplicates]
    if limit:
        candidates = candidates[:limit]
    wanted = {s["package"]: sorted({c["sources"][i][1] for c in candidates if i in c["sources"]})
              for i, s in enumerate(STYLES) if s["kind"] == "svg"}
    svg = render_svgs(nm, svg_cache or ROOT / "training" / "build" / "svg-cache", wanted)

    concepts, images, concept_ids, style_ids = [], [], [], []
    for c in candidates:
        text = concept_text(c, src)
        found = []
        for s, (kind, where) in sorted(c["sources"].items()):
            img = load_rgb(where) if kind == "png" else svg[STYLES[s]["package"]]["images"].get(where)
            if img is not None:
                found.append((s, img))
        if not found or not text["names"]:
            continue
        cid = len(concepts)
        concepts.append({"id": cid, "unified": (c["ds"] or {}).get("unified") or c["key"],
                         "category": text["category"], "subcategory": text["subcategory"],
                         "names": text["names"], "tags": text["tags"], "glyph": text["glyph"],
                         "styles": [s for s, _ in found]})
        for s, img in found:
            images.append(img)
            concept_ids.append(cid)
            style_ids.append(s)

    out.mkdir(parents=True, exist_ok=True)
    arr = np.stack(images)  # (N, 64, 64, 3)
    save_npz(out / "dataset.npz", {"images": arr, "concept": np.array(concept_ids, np.int32),
                                   "style": np.array(style_ids, np.int32)})
    sources = [{"package": s["package"], "version": package_version(nm, s["package"]), "license": s["license"],
                "attribution": s["attribution"], "role": f"images ({s['name']} style)"} for s in STYLES]
    sources += [{"package": o["package"], "version": package_version(nm, o["package"]), "license": o["license"],
                 "attribution": o["attribution"], "role": o["role"]} for o in OTHER_SOURCES]
    meta = {"resolution": RESOLUTION, "styles": [s["name"] for s in STYLES], "sources": sources,
            "images": int(arr.shape[0]), "concepts": concepts,
            "images_sha256": hashlib.sha256(arr.tobytes()).hexdigest()}
    (out / "dataset.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), "utf-8")

    used = {STYLES[s]["package"]: set() for s in range(len(STYLES)) if STYLES[s]["kind"] == "svg"}
    for c in candidates:
        for s, (kind, name) in c["sources"].items():
            if kind == "svg":
                used[STYLES[s]["package"]].add(name)
    report = {"skin_tones": skin_tones, "svg": svg, "no_image": no_image if not limit else [],
              "duplicates": duplicates if not limit else [], "datasource_skipped": src["datasource_skipped"],
              "openmoji_version": package_version(nm, "openmoji"),
              "unmapped": {p: [n for n in src["icons"][p] if n not in used[p] and n not in src["aliases"][p]]
                           for p in used} if not limit else {},
              "npz_bytes": (out / "dataset.npz").stat().st_size, "json_bytes": (out / "dataset.json").stat().st_size,
              "npz_sha256": sha256_file(out / "dataset.npz")}
    if not skin_tones and not limit:  # skin-tone variants are left out on purpose: not worth listing
        tone = re.compile(r"-(light|dark|medium|medium-light|medium-dark)$|skin-tone")
        report["unmapped"] = {p: [n for n in ns if not tone.search(n)] for p, ns in report["unmapped"].items()}
    text = data_card(meta, report, command or "/usr/bin/python3 training/data/build_dataset.py")
    for path in [out / "DATA_CARD.md"] + ([Path(card)] if card else []):
        path.parent.mkdir(parents=True, exist_ok=True)
        # sections other scripts own (the SR data: build_sr_dataset.py) stay
        path.write_text(keep_sections(path.read_text("utf-8") if path.exists() else "", text), "utf-8")
    meta["report"] = report
    return meta


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--node-modules", type=Path, default=ROOT / "node_modules")
    ap.add_argument("--out", type=Path, default=ROOT / "training" / "build")
    ap.add_argument("--limit", type=int, default=None, help="only the first N concepts (for tests)")
    ap.add_argument("--skin-tones", action="store_true", help="keep skin-tone variants (5x more people)")
    ap.add_argument("--svg-cache", type=Path, default=ROOT / "training" / "build" / "svg-cache",
                    help="where render_svgs.mjs keeps rendered icons between runs")
    ap.add_argument("--card", type=Path, default=None,
                    help="also write the data card here (default: public/models/DATA_CARD.md without --limit)")
    args = ap.parse_args()
    card = args.card or (None if args.limit else ROOT / "public" / "models" / "DATA_CARD.md")
    command = "/usr/bin/python3 training/data/build_dataset.py" + (" --skin-tones" if args.skin_tones else "")
    t0 = time.perf_counter()
    meta = build(args.node_modules, args.out, args.limit, args.skin_tones, args.svg_cache, card, command)
    r = meta["report"]
    per_style = Counter(s for c in meta["concepts"] for s in c["styles"])
    print(f"{meta['images']} images of {len(meta['concepts'])} concepts -> {args.out} in "
          f"{time.perf_counter() - t0:.1f} s")
    print("  per style: " + ", ".join(f"{n} {per_style[s]}" for s, n in enumerate(meta["styles"])))
    for pkg, x in r["svg"].items():
        print(f"  {pkg}: {x['rendered']} rendered now, {len(x['skipped'])} skipped, {x['ms_per_icon']} ms/icon")
    print(f"  dataset.npz {r['npz_bytes'] / 2**20:.2f} MiB + dataset.json {r['json_bytes'] / 2**20:.2f} MiB")
    print(f"  sha256 images {meta['images_sha256']}\n  sha256 dataset.npz {r['npz_sha256']}")


if __name__ == "__main__":
    main()
