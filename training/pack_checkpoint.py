"""Move checkpoints between machines in pieces small enough to travel (< 15 MiB each).

  pack:   python training/pack_checkpoint.py pack RUN_DIR OUT_DIR [NAME ...]   # default clip unet -> fp16 shards
  unpack: /usr/bin/python3 training/pack_checkpoint.py unpack IN_DIR RUN_DIR   # every NAME.pt.part* there

A packed U-Net (unet, or the super-resolution stage's sr_unet) keeps only the EMA weights (what is
shipped and what runs resume from), in fp16, split into shards of at most 15 MiB; unpack rebuilds the
checkpoints that export_onnx.py / export_sr.py and train.py / train_sr.py --resume read.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

import torch

SHARD_BYTES = 15 * 2**20


def _fp16(sd: dict) -> dict:
    return {k: v.half() if v.is_floating_point() else v for k, v in sd.items()}


EMA_ONLY = ("unet", "sr_unet")  # checkpoints with raw and EMA weights: only the EMA weights travel


def pack(run: Path, out: Path, names=("clip", "unet")) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        ck = torch.load(run / f"{name}.pt", map_location="cpu")
        ck.pop("optimizer", None)
        if name in EMA_ONLY:
            ck["ema"] = _fp16(ck["ema"])
            ck.pop("state_dict", None)
        else:
            ck["state_dict"] = _fp16(ck["state_dict"])
        buf = io.BytesIO()
        torch.save(ck, buf)
        data = buf.getvalue()
        for i in range(0, len(data), SHARD_BYTES):
            (out / f"{name}.pt.part{i // SHARD_BYTES:02d}").write_bytes(data[i:i + SHARD_BYTES])
        print(f"{name}: {len(data) / 2**20:.1f} MiB in {(len(data) + SHARD_BYTES - 1) // SHARD_BYTES} shard(s)")


def unpack(src: Path, run: Path) -> None:
    run.mkdir(parents=True, exist_ok=True)
    names = sorted({p.name.split(".pt.part")[0] for p in src.glob("*.pt.part*")})
    if not names:
        raise SystemExit(f"no *.pt.part* in {src}")
    for name in names:
        parts = sorted(src.glob(f"{name}.pt.part*"))
        (run / f"{name}.pt").write_bytes(b"".join(p.read_bytes() for p in parts))
        ck = torch.load(run / f"{name}.pt", map_location="cpu")
        if name in EMA_ONLY:  # the exports and --resume read the EMA weights
            ck["state_dict"] = ck["ema"]
            torch.save(ck, run / f"{name}.pt")
        print(f"{name}.pt rebuilt from {len(parts)} shard(s)")


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] not in ("pack", "unpack") or (sys.argv[1] == "unpack" and len(sys.argv) != 4):
        raise SystemExit(__doc__)
    if sys.argv[1] == "pack":
        pack(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4:] or ("clip", "unet"))
    else:
        unpack(Path(sys.argv[2]), Path(sys.argv[3]))
