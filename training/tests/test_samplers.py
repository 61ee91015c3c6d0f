"""The sampler reference (training/samplers.py): spacing, each step's maths, guidance rescale, start
points and the noise draws of a whole run."""
import math

import numpy as np
import pytest

from rng import Mulberry32
from samplers import (dpm_solver_step, ddpm_step, euler_ancestral_step, guidance_rescale, img2img_steps,
                      inpaint_blend, karras_sigmas, log_sigmas, needs_noise, q_sample_ab, run, sampler_step,
                      sampling_points, sigma_to_t)
from schedule import cosine_alphas_cumprod, ddim_step, ddim_timesteps

AB = cosine_alphas_cumprod()
X0 = np.tanh(Mulberry32(1).normals(48)).astype(np.float32)
EPS = Mulberry32(2).normals(48)


def oracle_v(ab_t: float, x: np.ndarray) -> np.ndarray:
    """The v a perfect model predicts for clean image X0 from x: the noise actually in x, in v form."""
    a, s = math.sqrt(ab_t), math.sqrt(1 - ab_t)
    e = (x.astype(np.float64) - a * X0) / s
    return (a * e - s * X0).astype(np.float32)


def test_karras_sigmas_follow_eq5():
    s = karras_sigmas(0.01, 100.0, 5)
    assert s[0] == pytest.approx(100.0) and s[-1] == pytest.approx(0.01)
    assert all(a > b for a, b in zip(s, s[1:]))
    assert karras_sigmas(0.01, 100.0, 1) == [pytest.approx(100.0)]
    # rho = 1 is linear spacing
    np.testing.assert_allclose(karras_sigmas(1.0, 5.0, 5, rho=1.0), [5, 4, 3, 2, 1])


def test_sigma_to_t_inverts_the_table_and_interpolates_log_sigma():
    logs = log_sigmas(AB)
    for t in (0, 1, 10, 500, 998, 999):
        assert sigma_to_t(logs, math.exp(logs[t])) == pytest.approx(t, abs=1e-9)
    mid = math.exp(0.5 * (logs[300] + logs[301]))
    assert sigma_to_t(logs, mid) == pytest.approx(300.5)
    assert sigma_to_t(logs, 1e-9) == 0 and sigma_to_t(logs, 1e9) == 999  # clamped


def test_sampling_points():
    pts = sampling_points(AB, 7, "trailing")
    assert [t for t, _ in pts] == [float(t) for t in ddim_timesteps(7)] + [-1.0]
    assert pts[0][1] == AB[999] and pts[-1] == (-1.0, 1.0)
    for n in (1, 2, 7, 25, 1000):
        k = sampling_points(AB, n, "karras")
        assert len(k) == n + 1 and k[-1] == (-1.0, 1.0)
        assert k[0][0] == pytest.approx(999, abs=1e-6)
        if n > 1:
            assert k[-2][0] == pytest.approx(0, abs=1e-6)
        assert all(a[0] > b[0] and a[1] < b[1] for a, b in zip(k, k[1:]))
    with pytest.raises(ValueError):
        sampling_points(AB, 0, "karras")
    with pytest.raises(ValueError):
        sampling_points(AB, 3, "leading")


def test_ddpm_equals_ddim_with_eta_one():
    x = q_sample_ab(AB[700], X0, EPS)
    v = oracle_v(AB[700], x) + np.float32(0.1)  # an imperfect model
    z = Mulberry32(5).normals(48)
    a = ddpm_step(AB[700], AB[600], x, v, z)
    b = ddim_step(AB, 700, 600, x, v, 1.0, z)
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError):
        ddpm_step(AB[700], AB[600], x, v)
    last = ddpm_step(AB[40], 1.0, x, v)
    np.testing.assert_array_equal(last["prev_sample"], last["pred_original_sample"])


