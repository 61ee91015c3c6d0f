"""Shared helpers for the training scripts: config loading, dataset loading, checkpoints, devices."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from model import CLIP, ImageConfig, TextConfig, UNet, UNetConfig
from tokenizer import Tokenizer

ROOT = Path(__file__).resolve().parents[1]


def load_config(path: Path) -> dict:
    return json.loads(Path(path).read_text("utf-8"))


def pick_device() -> torch.device:
    if torch.cuda.is_available():
        return torch.device("cuda")
    torch.set_num_threads(int(os.environ.get("TRAIN_THREADS", os.cpu_count() or 1)))
    return torch.device("cpu")


def load_dataset(data_dir: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """(images uint8 [N, 64, 64, 3], concept [N], style [N], metadata) from build_dataset.py's output."""
    z = np.load(Path(data_dir) / "dataset.npz")
    meta = json.loads((Path(data_dir) / "dataset.json").read_text("utf-8"))
    return z["images"], z["concept"], z["style"], meta


def images_on(device, images_u8: np.ndarray) -> torch.Tensor:
    """uint8 [N, H, W, 3] -> uint8 [N, 3, H, W] on the device (converted to [-1, 1] per batch by to_unit)."""
    return torch.from_numpy(images_u8).to(device).permute(0, 3, 1, 2).contiguous()


def to_unit(x_u8: torch.Tensor) -> torch.Tensor:
    """uint8 images -> float32 in [-1, 1], the page's input range."""
    return x_u8.float().div_(127.5).sub_(1.0)


@torch.no_grad()
def embed_images(clip: CLIP, images: torch.Tensor, rows=None) -> torch.Tensor:
    """Unit-length image-encoder embeddings of uint8 [N, 3, H, W] images (of the given rows), 512 at a time."""
    rows = torch.arange(len(images)) if rows is None else torch.as_tensor(rows)
    return torch.cat([F.normalize(clip.image(to_unit(images[rows[i:i + 512].to(images.device)])), dim=-1)
                      for i in range(0, len(rows), 512)])


def text_config(cfg: dict, tok: Tokenizer) -> TextConfig:
    return TextConfig(vocab_size=tok.vocab_size, max_length=tok.max_length, **cfg["text"])


def unet_config(cfg: dict, context_dim: int) -> UNetConfig:
    u = dict(cfg["unet"])
    for k in ("channels", "attention"):
        u[k] = tuple(u[k])
    return UNetConfig(context_dim=context_dim, **u)


def read_checkpoint(path: Path, weights: bool = True) -> dict:
    """A checkpoint dict (configs, counters, weights) from `path`: a training run's clip.pt / unet.pt, or,
    where the folder holds the shipped model's record instead (training/checkpoints/shipped.json), the
    same dict rebuilt from the ONNX files (shipped_weights.py). weights=False: only the record's fields
    (no weights; quick)."""
    path = Path(path)
    if path.exists():
        return torch.load(path, map_location="cpu")
    if (path.parent / "shipped.json").exists() and path.name in ("clip.pt", "unet.pt"):
        from shipped_weights import read_shipped
        return read_shipped(path.parent, path.stem, weights)
    raise FileNotFoundError(f"{path}: no such checkpoint, and no shipped.json beside it to rebuild it from the ONNX files")


def has_checkpoint(path: Path) -> bool:
    """Whether read_checkpoint(path) has something to read."""
    path = Path(path)
    return path.exists() or ((path.parent / "shipped.json").exists() and path.name in ("clip.pt", "unet.pt"))


def load_clip(path: Path, device="cpu") -> tuple[CLIP, Tokenizer, dict]:
    ck = read_checkpoint(path)
    tok = Tokenizer.from_json(ck["tokenizer"])
    clip = CLIP(TextConfig(**ck["text_config"]), ImageConfig(**{**ck["image_config"],
                                                                "channels": tuple(ck["image_config"]["channels"])}))
    clip.load_state_dict({k: v.float() for k, v in ck["state_dict"].items()})
    return clip.to(device).eval(), tok, ck


def load_unet(path: Path, device="cpu", ema: bool = True) -> tuple[UNet, dict]:
    ck = read_checkpoint(path)
    c = {"input_skip": False, **ck["unet_config"]}  # checkpoints from before input_skip existed
    for k in ("channels", "attention"):
        c[k] = tuple(c[k])
    unet = UNet(UNetConfig(**c))
    unet.load_state_dict({k: v.float() for k, v in ck["ema" if ema else "state_dict"].items()})
    return unet.to(device).eval(), ck
