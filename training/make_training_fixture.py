"""Write src/fixtures/training-loss.json: single terms of the U-Net's training loss, computed by PyTorch
with the shipped checkpoints (fp16-rounded, the same numbers as the ONNX files), for the page's
training view to match (src/diffusion/training-loss.ts; e2e/inside-training.spec.ts).

Each case: a manifest sample image (PNG bytes / 127.5 - 1, as the page and training read them), a
timestep t and a seed; eps = the seed's first C*H*W normals (rng.py, the page's rng.ts);
x_t = q_sample(x0, t, eps); v_hat = U-Net(x_t, t, text(prompt)); the loss train.py minimises is
mean((v_hat - v)^2) with v = sqrt(ab) eps - sqrt(1 - ab) x0, unweighted.

Usage: /usr/bin/python3 training/make_training_fixture.py [--checkpoints training/checkpoints]
       [--models public/models] [--out src/fixtures]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_fixtures import arr  # noqa: E402
from rng import Mulberry32  # noqa: E402
from schedule import loss_term, q_sample  # noqa: E402

# (sample file, t, seed, prompt): the page's training view checks the first; "" is the unconditional prompt.
CASES = [
    ("samples/cat-face.png", 500, 7, "cat face"),
    ("samples/cat-face.png", 500, 7, ""),
    ("samples/red-apple.png", 250, 3, "red apple"),
    ("samples/rocket.png", 900, 11, "rocket"),
]


def load_image(path: Path) -> np.ndarray:
    """A sample PNG as [3, H, W] float32 in [-1, 1]."""
    from PIL import Image
    rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)  # (H, W, 3)
    return (rgb / 127.5 - 1.0).transpose(2, 0, 1).copy()


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoints", type=Path, default=root / "training" / "checkpoints")
    ap.add_argument("--models", type=Path, default=root / "public" / "models")
    ap.add_argument("--out", type=Path, default=root / "src" / "fixtures")
    args = ap.parse_args()
    import torch
    from common import load_clip, load_unet

    manifest = json.loads((args.models / "manifest.json").read_text("utf-8"))
    ab = np.array(manifest["schedule"]["alphas_cumprod"], dtype=np.float64)  # the table the page uses
    clip, tok, _ = load_clip(args.checkpoints / "clip.pt")
    unet, _ = load_unet(args.checkpoints / "unet.pt", ema=True)
    cases = []
    for file, t, seed, prompt in CASES:
        x0 = load_image(args.models / file)
        eps = Mulberry32(seed).normals(x0.size).reshape(x0.shape).astype(np.float32)
        x_t = q_sample(ab, x0, t, eps)
        ids = torch.tensor([tok.encode(prompt if prompt != "" else manifest["uncond_prompt"])], dtype=torch.int32)
        with torch.no_grad():
            hidden, _ = clip.text(ids)
            v_hat = unet(torch.from_numpy(x_t[None]), torch.tensor([float(t)]), hidden)[0].numpy()
        term = loss_term(float(ab[t]), x0, eps, v_hat)
        cases.append({"image": file, "t": t, "seed": seed, "prompt": prompt, "alpha_bar": float(ab[t]), **term,
                      "x0": arr(x0)})
        print(f"{file} t={t} seed={seed} prompt={prompt!r}: v-MSE {term['mse_v']:.6f}, eps-MSE {term['mse_eps']:.6f}")
    (args.out / "training-loss.json").write_text(json.dumps({
        "model": "the checkpoints' networks in PyTorch (fp16-rounded weights, float32 compute, EMA U-Net)",
        "loss": "mse_v = mean((v_hat - v)^2), v = sqrt(ab) eps - sqrt(1-ab) x0 (train.py); mse_eps = ab * mse_v",
        "noise": "eps = first C*H*W normals of a generator seeded with seed; x_t = sqrt(ab) x0 + sqrt(1-ab) eps",
        "cases": cases}, indent=1), "utf-8")


if __name__ == "__main__":
    main()