def test_dpm_solver_first_order_is_ddim_and_second_order_is_exact_for_a_fixed_x0():
    pts = sampling_points(AB, 6, "karras")
    x = q_sample_ab(pts[0][1], X0, EPS)
    history = None
    for i in range(6):
        (_, ab_t), (t_prev, ab_prev) = pts[i], pts[i + 1]
        v = oracle_v(ab_t, x)
        out, history = dpm_solver_step(history, ab_t, ab_prev, x, v)
        if i == 0:  # DPM-Solver++1 = DDIM (eta = 0)
            a, s = math.sqrt(ab_prev), math.sqrt(1 - ab_prev)
            np.testing.assert_allclose(out["prev_sample"], a * out["pred_original_sample"] + s * out["pred_epsilon"],
                                       rtol=1e-5, atol=1e-6)
        # the model's x0 never changes, so the multistep correction vanishes and x stays on q_sample(X0, EPS)
        np.testing.assert_allclose(out["prev_sample"], q_sample_ab(ab_prev, X0, EPS), atol=1e-4)
        x = out["prev_sample"]
    np.testing.assert_allclose(x, X0, atol=1e-5)
    assert history is not None and history[0].dtype == np.float32


def test_dpm_solver_second_order_uses_the_history():
    pts = sampling_points(AB, 4, "trailing")
    x = q_sample_ab(pts[1][1], X0, EPS)
    v = oracle_v(pts[1][1], x)
    x0_last = np.zeros(48, np.float32)
    lam_last = 0.5 * math.log(pts[0][1] / (1 - pts[0][1]))
    first, _ = dpm_solver_step(None, pts[1][1], pts[2][1], x, v)
    second, _ = dpm_solver_step((x0_last, lam_last), pts[1][1], pts[2][1], x, v)
    assert not np.allclose(first["prev_sample"], second["prev_sample"])
    final, _ = dpm_solver_step((x0_last, lam_last), pts[3][1], 1.0, x, v)  # last step: first order, = x0
    np.testing.assert_array_equal(final["prev_sample"], final["pred_original_sample"])


def test_euler_ancestral_step_in_vp_units():
    ab_t, ab_prev = AB[800], AB[500]
    x = q_sample_ab(ab_t, X0, EPS)
    v = oracle_v(ab_t, x)
    z = Mulberry32(9).normals(48)
    out = euler_ancestral_step(ab_t, ab_prev, x, v, z)
    s_from, s_to = math.sqrt((1 - ab_t) / ab_t), math.sqrt((1 - ab_prev) / ab_prev)
    up = s_to * math.sqrt(1 - s_to ** 2 / s_from ** 2)
    down = math.sqrt(s_to ** 2 - up ** 2)
    assert up ** 2 + down ** 2 == pytest.approx(s_to ** 2)
    expected = math.sqrt(ab_prev) * (out["pred_original_sample"] + down * out["pred_epsilon"] + up * z)
    np.testing.assert_allclose(out["prev_sample"], expected, rtol=1e-5, atol=1e-6)
    last = euler_ancestral_step(ab_t, 1.0, x, v)
    np.testing.assert_allclose(last["prev_sample"], last["pred_original_sample"], atol=1e-6)


@pytest.mark.parametrize("sampler,spacing", [("ddim", "trailing"), ("ddpm", "trailing"), ("euler-a", "trailing"),
                                             ("euler-a", "karras"), ("dpmpp-2m", "trailing"), ("dpmpp-2m", "karras")])
def test_every_sampler_recovers_the_image_with_a_perfect_model(sampler, spacing):
    pts = sampling_points(AB, 8, spacing)
    g = Mulberry32(12)
    x = q_sample_ab(pts[0][1], X0, EPS)
    history = None
    for i in range(8):
        (t, ab_t), (t_prev, ab_prev) = pts[i], pts[i + 1]
        v = oracle_v(ab_t, x)
        z = g.normals(48) if needs_noise(sampler, 0.0, t_prev) else None
        out, history = sampler_step(sampler, AB, pts[i], pts[i + 1], x, v, 0.0, z, history)
        x = out["prev_sample"]
    np.testing.assert_allclose(x, X0, atol=1e-5)


def test_needs_noise():
    assert needs_noise("ddpm", 0, 10) and needs_noise("euler-a", 0, 0.5) and needs_noise("ddim", 0.3, 10)
    assert not needs_noise("ddim", 0, 10) and not needs_noise("dpmpp-2m", 1, 10)
    assert not any(needs_noise(s, 1, -1) for s in ("ddim", "ddpm", "euler-a", "dpmpp-2m"))


