"""The super-resolution data on disk and in memory (built by data/build_sr_dataset.py).

Two files, each an .npz of plain arrays (no pickles), the images as lossless WebP:
  sr_train.npz    one crop per training image (a `crop`-px square, its origin a multiple of 4 in the 256 px
                  render, so its 4x4 area downsampling lands on the 64 px grid)
  sr_heldout.npz  whole 256 px renders of the held-out concepts (never in sr_train.npz)
Arrays: webp (uint8, every image's WebP bytes one after another), offsets (int64 [N + 1]: image i is
webp[offsets[i]:offsets[i + 1]]), concept and style (int32 [N]: dataset.json's concept id and style index),
origin (int16 [N, 2]: y, x of the crop in the 256 px render), size (int32 [1]: the square's side).

The low-resolution image of a 256 px one is its 4x4 area mean rounded to uint8 (area_down): what an ideal
renderer draws at 64 px, and uint8 like every 64 px image the page upscales.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

SCALE = 4          # 64 px -> 256 px
HIGH = 256         # output resolution


def encode_webp(image_u8: np.ndarray) -> bytes:
    """uint8 [H, W, 3] -> lossless WebP bytes (decodes to the same pixels)."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image_u8)).save(buf, "WEBP", lossless=True, quality=100, method=4)
    return buf.getvalue()


def save_split(path: Path, images_u8: list[np.ndarray] | np.ndarray, concept, style, origin, size: int,
               encoded: list[bytes] | None = None) -> int:
    """Write one split file; returns its size in bytes. `encoded`: the images' WebP bytes if already made."""
    blobs = encoded if encoded is not None else [encode_webp(im) for im in images_u8]
    offsets = np.zeros(len(blobs) + 1, np.int64)
    offsets[1:] = np.cumsum([len(b) for b in blobs])
    np.savez(path, webp=np.frombuffer(b"".join(blobs), np.uint8), offsets=offsets,
             concept=np.asarray(concept, np.int32), style=np.asarray(style, np.int32),
             origin=np.asarray(origin, np.int16).reshape(-1, 2), size=np.array([size], np.int32))
    return Path(path).stat().st_size


def load_split(path: Path) -> dict:
    """{'images': uint8 [N, S, S, 3], 'concept', 'style', 'origin', 'size'} from a split file."""
    z = np.load(Path(path), allow_pickle=False)
    webp, off = z["webp"], z["offsets"]
    size = int(z["size"][0])
    images = np.empty((len(off) - 1, size, size, 3), np.uint8)
    for i in range(len(images)):
        im = Image.open(io.BytesIO(webp[off[i]:off[i + 1]].tobytes())).convert("RGB")
        if im.size != (size, size):
            raise ValueError(f"{path}: image {i} is {im.size}, the file says {size} px")
        images[i] = np.asarray(im)
    return {"images": images, "concept": z["concept"], "style": z["style"], "origin": z["origin"], "size": size}


def area_down(images_u8: np.ndarray, scale: int = SCALE) -> np.ndarray:
    """uint8 [N, H, W, 3] -> uint8 [N, H/scale, W/scale, 3]: the mean of each scale x scale block, rounded
    (half to even, as torch.round: area_down_torch gives the same bytes)."""
    n, h, w, c = images_u8.shape
    blocks = images_u8.reshape(n, h // scale, scale, w // scale, scale, c).astype(np.float32)
    return np.round(blocks.mean(axis=(2, 4))).astype(np.uint8)


def area_down_torch(images_u8: torch.Tensor, scale: int = SCALE) -> torch.Tensor:
    """uint8 [N, 3, H, W] (any device) -> float32 [N, 3, H/scale, W/scale] holding area_down's uint8 values."""
    return F.avg_pool2d(images_u8.float(), scale).round()


def to_unit_np(images_u8: np.ndarray) -> np.ndarray:
    """uint8 [N, H, W, 3] -> float32 [N, 3, H, W] in [-1, 1] (the page's pixel = (x + 1) * 127.5)."""
    return (images_u8.astype(np.float32).transpose(0, 3, 1, 2) / 127.5 - 1.0).astype(np.float32)
