"""Train the CLIP-style encoders, then the text-conditioned U-Net. Time-budgeted, resumable, GPU-efficient.

  /usr/bin/python3 training/train.py --config training/configs/cpu.json --out training/runs/cpu
  python training/train.py --config training/configs/gpu.json --out runs/gpu --resume training/checkpoints
  torchrun --nproc_per_node 8 training/train.py --config training/configs/gpu.json --out runs/gpu ...

Stage 0 (optional, --holdout-style NAME): CLIP trained without one vendor style, then measured on it:
text->image retrieval over the concepts drawn in that style (how well the encoders generalise to artwork
they never saw). Its weights are thrown away. Stage 1 (clip): a text transformer (word vectors seeded
with GloVe) and an image CNN trained contrastively (InfoNCE over a batch of distinct concepts, each with
one random style's image, augmented on the device, and one of its captions). Stage 2 (unet): the text
encoder is frozen; the U-Net learns to predict v from x_t, t and the token states, with the caption
dropped to "" for classifier-free guidance.

Everything a step needs lives on the device: the images (uint8), a bank of pre-tokenised captions per
image, the noise. On CUDA the U-Net runs in bf16 autocast, channels_last, under torch.compile, with a
fused AdamW and a foreach EMA; the loss is read back only when logging. Each stage stops at its step or
minute budget, saving clip.pt / unet.pt (with the configs needed to rebuild) on the way. Under torchrun
the U-Net stage runs data-parallel (DistributedDataParallel, one process per GPU); rank 0 logs and saves.
With --resume DIR the stages start from DIR/clip.pt and DIR/unet.pt (for training/checkpoints, the shipped
model: rebuilt from public/models/*.onnx, see shipped_weights.py), so short GPU runs add up; a resumed
run keeps the shipped tokenizer so the text encoder's ids stay valid.
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (embed_images, has_checkpoint, images_on, load_clip, load_config, load_dataset, load_unet,
                    pick_device, text_config, to_unit, unet_config)
from data.build_glove import load_glove
from data.captions import FRAME_P, STYLE_PHRASE_P, all_caption_texts, sample_caption
from model import CLIP, ImageConfig, UNet, config_dict, count_parameters, seed_word_vectors, unet_gflops
from schedule import cosine_alphas_cumprod
from tokenizer import Tokenizer

# Dense bf16 tensor-core peaks (no sparsity), in FLOP/s, from the vendors' data sheets.
PEAK_BF16 = {"H100 SXM": 989.4e12, "H100 PCIe": 756.5e12, "H100 NVL": 835.5e12, "H100": 989.4e12,
             "H200": 989.4e12, "A100": 312e12, "L4": 121e12, "A10": 125e12}


def peak_flops(device: torch.device) -> tuple[str, float | None]:
    if device.type != "cuda":
        return "cpu", None
    name = torch.cuda.get_device_name(device)
    for key, peak in PEAK_BF16.items():
        if all(part in name for part in key.split()):
            return name, peak
    return name, None


def lr_at(step: int, frac: float, peak: float, warmup: int) -> float:
    """Linear warm-up over `warmup` steps, then cosine decay to 10% over the time/step budget."""
    w = min(1.0, (step + 1) / max(1, warmup))
    return peak * w * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, frac))))


class Log:
    def __init__(self, path: Path | None):
        self.f = open(path, "a", encoding="utf-8") if path else None

    def __call__(self, **row):
        if self.f is None:
            return
        self.f.write(json.dumps(row) + "\n")
        self.f.flush()
        print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()), flush=True)


# ----------------------------------------------------------------------------------------------------
# Distributed set-up (torchrun sets WORLD_SIZE, RANK, LOCAL_RANK)


class Dist:
    def __init__(self):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        if self.world > 1:
            import torch.distributed as dist
            dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
            if torch.cuda.is_available():
                local = int(os.environ.get("LOCAL_RANK", "0"))
                torch.cuda.set_device(local)
                self.device = torch.device("cuda", local)
            else:
                torch.set_num_threads(max(1, (os.cpu_count() or 1) // self.world))
                self.device = torch.device("cpu")
        else:
            self.device = pick_device()
        self.main = self.rank == 0

    def barrier(self):
        if self.world > 1:
            import torch.distributed as dist
            dist.barrier()

    def close(self):
        if self.world > 1:
            import torch.distributed as dist
            dist.destroy_process_group()


# ----------------------------------------------------------------------------------------------------
# Data on the device


def caption_bank(tok: Tokenizer, meta: dict, concept: np.ndarray, style: np.ndarray, per_image: int,
                 seed: int, style_p: float = STYLE_PHRASE_P, frame_p: float = FRAME_P) -> torch.Tensor:
    """int32 [N, per_image, L]: captions sampled ahead of time for every image, so a training step picks
    its captions with one gather on the device instead of a Python loop. style_p: how often a caption
    names the image's style; frame_p: how often an untemplated one is framed as a request."""
    rng = random.Random(seed)
    cache: dict[str, list[int]] = {}
    out = np.zeros((len(concept), per_image, tok.max_length), np.int32)
    for i in range(len(concept)):
        c, s = meta["concepts"][int(concept[i])], meta["styles"][int(style[i])]
        for j in range(per_image):
            text = sample_caption(c, s, rng, style_p, frame_p)
            ids = cache.get(text)
            if ids is None:
                ids = cache[text] = tok.encode(text)
            out[i, j] = ids
    return torch.from_numpy(out)