def test_guidance_rescale():
    x = q_sample_ab(AB[600], X0, EPS)
    cond = oracle_v(AB[600], x)
    guided = (cond * np.float32(3) + np.float32(0.2)).astype(np.float32)
    np.testing.assert_allclose(guidance_rescale(AB[600], x, cond, guided, 0.0), guided, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(guidance_rescale(AB[600], x, cond, cond, 1.0), cond, rtol=1e-6, atol=1e-6)
    a, s = math.sqrt(AB[600]), math.sqrt(1 - AB[600])
    x0 = lambda v: a * x.astype(np.float64) - s * v.astype(np.float64)
    full = guidance_rescale(AB[600], x, cond, guided, 1.0)
    assert x0(full).std() == pytest.approx(x0(cond).std(), rel=1e-5)
    half = guidance_rescale(AB[600], x, cond, guided, 0.5)
    np.testing.assert_allclose(x0(half), 0.5 * x0(full) + 0.5 * x0(guided), rtol=1e-4, atol=1e-5)


def test_img2img_steps_and_inpaint_blend():
    assert [img2img_steps(10, s) for s in (0.01, 0.3, 0.25, 0.6, 1.0)] == [1, 3, 3, 6, 10]
    with pytest.raises(ValueError):
        img2img_steps(10, 0)
    mask = np.array([[1, 0], [0.5, 0]], np.float32)
    known, x = np.ones((1, 3, 2, 2), np.float32), np.zeros((1, 3, 2, 2), np.float32)
    np.testing.assert_array_equal(inpaint_blend(mask, known, x)[0, 2], mask)


def dummy(x, t, cond):
    return ((1.0 if cond else -0.5) * x.astype(np.float64) * (t / (t + 1.0))).astype(np.float32)


def normals_drawn(seed: int, n: int, state: int) -> int:
    """How many blocks of n normals a generator seeded with `seed` drew to reach `state`."""
    g = Mulberry32(seed)
    for k in range(100):
        if g.state == state:
            return k
        for _ in range(n + n % 2):  # two uint32 per pair of normals
            g.next_uint32()
    raise AssertionError("state not reached")


@pytest.mark.parametrize("sampler,eta,expected", [("ddim", 0.0, 1), ("ddim", 0.5, 6), ("ddpm", 0.0, 6),
                                                  ("euler-a", 0.0, 6), ("dpmpp-2m", 0.0, 1)])
def test_run_draws_x_T_then_one_block_per_noisy_step(sampler, eta, expected, monkeypatch):
    # x_T, then (stochastic samplers) one block for each of the 5 steps that do not end at the clean image
    states = []
    real = Mulberry32.normals
    monkeypatch.setattr(Mulberry32, "normals", lambda self, c: (r := real(self, c), states.append(self.state))[0])
    out = run(AB, dummy, sampler=sampler, steps=6, seed=4, shape=(1, 3, 4, 4), guidance=3.0, eta=eta)
    assert len(states) == expected and normals_drawn(4, 48, states[-1]) == expected
    assert [f["noise"] is not None for f in out["frames"]] == [expected > 1] * 5 + [False]
    states.clear()
    mask = np.zeros((4, 4), np.float32)
    out = run(AB, dummy, sampler=sampler, steps=6, seed=4, shape=(1, 3, 4, 4), guidance=3.0, eta=eta,
              inpaint=(np.zeros((1, 3, 4, 4), np.float32), mask))
    assert len(states) == expected + 5  # one more block per step that does not end at the clean image


def test_run_img2img_starts_part_way_and_inpaint_keeps_the_known_region():
    img = np.full((1, 3, 4, 4), 0.25, np.float32)
    out = run(AB, dummy, sampler="dpmpp-2m", spacing="karras", steps=10, seed=4, shape=(1, 3, 4, 4), guidance=2.0,
              init=(img, 0.3))
    pts = sampling_points(AB, 10, "karras")
    assert len(out["frames"]) == 3 and out["frames"][0]["t"] == pts[7][0]
    np.testing.assert_array_equal(out["frames"][0]["x_t"], q_sample_ab(pts[7][1], img, out["x_T"]))
    mask = np.ones((4, 4), np.float32)
    out = run(AB, dummy, sampler="ddpm", steps=5, seed=4, shape=(1, 3, 4, 4), guidance=2.0, inpaint=(img, mask))
    np.testing.assert_array_equal(out["frames"][-1]["prev"], img)
    with pytest.raises(ValueError):
        run(AB, dummy, sampler="ddim", spacing="karras", steps=5, seed=4, shape=(1, 3, 4, 4), guidance=2.0)
