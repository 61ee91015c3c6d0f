"""The samplers, guidance rescale and the img2img / inpainting start points: the reference for
src/diffusion/ (spacing.ts, ddpm.ts, euler-ancestral.ts, dpm-solver.ts, sampler.ts, guidance.ts,
img2img.ts, inpaint.ts) and for the loop in src/pipeline/generate.ts (`run` below).

Like schedule.py: float64 maths per element, float32 storage. Arrays that cross a step boundary (x_t,
v, the DPM-Solver history) are float32, scalars are float64, so the TypeScript agrees to float32 rounding.

Every sampler works on x_t in the model's VP parametrisation, x_t = sqrt(ab) x0 + sqrt(1 - ab) eps,
between "points" (t, ab): t is what the U-Net is fed (a float; -1 = the clean image), ab = alpha_bar
there (1 for the clean image). Every step takes x0 from v, clipped to [-1, 1], and eps re-derived from
the clipped x0 (as schedule.ddim_step), so x0-hat and eps-hat always explain x_t.

Noise: one generator seeded with the run's seed. Its first C*H*W normals are x_T (or the img2img noise);
then, step by step, a stochastic step whose target is not the clean image draws one sample's worth
(`needs_noise`), and after it an inpainting step whose target is not the clean image draws one more.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from rng import Mulberry32
from schedule import ddim_step, ddim_timesteps, guide

SAMPLERS = ("ddim", "ddpm", "euler-a", "dpmpp-2m")
# Karras spacing needs a sampler that works in sigma / lambda, not on the integer timestep grid.
SPACINGS = {"ddim": ("trailing",), "ddpm": ("trailing",), "euler-a": ("trailing", "karras"),
            "dpmpp-2m": ("trailing", "karras")}
KARRAS_RHO = 7.0  # Karras et al. 2022, eq. 5 and table 1

Point = tuple[float, float]  # (t fed to the U-Net, alpha_bar at t); (-1, 1) is the clean image


# ---------------------------------------------------------------------------------------------- spacing

def log_sigmas(ab: np.ndarray) -> np.ndarray:
    """log sigma_t = log sqrt((1 - ab_t) / ab_t) for every table entry (float64, increasing in t)."""
    return np.array([math.log(math.sqrt((1.0 - a) / a)) for a in ab])


def karras_sigmas(sigma_min: float, sigma_max: float, n: int, rho: float = KARRAS_RHO) -> list[float]:
    """Karras et al. 2022, eq. 5: sigma_i = (smax^(1/rho) + i/(N-1) (smin^(1/rho) - smax^(1/rho)))^rho,
    i = 0..N-1 (N = 1 gives sigma_max alone); the appended sigma_N = 0 is the caller's."""
    hi, lo = sigma_max ** (1.0 / rho), sigma_min ** (1.0 / rho)
    return [(hi + (i / (n - 1) if n > 1 else 0.0) * (lo - hi)) ** rho for i in range(n)]


def sigma_to_t(logs: np.ndarray, sigma: float) -> float:
    """The fractional timestep of `sigma`: linear in log sigma between the two neighbouring table
    entries (diffusers' _sigma_to_t), clamped to 0..T-1."""
    ls = math.log(sigma)
    low = int(np.searchsorted(logs, ls, side="right")) - 1  # last index with logs[low] <= ls
    low = min(max(low, 0), len(logs) - 2)
    w = (logs[low] - ls) / (logs[low] - logs[low + 1])
    w = min(max(w, 0.0), 1.0)
    return (1.0 - w) * low + w * (low + 1)


def sampling_points(ab: np.ndarray, steps: int, spacing: str = "trailing") -> list[Point]:
    """The N + 1 points of an N-step run, ending at the clean image (-1, 1).
    trailing: t_i = ddim_timesteps(N), ab from the table.
    karras: sigma_i from eq. 5 between the table's sigma(0) and sigma(T-1), ab_i = 1 / (1 + sigma_i^2),
    t_i = sigma_to_t(sigma_i) (fractional)."""
    T = len(ab)
    if not 1 <= steps <= T:
        raise ValueError(f"steps must be in 1..{T}, got {steps}")
    if spacing == "trailing":
        points = [(float(t), float(ab[t])) for t in ddim_timesteps(steps, T)]
    elif spacing == "karras":
        logs = log_sigmas(ab)
        sig = karras_sigmas(math.exp(logs[0]), math.exp(logs[-1]), steps)
        points = [(sigma_to_t(logs, s), 1.0 / (1.0 + s * s)) for s in sig]
    else:
        raise ValueError(f"unknown spacing {spacing!r}")
    return points + [(-1.0, 1.0)]