def augment(x: torch.Tensor, gen: torch.Generator, scale=(0.8, 1.05), shift=0.08, contrast=0.1) -> torch.Tensor:
    """Random zoom, shift and contrast on the device; uncovered borders are white (the images' background).
    No flips and no hue changes: arrows point somewhere, and colour is part of the concept ("blue heart")."""
    B = x.shape[0]
    u = torch.rand(B, 4, device=x.device, generator=gen)
    s = 1.0 / (scale[0] + (scale[1] - scale[0]) * u[:, 0])
    theta = torch.zeros(B, 2, 3, device=x.device)
    theta[:, 0, 0] = s
    theta[:, 1, 1] = s
    theta[:, 0, 2] = (u[:, 1] * 2 - 1) * shift * 2
    theta[:, 1, 2] = (u[:, 2] * 2 - 1) * shift * 2
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    y = F.grid_sample(x - 1.0, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + 1.0
    c = 1.0 + (u[:, 3] * 2 - 1)[:, None, None, None] * contrast
    return ((y - 1.0) * c + 1.0).clamp(-1.0, 1.0)


# ----------------------------------------------------------------------------------------------------
# Stage 1: CLIP


@torch.no_grad()
def embed_texts(clip: CLIP, tok: Tokenizer, texts: list[str], device) -> torch.Tensor:
    return torch.cat([F.normalize(clip.text(torch.tensor([tok.encode(t) for t in texts[i:i + 512]],
                                                         dtype=torch.int32, device=device))[1], dim=-1)
                      for i in range(0, len(texts), 512)])


@torch.no_grad()
def clip_retrieval(clip: CLIP, tok: Tokenizer, images: torch.Tensor, concept: np.ndarray, style: np.ndarray,
                   meta: dict, only_style: int | None = None) -> dict:
    """Text->image retrieval over concepts: for each concept's first name, is an image of that concept
    the nearest (top-1) / among the 5 nearest (top-5) images? Over all images, or over one style's images
    (one per concept) when only_style is given."""
    was_training = clip.training
    clip.eval()
    rows = np.arange(len(concept)) if only_style is None else np.flatnonzero(style == only_style)
    owner_of_row = torch.as_tensor(concept[rows].astype(np.int64))
    wanted = sorted(set(owner_of_row.tolist()))
    img = embed_images(clip, images, rows)
    txt = embed_texts(clip, tok, [meta["concepts"][k]["names"][0] for k in wanted], images.device)
    top = (txt @ img.T).topk(5, dim=1).indices.cpu()
    owner = owner_of_row[top]
    want = torch.tensor(wanted)[:, None]
    clip.train(was_training)
    return {"top1": round(float((owner[:, 0] == want[:, 0]).float().mean()), 4),
            "top5": round(float((owner == want).any(1).float().mean()), 4), "concepts": len(wanted),
            "images": len(rows), "style": "all" if only_style is None else meta["styles"][only_style]}


def new_clip(cfg: dict, meta: dict, data_dir: Path, device) -> tuple[CLIP, Tokenizer, int]:
    """A fresh CLIP whose vocabulary is the caption words plus the GloVe file's words (if built), with
    the word vectors seeded from GloVe when the config asks for word_dim."""
    glove = load_glove(data_dir) if cfg["text"].get("word_dim") else None
    tok = Tokenizer.build(all_caption_texts(meta["concepts"], meta["styles"]), extra=sorted(glove) if glove else [])
    ic = dict(cfg["image"])
    ic["channels"] = tuple(ic["channels"])
    clip = CLIP(text_config(cfg, tok), ImageConfig(**ic))
    seeded = seed_word_vectors(clip.text, tok.vocab, glove) if glove else 0
    return clip.to(device), tok, seeded


def train_clip(cfg, args, images, concept, style, meta, device, log, exclude_style: int | None = None,
               minutes: float | None = None, resume: bool = True) -> tuple[CLIP, Tokenizer, dict]:
    c = cfg["clip"]
    prev_steps, prev_minutes, seeded = 0, 0.0, 0
    if resume and args.resume and has_checkpoint(args.resume / "clip.pt"):
        clip, tok, ck = load_clip(args.resume / "clip.pt", device)
        prev_steps, prev_minutes = ck.get("steps", 0), ck.get("minutes", 0.0)
        print(f"clip: resumed from {args.resume / 'clip.pt'}")
    else:
        clip, tok, seeded = new_clip(cfg, meta, args.data, device)  # a resumed CLIP keeps its own configs
        print(f"clip: new, vocabulary {len(tok.vocab)} words, {seeded} seeded with GloVe vectors")
    clip.train()
    keep = np.ones(len(concept), bool) if exclude_style is None else style != exclude_style
    rows = np.flatnonzero(keep)
    # concept -> its usable image rows, as a padded table on the device so a batch is sampled there
    by_concept: dict[int, list[int]] = {}
    for i in rows.tolist():
        by_concept.setdefault(int(concept[i]), []).append(i)
    concepts = sorted(by_concept)
    width = max(len(v) for v in by_concept.values())
    table = torch.tensor([by_concept[k] + [by_concept[k][0]] * (width - len(by_concept[k])) for k in concepts],
                         device=device)
    counts = torch.tensor([len(by_concept[k]) for k in concepts], device=device)
    bank = caption_bank(tok, meta, concept, style, c.get("captions_per_image", 8), args.seed,
                        c.get("style_phrase_p", STYLE_PHRASE_P)).to(device)
    # style pairs: the last n_pairs rows of a batch become the first n_pairs concepts drawn by another vendor,
    # and those 2 x n_pairs rows take captions that name the style, so InfoNCE has to tell styles apart
    n_pairs = int(c.get("style_pairs", 0.0) * min(c["batch"], len(concepts)) / 2)
    styled_bank = (caption_bank(tok, meta, concept, style, 4, args.seed + 3, style_p=1.0).to(device)
                   if n_pairs else None)
    emb_params = [clip.text.tok.weight]
    other = [p for p in clip.parameters() if p is not clip.text.tok.weight]
    opt = torch.optim.AdamW([{"params": other, "weight_decay": 0.05, "lr_scale": 1.0},
                             # no decay on word vectors: a word no caption has keeps its GloVe vector
                             {"params": emb_params, "weight_decay": 0.0, "lr_scale": c.get("word_lr_scale", 0.3)}],
                            lr=c["lr"])
    gen = torch.Generator(device=device)
    gen.manual_seed(args.seed)
    batch = min(c["batch"], len(concepts))
    use_bf16 = device.type == "cuda"
    t0, step = time.time(), 0
    budget = (c["minutes"] if minutes is None else minutes) * 60
    while step < c["steps"] and time.time() - t0 < budget:
        frac = max(step / c["steps"], (time.time() - t0) / budget)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, frac, c["lr"], 100) * g["lr_scale"]
        pick = torch.randperm(len(concepts), device=device, generator=gen)[:batch]
        col = (torch.rand(batch, device=device, generator=gen) * counts[pick]).long()
        idx = table[pick, col]
        ids = bank[idx, torch.randint(0, bank.shape[1], (batch,), device=device, generator=gen)]
        if n_pairs:
            idx, ids = with_style_pairs(idx, ids, pick, col, table, counts, styled_bank, n_pairs, gen)
        x = to_unit(images[idx])
        if c.get("augment", True):
            x = augment(x, gen)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
            img = F.normalize(clip.image(x).float(), dim=-1)
            txt = F.normalize(clip.text(ids)[1].float(), dim=-1)
        logits = clip.logit_scale.exp().clamp(max=100) * img @ txt.T
        target = torch.arange(batch, device=device)
        loss = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 100 == 0:
            log(stage="clip", step=step, loss=loss.item(), minutes=(time.time() - t0) / 60)
        step += 1
    minutes_run = (time.time() - t0) / 60
    info = {"steps": prev_steps + step, "minutes": prev_minutes + minutes_run, "batch": batch,
            "seeded_words": seeded, "retrieval": clip_retrieval(clip, tok, images, concept, style, meta)}
    if exclude_style is not None:
        info["heldout_retrieval"] = clip_retrieval(clip, tok, images, concept, style, meta, only_style=exclude_style)
    log(stage="clip", step=step, done=True, minutes=minutes_run,
        **{f"{k}_{m}": v for k in ("retrieval", "heldout_retrieval") if k in info for m, v in info[k].items()})
    return clip.eval(), tok, info


