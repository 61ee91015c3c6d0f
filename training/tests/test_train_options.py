"""train.py's options for the next GPU run: min-SNR loss weighting, the batch-scaled learning rate, the
torch.compile modes, how often a caption names the style and how often it is framed as a request."""
import random

import numpy as np
import pytest
import torch

from data.captions import sample_caption
from schedule import cosine_alphas_cumprod
from train import caption_bank, compile_mode, loss_weights, scaled_lr


def test_min_snr_weights_are_min_snr_gamma_over_snr_plus_one():
    ab = torch.tensor(cosine_alphas_cumprod(), dtype=torch.float64)
    w = loss_weights(ab, 5.0)
    snr = ab / (1 - ab)
    for t in (0, 100, 400, 700, 999):
        expected = min(float(snr[t]), 5.0) / (float(snr[t]) + 1)
        assert float(w[t]) == pytest.approx(expected, rel=1e-9)
    # noisy steps (SNR < gamma) keep SNR / (SNR + 1) < 1; nearly clean ones are cut to gamma / (SNR + 1)
    assert float(w[999]) < 1e-3 and float(w[0]) < 1e-3 and float(w.max()) <= 5 / 6 + 1e-9
    # in x0 terms the weight is exactly min(SNR, gamma): v-MSE = (SNR + 1) x0-MSE
    assert torch.allclose(w * (snr + 1), snr.clamp(max=5.0))
    assert torch.equal(loss_weights(ab, None), torch.ones_like(ab))


def test_weighted_loss_matches_the_formula_on_a_batch():
    ab = torch.tensor(cosine_alphas_cumprod(), dtype=torch.float32)
    t = torch.tensor([5, 500, 990])
    pred, v = torch.randn(3, 3, 8, 8), torch.randn(3, 3, 8, 8)
    per = (pred - v).pow(2).mean(dim=(1, 2, 3))
    snr = ab[t] / (1 - ab[t])
    manual = sum(float(per[i]) * min(float(snr[i]), 5.0) / (float(snr[i]) + 1) for i in range(3)) / 3
    assert float((per * loss_weights(ab[t], 5.0)).mean()) == pytest.approx(manual, rel=1e-5)


def test_learning_rate_scales_with_the_square_root_of_the_batch():
    assert scaled_lr({"lr": 1e-3, "batch": 1024}) == pytest.approx(1e-3)
    assert scaled_lr({"lr": 1e-3, "batch": 4096, "lr_reference_batch": 1024}) == pytest.approx(2e-3)
    assert scaled_lr({"lr": 1e-3, "batch": 1024, "lr_reference_batch": 1024}, world=4) == pytest.approx(2e-3)


def test_compile_modes():
    assert compile_mode(True) == "default" and compile_mode(False) is None and compile_mode(None) is None
    assert compile_mode("reduce-overhead") == "reduce-overhead" and compile_mode("max-autotune") == "max-autotune"
    with pytest.raises(ValueError, match="train.compile"):
        compile_mode("fast")


def test_style_phrase_probability_is_honoured():
    concept = {"names": ["cat face"], "tags": ["pet"], "glyph": "🐱"}
    rng = random.Random(0)
    for p, lo, hi in ((0.0, 0.0, 0.0), (0.4, 0.33, 0.47), (0.9, 0.86, 0.94), (1.0, 1.0, 1.0)):
        named = np.mean(["openmoji style" in sample_caption(concept, "openmoji", rng, style_p=p) for _ in range(2000)])
        assert lo <= named <= hi, (p, named)


def test_caption_bank_passes_the_style_probability_on():
    from tokenizer import Tokenizer
    meta = {"concepts": [{"names": ["cat face"], "tags": ["pet"], "glyph": None}], "styles": ["openmoji"]}
    tok = Tokenizer.build(["cat face", "pet", "openmoji style", "in", "emoji", "an", "of", "icon", "the", "a"])
    style_id = tok.vocab["openmoji"]
    for p, want in ((0.0, 0.0), (1.0, 1.0)):
        bank = caption_bank(tok, meta, np.zeros(4, np.int32), np.zeros(4, np.int32), 8, 0, style_p=p)
        assert float((bank == style_id).any(-1).float().mean()) == want


