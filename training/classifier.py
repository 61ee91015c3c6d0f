"""An independent judge of prompt fidelity: an emoji-concept classifier trained on the real images only.

  /usr/bin/python3 training/classifier.py train --out training/checkpoints/judge.pt --minutes 8
  /usr/bin/python3 training/classifier.py eval --judge training/checkpoints/judge.pt

Why: evaluate.py's prompt fidelity asks the model's own CLIP image encoder which concept a generated image
shows, and that encoder was trained together with the text encoder the U-Net listens to, so the two can
share blind spots. This judge shares nothing with the generator: its own small conv network, its own
seed (JUDGE_SEED), trained with a plain cross-entropy over the 2,507 concepts on the real images, never
used for generation or for choosing the generator's weights.

Held-out split: for every concept drawn in at least 3 styles, one of its images (a seeded random style)
is held out; the judge trains on the rest. So every held-out image is a concept the judge knows, drawn
by a vendor whose drawing of that concept it never saw, the situation a generated image is in (a new
drawing of a known concept). Holding out a whole vendor style instead would measure one vendor's quirks
and leave that vendor's look out of the shipped judge. Concepts with 1 image (601) stay in training
(they are still classes a generated image can be mistaken for); concepts with 3 or 5 keep >= 2 drawings.

The network sees the full 64 px image through a 4x4 patchify stem (space-to-depth, like the U-Net's
pixel-unshuffle), so the convolutions run at 16, 8 and 4 px: a 2-core CPU trains it in minutes. Training
augments on the fly: zoom, shift and contrast (train.augment) and, on half the images, a little Gaussian
pixel noise, so a generated image's grain does not decide its class. Weights are stored fp16 (< 2 MB).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import load_dataset, to_unit

ROOT = Path(__file__).resolve().parents[1]
JUDGE_SEED = 12          # not train.py's seed (0): the judge's initial weights and batches are its own
SPLIT_SEED = 2026        # which image of each concept is held out
MIN_IMAGES_TO_HOLD_OUT = 3


@dataclass
class JudgeConfig:
    classes: int = 2507
    channels: tuple = (48, 96, 160)   # at 16, 8 and 4 px after the patchify stem
    embed: int = 128


def _conv(i: int, o: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(i, o, 3, stride, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True))


class JudgeNet(nn.Module):
    """64x64 RGB in [-1, 1] -> concept logits. Patchify stem, conv-BN-ReLU stages, global average pool."""

    def __init__(self, cfg: JudgeConfig):
        super().__init__()
        self.cfg = cfg
        ch = cfg.channels
        layers: list[nn.Module] = [nn.Conv2d(3, ch[0], 4, 4, bias=False), nn.BatchNorm2d(ch[0]), nn.ReLU(inplace=True),
                   _conv(ch[0], ch[0])]
        for a, b in zip(ch[:-1], ch[1:]):
            layers += [_conv(a, b, 2), _conv(b, b)]
        self.features = nn.Sequential(*layers)
        self.embed = nn.Sequential(nn.Linear(ch[-1], cfg.embed), nn.ReLU(inplace=True), nn.Dropout(0.2))
        self.head = nn.Linear(cfg.embed, cfg.classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(self.features(x).mean(dim=(2, 3))))


def heldout_split(concept: np.ndarray, seed: int = SPLIT_SEED, min_images: int = MIN_IMAGES_TO_HOLD_OUT) -> np.ndarray:
    """Boolean mask over the images: True for the one held-out image of every concept with at least
    `min_images` images (a seeded random one), False for the training images."""
    rng = np.random.default_rng(seed)
    held = np.zeros(len(concept), bool)
    order = np.argsort(concept, kind="stable")
    bounds = np.flatnonzero(np.diff(concept[order])) + 1
    for rows in np.split(order, bounds):
        if len(rows) >= min_images:
            held[rows[rng.integers(len(rows))]] = True
    return held


@torch.no_grad()
def logits_of(net: JudgeNet, images_u8: torch.Tensor, batch: int = 512) -> torch.Tensor:
    """Logits for uint8 [N, 3, 64, 64] images (the page's pixels), in eval mode, `batch` at a time."""
    was = net.training
    net.eval()
    out = torch.cat([net(to_unit(images_u8[i:i + batch])) for i in range(0, len(images_u8), batch)])
    net.train(was)
    return out


def topk_accuracy(logits: torch.Tensor, want: torch.Tensor) -> dict:
    """top-1 / top-5: is `want` the arg-max class / among the 5 highest?"""
    top = logits.topk(min(5, logits.shape[1]), dim=1).indices
    return {"top1": round(float((top[:, 0] == want).float().mean()), 4),
            "top5": round(float((top == want[:, None]).any(1).float().mean()), 4), "images": int(len(want))}


def train_judge(images_u8: np.ndarray, concept: np.ndarray, classes: int, train_rows: np.ndarray, *,
                minutes: float, steps: int = 10 ** 9, batch: int = 128, lr: float = 2e-3, seed: int = JUDGE_SEED,
                cfg: JudgeConfig | None = None, noise_p: float = 0.5, log_every_s: float = 30.0,
                device: str | torch.device = "cpu") -> tuple[JudgeNet, dict]:
    """Train a JudgeNet on the given rows for `minutes` (or `steps`, whichever ends first): AdamW, linear
    warm-up then cosine decay over the budget, label smoothing 0.1, on-the-fly augmentation; the images
    live on `device` (a GPU trains it in about a minute). Returns it on the CPU, in eval mode."""
    device = torch.device(device)
    from train import augment  # the generator's augmentation code (zoom, shift, contrast): no weights shared
    torch.manual_seed(seed)
    cfg = cfg or JudgeConfig(classes=classes)
    net = JudgeNet(cfg).to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.05)
    gen = torch.Generator(device=device).manual_seed(seed)
    x_all = torch.from_numpy(images_u8[train_rows]).to(device).permute(0, 3, 1, 2).contiguous()
    y_all = torch.from_numpy(concept[train_rows].astype(np.int64)).to(device)
    t0, step, last_log, loss_avg = time.time(), 0, time.time(), None
    budget = minutes * 60
    while step < steps and time.time() - t0 < budget:
        frac = max(step / steps, (time.time() - t0) / budget)
        for g in opt.param_groups:
            g["lr"] = lr * min(1.0, (step + 1) / 50) * 0.5 * (1 + math.cos(math.pi * min(1.0, frac)))
        idx = torch.randint(0, len(x_all), (min(batch, len(x_all)),), generator=gen, device=device)
        x = augment(to_unit(x_all[idx]), gen)
        noisy = torch.rand(len(idx), generator=gen, device=device) < noise_p
        sigma = torch.rand(len(idx), generator=gen, device=device) * 0.12 * noisy
        x = (x + sigma[:, None, None, None] * torch.randn(x.shape, generator=gen, device=device)).clamp(-1, 1)
        loss = F.cross_entropy(net(x), y_all[idx], label_smoothing=0.1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % 20 == 1 or time.time() - last_log > log_every_s:  # .item() syncs a GPU: not every step
            loss_avg = loss.item() if loss_avg is None else 0.7 * loss_avg + 0.3 * loss.item()
        if time.time() - last_log > log_every_s:
            print(f"judge step {step} loss {loss_avg:.3f} {(time.time() - t0) / 60:.1f} min", flush=True)
            last_log = time.time()
    info = {"steps": step, "images_seen": step * min(batch, len(x_all)), "minutes": round((time.time() - t0) / 60, 2),
            "batch": batch, "lr": lr, "seed": seed, "final_loss": round(loss_avg or float("nan"), 4)}
    return net.cpu().eval(), info


def save_judge(path: Path, net: JudgeNet, unified: list[str], info: dict) -> None:
    """fp16 weights, the config, and the class -> concept (unified code) table, so the judge works on any
    dataset build whose concepts it knows."""
    cfg = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(net.cfg).items()}
    sd = {k: (v.half() if v.is_floating_point() else v) for k, v in net.state_dict().items()}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    torch.save({"config": cfg, "state_dict": sd, "unified": unified, **info}, path)