# --------------------------------------------------------------------------------------------- samplers

def predict_x0_eps(ab_t: float, x: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x0 = sqrt(ab) x - sqrt(1-ab) v clipped to [-1, 1]; eps = (x - sqrt(ab) x0) / sqrt(1-ab). float64."""
    a, b = math.sqrt(ab_t), math.sqrt(1.0 - ab_t)
    x64 = x.astype(np.float64)
    x0 = np.clip(a * x64 - b * v.astype(np.float64), -1.0, 1.0)
    return x0, (x64 - a * x0) / b


def _result(prev: np.ndarray, x0: np.ndarray, eps: np.ndarray) -> dict[str, np.ndarray]:
    return {"prev_sample": prev.astype(np.float32), "pred_original_sample": x0.astype(np.float32),
            "pred_epsilon": eps.astype(np.float32)}


def ddpm_step(ab_t: float, ab_prev: float, x: np.ndarray, v: np.ndarray,
              noise: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """DDPM ancestral step (Ho et al. 2020, eqs. 6-7) over a strided subsequence: the step t -> t_prev
    is one DDPM step whose effective alpha is ab_t / ab_prev.
    1. alpha = ab_t / ab_prev, beta = 1 - alpha
    2. x0, eps from v (clipped x0)
    3. eq. 7: mu = sqrt(ab_prev) beta / (1 - ab_t) x0 + sqrt(alpha) (1 - ab_prev) / (1 - ab_t) x_t
    4. eq. 7: beta_tilde = (1 - ab_prev) / (1 - ab_t) beta;  x_prev = mu + sqrt(beta_tilde) z"""
    alpha = ab_t / ab_prev
    beta = 1.0 - alpha
    x0, eps = predict_x0_eps(ab_t, x, v)
    mean = (math.sqrt(ab_prev) * beta / (1.0 - ab_t)) * x0 \
        + (math.sqrt(alpha) * (1.0 - ab_prev) / (1.0 - ab_t)) * x.astype(np.float64)
    var = (1.0 - ab_prev) / (1.0 - ab_t) * beta
    if var > 0:
        if noise is None:
            raise ValueError("ddpm_step: a step that is not the last needs noise")
        mean = mean + math.sqrt(var) * noise.astype(np.float64)
    return _result(mean, x0, eps)


def euler_ancestral_step(ab_t: float, ab_prev: float, x: np.ndarray, v: np.ndarray,
                         noise: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Euler ancestral (k-diffusion sample_euler_ancestral, eta = 1; diffusers EulerAncestralDiscrete).
    It works on x_s = x0 + sigma eps (VE, sigma = sqrt((1 - ab) / ab)); our x_t is VP, x_t = x_s /
    sqrt(1 + sigma^2) = sqrt(ab) x_s (Karras et al. 2022, table 1, s(t)), so convert in and out.
    1. sigma_from, sigma_to from ab_t, ab_prev
    2. x0, eps from v (clipped x0)
    3. sigma_up = min(sigma_to, sqrt(sigma_to^2 (sigma_from^2 - sigma_to^2) / sigma_from^2)),
       sigma_down = sqrt(sigma_to^2 - sigma_up^2)
    4. x_s = x_t / sqrt(ab_t); d = (x_s - x0) / sigma_from (the ODE's dx/dsigma, Karras eqs. 1 and 3)
    5. x_s' = x_s + d (sigma_down - sigma_from) + sigma_up z;  x_prev = sqrt(ab_prev) x_s'"""
    s_from = math.sqrt((1.0 - ab_t) / ab_t)
    s_to = math.sqrt((1.0 - ab_prev) / ab_prev)
    x0, eps = predict_x0_eps(ab_t, x, v)
    s_up = min(s_to, math.sqrt(s_to * s_to * (s_from * s_from - s_to * s_to) / (s_from * s_from)))
    s_down = math.sqrt(s_to * s_to - s_up * s_up)
    xs = x.astype(np.float64) / math.sqrt(ab_t)
    d = (xs - x0) / s_from
    xs = xs + d * (s_down - s_from)
    if s_up > 0:
        if noise is None:
            raise ValueError("euler_ancestral_step: a step that is not the last needs noise")
        xs = xs + s_up * noise.astype(np.float64)
    return _result(xs * math.sqrt(ab_prev), x0, eps)


DpmHistory = tuple[np.ndarray, float] | None  # (x0-hat of the previous step, float32; its lambda)


def dpm_solver_step(history: DpmHistory, ab_t: float, ab_prev: float, x: np.ndarray,
                    v: np.ndarray) -> tuple[dict[str, np.ndarray], DpmHistory]:
    """DPM-Solver++(2M) (Lu et al. 2022, algorithm 2), data prediction, multistep; first order on the
    first step (no history) and on the last (diffusers' lower_order_final: lambda of the clean image is
    infinite, and the first-order step lands exactly on x0-hat).
    1. lambda = log(alpha) - log(sigma), alpha = sqrt(ab), sigma = sqrt(1 - ab); h = lambda_to - lambda_from
    2. x0 from v (clipped)
    3. D = x0 (first order), or with r = h_last / h: D = (1 + 1/(2r)) x0 - 1/(2r) x0_last
    4. x_prev = (sigma_to / sigma_from) x_t - alpha_to (e^-h - 1) D
    Returns the step and the history for the next step (this step's x0 and lambda_from)."""
    a_s, s_s = math.sqrt(ab_t), math.sqrt(1.0 - ab_t)
    lam_s = math.log(a_s) - math.log(s_s)
    x0, eps = predict_x0_eps(ab_t, x, v)
    if ab_prev == 1.0:
        prev = x0
    else:
        a_t, s_t = math.sqrt(ab_prev), math.sqrt(1.0 - ab_prev)
        h = (math.log(a_t) - math.log(s_t)) - lam_s
        if history is None:
            D = x0
        else:
            x0_last, lam_last = history
            r = (lam_s - lam_last) / h
            D = (1.0 + 1.0 / (2.0 * r)) * x0 - (1.0 / (2.0 * r)) * x0_last.astype(np.float64)
        prev = (s_t / s_s) * x.astype(np.float64) - (a_t * (math.exp(-h) - 1.0)) * D
    out = _result(prev, x0, eps)
    return out, (out["pred_original_sample"], lam_s)


def needs_noise(sampler: str, eta: float, t_prev: float) -> bool:
    """Whether a step draws one sample's worth of normals: stochastic samplers (ddpm, euler-a, ddim with
    eta > 0), except on the step to the clean image (t_prev = -1), where the added variance is 0."""
    stochastic = sampler in ("ddpm", "euler-a") or (sampler == "ddim" and eta > 0)
    return stochastic and t_prev != -1


# ----------------------------------------------------------------------------------- guidance, starts

def sampler_step(sampler: str, ab: np.ndarray, point: Point, point_prev: Point, x: np.ndarray,
                 v: np.ndarray, eta: float, z: np.ndarray | None,
                 history: DpmHistory) -> tuple[dict[str, np.ndarray], DpmHistory]:
    """One step of `sampler` from `point` to `point_prev` ((t, ab) pairs); `history` is DPM-Solver's
    state, returned unchanged by the other samplers."""
    (t, ab_t), (t_prev, ab_prev) = point, point_prev
    if sampler == "ddim":
        return ddim_step(ab, int(t), int(t_prev), x, v, eta, z), history
    if sampler == "ddpm":
        return ddpm_step(ab_t, ab_prev, x, v, z), history
    if sampler == "euler-a":
        return euler_ancestral_step(ab_t, ab_prev, x, v, z), history
    return dpm_solver_step(history, ab_t, ab_prev, x, v)


def guidance_rescale(ab_t: float, x: np.ndarray, v_cond: np.ndarray, v_guided: np.ndarray,
                     phi: float) -> np.ndarray:
    """Guidance rescale (Lin et al. 2024, section 3.4), applied to x0-hat: the guided x0's std is
    brought to the conditional x0's, mixed with weight phi, and turned back into v.
    1. x0_pos = sqrt(ab) x - sqrt(1-ab) v_cond, x0_cfg likewise from v_guided (unclipped)
    2. x0_rescaled = x0_cfg * std(x0_pos) / std(x0_cfg)   (population std over the whole sample)
    3. x0_final = phi x0_rescaled + (1 - phi) x0_cfg
    4. v = (sqrt(ab) x - x0_final) / sqrt(1-ab); returned as float32"""
    a, b = math.sqrt(ab_t), math.sqrt(1.0 - ab_t)
    x64 = x.astype(np.float64)
    pos = a * x64 - b * v_cond.astype(np.float64)
    cfg = a * x64 - b * v_guided.astype(np.float64)
    std_cfg = _std(cfg)
    factor = _std(pos) / std_cfg if std_cfg > 0 else 1.0
    final = phi * (cfg * factor) + (1.0 - phi) * cfg
    return ((a * x64 - final) / b).astype(np.float32)


def _std(x: np.ndarray) -> float:
    """Population standard deviation: two passes of sequential float64 sums, as the TypeScript adds."""
    flat = x.reshape(-1).astype(np.float64)
    mean = float(np.cumsum(flat)[-1]) / flat.size
    return math.sqrt(float(np.cumsum((flat - mean) ** 2)[-1]) / flat.size)


def q_sample_ab(ab_t: float, x0: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """q(x_t | x0) at a point given by its alpha_bar (fractional t allowed): sqrt(ab) x0 + sqrt(1-ab) z."""
    out = math.sqrt(ab_t) * x0.astype(np.float64) + math.sqrt(1.0 - ab_t) * noise.astype(np.float64)
    return out.astype(np.float32)


def img2img_steps(steps: int, strength: float) -> int:
    """How many of an N-step plan img2img runs: round_half_up(N * strength), clamped to 1..N."""
    if not 0 < strength <= 1:
        raise ValueError(f"strength must be in (0, 1], got {strength}")
    return min(steps, max(1, math.floor(steps * strength + 0.5)))


def inpaint_blend(mask: np.ndarray, known: np.ndarray, x: np.ndarray) -> np.ndarray:
    """mask [H, W] (1 = keep the known image) over [..., C, H, W]: mask * known + (1 - mask) * x."""
    m = mask.astype(np.float64)
    return (m * known.astype(np.float64) + (1.0 - m) * x.astype(np.float64)).astype(np.float32)


# ------------------------------------------------------------------------------------------- the loop

Model = Callable[[np.ndarray, float, bool], np.ndarray]  # (x_t, t as float32, conditional?) -> v


def run(ab: np.ndarray, model: Model, *, sampler: str, spacing: str = "trailing", steps: int, seed: int,
        shape: tuple[int, ...], guidance: float, eta: float = 0.0, rescale: float = 0.0,
        init: tuple[np.ndarray, float] | None = None,
        inpaint: tuple[np.ndarray, np.ndarray] | None = None) -> dict:
    """A whole generation, step for step as src/pipeline/generate.ts runs it. init = (image, strength),
    inpaint = (known image, mask [H, W]). Returns {"x_T": first normals, "frames": [...]}."""
    if spacing not in SPACINGS[sampler]:
        raise ValueError(f"spacing {spacing!r} does not work with sampler {sampler!r}")
    points = sampling_points(ab, steps, spacing)
    g = Mulberry32(seed)
    n = int(np.prod(shape))
    x_T = g.normals(n).reshape(shape)
    start = 0
    x = x_T
    if init is not None:
        start = steps - img2img_steps(steps, init[1])
        x = q_sample_ab(points[start][1], init[0], x_T)
    history: DpmHistory = None
    frames = []
    for i in range(start, steps):
        (t, ab_t), (t_prev, ab_prev) = points[i], points[i + 1]
        t_in = float(np.float32(t))  # the U-Net's timestep input is float32
        v_cond = model(x, t_in, True)
        if guidance != 1:
            v = guide(model(x, t_in, False), v_cond, guidance)
            if rescale > 0:
                v = guidance_rescale(ab_t, x, v_cond, v, rescale)
        else:
            v = v_cond
        z = g.normals(n).reshape(shape) if needs_noise(sampler, eta, t_prev) else None
        out, history = sampler_step(sampler, ab, (t, ab_t), (t_prev, ab_prev), x, v, eta, z, history)
        prev = out["prev_sample"]
        w = None
        if inpaint is not None:
            known, mask = inpaint
            if t_prev != -1:
                w = g.normals(n).reshape(shape)
                known = q_sample_ab(ab_prev, known, w)
            prev = inpaint_blend(mask, known, prev)
        frames.append({"t": t, "t_prev": t_prev, "ab": ab_t, "ab_prev": ab_prev, "x_t": x, "v": v,
                       "x0": out["pred_original_sample"], "eps": out["pred_epsilon"], "prev": prev,
                       "noise": z, "inpaint_noise": w})
        x = prev
    return {"x_T": x_T, "frames": frames}
