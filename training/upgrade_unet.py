"""Add the input skip to a U-Net checkpoint trained without it, preserving what it computes.

  /usr/bin/python3 training/upgrade_unet.py OLD_unet.pt NEW_unet.pt

The output conv gains input channels for the unshuffled input pixels; their weights start at zero, so
the upgraded network's outputs equal the old one's and training simply continues from there.
"""
from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import load_unet
from model import UNet, UNetConfig, config_dict


def upgrade(old_path: Path, new_path: Path) -> None:
    old, ck = load_unet(old_path, ema=True)
    if old.cfg.input_skip:
        raise SystemExit(f"{old_path} already has the input skip")
    cfg = UNetConfig(**{**config_dict(old.cfg), "channels": old.cfg.channels, "attention": old.cfg.attention,
                        "input_skip": True})
    new = UNet(cfg)
    sd = old.state_dict()
    w = sd["out.weight"]                                              # (3p^2, C, 3, 3)
    sd["out.weight"] = torch.cat([w, torch.zeros(w.shape[0], 3 * cfg.patch ** 2, 3, 3)], dim=1)
    new.load_state_dict(sd)
    ck.update({"unet_config": config_dict(cfg), "ema": new.state_dict(), "state_dict": new.state_dict(),
               "upgraded_from": str(old_path)})
    ck.pop("optimizer", None)
    torch.save(ck, new_path)
    x, t, c = torch.randn(2, 3, 64, 64), torch.tensor([900.0, 20.0]), torch.randn(2, 16, cfg.context_dim)
    with torch.no_grad():
        diff = (old(x, t, c) - new.eval()(x, t, c)).abs().max().item()
    print(f"{new_path}: input skip added, max output change {diff:.2e}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    upgrade(Path(sys.argv[1]), Path(sys.argv[2]))
