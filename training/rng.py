"""The seeded noise generator shared with src/diffusion/rng.ts: a seed means the same noise everywhere.

mulberry32 (32-bit state) gives uniform uint32 values; Box-Muller turns each pair (a, b) into two
normals z0 = r cos(2 pi u2), z1 = r sin(2 pi u2) with u1 = (a + 0.5) / 2^32, u2 = (b + 0.5) / 2^32,
r = sqrt(-2 ln u1), computed in float64 and stored as float32. An odd count drops the last z1.
"""
from __future__ import annotations

import math

import numpy as np

_TWO32 = 4294967296.0


class Mulberry32:
    """mulberry32: state is one uint32; `next_uint32` advances it."""

    def __init__(self, seed: int):
        self.state = seed & 0xFFFFFFFF

    def next_uint32(self) -> int:
        self.state = (self.state + 0x6D2B79F5) & 0xFFFFFFFF
        a = self.state
        t = ((a ^ (a >> 15)) * (a | 1)) & 0xFFFFFFFF
        t = ((t + (((t ^ (t >> 7)) * (t | 61)) & 0xFFFFFFFF)) & 0xFFFFFFFF) ^ t
        return (t ^ (t >> 14)) & 0xFFFFFFFF

    def normals(self, count: int) -> np.ndarray:
        """`count` standard normal float32 values (consumes 2 uint32 per pair)."""
        out = np.empty(count, dtype=np.float32)
        i = 0
        while i < count:
            u1 = (self.next_uint32() + 0.5) / _TWO32
            u2 = (self.next_uint32() + 0.5) / _TWO32
            r = math.sqrt(-2.0 * math.log(u1))
            out[i] = r * math.cos(2.0 * math.pi * u2)
            if i + 1 < count:
                out[i + 1] = r * math.sin(2.0 * math.pi * u2)
            i += 2
        return out


def normals_batch(seeds: list[int], count: int) -> np.ndarray:
    """float32 [len(seeds), count]: row i equals Mulberry32(seeds[i]).normals(count), computed for all
    seeds at once with numpy (the same uint32 arithmetic in uint64 with masks)."""
    mask = np.uint64(0xFFFFFFFF)
    state = np.array([s & 0xFFFFFFFF for s in seeds], dtype=np.uint64)

    def next_uint32() -> np.ndarray:
        nonlocal state
        state = (state + np.uint64(0x6D2B79F5)) & mask
        a = state
        t = ((a ^ (a >> np.uint64(15))) * (a | np.uint64(1))) & mask
        t = ((t + (((t ^ (t >> np.uint64(7))) * (t | np.uint64(61))) & mask)) & mask) ^ t
        return (t ^ (t >> np.uint64(14))) & mask

    pairs = (count + 1) // 2
    out = np.empty((len(seeds), 2 * pairs), dtype=np.float64)
    for j in range(pairs):
        u1 = (next_uint32().astype(np.float64) + 0.5) / _TWO32
        u2 = (next_uint32().astype(np.float64) + 0.5) / _TWO32
        r = np.sqrt(-2.0 * np.log(u1))
        out[:, 2 * j] = r * np.cos(2.0 * np.pi * u2)
        out[:, 2 * j + 1] = r * np.sin(2.0 * np.pi * u2)
    return out[:, :count].astype(np.float32)
