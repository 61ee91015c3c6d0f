"""Train the super-resolution U-Net (sr_model.py) on crops of the 256 px renders. Time-budgeted, resumable.

  /usr/bin/python3 training/train_sr.py --config training/configs/sr_smoke.json --out /tmp/sr   # seconds
  python training/train_sr.py --config training/configs/sr_gpu.json --out runs/gpu                # one GPU
  python training/train_sr.py --config training/configs/sr_gpu.json --out runs/gpu --resume training/checkpoints

Each step, on the device: a batch of random crops (side train.crop, origin on the 4 px grid) of the
stored training squares (sr_train.npz), their 4x4 area means rounded to uint8 as the low-resolution
input, the low-resolution input noised to a random level s ~ U{0..aug_max} of the cosine schedule (the
conditioning augmentation; the model is told s), x_t at a random t, and the v-MSE (optionally min-SNR
weighted, as train.py; logged with the x0-MSE beside it). AdamW with warm-up and cosine decay over the
budget, EMA weights; on CUDA bf16 autocast, channels_last and torch.compile (train.compile). Prints
images/s (crops, and the same pixels as whole 256 px images). Saves OUT/sr_unet.pt (configs, raw and EMA weights, counters, loss history)
every train.save_every_s and at the end; --resume DIR starts from DIR/sr_unet.pt's EMA weights and
keeps counting.
"""
from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import load_config, pick_device
from schedule import cosine_alphas_cumprod
from sr_data import area_down_torch, load_split
from sr_model import SRConfig, SRUNet, config_dict, count_parameters, sr_gflops
from train import Log, compile_mode, ema_update, loss_weights, lr_at, make_optimizer, peak_flops


def sr_config(cfg: dict) -> SRConfig:
    """The SRConfig of a training config's "model" section."""
    m = dict(cfg["model"])
    m["channels"] = tuple(m["channels"])
    return SRConfig(**m)


def load_sr(path: Path, device="cpu", ema: bool = True) -> tuple[SRUNet, dict]:
    """(the SR U-Net with its EMA (or raw) weights as float32, in eval mode; the checkpoint dict)."""
    ck = torch.load(path, map_location="cpu")
    c = dict(ck["sr_config"])
    c["channels"] = tuple(c["channels"])
    net = SRUNet(SRConfig(**c))
    net.load_state_dict({k: v.float() for k, v in ck["ema" if ema else "state_dict"].items()})
    return net.to(device).eval(), ck


def random_crops(images: torch.Tensor, n: int, crop: int, gen: torch.Generator) -> torch.Tensor:
    """uint8 [n, 3, crop, crop]: random crops of random images of uint8 [N, 3, S, S], origins multiples of 4."""
    dev = images.device
    idx = torch.randint(0, images.shape[0], (n,), device=dev, generator=gen)
    span = (images.shape[2] - crop) // 4 + 1
    oy = torch.randint(0, span, (n,), device=dev, generator=gen) * 4
    ox = torch.randint(0, span, (n,), device=dev, generator=gen) * 4
    ar = torch.arange(crop, device=dev)
    rows = (oy[:, None] + ar)[:, None, :, None]
    cols = (ox[:, None] + ar)[:, None, None, :]
    ch = torch.arange(3, device=dev)[None, :, None, None]
    return images[idx[:, None, None, None], ch, rows, cols]


def training_batch(images: torch.Tensor, ab: torch.Tensor, B: int, crop: int, aug_max: int, gen: torch.Generator):
    """(x_t, t, z_s, s, v target, x0) for one step: x0 = crops in [-1, 1], z_s = the noised low-resolution
    input at level s, x_t = q(x_t | x0) at t, v = sqrt(ab_t) eps - sqrt(1 - ab_t) x0."""
    dev = images.device
    x_u8 = random_crops(images, B, crop, gen)
    x0 = x_u8.float() / 127.5 - 1.0
    low = area_down_torch(x_u8) / 127.5 - 1.0
    t = torch.randint(0, len(ab), (B,), device=dev, generator=gen)
    s = torch.randint(0, aug_max + 1, (B,), device=dev, generator=gen)
    eps = torch.randn(x0.shape, device=dev, generator=gen)
    n = torch.randn(low.shape, device=dev, generator=gen)
    a, sd = ab[t].sqrt()[:, None, None, None], (1 - ab[t]).sqrt()[:, None, None, None]
    z = ab[s].sqrt()[:, None, None, None] * low + (1 - ab[s]).sqrt()[:, None, None, None] * n
    return a * x0 + sd * eps, t, z, s, a * eps - sd * x0, x0