def with_style_pairs(idx: torch.Tensor, ids: torch.Tensor, pick: torch.Tensor, col: torch.Tensor, table: torch.Tensor,
                     counts: torch.Tensor, styled_bank: torch.Tensor, n_pairs: int, gen: torch.Generator):
    """A CLIP batch with style pairs: row B-1-k becomes another image (another vendor's drawing) of row k's
    concept, k < n_pairs, where that concept has one; both rows then take a caption that names their style.
    Rows whose concept has a single image stay as they were. Returns (image rows, caption ids)."""
    B = len(idx)
    k = torch.arange(n_pairs, device=idx.device)
    n = counts[pick[k]]
    other = (col[k] + 1 + (torch.rand(n_pairs, device=idx.device, generator=gen) * (n - 1).clamp(min=1)).long()) % n
    ok = n >= 2
    partner = B - 1 - k
    idx = idx.clone()
    idx[partner] = torch.where(ok, table[pick[k], other], idx[partner])
    ids = ids.clone()
    j = torch.randint(0, styled_bank.shape[1], (n_pairs,), device=idx.device, generator=gen)
    ids[k] = torch.where(ok[:, None], styled_bank[idx[k], j], ids[k])
    ids[partner] = torch.where(ok[:, None], styled_bank[idx[partner], j], ids[partner])
    return idx, ids


