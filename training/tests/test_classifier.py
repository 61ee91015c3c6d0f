"""The independent judge (training/classifier.py): its held-out split, that a tiny run on a slice of the
real images learns the concepts, that its fp16 file gives the same verdicts, and that evaluate.py's
judge-based prompt fidelity scores a known answer."""
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from classifier import (JudgeConfig, heldout_split, judge_fidelity, load_judge, logits_of, save_judge, topk_accuracy,
                        train_judge)

ROOT = Path(__file__).resolve().parents[2]
NM = ROOT / "node_modules"


@pytest.fixture(scope="module")
def slice_data(tmp_path_factory):
    """The first 16 concepts of the real dataset (smileys, drawn in all five styles)."""
    if shutil.which("node") is None or not (NM / "@iconify-json" / "openmoji").exists():
        pytest.skip("node and node_modules (npm ci) are needed to build the data")
    from common import load_dataset
    from data.build_dataset import build
    tmp = tmp_path_factory.mktemp("judge-data")
    cache = ROOT / "training" / "build" / "svg-cache"
    build(NM, tmp, limit=16, svg_cache=cache if cache.exists() else tmp / "svg-cache")
    return load_dataset(tmp)


def test_heldout_split_is_one_image_per_concept_with_three_or_more():
    concept = np.array([0, 0, 0, 0, 0, 1, 2, 2, 2, 3, 3])
    held = heldout_split(concept, seed=1)
    assert held.sum() == 2                                 # concepts 0 (5 images) and 2 (3 images)
    assert held[concept == 0].sum() == 1 and held[concept == 2].sum() == 1
    assert not held[concept == 1].any() and not held[concept == 3].any()
    assert np.array_equal(held, heldout_split(concept, seed=1))
    picks = {tuple(np.flatnonzero(heldout_split(concept, seed=s))) for s in range(20)}
    assert len(picks) > 1                                  # the seed decides which image is held out


def test_tiny_run_learns_the_slice_and_the_fp16_file_agrees(slice_data, tmp_path):
    images, concept, style, meta = slice_data
    n = len(meta["concepts"])
    held = heldout_split(concept)
    train_rows = np.flatnonzero(~held)
    cfg = JudgeConfig(classes=n, channels=(16, 32, 32), embed=32)
    net, info = train_judge(images, concept, n, train_rows, minutes=2.0, steps=150, batch=32, lr=3e-3, cfg=cfg)
    assert info["steps"] == 150 and info["images_seen"] == 150 * 32
    x = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
    fit = topk_accuracy(logits_of(net, x[train_rows]), torch.from_numpy(concept[train_rows].astype(np.int64)))
    assert fit["top1"] >= 0.4, fit                         # chance is 1/16; 150 steps reach ~0.55
    # the saved judge (fp16 weights) gives the same verdicts as the trained one with its weights rounded
    path = tmp_path / "judge.pt"
    save_judge(path, net, [c["unified"] for c in meta["concepts"]], info)
    assert path.stat().st_size < 200_000
    loaded, ck = load_judge(path)
    net.load_state_dict({k: (v.half().float() if v.is_floating_point() else v) for k, v in net.state_dict().items()})
    assert torch.allclose(logits_of(loaded, x[:40]), logits_of(net, x[:40]), atol=1e-5)
    # evaluate.py's verdict on images whose concept is known: the judge's own top-k on the real images
    rows = train_rows[:24]
    want = [meta["concepts"][int(c)]["unified"] for c in concept[rows]]
    verdict = judge_fidelity(loaded, ck, images[rows], want)
    assert verdict == topk_accuracy(logits_of(loaded, x[rows]), torch.from_numpy(concept[rows].astype(np.int64)))
    with pytest.raises(ValueError, match="does not know"):
        judge_fidelity(loaded, ck, images[:1], ["NOT-A-CONCEPT"])