def test_frame_probability_is_honoured_and_reaches_the_caption_bank():
    from data.captions import FRAME_PREFIXES, FRAME_SUFFIXES, TEMPLATES
    concept = {"names": ["zqx"], "tags": [], "glyph": None}
    rng = random.Random(0)

    def framed(text: str) -> bool:
        if text == "zqx" or text in {t.format("zqx") for t in TEMPLATES}:
            return False
        pre, _, suf = text.partition("zqx")
        return pre.strip() in FRAME_PREFIXES + [""] and suf.strip() in FRAME_SUFFIXES + [""]

    # an untemplated caption (80%) is framed with probability frame_p
    for p, lo, hi in ((0.0, 0.0, 0.0), (0.1, 0.05, 0.11), (0.3, 0.2, 0.28)):
        share = np.mean([framed(sample_caption(concept, "s", rng, style_p=0.0, frame_p=p)) for _ in range(3000)])
        assert lo <= share <= hi, (p, share)
    from tokenizer import Tokenizer
    meta = {"concepts": [concept], "styles": ["s"]}
    tok = Tokenizer.build(["zqx"] + FRAME_PREFIXES + FRAME_SUFFIXES + [t.format("") for t in TEMPLATES])
    plain = tuple(tok.encode("zqx"))
    lengths = {p: float((caption_bank(tok, meta, np.zeros(64, np.int32), np.zeros(64, np.int32), 16, 0, style_p=0.0,
                                      frame_p=p) != 0).sum(-1).float().mean()) for p in (0.0, 0.9)}
    assert lengths[0.9] > lengths[0.0] + 1  # framed captions are longer
    assert len(plain) == tok.max_length


def test_the_modifier_framings_are_words_the_shipped_tokenizer_knows():
    import json
    from pathlib import Path
    from data.captions import FRAME_PREFIXES, MODIFIERS
    from evaluate import UNSEEN_PHRASINGS
    vocab = json.loads((Path(__file__).resolve().parents[2] / "public/models/tokenizer.json").read_text())["vocab"]
    words = {w for f in MODIFIERS for w in f.split()}
    assert not [w for w in words if w not in vocab]  # a resumed run keeps this tokenizer: no hash buckets
    assert set(MODIFIERS) <= set(FRAME_PREFIXES)
    evaluated = {w for t in UNSEEN_PHRASINGS for w in t.replace("{}", " ").split()} - {"a", "of", "on"}
    assert not words & evaluated


def test_style_pairs_put_two_vendors_of_one_concept_in_a_batch_with_styled_captions():
    from train import with_style_pairs
    gen = torch.Generator().manual_seed(0)
    # 6 concepts; concept c's images are rows 5c..5c+4 (five styles), except concept 5 with one image (row 25)
    table = torch.tensor([[5 * c + i for i in range(5)] for c in range(5)] + [[25] * 5])
    counts = torch.tensor([5, 5, 5, 5, 5, 1])
    styled = torch.arange(26 * 2).reshape(26, 2, 1) + 1000          # styled caption "ids": 1000 + 2 * row + j
    for trial in range(20):
        pick = torch.randperm(6, generator=gen)
        col = (torch.rand(6, generator=gen) * counts[pick]).long()
        idx = table[pick, col]
        ids = torch.zeros(6, 1, dtype=torch.long)
        new_idx, new_ids = with_style_pairs(idx, ids, pick, col, table, counts, styled, 2, gen)
        for k in range(2):
            partner = 5 - k
            if counts[pick[k]] >= 2:
                assert new_idx[partner] // 5 == new_idx[k] // 5 and new_idx[partner] != new_idx[k]
                assert int(new_ids[k]) in (1000 + 2 * int(new_idx[k]), 1001 + 2 * int(new_idx[k]))
                assert int(new_ids[partner]) in (1000 + 2 * int(new_idx[partner]), 1001 + 2 * int(new_idx[partner]))
            else:
                assert new_idx[partner] == idx[partner] and int(new_ids[k]) == 0
        assert torch.equal(new_idx[2:4], idx[2:4])                  # the middle rows are untouched