def save_clip(clip: CLIP, tok: Tokenizer, info: dict, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save({"text_config": config_dict(clip.text.cfg), "image_config": config_dict(clip.image.cfg),
                "tokenizer": tok.to_json(), "state_dict": clip.state_dict(), **info}, tmp)
    tmp.replace(path)


# ----------------------------------------------------------------------------------------------------
# Stage 2: U-Net


def ema_update(ema_params: list, params: list, decay: float) -> None:
    with torch.no_grad():
        if hasattr(torch, "_foreach_lerp_"):
            torch._foreach_lerp_(ema_params, params, 1.0 - decay)
        else:
            for pe, p in zip(ema_params, params):
                pe.lerp_(p, 1.0 - decay)


def loss_weights(ab_t: torch.Tensor, min_snr_gamma: float | None) -> torch.Tensor:
    """Per-sample weights of the v-MSE over t. min-SNR-gamma (Hang et al. 2023) weights the x0-MSE by
    min(SNR, gamma); the v-MSE is (SNR + 1) x the x0-MSE (x0-hat - x0 = -sqrt(1 - ab) (v-hat - v)), so the
    v-loss weight is min(SNR, gamma) / (SNR + 1): SNR / (SNR + 1) below gamma, gamma / (SNR + 1) above it,
    which stops the nearly clean steps from dominating the gradient. None or 0: all 1 (plain v-MSE)."""
    if not min_snr_gamma:
        return torch.ones_like(ab_t)
    snr = ab_t / (1.0 - ab_t)
    return torch.clamp(snr, max=float(min_snr_gamma)) / (snr + 1.0)


def compile_mode(setting) -> str | None:
    """The config's train.compile -> a torch.compile mode or None: true/"default", "reduce-overhead" (CUDA
    graphs: the launch-bound small U-Net's kernels replayed as one graph), "max-autotune" (graphs plus
    autotuned kernels; long first compile), false/null: eager."""
    if setting in (False, None, "none", "off"):
        return None
    if setting is True or setting == "default":
        return "default"
    if setting in ("reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs"):
        return setting
    raise ValueError(f"train.compile must be true, false, 'reduce-overhead' or 'max-autotune', got {setting!r}")


def scaled_lr(c: dict, world: int = 1) -> float:
    """The peak learning rate for the global batch: train.lr is tuned at train.lr_reference_batch images
    (default: the batch itself, no scaling); a larger batch scales it by sqrt(batch / reference), the
    usual rule for Adam (the gradient noise falls as 1/sqrt(batch))."""
    batch = c["batch"] * world
    ref = c.get("lr_reference_batch") or batch
    return c["lr"] * math.sqrt(batch / ref)


def start_profiler(cuda: bool):
    """torch.profiler over the next steps (CPU ops, and CUDA kernels on a GPU)."""
    from torch.profiler import ProfilerActivity, profile
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    prof = profile(activities=acts, record_shapes=False)
    prof.__enter__()
    return prof


def report_profile(prof, path: Path, cuda: bool, main: bool, rows: int = 25) -> None:
    """Stop the profiler; print and save the top ops/kernels by total time (device time on a GPU)."""
    if cuda:
        torch.cuda.synchronize()
    prof.__exit__(None, None, None)
    if not main:
        return
    key = "cuda_time_total" if cuda else "cpu_time_total"
    table = prof.key_averages().table(sort_by=key, row_limit=rows)
    path.write_text(table + "\n", "utf-8")
    print(f"PROFILE (top {rows} by {key}; also in {path})\n{table}", flush=True)


def make_optimizer(params, lr: float, device) -> torch.optim.Optimizer:
    if device.type == "cuda":
        try:
            return torch.optim.AdamW(params, lr=lr, weight_decay=0.0, fused=True)
        except (TypeError, RuntimeError):
            pass
    return torch.optim.AdamW(params, lr=lr, weight_decay=0.0)


def train_unet(cfg, args, images, concept, style, meta, clip, tok, dist: Dist, log) -> dict:
    c = cfg["train"]
    device = dist.device
    text = clip.text.eval().requires_grad_(False)
    prev_minutes, prev_steps, prev_images = 0.0, 0, 0
    if args.resume and has_checkpoint(args.resume / "unet.pt"):
        unet, ck = load_unet(args.resume / "unet.pt", device, ema=True)
        prev_minutes, prev_steps = ck.get("minutes", 0.0), ck.get("steps", 0)
        prev_images = ck.get("images_seen", 0)
        history = list(ck.get("history") or [])
        if not history and prev_images:  # a checkpoint from before the history: its totals are the first point
            history = [{"images_seen": prev_images, "loss": ck.get("final_loss"), "minutes_total": prev_minutes,
                        "hardware": ck.get("device_name", "?")}]
        if dist.main:
            print(f"unet: resumed from {args.resume / 'unet.pt'} ({prev_steps} steps, {prev_minutes:.1f} min)")
    else:
        torch.manual_seed(args.seed)  # the same initial weights on every rank
        unet = UNet(unet_config(cfg, text.cfg.width)).to(device)
        history = []
    unet.train()
    gflops = unet_gflops(copy.deepcopy(unet).cpu().float(), tok.max_length)
    params_n = count_parameters(unet)
    cuda = device.type == "cuda"
    if cuda:
        unet = unet.to(memory_format=torch.channels_last)
    ema = copy.deepcopy(unet).eval().requires_grad_(False)  # same memory format, so the foreach lerp is plain
    model = unet
    if dist.world > 1:
        from torch.nn.parallel import DistributedDataParallel as DDP
        model = DDP(unet, device_ids=[device.index] if cuda else None)
    compiled = False
    mode = compile_mode(c.get("compile", True))
    if cuda and mode and hasattr(torch, "compile"):  # torch 1.13 (this repo's CPU) has no torch.compile
        model = torch.compile(model, mode=None if mode == "default" else mode)
        compiled = mode
    device_name, peak = peak_flops(device)
    if dist.main:
        print(f"unet: {params_n / 1e6:.2f}M parameters, {gflops:.3f} GFLOPs per image-step; device {device_name}, "
              f"{dist.world} process(es), batch {c['batch']} per process, compile={compiled}, "
              f"bf16={cuda}, channels_last={cuda}")
    ab = torch.tensor(cosine_alphas_cumprod(), dtype=torch.float32, device=device)
    bank = caption_bank(tok, meta, concept, style, c.get("captions_per_image", 16), args.seed + 7,
                        c.get("style_phrase_p", STYLE_PHRASE_P), c.get("frame_p", FRAME_P)).to(device)
    uncond = torch.tensor(tok.encode(""), dtype=torch.int32, device=device)
    gen = torch.Generator(device=device)
    gen.manual_seed(args.seed + 1000 * (dist.rank + 1))
    peak_lr = scaled_lr(c, dist.world)
    opt = make_optimizer(unet.parameters(), peak_lr, device)
    params, ema_params = list(unet.parameters()), list(ema.parameters())
    B = c["batch"]
    min_snr = c.get("min_snr_gamma")
    t0, step, last_save, last_log, seen = time.time(), 0, time.time(), time.time(), 0
    budget = c["minutes"] * 60
    loss_sum = torch.zeros((), device=device)
    loss_n, recent = 0, []
    warm_steps = c.get("throughput_after_steps", 30)  # compile and warm-up steps are left out of images/s
    tp_t0, tp_step = None, 0
    best_tp = {}
    profiler = None
    if dist.main:
        log(stage="unet", run_start=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), hardware=device_name,
            processes=dist.world, batch_per_process=B, lr=peak_lr, compile=compiled, min_snr_gamma=min_snr,
            images_seen=prev_images, minutes_total=prev_minutes, style_phrase_p=c.get("style_phrase_p", STYLE_PHRASE_P),
            frame_p=c.get("frame_p", FRAME_P))

    def batch_on_device():
        idx = torch.randint(0, len(images), (B,), device=device, generator=gen)
        x0 = to_unit(images[idx])
        if c.get("augment", False):
            x0 = augment(x0, gen, scale=(0.95, 1.0), shift=0.02, contrast=0.0)
        ids = bank[idx, torch.randint(0, bank.shape[1], (B,), device=device, generator=gen)]
        drop = torch.rand(B, device=device, generator=gen) < c["cfg_dropout"]
        ids = torch.where(drop[:, None], uncond[None], ids)
        t = torch.randint(0, len(ab), (B,), device=device, generator=gen)
        noise = torch.randn(x0.shape, device=device, generator=gen)
        a = ab[t].sqrt()[:, None, None, None]
        s = (1 - ab[t]).sqrt()[:, None, None, None]
        return a * x0 + s * noise, t, ids, a * noise - s * x0, loss_weights(ab[t], min_snr)

    def save():
        if not dist.main:
            return
        path = args.out / "unet.pt"
        tmp = path.with_suffix(".tmp")
        sd = {k: v.contiguous() for k, v in unet.state_dict().items()}
        esd = {k: v.contiguous() for k, v in ema.state_dict().items()}
        torch.save({"unet_config": config_dict(unet.cfg), "state_dict": sd, "ema": esd,
                    "steps": prev_steps + step, "images_seen": prev_images + seen,
                    "minutes": prev_minutes + (time.time() - t0) / 60, "gflops_per_image": gflops,
                    "parameters": params_n, "device": str(device), "device_name": device_name,
                    "processes": dist.world, "throughput": best_tp,
                    "final_loss": sum(recent[-20:]) / max(1, len(recent[-20:])),
                    # (images seen, v-MSE) across every run: the model card charts it
                    "history": history}, tmp)
        tmp.replace(path)

    while step < c["steps"] and time.time() - t0 < budget:
        frac = max(step / c["steps"], (time.time() - t0) / budget)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, frac, peak_lr, c["warmup"])
        x_t, t, ids, v, w = batch_on_device()
        with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=cuda):
            ctx = text(ids)[0]
        if cuda:
            x_t = x_t.contiguous(memory_format=torch.channels_last)

        def forward_backward():
            opt.zero_grad(set_to_none=True)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cuda):
                pred = model(x_t, t.float(), ctx)
            per_sample = (pred.float() - v).pow(2).mean(dim=(1, 2, 3))
            (per_sample * w).mean().backward()
            return per_sample.detach().mean()  # logged: the plain v-MSE, comparable across runs and weightings

        if compiled and step < 3:
            try:
                loss = forward_backward()
            except Exception as e:  # a compiler problem must not cost the run: go on eagerly
                print(f"torch.compile failed ({type(e).__name__}: {str(e)[:300]}); continuing in eager mode", flush=True)
                model = model._orig_mod if hasattr(model, "_orig_mod") else model
                compiled = False
                best_tp.clear()
                loss = forward_backward()
        else:
            loss = forward_backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        ema_update(ema_params, params, min(c["ema"], (1 + step) / (10 + step)))
        loss_sum += loss.detach()
        loss_n += 1
        step += 1
        seen += B * dist.world
        if profiler is not None:
            profiler.step()
            if step == warm_steps + args.profile:
                report_profile(profiler, args.out / "profile.txt", cuda, dist.main)
                profiler = None
        if step == warm_steps and args.profile and dist.main:
            profiler = start_profiler(cuda)
        if step == warm_steps + args.profile:  # images/s leaves out compile, warm-up and profiled steps
            if cuda:
                torch.cuda.synchronize()
            tp_t0, tp_step = time.time(), step
        if time.time() - last_log > c.get("log_every_s", 30) or step == 1:
            mean_loss = (loss_sum / loss_n).item()  # the only host sync of the loop
            recent.append(mean_loss)
            loss_sum.zero_()
            loss_n = 0
            el = time.time() - t0
            row = {"stage": "unet", "step": prev_steps + step, "loss": mean_loss, "lr": opt.param_groups[0]["lr"],
                   "minutes": el / 60, "images_seen": prev_images + seen, "minutes_total": prev_minutes + el / 60}
            if tp_t0 is not None and step > tp_step:
                ips = (step - tp_step) * B * dist.world / (time.time() - tp_t0)
                tflops = ips * 3 * gflops * 1e9 / 1e12  # forward + backward ~ 3x the forward's FLOPs
                best_tp = {"images_per_s": round(ips, 1), "tflops": round(tflops, 2),
                           "peak_fraction": round(tflops * 1e12 / peak, 4) if peak else None,
                           "peak_tflops": peak / 1e12 if peak else None, "device": device_name,
                           "batch_per_process": B, "processes": dist.world, "compiled": compiled}
                row.update(images_per_s=ips, tflops=tflops)
                if peak:
                    row["peak_fraction"] = tflops * 1e12 / peak
            if dist.main:
                log(**row)
                history.append({"images_seen": row["images_seen"], "loss": round(mean_loss, 5),
                                "minutes_total": round(row["minutes_total"], 3), "hardware": device_name})
            last_log = time.time()
        if time.time() - last_save > c.get("save_every_s", 300):
            save()
            last_save = time.time()
    if cuda:
        torch.cuda.synchronize()
    if loss_n:
        recent.append((loss_sum / loss_n).item())
    save()
    el = time.time() - t0
    if dist.main:
        log(stage="unet", step=prev_steps + step, done=True, minutes=el / 60, images_this_run=seen,
            images_seen=prev_images + seen, minutes_total=prev_minutes + el / 60, hardware=device_name,
            processes=dist.world, batch_per_process=B, lr=peak_lr, compile=compiled,
            min_snr_gamma=min_snr, loss=sum(recent[-20:]) / max(1, len(recent[-20:])), throughput=best_tp or None)
        if best_tp:
            frac_txt = (f", {best_tp['peak_fraction']:.2%} of the {best_tp['peak_tflops']:.0f} TFLOP/s bf16 peak"
                        if best_tp.get("peak_fraction") else "")
            print(f"THROUGHPUT {best_tp['images_per_s']:.0f} images/s at 64x64 ({dist.world} x {device_name}, "
                  f"batch {B}/process), {best_tp['tflops']:.2f} TFLOP/s{frac_txt}", flush=True)
    return best_tp