def load_judge(path: Path, device="cpu") -> tuple[JudgeNet, dict]:
    """(the judge in eval mode with fp32 weights, its checkpoint dict)."""
    ck = torch.load(path, map_location="cpu")
    cfg = JudgeConfig(**{**ck["config"], "channels": tuple(ck["config"]["channels"])})
    net = JudgeNet(cfg)
    net.load_state_dict({k: (v.float() if v.is_floating_point() else v) for k, v in ck["state_dict"].items()})
    return net.to(device).eval(), ck


def judge_fidelity(net: JudgeNet, judge_ck: dict, images_u8: np.ndarray, want_unified: list[str], device="cpu") -> dict:
    """Prompt fidelity under the judge: uint8 [N, 64, 64, 3] generated images and the unified code each
    prompt asked for -> top-1 / top-5 over all the judge's concepts."""
    col = {u: i for i, u in enumerate(judge_ck["unified"])}
    missing = [u for u in want_unified if u not in col]
    if missing:
        raise ValueError(f"the judge does not know {len(missing)} prompted concept(s), e.g. {missing[0]}: "
                         "retrain it on this dataset (training/classifier.py train)")
    x = torch.from_numpy(np.ascontiguousarray(images_u8)).to(device).permute(0, 3, 1, 2).contiguous()
    return topk_accuracy(logits_of(net, x).cpu(), torch.tensor([col[u] for u in want_unified]))


