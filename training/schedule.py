"""Noise schedule, forward noising and the DDIM sampler: the reference for src/diffusion/.

Everything here computes in float64 per element and stores float32, like the TypeScript side, so the
two agree to float32 rounding. The model predicts v (Salimans & Ho 2022): v = sqrt(ab) eps - sqrt(1-ab) x0.
"""
from __future__ import annotations

import math

import numpy as np

NUM_TRAIN_TIMESTEPS = 1000


def cosine_alphas_cumprod(T: int = NUM_TRAIN_TIMESTEPS, s: float = 0.008,
                          max_beta: float = 0.999) -> np.ndarray:
    """alphas_cumprod[t], t = 0..T-1, of the cosine schedule (Nichol & Dhariwal 2021, eq. 17),
    with betas clipped at max_beta as in their code. float64, length T."""
    def f(u: float) -> float:
        return math.cos((u + s) / (1 + s) * math.pi / 2) ** 2

    betas = np.array([min(1 - f((i + 1) / T) / f(i / T), max_beta) for i in range(T)])
    return np.cumprod(1.0 - betas)


def q_sample(ab: np.ndarray, x0: np.ndarray, t: int, noise: np.ndarray) -> np.ndarray:
    """Forward process q(x_t | x_0) (DDPM eq. 4): sqrt(ab_t) x0 + sqrt(1 - ab_t) noise."""
    a = float(ab[t])
    out = math.sqrt(a) * x0.astype(np.float64) + math.sqrt(1.0 - a) * noise.astype(np.float64)
    return out.astype(np.float32)


def ddim_timesteps(num_steps: int, T: int = NUM_TRAIN_TIMESTEPS) -> list[int]:
    """'Trailing' spacing (Lin et al. 2024, table 2): t_i = round_half_up(T - i*T/N) - 1, i < N.
    The first step is at T-1, so generation starts from pure noise."""
    if not 1 <= num_steps <= T:
        raise ValueError(f"steps must be in 1..{T}, got {num_steps}")
    return [math.floor(T - (i * T) / num_steps + 0.5) - 1 for i in range(num_steps)]


def v_to_x0_eps(ab_t: float, x_t: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """From v and x_t: x0 = sqrt(ab) x - sqrt(1-ab) v, eps = sqrt(1-ab) x + sqrt(ab) v. float64."""
    a, b = math.sqrt(ab_t), math.sqrt(1.0 - ab_t)
    x = x_t.astype(np.float64)
    vv = v.astype(np.float64)
    return a * x - b * vv, b * x + a * vv


def v_target(ab_t: float, x0: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """The U-Net's training target (train.py): v = sqrt(ab) eps - sqrt(1-ab) x0. float64."""
    return math.sqrt(ab_t) * eps.astype(np.float64) - math.sqrt(1.0 - ab_t) * x0.astype(np.float64)


def loss_term(ab_t: float, x0: np.ndarray, eps: np.ndarray, v_hat: np.ndarray) -> dict[str, float]:
    """One term of the training loss: mse_v = mean((v_hat - v)^2), the unweighted v-MSE train.py minimises,
    and the same prediction's eps-MSE, mean((eps_hat - eps)^2) = ab * mse_v (eps_hat - eps = sqrt(ab) (v_hat - v)).
    Twin of src/diffusion/training-loss.ts lossTerm."""
    x_t = q_sample(np.array([ab_t]), x0, 0, eps)
    _, eps_hat = v_to_x0_eps(ab_t, x_t, v_hat)
    mse_v = float(np.mean((v_hat.astype(np.float64) - v_target(ab_t, x0, eps)) ** 2))
    mse_eps = float(np.mean((eps_hat - eps.astype(np.float64)) ** 2))
    return {"mse_v": mse_v, "mse_eps": mse_eps}


def guide(uncond: np.ndarray, cond: np.ndarray, scale: float) -> np.ndarray:
    """Classifier-free guidance (Ho & Salimans 2022): uncond + scale * (cond - uncond)."""
    u = uncond.astype(np.float64)
    return (u + scale * (cond.astype(np.float64) - u)).astype(np.float32)


def ddim_step(ab: np.ndarray, t: int, t_prev: int, x_t: np.ndarray, v: np.ndarray,
              eta: float = 0.0, noise: np.ndarray | None = None, clip_x0: bool = True) -> dict[str, np.ndarray]:
    """One DDIM step (Song et al. 2021, eq. 12) from t to t_prev (-1 means the clean image).

    1. x0 and eps from the v prediction; x0 clipped to [-1, 1] and eps re-derived from the clipped x0
       so the pair stays consistent with x_t (the page's sampler). clip_x0=False keeps the unclipped
       pair, for training/sharpness.py's comparison.
    2. sigma = eta * sqrt((1 - ab_prev) / (1 - ab_t)) * sqrt(1 - ab_t / ab_prev)   (eq. 16)
    3. x_prev = sqrt(ab_prev) x0 + sqrt(1 - ab_prev - sigma^2) eps + sigma z
    Returns float32 arrays: prev_sample, pred_original_sample (x0), pred_epsilon."""
    ab_t = float(ab[t])
    ab_prev = float(ab[t_prev]) if t_prev >= 0 else 1.0
    x0, _ = v_to_x0_eps(ab_t, x_t, v)
    if clip_x0:
        x0 = np.clip(x0, -1.0, 1.0)
    eps = (x_t.astype(np.float64) - math.sqrt(ab_t) * x0) / math.sqrt(1.0 - ab_t)
    sigma = eta * math.sqrt((1 - ab_prev) / (1 - ab_t)) * math.sqrt(1 - ab_t / ab_prev)
    prev = math.sqrt(ab_prev) * x0 + math.sqrt(max(1.0 - ab_prev - sigma * sigma, 0.0)) * eps
    if sigma > 0:
        if noise is None:
            raise ValueError("eta > 0 needs noise")
        prev = prev + sigma * noise.astype(np.float64)
    return {
        "prev_sample": prev.astype(np.float32),
        "pred_original_sample": x0.astype(np.float32),
        "pred_epsilon": eps.astype(np.float32),
    }