# ----------------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parent / "build")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--resume", type=Path, default=None, help="folder with clip.pt / unet.pt to start from")
    ap.add_argument("--stage", choices=["all", "clip", "unet", "holdout"], default="all",
                    help="holdout: only the held-out-style CLIP measurement (needs --holdout-style); it can run "
                         "beside another process on the same GPU")
    ap.add_argument("--holdout-style", default=None,
                    help="first train a throw-away CLIP without this style and measure retrieval on it")
    ap.add_argument("--fresh-clip", action="store_true", help="train CLIP from scratch even with --resume")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--minutes", type=float, default=None, help="override the U-Net stage's time budget")
    ap.add_argument("--clip-minutes", type=float, default=None, help="override the CLIP stage's time budget")
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="run the PyTorch profiler over N U-Net steps once warmed up, print the top ops/kernels "
                         "(also OUT/profile.txt), then go on training")
    args = ap.parse_args()
    cfg = load_config(args.config)
    if args.minutes is not None:
        cfg["train"]["minutes"] = args.minutes
    if args.clip_minutes is not None:
        cfg["clip"]["minutes"] = args.clip_minutes
    dist = Dist()
    args.out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(args.seed)
    device = dist.device
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    images_u8, concept, style, meta = load_dataset(args.data)
    images = images_on(device, images_u8)
    if dist.main:
        print(f"{len(images)} images, {len(meta['concepts'])} concepts, {len(meta['styles'])} styles, device {device}")
    log = Log(args.out / "log.jsonl" if dist.main else None)
    if args.stage == "holdout":
        if not args.holdout_style:
            raise SystemExit("--stage holdout needs --holdout-style")
        s = meta["styles"].index(args.holdout_style)
        _, _, held = train_clip(cfg, args, images, concept, style, meta, device, Log(args.out / "log-holdout.jsonl"),
                                exclude_style=s, minutes=cfg["clip"].get("holdout_minutes", cfg["clip"]["minutes"]),
                                resume=False)
        (args.out / "clip-holdout.json").write_text(json.dumps(held, indent=1) + "\n", "utf-8")
        return
    if args.stage in ("all", "clip") and dist.main:
        # CLIP is small and quick: rank 0 trains it while the other ranks wait, then all load its file
        if args.holdout_style:
            s = meta["styles"].index(args.holdout_style)
            _, _, held = train_clip(cfg, args, images, concept, style, meta, device, log, exclude_style=s,
                                    minutes=cfg["clip"].get("holdout_minutes", cfg["clip"]["minutes"]),
                                    resume=False)
            (args.out / "clip-holdout.json").write_text(json.dumps(held, indent=1) + "\n", "utf-8")
        clip, tok, info = train_clip(cfg, args, images, concept, style, meta, device, log,
                                     resume=not args.fresh_clip)
        save_clip(clip, tok, info, args.out / "clip.pt")
    dist.barrier()
    clip, tok, _ = load_clip(args.out / "clip.pt", device)
    if args.stage in ("all", "unet"):
        train_unet(cfg, args, images, concept, style, meta, clip, tok, dist, log)
    dist.barrier()
    dist.close()


if __name__ == "__main__":
    main()
