"""How an upscale runs: the reference for the page's SR stage (the maths of samplers.py, one more input).

An upscale of a 64 px image x_lr (float32 [3, 64, 64] in [-1, 1], from the uint8 pixels) with seed, steps
and augmentation level s (an integer timestep of the base model's cosine table, 0 .. aug_max):
  1. one generator seeded with the seed: its first 3*256*256 normals are x_T, its next 3*64*64 are the
     augmentation noise n (both CHW order);
  2. z_s = sqrt(ab[s]) x_lr + sqrt(1 - ab[s]) n: the low-resolution input, noised as in training;
  3. the N-step plan of samplers.sampling_points (trailing); every step feeds the SR U-Net
     (sample = x_t, timestep = t, low_res = z_s, aug_level = s) and takes one sampler step with its v,
     exactly as samplers.run does (no guidance); a stochastic sampler draws its blocks after n.
The last step's x is the 256 px image; pixel = round((x + 1) * 127.5) clamped to 0..255.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

from rng import Mulberry32
from samplers import SPACINGS, DpmHistory, needs_noise, q_sample_ab, sampler_step, sampling_points

DEFAULT_STEPS = 8        # the page's default: within the 2-core WASM budget (training/README.md, SR section)
DEFAULT_AUG = 100        # default augmentation level s: a timestep, noise std sqrt(1 - ab[100]) ~ 0.16
HIGH, LOW = 256, 64

SRModel = Callable[[np.ndarray, float, np.ndarray, float], np.ndarray]  # (x_t, t, z_s, s) -> v, batch 1


def sr_run(ab: np.ndarray, model: SRModel, *, low_res: np.ndarray, seed: int, steps: int = DEFAULT_STEPS,
           aug_level: int = DEFAULT_AUG, sampler: str = "ddim", spacing: str = "trailing", eta: float = 0.0) -> dict:
    """A whole upscale, step for step as the page runs it. low_res: float32 [3, h, w] in [-1, 1].
    Returns {"x_T", "aug_noise", "low_res_aug", "frames": [{t, t_prev, x_t, v, x0, prev, noise}, ...]}."""
    if spacing not in SPACINGS[sampler]:
        raise ValueError(f"spacing {spacing!r} does not work with sampler {sampler!r}")
    if not 0 <= aug_level < len(ab) or int(aug_level) != aug_level:
        raise ValueError(f"aug_level must be an integer timestep in 0..{len(ab) - 1}, got {aug_level}")
    c, h, w = low_res.shape
    shape = (1, c, h * HIGH // LOW, w * HIGH // LOW)
    g = Mulberry32(seed)
    n = int(np.prod(shape))
    x = g.normals(n).reshape(shape)
    x_T = x
    aug_noise = g.normals(c * h * w).reshape(1, c, h, w)
    z = q_sample_ab(float(ab[aug_level]), low_res[None].astype(np.float32), aug_noise)
    s_in = float(np.float32(aug_level))
    history: DpmHistory = None
    frames = []
    points = sampling_points(ab, steps, spacing)
    for i in range(steps):
        (t, ab_t), (t_prev, ab_prev) = points[i], points[i + 1]
        v = model(x, float(np.float32(t)), z, s_in)
        noise = g.normals(n).reshape(shape) if needs_noise(sampler, eta, t_prev) else None
        out, history = sampler_step(sampler, ab, (t, ab_t), (t_prev, ab_prev), x, v, eta, noise, history)
        frames.append({"t": t, "t_prev": t_prev, "x_t": x, "v": v, "x0": out["pred_original_sample"],
                       "prev": out["prev_sample"], "noise": noise})
        x = out["prev_sample"]
    return {"x_T": x_T, "aug_noise": aug_noise, "low_res_aug": z, "frames": frames}


def seeded_normals(seed: int, count: int) -> np.ndarray:
    """Mulberry32(seed).normals(count), all draws at once: mulberry32's state after n draws is
    seed + n * 0x6D2B79F5 (mod 2^32), so every draw can be computed independently (the loop in rng.py
    takes seconds for a 256 px image, this milliseconds). float32 [count]."""
    mask = np.uint64(0xFFFFFFFF)
    pairs = (count + 1) // 2
    a = (np.uint64(seed & 0xFFFFFFFF) + np.arange(1, 2 * pairs + 1, dtype=np.uint64) * np.uint64(0x6D2B79F5)) & mask
    t = ((a ^ (a >> np.uint64(15))) * (a | np.uint64(1))) & mask
    t = ((t + (((t ^ (t >> np.uint64(7))) * (t | np.uint64(61))) & mask)) & mask) ^ t
    u = ((t ^ (t >> np.uint64(14))) & mask).astype(np.float64)
    u1, u2 = (u[0::2] + 0.5) / 4294967296.0, (u[1::2] + 0.5) / 4294967296.0
    r = np.sqrt(-2.0 * np.log(u1))
    out = np.empty(2 * pairs, np.float64)
    out[0::2], out[1::2] = r * np.cos(2.0 * np.pi * u2), r * np.sin(2.0 * np.pi * u2)
    return out[:count].astype(np.float32)


def torch_sr_model(net) -> SRModel:
    """samplers-style model function over a PyTorch SRUNet (float32, CPU, batch 1)."""
    def model(x: np.ndarray, t: float, z: np.ndarray, s: float) -> np.ndarray:
        with torch.no_grad():
            return net(torch.from_numpy(x), torch.tensor([t], dtype=torch.float32), torch.from_numpy(z),
                       torch.tensor([s], dtype=torch.float32)).numpy()
    return model


@torch.no_grad()
def upscale_batch(net, low_u8: np.ndarray, seeds: list[int], ab: np.ndarray, steps: int = DEFAULT_STEPS,
                  aug_level: int = DEFAULT_AUG, device="cpu", chunk: int = 32) -> np.ndarray:
    """DDIM (eta 0, trailing) upscales of many images at once, with sr_run's noise and maths (float64
    sampler arithmetic on the device, float32 network): uint8 [N, h, w, 3] -> float32 [N, 3, 4h, 4w]."""
    n, h, w, _ = low_u8.shape
    H, W = h * HIGH // LOW, w * HIGH // LOW
    points = sampling_points(ab, steps, "trailing")
    a_s = float(ab[aug_level])
    out = []
    for c0 in range(0, n, chunk):
        noise = np.stack([seeded_normals(sd, 3 * H * W + 3 * h * w) for sd in seeds[c0:c0 + chunk]])
        b = len(noise)
        x = torch.from_numpy(noise[:, :3 * H * W].reshape(b, 3, H, W)).to(device, torch.float64)
        lr = torch.from_numpy(low_u8[c0:c0 + chunk].transpose(0, 3, 1, 2).astype(np.float32) / 127.5 - 1.0).to(device)
        nz = torch.from_numpy(noise[:, 3 * H * W:].reshape(b, 3, h, w)).to(device)
        z = (math.sqrt(a_s) * lr.double() + math.sqrt(1.0 - a_s) * nz.double()).float()
        s = torch.full((b,), float(aug_level), device=device)
        for i in range(steps):
            (t, ab_t), (_, ab_prev) = points[i], points[i + 1]
            v = net(x.float(), torch.full((b,), float(np.float32(t)), device=device), z, s).double()
            a, sd = math.sqrt(ab_t), math.sqrt(1.0 - ab_t)
            x0 = (a * x - sd * v).clamp(-1.0, 1.0)
            eps = (x - a * x0) / sd
            x = math.sqrt(ab_prev) * x0 + math.sqrt(max(1.0 - ab_prev, 0.0)) * eps
        out.append(x.float().cpu().numpy())
    return np.concatenate(out)


def to_uint8(x: np.ndarray) -> np.ndarray:
    """[N, 3, H, W] in [-1, 1] -> uint8 [N, H, W, 3], the page's rounding."""
    return np.clip(np.round((x.transpose(0, 2, 3, 1) + 1.0) * 127.5), 0, 255).astype(np.uint8)
