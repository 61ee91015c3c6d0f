"""The Python reference maths that the page's TypeScript must match: tokenizer, RNG, schedule, DDIM."""
import json
import math

import numpy as np
import pytest

from rng import Mulberry32
from schedule import cosine_alphas_cumprod, ddim_step, ddim_timesteps, guide, q_sample, v_to_x0_eps
from tokenizer import BOS_ID, EOS_ID, HASH_COUNT, HASH_OFFSET, PAD_ID, Tokenizer, fnv1a32, split_words


def test_mulberry32_matches_the_javascript_reference():
    # values printed by the canonical JS mulberry32 (Math.imul version) for seed 1
    g = Mulberry32(1)
    assert [g.next_uint32() for _ in range(3)] == [2693262067, 11749833, 2265367787]


def test_normals_are_standard_normal_and_seeded():
    z = Mulberry32(5).normals(200_001)
    assert z.dtype == np.float32 and len(z) == 200_001
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    assert np.array_equal(Mulberry32(5).normals(10), z[:10])
    assert not np.array_equal(Mulberry32(6).normals(10), z[:10])


def test_fnv1a32_known_values():
    assert fnv1a32(b"") == 0x811C9DC5
    assert fnv1a32(b"a") == 0xE40C292C
    assert fnv1a32(b"foobar") == 0xBF9CF968


def test_tokenizer_layout_truncation_and_unknown_words():
    tok = Tokenizer.build(["cat face", "red apple", "🐱"])
    ids = tok.encode("Cat FACE")
    assert len(ids) == tok.max_length
    assert ids[:4] == [BOS_ID, tok.vocab["cat"], tok.vocab["face"], EOS_ID]
    assert set(ids[4:]) == {PAD_ID}
    assert tok.encode("") == [BOS_ID, EOS_ID] + [PAD_ID] * (tok.max_length - 2)
    long = tok.encode(" ".join(["apple"] * 100))
    assert long[0] == BOS_ID and long[-1] == EOS_ID and PAD_ID not in long
    unknown = tok.encode("zebra")[1]
    assert HASH_OFFSET <= unknown < HASH_OFFSET + HASH_COUNT
    assert tok.encode("ZEBRA")[1] == unknown


def test_tokenizer_unicode_rules():
    assert split_words("Café-au-lait 🐱!") == ["café".encode(), b"au", b"lait", "🐱".encode()]
    assert split_words("❤️") == split_words("❤")          # variation selectors are dropped
    assert split_words("x\ud800y") == ["x\ufffdy".encode()]  # lone surrogate -> U+FFFD
    assert split_words("ÀB") == ["Àb".encode()]            # only ASCII is lower-cased
    assert split_words("<b>x</b>") == [b"b", b"x", b"b"]


def test_tokenizer_round_trips_through_json():
    tok = Tokenizer.build(["cat face", "dog"])
    again = Tokenizer.from_json(tok.to_json())
    assert again.encode("dog cat unknown") == tok.encode("dog cat unknown")


def test_cosine_schedule_is_decreasing_from_one_to_near_zero():
    ab = cosine_alphas_cumprod()
    assert len(ab) == 1000 and ab.dtype == np.float64
    assert 0.9999 < ab[0] < 1 and ab[-1] < 1e-6
    assert np.all(np.diff(ab) < 0)


def test_ddim_timesteps_trailing():
    assert ddim_timesteps(1) == [999]
    assert ddim_timesteps(4) == [999, 749, 499, 249]
    assert ddim_timesteps(1000) == list(range(999, -1, -1))
    for n in (3, 7, 30, 333):
        ts = ddim_timesteps(n)
        assert len(ts) == n and ts[0] == 999 and all(a > b for a, b in zip(ts, ts[1:]))
    with pytest.raises(ValueError):
        ddim_timesteps(0)


def test_q_sample_and_v_conversions_are_consistent():
    ab = cosine_alphas_cumprod()
    g = Mulberry32(2)
    x0 = np.clip(g.normals(48), -1, 1)
    eps = g.normals(48)
    t = 400
    x_t = q_sample(ab, x0, t, eps)
    a, s = math.sqrt(ab[t]), math.sqrt(1 - ab[t])
    v = (a * eps - s * x0).astype(np.float32)
    got_x0, got_eps = v_to_x0_eps(ab[t], x_t, v)
    np.testing.assert_allclose(got_x0, x0, atol=1e-5)
    np.testing.assert_allclose(got_eps, eps, atol=1e-5)


def test_ddim_with_a_perfect_model_recovers_the_image():
    ab = cosine_alphas_cumprod()
    g = Mulberry32(4)
    x0 = np.clip(g.normals(48) * 0.4, -1, 1).astype(np.float32)
    eps = g.normals(48)
    ts = ddim_timesteps(5)
    x = q_sample(ab, x0, ts[0], eps)
    for i, t in enumerate(ts):
        a, s = math.sqrt(ab[t]), math.sqrt(1 - ab[t])
        e = (x - a * x0) / s                       # the noise actually in x
        v = (a * e - s * x0).astype(np.float32)
        out = ddim_step(ab, t, ts[i + 1] if i + 1 < len(ts) else -1, x, v)
        x = out["prev_sample"]
    np.testing.assert_allclose(x, x0, atol=1e-4)


def test_guidance_scale_one_is_the_conditional_output():
    u, c = np.float32([1, 2]), np.float32([3, -1])
    np.testing.assert_array_equal(guide(u, c, 1.0), c)
    np.testing.assert_array_equal(guide(u, c, 0.0), u)
    np.testing.assert_allclose(guide(u, c, 3.0), u + 3 * (c - u))


def test_normals_batch_equals_one_generator_per_seed():
    import numpy as np
    from rng import Mulberry32, normals_batch
    seeds = [0, 1, 42, 2**32 - 1, 10_000]
    batch = normals_batch(seeds, 301)  # odd count: the last pair's second value is dropped
    for row, s in zip(batch, seeds):
        assert np.array_equal(row, Mulberry32(s).normals(301))


def test_build_records_which_words_come_from_captions():
    tok = Tokenizer.build(["cat face", "Cat!"], extra=["kitten", "cat"])
    assert sorted(tok.vocab) == ["cat", "face", "kitten"]
    assert tok.caption_word_ids == sorted([tok.vocab["cat"], tok.vocab["face"]])
    again = Tokenizer.from_json(json.loads(json.dumps(tok.to_json())))
    assert again.caption_word_ids == tok.caption_word_ids
    assert "caption_word_ids" not in Tokenizer({"cat": 259}).to_json()   # unknown stays unknown


def test_loss_term_is_the_v_mse_and_its_eps_mse_is_alpha_bar_times_it():
    from schedule import loss_term, v_target
    rng = np.random.default_rng(0)
    x0, eps, v_hat = np.tanh(rng.normal(size=(3, 8, 8))), rng.normal(size=(3, 8, 8)), rng.normal(size=(3, 8, 8))
    ab = float(cosine_alphas_cumprod()[400])
    assert loss_term(ab, x0, eps, v_target(ab, x0, eps))["mse_v"] < 1e-12
    r = loss_term(ab, x0, eps, v_hat)
    assert abs(r["mse_v"] - np.mean((v_hat - v_target(ab, x0, eps)) ** 2)) < 1e-12
    assert abs(r["mse_eps"] / r["mse_v"] - ab) < 1e-5