def measure_heldout(net: JudgeNet, images_u8: np.ndarray, concept: np.ndarray, style: np.ndarray, held: np.ndarray,
                    meta: dict, eval_unified: set[str] | None = None) -> dict:
    """Held-out accuracy over all held-out images, per vendor style, and on the evaluation concepts alone."""
    x = torch.from_numpy(images_u8).permute(0, 3, 1, 2).contiguous()
    rows = np.flatnonzero(held)
    logits = logits_of(net, x[rows])
    want = torch.from_numpy(concept[rows].astype(np.int64))
    out = {"all": topk_accuracy(logits, want), "chance_top1": round(1 / len(meta["concepts"]), 5),
           "per_style": {s: topk_accuracy(logits[torch.from_numpy(style[rows] == i)],
                                          want[torch.from_numpy(style[rows] == i)])
                         for i, s in enumerate(meta["styles"]) if (style[rows] == i).any()}}
    if eval_unified:
        sel = torch.tensor([meta["concepts"][int(c)]["unified"] in eval_unified for c in concept[rows]])
        if sel.any():
            out["eval_concepts"] = topk_accuracy(logits[sel], want[sel])
    train_rows = np.flatnonzero(~held)[:2000]
    out["train_sample"] = topk_accuracy(logits_of(net, x[train_rows]), torch.from_numpy(concept[train_rows].astype(np.int64)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train the judge on the training split, measure it on the held-out split")
    t.add_argument("--data", type=Path, default=ROOT / "training" / "build")
    t.add_argument("--out", type=Path, default=ROOT / "training" / "checkpoints" / "judge.pt")
    t.add_argument("--minutes", type=float, default=8.0)
    t.add_argument("--steps", type=int, default=10 ** 9)
    t.add_argument("--batch", type=int, default=128)
    t.add_argument("--lr", type=float, default=2e-3)
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--channels", type=int, nargs=3, default=list(JudgeConfig.channels),
                   help="conv widths at 16, 8 and 4 px (the compute is ~ their squares: a busy CPU trains narrower ones)")
    t.add_argument("--config", type=Path, default=None,
                   help="take minutes, batch, lr and channels from this config's \"judge\" section (gpu.json)")
    e = sub.add_parser("eval", help="held-out accuracy of a saved judge")
    e.add_argument("--data", type=Path, default=ROOT / "training" / "build")
    e.add_argument("--judge", type=Path, default=ROOT / "training" / "checkpoints" / "judge.pt")
    e.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cpu":
        torch.set_num_threads(args.threads)
    if args.cmd == "train" and args.config:
        j = json.loads(args.config.read_text("utf-8")).get("judge", {})
        args.minutes, args.batch, args.lr = j.get("minutes", args.minutes), j.get("batch", args.batch), j.get("lr", args.lr)
        args.channels = j.get("channels", args.channels)
    images, concept, style, meta = load_dataset(args.data)
    held = heldout_split(concept)
    eval_file = ROOT / "training" / "eval_concepts.json"
    eval_unified = {e["unified"] for e in json.loads(eval_file.read_text("utf-8"))["concepts"]} if eval_file.exists() else None
    if args.cmd == "train":
        cfg = JudgeConfig(classes=len(meta["concepts"]), channels=tuple(args.channels))
        net, info = train_judge(images, concept, len(meta["concepts"]), np.flatnonzero(~held), minutes=args.minutes,
                                steps=args.steps, batch=args.batch, lr=args.lr, cfg=cfg, device=device)
        info["split"] = {"rule": f"one seeded random image of every concept with >= {MIN_IMAGES_TO_HOLD_OUT} images",
                         "seed": SPLIT_SEED, "heldout_images": int(held.sum()), "train_images": int((~held).sum())}
        info["heldout"] = measure_heldout(net, images, concept, style, held, meta, eval_unified)
        info["device"] = torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"
        save_judge(args.out, net, [c["unified"] for c in meta["concepts"]], info)
        print(json.dumps({k: v for k, v in info.items()}, indent=1))
        print(f"judge -> {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    else:
        net, ck = load_judge(args.judge)
        print(json.dumps(measure_heldout(net, images, concept, style, held, meta, eval_unified), indent=1))


if __name__ == "__main__":
    main()