def train(cfg: dict, args) -> dict:
    c = cfg["train"]
    device = pick_device()
    cuda = device.type == "cuda"
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    data = load_split(args.data / "sr_train.npz")
    images = torch.from_numpy(data["images"]).to(device).permute(0, 3, 1, 2).contiguous()
    crop = min(c["crop"], data["size"])
    print(f"{len(images)} training squares of {data['size']} px, crops of {crop} px, device {device}", flush=True)
    prev = {"steps": 0, "images_seen": 0, "minutes": 0.0}
    history: list = []
    if args.resume and (args.resume / "sr_unet.pt").exists():
        net, ck = load_sr(args.resume / "sr_unet.pt", device)
        prev = {k: ck.get(k, prev[k]) for k in prev}
        history = list(ck.get("history") or [])
        print(f"sr: resumed from {args.resume / 'sr_unet.pt'} ({prev['steps']} steps, {prev['minutes']:.1f} min)")
    else:
        torch.manual_seed(args.seed)
        net = SRUNet(sr_config(cfg)).to(device)
    net.train()
    gflops = sr_gflops(copy.deepcopy(net).cpu().float())
    params_n = count_parameters(net)
    if cuda:
        net = net.to(memory_format=torch.channels_last)
    ema = copy.deepcopy(net).eval().requires_grad_(False)
    model, compiled = net, False
    mode = compile_mode(c.get("compile", False))
    if cuda and mode and hasattr(torch, "compile"):
        model = torch.compile(net, mode=None if mode == "default" else mode)
        compiled = mode
    device_name, peak = peak_flops(device)
    print(f"sr: {params_n / 1e6:.2f}M parameters, {gflops:.3f} GFLOPs per 256 px image-step; device {device_name}, "
          f"batch {c['batch']}, compile={compiled}, bf16={cuda}", flush=True)
    ab = torch.tensor(cosine_alphas_cumprod(), dtype=torch.float32, device=device)
    gen = torch.Generator(device=device)
    gen.manual_seed(args.seed + 1)
    opt = make_optimizer(net.parameters(), c["lr"], device)
    params, ema_params = list(net.parameters()), list(ema.parameters())
    B, aug_max, min_snr = c["batch"], int(c["aug_max"]), c.get("min_snr_gamma")
    log = Log(args.out / "log-sr.jsonl")
    log(stage="sr", run_start=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), hardware=device_name, batch=B,
        crop=crop, lr=c["lr"], compile=compiled, aug_max=aug_max, images_seen=prev["images_seen"])
    t0, step, seen = time.time(), 0, 0
    last_log = last_save = t0
    budget = c["minutes"] * 60
    # logged: the plain v-MSE (as train.py) and the x0-MSE, (1 - ab_t) x the v-MSE per sample, which small t
    # (where v is x_t's noise over sqrt(1 - ab_t)) does not dominate
    loss_sum, x0_sum, loss_n, recent = torch.zeros((), device=device), torch.zeros((), device=device), 0, []
    warm = c.get("throughput_after_steps", 30)
    tp_t0, tp_step, best_tp = None, 0, {}

    def save():
        tmp = args.out / "sr_unet.tmp"
        torch.save({"sr_config": config_dict(net.cfg), "train_config": c,
                    "state_dict": {k: v.contiguous() for k, v in net.state_dict().items()},
                    "ema": {k: v.contiguous() for k, v in ema.state_dict().items()},
                    "steps": prev["steps"] + step, "images_seen": prev["images_seen"] + seen,
                    "minutes": prev["minutes"] + (time.time() - t0) / 60, "gflops_per_image": gflops,
                    "parameters": params_n, "device_name": device_name, "throughput": best_tp, "aug_max": aug_max,
                    "final_loss": sum(recent[-20:]) / max(1, len(recent[-20:])), "history": history}, tmp)
        tmp.replace(args.out / "sr_unet.pt")

    while step < c["steps"] and time.time() - t0 < budget:
        frac = max(step / c["steps"], (time.time() - t0) / budget)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, frac, c["lr"], c["warmup"])
        x_t, t, z, s, v, _ = training_batch(images, ab, B, crop, aug_max, gen)
        if cuda:
            x_t = x_t.contiguous(memory_format=torch.channels_last)
        w = loss_weights(ab[t], min_snr)

        def forward_backward():
            opt.zero_grad(set_to_none=True)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cuda):
                pred = model(x_t, t.float(), z, s.float())
            per_sample = (pred.float() - v).pow(2).mean(dim=(1, 2, 3))
            (per_sample * w).mean().backward()
            return per_sample.detach()

        if compiled and step < 3:
            try:
                loss = forward_backward()
            except Exception as e:  # a compiler problem must not cost the run: go on eagerly
                print(f"torch.compile failed ({type(e).__name__}: {str(e)[:300]}); continuing in eager mode", flush=True)
                model, compiled = net, False
                loss = forward_backward()
        else:
            loss = forward_backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        ema_update(ema_params, params, min(c["ema"], (1 + step) / (10 + step)))
        loss_sum += loss.mean()
        x0_sum += (loss * (1 - ab[t])).mean()
        loss_n += 1
        step += 1
        seen += B
        if step == warm:
            if cuda:
                torch.cuda.synchronize()
            tp_t0, tp_step = time.time(), step
        if time.time() - last_log > c.get("log_every_s", 30) or step == 1:
            mean_loss, x0_mse = (loss_sum / loss_n).item(), (x0_sum / loss_n).item()
            recent.append(mean_loss)
            loss_sum.zero_()
            x0_sum.zero_()
            loss_n = 0
            el = time.time() - t0
            row = {"stage": "sr", "step": prev["steps"] + step, "loss": mean_loss, "x0_mse": x0_mse,
                   "lr": opt.param_groups[0]["lr"],
                   "minutes": el / 60, "images_seen": prev["images_seen"] + seen}
            if tp_t0 is not None and step > tp_step:
                ips = (step - tp_step) * B / (time.time() - tp_t0)
                full = ips * (crop / 256) ** 2
                tflops = full * 3 * gflops * 1e9 / 1e12  # forward + backward ~ 3x the forward
                best_tp = {"crops_per_s": round(ips, 1), "images_256_per_s": round(full, 1), "tflops": round(tflops, 2),
                           "peak_fraction": round(tflops * 1e12 / peak, 4) if peak else None, "device": device_name,
                           "batch": B, "crop": crop, "compiled": compiled}
                row.update(images_per_s=ips, images_256_per_s=full, tflops=tflops)
            log(**row)
            history.append({"images_seen": row["images_seen"], "loss": round(mean_loss, 5), "x0_mse": round(x0_mse, 6),
                            "minutes_total": round(prev["minutes"] + el / 60, 3), "hardware": device_name})
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
    log(stage="sr", step=prev["steps"] + step, done=True, minutes=el / 60, images_this_run=seen,
        images_seen=prev["images_seen"] + seen, loss=sum(recent[-20:]) / max(1, len(recent[-20:])),
        throughput=best_tp or None, hardware=device_name)
    if best_tp:
        print(f"THROUGHPUT sr {best_tp['crops_per_s']:.0f} crops/s of {crop} px = {best_tp['images_256_per_s']:.0f} "
              f"images/s at 256 px ({device_name}, batch {B}), {best_tp['tflops']:.2f} TFLOP/s", flush=True)
    return best_tp


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parent / "build",
                    help="folder with sr_train.npz (data/build_sr_dataset.py)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--resume", type=Path, default=None, help="folder with an sr_unet.pt to start from")
    ap.add_argument("--minutes", type=float, default=None, help="override train.minutes")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--output", choices=["x0", "v"], default=None,
                    help="override model.output (a new network only; a resumed one keeps its own)")
    args = ap.parse_args()
    cfg = load_config(args.config)
    if args.minutes is not None:
        cfg["train"]["minutes"] = args.minutes
    if args.output is not None:
        cfg["model"]["output"] = args.output
    if not (args.data / "sr_train.npz").exists():
        raise SystemExit(f"{args.data / 'sr_train.npz'} is missing: build it with training/data/build_sr_dataset.py")
    args.out.mkdir(parents=True, exist_ok=True)
    train(cfg, args)


if __name__ == "__main__":
    main()
