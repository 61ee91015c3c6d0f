"""Train the CLIP-style encoders, then the text-conditioned U-Net. Time-budgeted, resumable.

  /usr/bin/python3 training/train.py --config training/configs/cpu.json --out training/runs/cpu
  python training/train.py --config training/configs/gpu.json --out runs/gpu --resume training/checkpoints

Stage 1 (clip): a text transformer and an image CNN trained contrastively (InfoNCE over a batch of
distinct concepts, each with one random style's image and one random caption). Stage 2 (unet): the text
encoder is frozen; the U-Net learns to predict v from x_t, t and the token states, with the caption
dropped to "" 10% of the time for classifier-free guidance. Each stage stops at its step or minute
budget, whichever comes first, saving clip.pt / unet.pt (with the configs needed to rebuild) on the way.
With --resume DIR the stages start from DIR/clip.pt and DIR/unet.pt (the shipped checkpoints), so short
GPU runs add up; a resumed run keeps the shipped tokenizer so the text encoder's ids stay valid.
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import random
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (load_clip, load_config, load_dataset, load_unet, pick_device, text_config,
                    to_model_range, unet_config)
from data.captions import all_caption_texts, sample_caption
from model import CLIP, ImageConfig, UNet, config_dict, count_parameters, unet_gflops
from schedule import cosine_alphas_cumprod
from tokenizer import Tokenizer


def lr_at(step: int, frac: float, peak: float, warmup: int) -> float:
    """Linear warm-up over `warmup` steps, then cosine decay to 10% over the time/step budget."""
    w = min(1.0, (step + 1) / max(1, warmup))
    return peak * w * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, frac))))


class Log:
    def __init__(self, path: Path):
        self.f = open(path, "a", encoding="utf-8")

    def __call__(self, **row):
        self.f.write(json.dumps(row) + "\n")
        self.f.flush()
        print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()), flush=True)


def encode_captions(tok: Tokenizer, captions: list[str], device) -> torch.Tensor:
    return torch.tensor([tok.encode(c) for c in captions], dtype=torch.int32, device=device)


@torch.no_grad()
def clip_retrieval(clip: CLIP, tok: Tokenizer, images: torch.Tensor, concept, meta, device) -> dict:
    """Text->image retrieval over concepts: for each concept's first name, is an image of that concept
    the nearest (top-1) / among the 5 nearest (top-5) of all images? On the training images."""
    clip.eval()
    img_emb = torch.cat([F.normalize(clip.image(images[i:i + 256].to(device)), dim=-1)
                         for i in range(0, len(images), 256)])
    names = [c["names"][0] for c in meta["concepts"]]
    txt_emb = torch.cat([F.normalize(clip.text(encode_captions(tok, names[i:i + 256], device))[1], dim=-1)
                         for i in range(0, len(names), 256)])
    sims = txt_emb @ img_emb.T                                   # (concepts, images)
    top = sims.topk(5, dim=1).indices.cpu()
    owner = torch.as_tensor(concept)[top]                        # concept of each retrieved image
    want = torch.arange(len(names))[:, None]
    clip.train()
    return {"top1": float((owner[:, 0] == want[:, 0]).float().mean()),
            "top5": float((owner == want).any(1).float().mean()), "concepts": len(names)}


def train_clip(cfg, args, images_u8, concept, style, meta, device, log) -> tuple[CLIP, Tokenizer]:
    c = cfg["clip"]
    prev_steps, prev_minutes = 0, 0.0
    if args.resume and (args.resume / "clip.pt").exists():
        clip, tok, ck = load_clip(args.resume / "clip.pt", device)
        prev_steps, prev_minutes = ck.get("steps", 0), ck.get("minutes", 0.0)
        clip.train()
        print(f"clip: resumed from {args.resume / 'clip.pt'}")
    else:
        tok = Tokenizer.build(all_caption_texts(meta["concepts"], meta["styles"]))
        ic = dict(cfg["image"])
        ic["channels"] = tuple(ic["channels"])
        clip = CLIP(text_config(cfg, tok), ImageConfig(**ic)).to(device)  # a resumed CLIP keeps its own configs
    images = to_model_range(images_u8)
    by_concept: dict[int, list[int]] = {}
    for i, k in enumerate(concept.tolist()):
        by_concept.setdefault(k, []).append(i)
    concepts = sorted(by_concept)
    opt = torch.optim.AdamW(clip.parameters(), lr=c["lr"], weight_decay=0.05)
    rng = random.Random(args.seed)
    t0, step = time.time(), 0
    budget = c["minutes"] * 60
    while step < c["steps"] and time.time() - t0 < budget:
        frac = max(step / c["steps"], (time.time() - t0) / budget)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, frac, c["lr"], 50)
        batch = rng.sample(concepts, k=min(c["batch"], len(concepts)))
        idx = [rng.choice(by_concept[k]) for k in batch]
        caps = [sample_caption(meta["concepts"][k], meta["styles"][style[i]], rng) for k, i in zip(batch, idx)]
        x = images[idx].to(device)
        img = F.normalize(clip.image(x), dim=-1)
        txt = F.normalize(clip.text(encode_captions(tok, caps, device))[1], dim=-1)
        logits = clip.logit_scale.exp().clamp(max=100) * img @ txt.T
        target = torch.arange(len(batch), device=device)
        loss = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 50 == 0:
            log(stage="clip", step=step, loss=loss.item(), minutes=(time.time() - t0) / 60)
        step += 1
    ret = clip_retrieval(clip, tok, images, concept, meta, device)
    log(stage="clip", step=step, done=True, minutes=(time.time() - t0) / 60, **{f"retrieval_{k}": v for k, v in ret.items()})
    torch.save({"text_config": config_dict(clip.text.cfg), "image_config": config_dict(clip.image.cfg),
                "tokenizer": tok.to_json(), "state_dict": clip.state_dict(), "steps": prev_steps + step,
                "minutes": prev_minutes + (time.time() - t0) / 60, "retrieval": ret}, args.out / "clip.pt")
    return clip.eval(), tok


def train_unet(cfg, args, images_u8, concept, style, meta, clip, tok, device, log) -> None:
    c = cfg["train"]
    text = clip.text.eval().requires_grad_(False)
    prev_minutes, prev_steps, prev_images = 0.0, 0, 0
    if args.resume and (args.resume / "unet.pt").exists():
        unet, ck = load_unet(args.resume / "unet.pt", device, ema=True)
        prev_minutes, prev_steps = ck.get("minutes", 0.0), ck.get("steps", 0)
        prev_images = ck.get("images_seen", 0)
        print(f"unet: resumed from {args.resume / 'unet.pt'} ({prev_steps} steps, {prev_minutes:.1f} min)")
    else:
        unet = UNet(unet_config(cfg, text.cfg.width)).to(device)
    unet.train()
    ema = copy.deepcopy(unet).eval().requires_grad_(False)
    gflops = unet_gflops(copy.deepcopy(unet).cpu(), tok.max_length)
    print(f"unet: {count_parameters(unet) / 1e6:.2f}M parameters, {gflops:.3f} GFLOPs per image-step")
    ab = torch.tensor(cosine_alphas_cumprod(), dtype=torch.float32, device=device)
    images = to_model_range(images_u8).to(device)
    rng = random.Random(args.seed + 1)
    opt = torch.optim.AdamW(unet.parameters(), lr=c["lr"], weight_decay=0.0)
    use_bf16 = device.type == "cuda"
    t0, step, last_save, last_log, seen = time.time(), 0, time.time(), time.time(), 0
    budget = c["minutes"] * 60
    losses = []

    def save():
        torch.save({"unet_config": config_dict(unet.cfg), "state_dict": unet.state_dict(),
                    "ema": ema.state_dict(), "steps": prev_steps + step, "images_seen": prev_images + seen,
                    "minutes": prev_minutes + (time.time() - t0) / 60, "gflops_per_image": gflops,
                    "parameters": count_parameters(unet), "device": str(device),
                    "device_name": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
                    "final_loss": sum(losses[-200:]) / max(1, len(losses[-200:]))}, args.out / "unet.pt")

    while step < c["steps"] and time.time() - t0 < budget:
        frac = max(step / c["steps"], (time.time() - t0) / budget)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, frac, c["lr"], c["warmup"])
        idx = torch.randint(0, len(images), (c["batch"],), generator=None).tolist()
        caps = ["" if rng.random() < c["cfg_dropout"] else
                sample_caption(meta["concepts"][concept[i]], meta["styles"][style[i]], rng) for i in idx]
        with torch.no_grad():
            ctx = text(encode_captions(tok, caps, device))[0]          # (B, L, W)
        x0 = images[idx]                                              # (B, 3, 64, 64)
        t = torch.randint(0, len(ab), (len(idx),), device=device)
        noise = torch.randn_like(x0)
        a = ab[t].sqrt()[:, None, None, None]
        s = (1 - ab[t]).sqrt()[:, None, None, None]
        x_t = a * x0 + s * noise
        v = a * noise - s * x0
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
            pred = unet(x_t, t.float(), ctx)
        loss = F.mse_loss(pred.float(), v)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(unet.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            d = min(c["ema"], (1 + step) / (10 + step))
            for pe, p in zip(ema.parameters(), unet.parameters()):
                pe.lerp_(p, 1 - d)
        losses.append(loss.item())
        step += 1
        seen += len(idx)
        if time.time() - last_log > 30 or step == 1:
            el = time.time() - t0
            log(stage="unet", step=prev_steps + step, loss=sum(losses[-100:]) / len(losses[-100:]),
                lr=opt.param_groups[0]["lr"], minutes=el / 60, images_per_s=seen / el)
            last_log = time.time()
        if time.time() - last_save > 300:
            save()
            last_save = time.time()
    save()
    el = time.time() - t0
    log(stage="unet", step=prev_steps + step, done=True, minutes=el / 60, images_per_s=seen / max(el, 1e-9),
        loss=sum(losses[-200:]) / max(1, len(losses[-200:])))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parent / "build")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--resume", type=Path, default=None, help="folder with clip.pt / unet.pt to start from")
    ap.add_argument("--stage", choices=["all", "clip", "unet"], default="all")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--minutes", type=float, default=None, help="override the U-Net stage's time budget")
    args = ap.parse_args()
    cfg = load_config(args.config)
    if args.minutes is not None:
        cfg["train"]["minutes"] = args.minutes
    args.out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(args.seed)
    device = pick_device()
    images, concept, style, meta = load_dataset(args.data)
    print(f"{len(images)} images, {len(meta['concepts'])} concepts, device {device}")
    log = Log(args.out / "log.jsonl")
    if args.stage in ("all", "clip"):
        clip, tok = train_clip(cfg, args, images, concept, style, meta, device, log)
    else:
        clip, tok, _ = load_clip(args.out / "clip.pt", device)
    if args.stage in ("all", "unet"):
        train_unet(cfg, args, images, concept, style, meta, clip, tok, device, log)


if __name__ == "__main__":
    main()
