"""The dataset builder on a slice of the real packages: five styles, captions from every caption source,
no skin tones, images on white, the same bytes every time, and render_svgs.mjs surviving a crash."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from data.build_dataset import (STYLES, build, concept_candidates, concept_text, has_skin_tone, load_images,
                                load_sources)

ROOT = Path(__file__).resolve().parents[2]
NM = ROOT / "node_modules"
LIMIT = 24  # concepts: the first smileys, which every style has

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None, reason="node renders the SVG styles"),
    pytest.mark.skipif(not (NM / "@iconify-json" / "openmoji").exists(), reason="node_modules missing: npm ci"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Two builds from two fresh SVG caches, and a third that reuses the first's cache."""
    tmp = tmp_path_factory.mktemp("dataset")
    metas = [build(NM, tmp / out, limit=LIMIT, svg_cache=tmp / cache)
             for out, cache in (("a", "cache-a"), ("b", "cache-b"), ("c", "cache-a"))]
    return tmp, metas


@pytest.fixture(scope="module")
def sources():
    return load_sources(NM, skin_tones=False)


def test_all_five_styles_and_concepts(built):
    tmp, (meta, *_) = built
    images, concept, style = load_images(tmp / "a")
    assert meta["styles"] == ["noto", "twemoji", "fluent flat", "fluent color", "openmoji"]
    assert images.shape == (meta["images"], 64, 64, 3) and images.dtype == np.uint8
    assert len(meta["concepts"]) == LIMIT and sorted(set(style.tolist())) == [0, 1, 2, 3, 4]
    for c in meta["concepts"]:
        assert c["names"] and all(n.strip() for n in c["names"]) and c["glyph"]
        assert sorted(style[concept == c["id"]].tolist()) == c["styles"]
        assert not set(c["tags"]) & set(c["names"])
    assert [c["id"] for c in meta["concepts"]] == list(range(LIMIT))
    roles = {s["role"] for s in meta["sources"]}
    assert {f"images ({s['name']} style)" for s in STYLES} <= roles
    assert {s["package"] for s in meta["sources"]} >= {"emojilib", "openmoji", "emojibase-data", "@resvg/resvg-js"}


def test_images_are_on_white_and_not_blank(built):
    images, _, _ = load_images(built[0] / "a")
    corners = images[:, [0, 0, -1, -1], [0, -1, 0, -1]]  # (N, 4, 3)
    assert (corners == 255).all()
    assert (images.reshape(len(images), -1).min(axis=1) < 128).all()  # every picture has dark pixels


def test_deterministic_and_loadable_by_common(built):
    tmp, metas = built
    shas = {m["images_sha256"] for m in metas}
    npz = {(tmp / d / "dataset.npz").read_bytes() for d in "abc"}
    js = {(tmp / d / "dataset.json").read_bytes() for d in "abc"}
    assert len(shas) == 1 and len(npz) == 1 and len(js) == 1
    from common import load_dataset  # the trainer's reader takes the LZMA npz as it is
    images, concept, style, meta = load_dataset(tmp / "a")
    assert images.shape[0] == concept.shape[0] == style.shape[0] == meta["images"]
    assert concept.dtype == np.int32 and style.dtype == np.int32


def test_data_card_written(built):
    card = (built[0] / "a" / "DATA_CARD.md").read_text("utf-8")
    for s in STYLES:
        assert f"| {s['name']} |" in card and s["package"] in card
    assert "CC BY-SA 4.0" in card and "build_dataset.py" in card


def test_no_skin_tones_and_enough_concepts(sources):
    candidates = concept_candidates(sources)
    assert not any(has_skin_tone(c["key"]) for c in candidates)
    assert len(candidates) >= 2000
    assert any(c["key"].startswith("E0") for c in candidates)  # OpenMoji extras (private use)
    with_tones = concept_candidates(load_sources(NM, skin_tones=True))
    assert sum(has_skin_tone(c["key"]) for c in with_tones) > 1000


def test_captions_merge_every_source(sources):
    cat = next(c for c in concept_candidates(sources) if c["key"] == "1F431")
    text = concept_text(cat, sources)
    assert text["names"][0] == "cat face" and text["glyph"] == "🐱"
    assert {"pet", "kitten"} <= set(text["tags"])  # emojibase
    assert {"meow", "nature"} <= set(text["tags"])  # emojilib
    assert "miau" in text["tags"]  # openmoji_tags
    assert "cat face" not in text["tags"] and not any(":" in t for t in text["tags"])
    extra = next(c for c in concept_candidates(sources) if c["key"] == "E000")  # OpenMoji's goldfish
    text = concept_text(extra, sources)
    assert text["names"] == ["goldfish"] and text["glyph"] is None and text["category"] == "extras-openmoji"


def test_renderer_skips_an_icon_that_kills_it(tmp_path):
    (tmp_path / "names.json").write_text(json.dumps(["cat-face", "grinning-face", "bomb"]))
    env = {**os.environ, "RENDER_SVGS_CRASH_ON": "grinning-face"}
    subprocess.run(["node", str(ROOT / "training/data/render_svgs.mjs"), "@iconify-json/openmoji",
                    str(tmp_path / "cache"), str(tmp_path / "names.json")], check=True, env=env, cwd=tmp_path,
                   stdout=subprocess.DEVNULL)
    meta = json.loads((tmp_path / "cache" / "iconify-json__openmoji.json").read_text())
    assert meta["names"] == ["cat-face", "bomb"] and list(meta["skipped"]) == ["grinning-face"]
    rgb = np.fromfile(tmp_path / "cache" / "iconify-json__openmoji.bin", np.uint8).reshape(-1, 64, 64, 3)
    assert rgb.shape[0] == 2 and rgb[:, 0, 0].min() == 255 and rgb.min() < 128
