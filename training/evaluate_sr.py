"""Measure the super-resolution stage against the issue's bar, and write its model-card section.

  /usr/bin/python3 training/evaluate_sr.py measure --sr training/runs/gpu --out training/runs/gpu/sr-metrics.json \
      --sheet training/runs/gpu/sr-contact-sheet.png            # full size: 369 held-out images, 100 prompts
  /usr/bin/python3 training/evaluate_sr.py card --metrics training/runs/gpu/sr-metrics.json --card public/models/MODEL_CARD.md

measure:
  held-out renders (sr_heldout.npz: concepts the SR stage never saw, 256 px), each downsampled to 64 px
  (4x4 area mean, uint8) and brought back to 256 px by the SR stage (its default steps and level s, seed
  = index), by bicubic (PyTorch, a = -0.75, the model's own conditioning) and by Lanczos-3 (Pillow):
  PSNR against the real image (dB, uint8, mean over images) and edge sharpness, the mean gradient
  magnitude on the real images' edges (edge_gradient) against the real images' own (the plain mean over
  all pixels is reported too, but blur does not lower it);
  the base model's own generations (the page's default settings: DDIM trailing, 30 steps, guidance 4,
  the shipped fp16-rounded weights) for --prompts held-out concept names: the flat-region grain
  (sharpness.flat_noise, the median |Laplacian|) of the SR output against the real 256 px renders of the
  same concepts (and of the 64 px result against the same renders downsampled, for scale), and whether
  the independent judge (classifier.py) gives the SR output, downsampled to 64 px, the class it gives
  the 64 px result;
  with --sheet, a contact sheet PNG: 64 px (nearest) / bicubic / SR / real, held-out rows then generations;
  with --aug-sweep, the held-out PSNR and gradient, the generations' grain and the judge's agreement at
  each of several augmentation levels s on a subset: the evidence for the default s.
The JSON's "bar" says which of the issue's conditions hold ("passes": all of them, at full size).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
from card_sections import replace_section
from common import load_clip, load_unet, pick_device
from schedule import cosine_alphas_cumprod
from sharpness import flat_noise
from sr_data import area_down, load_split
from sr_sampler import DEFAULT_AUG, DEFAULT_STEPS, to_uint8, upscale_batch
from train_sr import load_sr

ROOT = Path(__file__).resolve().parents[1]
BAR = {"min_heldout_images": 300, "min_prompts": 100, "gradient_within": 0.15, "psnr_below_bicubic_db": 1.5,
       "grain_ratio_max": 3.0, "judge_agreement_min": 0.95}


def psnr(a_u8: np.ndarray, b_u8: np.ndarray) -> np.ndarray:
    """Per image PSNR (dB) of uint8 [N, H, W, 3] against uint8 [N, H, W, 3]; identical images give 99."""
    mse = ((a_u8.astype(np.float64) - b_u8.astype(np.float64)) ** 2).mean(axis=(1, 2, 3))
    return np.where(mse > 0, 10 * np.log10(255.0 ** 2 / np.maximum(mse, 1e-12)), 99.0)


def gradient_magnitude(images_u8: np.ndarray) -> np.ndarray:
    """Per image mean of sqrt(dx^2 + dy^2) (forward differences, [0, 1] RGB, each channel) over [H-1, W-1]."""
    x = images_u8.astype(np.float32) / 255.0
    dx = x[:, :-1, 1:] - x[:, :-1, :-1]
    dy = x[:, 1:, :-1] - x[:, :-1, :-1]
    return np.sqrt(dx ** 2 + dy ** 2).mean(axis=(1, 2, 3)).astype(np.float64)


EDGE = 0.1  # an edge pixel: the real image's gradient magnitude (strongest channel, [0, 1] units) above this


def edge_gradient(images_u8: np.ndarray, real_u8: np.ndarray) -> float:
    """Edge sharpness: the mean gradient magnitude (forward differences, strongest channel) on the real
    images' edge pixels, each image's gradient taken as its maximum over the 3x3 neighbourhood, so an edge
    moved by a pixel is not counted as blur. The plain mean over all pixels cannot see blur: blurring a
    monotone edge spreads its rise over more pixels and keeps the sum of |gradient| (bicubic stays at
    ~0.99x the real images' there, against ~0.27x here)."""
    def strongest(x):
        x = x.astype(np.float32) / 255.0
        dx, dy = x[:, :-1, 1:] - x[:, :-1, :-1], x[:, 1:, :-1] - x[:, :-1, :-1]
        return np.sqrt(dx ** 2 + dy ** 2).max(axis=3)
    edges = strongest(real_u8) > EDGE
    pooled = F.max_pool2d(torch.from_numpy(strongest(images_u8))[:, None], 3, 1, 1)[:, 0].numpy()
    return float(pooled[edges].mean()) if edges.any() else float("nan")


def bicubic_up(low_u8: np.ndarray, scale: int = 4) -> np.ndarray:
    """uint8 [N, h, w, 3] -> uint8 [N, 4h, 4w, 3]: PyTorch bicubic (a = -0.75, align_corners False), rounded."""
    x = torch.from_numpy(low_u8.transpose(0, 3, 1, 2).astype(np.float32))
    y = F.interpolate(x, scale_factor=scale, mode="bicubic", align_corners=False)
    return y.round().clamp(0, 255).byte().numpy().transpose(0, 2, 3, 1)


def lanczos_up(low_u8: np.ndarray, scale: int = 4) -> np.ndarray:
    """uint8 [N, h, w, 3] -> uint8 [N, 4h, 4w, 3] by Pillow's Lanczos-3."""
    h, w = low_u8.shape[1:3]
    return np.stack([np.asarray(Image.fromarray(im).resize((w * scale, h * scale), Image.LANCZOS)) for im in low_u8])


def compare(name_to_images: dict[str, np.ndarray], real: np.ndarray) -> dict:
    """PSNR, edge sharpness (and its ratio to the real images'), the plain mean gradient magnitude and
    the grain of each method's images."""
    g_real, e_real = float(gradient_magnitude(real).mean()), edge_gradient(real, real)
    out = {"real": {"edge_gradient": round(e_real, 5), "gradient": round(g_real, 5),
                    "flat_noise": round(float(flat_noise(real).mean()), 6)}}
    for name, imgs in name_to_images.items():
        e, g = edge_gradient(imgs, real), float(gradient_magnitude(imgs).mean())
        out[name] = {"psnr_db": round(float(psnr(imgs, real).mean()), 3), "edge_gradient": round(e, 5),
                     "edge_gradient_ratio": round(e / e_real, 4), "gradient": round(g, 5),
                     "gradient_ratio": round(g / g_real, 4), "flat_noise": round(float(flat_noise(imgs).mean()), 6)}
    return out


def judge_classes(judge, images_u8: np.ndarray, device) -> np.ndarray:
    """The judge's top class (its own column index) for each uint8 [N, 64, 64, 3] image."""
    from classifier import logits_of
    x = torch.from_numpy(np.ascontiguousarray(images_u8)).to(device).permute(0, 3, 1, 2).contiguous()
    return logits_of(judge, x).argmax(1).cpu().numpy()


def contact_sheet(rows: list[list[np.ndarray | None]], title: str) -> Image.Image:
    """Rows of 256 px tiles (None = empty): 64 px nearest, bicubic, SR, real."""
    T, pad, head = 256, 4, 22
    cols = max(len(r) for r in rows)
    sheet = Image.new("RGB", (cols * (T + pad) + pad, head + len(rows) * (T + pad) + pad), "white")
    draw = ImageDraw.Draw(sheet)
    draw.text((pad, 5), title, fill="black")
    for i, row in enumerate(rows):
        for j, tile in enumerate(row):
            if tile is not None:
                sheet.paste(Image.fromarray(tile), (pad + j * (T + pad), head + pad + i * (T + pad)))
    return sheet


def nearest4(img: np.ndarray) -> np.ndarray:
    """A 64 px image blown up 4x by repeating pixels (the contact sheet's first column)."""
    return np.repeat(np.repeat(img, 4, 0), 4, 1)


def measure_heldout(net, held: dict, n: int, ab, up: dict) -> tuple[dict, np.ndarray, np.ndarray]:
    """The first n held-out renders downsampled and brought back by SR, bicubic and Lanczos;
    (results, the 64 px inputs, the SR outputs)."""
    real = held["images"][:n]
    low = area_down(real)
    sr = to_uint8(upscale_batch(net, low, list(range(n)), ab, **up))
    h = {"images": n, "concepts": len(set(held["concept"][:n].tolist())),
         **compare({"sr": sr, "bicubic": bicubic_up(low), "lanczos": lanczos_up(low)}, real),
         "sr_downsampled_vs_input_psnr_db": round(float(psnr(area_down(sr), low).mean()), 3)}
    return h, low, sr


def measure_generations(net, gen64: np.ndarray, listed: list[dict], held: dict, judge, ab, up: dict, device) -> tuple[dict, np.ndarray]:
    """Grain and judge agreement of the SR stage on the base model's 64 px results; (results, SR images)."""
    gen_sr = to_uint8(upscale_batch(net, gen64, list(range(len(gen64))), ab, **up))
    real_ref = held["images"][np.isin(held["concept"], [c["id"] for c in listed])]  # renders of the prompted concepts
    grain = {"sr": flat_noise(gen_sr), "real_256": flat_noise(real_ref), "result_64": flat_noise(gen64),
             "real_64": flat_noise(area_down(real_ref)), "bicubic": flat_noise(bicubic_up(gen64))}
    mean = {k: float(v.mean()) for k, v in grain.items()}
    g = {"prompts": len(gen64), "real_reference_images": int(len(real_ref)),
         "flat_noise": {k: round(v, 6) for k, v in mean.items()},
         # the per-image statistic is a median: 0 unless most of an image's pixels are grainy
         "images_with_grain": {k: round(float((v > 0).mean()), 4) for k, v in grain.items()},
         "grain_ratio_sr_to_real": round(mean["sr"] / mean["real_256"], 3) if mean["real_256"] > 0 else None,
         "grain_ratio_64_to_real_64": round(mean["result_64"] / mean["real_64"], 3) if mean["real_64"] > 0 else None}
    if judge is not None:
        net_j, judge_ck = judge
        a, b = judge_classes(net_j, gen64, device), judge_classes(net_j, area_down(gen_sr), device)
        col = {u: i for i, u in enumerate(judge_ck["unified"])}
        want = np.array([col.get(c["unified"], -1) for c in listed])
        g["judge"] = {"agreement_sr_down_vs_64": round(float((a == b).mean()), 4),
                      "top1_64": round(float((a == want).mean()), 4), "top1_sr_down": round(float((b == want).mean()), 4)}
    return g, gen_sr


def aug_sweep(net, levels: list[int], low: np.ndarray, real: np.ndarray, gen64: np.ndarray, judge, ab, up: dict,
              device) -> list[dict]:
    """Per augmentation level s: held-out PSNR and gradient ratio, the generations' grain, the judge's
    agreement, on the given subsets (the evidence for the default s)."""
    rows = []
    for level in levels:
        kw = {**up, "aug_level": level}
        sr_h = to_uint8(upscale_batch(net, low, list(range(len(low))), ab, **kw))
        sr_g = to_uint8(upscale_batch(net, gen64, list(range(len(gen64))), ab, **kw))
        row = {"aug_level": level, "images": len(low), "heldout_psnr_db": round(float(psnr(sr_h, real).mean()), 3),
               "heldout_edge_gradient_ratio": round(edge_gradient(sr_h, real) / edge_gradient(real, real), 4),
               "generations_flat_noise": round(float(flat_noise(sr_g).mean()), 6)}
        if judge is not None:
            agree = judge_classes(judge[0], area_down(sr_g), device) == judge_classes(judge[0], gen64, device)
            row["judge_agreement"] = round(float(agree.mean()), 4)
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def measure(args) -> None:
    device = pick_device()
    t0 = time.time()
    ab = cosine_alphas_cumprod()
    net, sr_ck = load_sr(args.sr / "sr_unet.pt", device)
    with torch.no_grad():  # as exported: fp16-rounded weights, fp32 compute
        for p in net.parameters():
            p.copy_(p.half().float())
    held = load_split(args.data / "sr_heldout.npz")
    info = json.loads((args.data / "sr_dataset.json").read_text("utf-8"))
    n = min(args.heldout or len(held["images"]), len(held["images"]))
    up = dict(steps=args.steps, aug_level=args.aug, device=device, chunk=args.chunk)
    result = {"sr_checkpoint": str(args.sr / "sr_unet.pt"), "sr_training": {k: sr_ck.get(k) for k in
              ("steps", "images_seen", "minutes", "device_name", "parameters", "gflops_per_image")},
              "steps": args.steps, "aug_level": args.aug, "sampler": "ddim trailing, eta 0"}
    result["heldout"], low, sr = measure_heldout(net, held, n, ab, up)
    print(json.dumps({"heldout": result["heldout"]}), flush=True)

    # the base model's own generations, at the page's default settings (the shipped fp16-rounded weights)
    from evaluate import sample
    clip, tok, _ = load_clip(args.checkpoints / "clip.pt", device)
    unet, _ = load_unet(args.checkpoints / "unet.pt", device)
    with torch.no_grad():
        for p in list(clip.parameters()) + list(unet.parameters()):
            p.copy_(p.half().float())
    listed = info["heldout"]["concept_list"][:args.prompts]
    prompts = [c["name"] for c in listed]
    gen64 = to_uint8(sample(unet, clip.text, tok, prompts, list(range(len(prompts))), args.base_steps, args.guidance,
                            device, chunk=args.chunk))
    judge = None
    if args.judge and args.judge.exists():
        from classifier import load_judge
        judge = load_judge(args.judge, device)
    g, gen_sr = measure_generations(net, gen64, listed, held, judge, ab, up, device)
    result["generations"] = {**g, "base_sampler": f"ddim trailing, {args.base_steps} steps, guidance {args.guidance}"}
    print(json.dumps({"generations": result["generations"]}), flush=True)
    result["bar"] = bar(result)
    result["seconds"] = round(time.time() - t0, 1)
    result["device"] = torch.cuda.get_device_name() if device.type == "cuda" else "cpu"
    result["command"] = " ".join(["training/evaluate_sr.py"] + sys.argv[1:])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", "utf-8")
    if args.sheet:
        rows = [[nearest4(low[i]), bicubic_up(low[i:i + 1])[0], sr[i], held["images"][i]]
                for i in np.linspace(0, n - 1, min(args.sheet_rows, n)).astype(int)]
        rows += [[nearest4(gen64[i]), bicubic_up(gen64[i:i + 1])[0], gen_sr[i], None]
                 for i in range(min(args.sheet_rows, len(prompts)))]
        contact_sheet(rows, f"64 px (nearest) | bicubic | SR ({args.steps} steps, s = {args.aug}) | real; "
                            "held-out renders, then the base model's generations").save(args.sheet, optimize=True)
    print(json.dumps(result["bar"], indent=1))
    if args.aug_sweep:  # after the bar is on disk: a budget that runs out here loses only the sweep
        k = min(args.sweep_images, n, len(prompts))
        real = held["images"][:k]
        result["aug_sweep"] = aug_sweep(net, args.aug_sweep, area_down(real), real, gen64[:k], judge, ab, up, device)
        result["seconds"] = round(time.time() - t0, 1)
        args.out.write_text(json.dumps(result, indent=1) + "\n", "utf-8")


def bar(r: dict) -> dict:
    """The issue's conditions, each with its value; passes only when all hold at full size."""
    h, g = r["heldout"], r["generations"]
    checks = {
        "edge_gradient_within_15pct_of_real": abs(h["sr"]["edge_gradient_ratio"] - 1) <= BAR["gradient_within"],
        "psnr_at_most_1.5db_under_bicubic": h["sr"]["psnr_db"] >= h["bicubic"]["psnr_db"] - BAR["psnr_below_bicubic_db"],
        "grain_at_most_3x_real": g["grain_ratio_sr_to_real"] is not None and g["grain_ratio_sr_to_real"] <= BAR["grain_ratio_max"],
        "judge_agreement_at_least_95pct": "judge" in g and g["judge"]["agreement_sr_down_vs_64"] >= BAR["judge_agreement_min"],
        "full_size": h["images"] >= BAR["min_heldout_images"] and g["prompts"] >= BAR["min_prompts"],
    }
    return {"passes": all(checks.values()), "checks": checks, "thresholds": BAR}


def card(args) -> None:
    """The SR section of the model card, from a measure JSON."""
    m = json.loads(args.metrics.read_text("utf-8"))
    h, g, b = m["heldout"], m["generations"], m["bar"]
    tr = m["sr_training"]
    ok = lambda k: "yes" if b["checks"][k] else "**no**"
    L = ["## Super-resolution stage (64 -> 256 px)", "",
         f"A {tr['parameters'] / 1e6:.2f}M-parameter SR U-Net ({tr['gflops_per_image']:.2f} GFLOPs per step at 256 px), "
         f"trained {tr['minutes']:.1f} min on {tr['device_name']} ({tr['images_seen']:,} crops). Upscale: "
         f"{m['sampler']}, {m['steps']} steps, augmentation level s = {m['aug_level']}. "
         f"Measured by `{m['command']}` on {m['device']}.", "",
         f"**Bar: {'passed' if b['passes'] else 'not passed'}** (the page ships an SR model only when it passes).", "",
         f"Held-out renders ({h['images']} images of {h['concepts']} concepts the SR stage never saw), downsampled to 64 px:", "",
         "| method | PSNR (dB) | edge sharpness / real | mean gradient / real | flat-region grain |",
         "|---|---:|---:|---:|---:|"]
    for k in ("bicubic", "lanczos", "sr"):
        L.append(f"| {k} | {h[k]['psnr_db']:.2f} | {h[k]['edge_gradient_ratio']:.3f} | {h[k]['gradient_ratio']:.3f} | "
                 f"{h[k]['flat_noise']:.4f} |")
    L += [f"| real | | 1 | 1 | {h['real']['flat_noise']:.4f} |", "",
          "Edge sharpness: the mean gradient magnitude on the real images' edges (3x3 maximum, so a one-pixel "
          "shift is not blur); the plain mean gradient cannot see blur."]
    L += ["", f"The base model's own generations ({g['prompts']} prompts, {g['base_sampler']}):", "",
          f"- flat-region grain, SR output: {g['flat_noise']['sr']:.4f}, real 256 px renders {g['flat_noise']['real_256']:.4f} "
          f"(ratio {g['grain_ratio_sr_to_real']}); the 64 px result against the renders downsampled: "
          f"{g['grain_ratio_64_to_real_64']}x"]
    if "judge" in g:
        L.append(f"- the independent judge gives the SR output (downsampled to 64 px) the 64 px result's class "
                 f"{g['judge']['agreement_sr_down_vs_64']:.1%} of the time")
    L += ["", "| condition | holds |", "|---|---|"] + [f"| {k} | {ok(k)} |" for k in b["checks"]]
    if m.get("aug_sweep"):
        L += ["", f"Augmentation level s (the default is {m['aug_level']}), on {m['aug_sweep'][0]['images']} held-out "
              "images and as many generations:", "",
              "| s | held-out PSNR (dB) | edge sharpness / real | grain of the generations' SR | judge agreement |",
              "|---:|---:|---:|---:|---:|"]
        L += [f"| {r['aug_level']} | {r['heldout_psnr_db']:.2f} | {r['heldout_edge_gradient_ratio']:.3f} | "
              f"{r['generations_flat_noise']:.4f} | {r.get('judge_agreement', '-')} |" for r in m["aug_sweep"]]
    if args.sheet:
        L += ["", f"![contact sheet: 64 px, bicubic, SR, real]({args.sheet})"]
    text = "\n".join(L) + "\n"
    if args.card:
        old = args.card.read_text("utf-8") if args.card.exists() else ""
        args.card.write_text(replace_section(old, "sr-model", text), "utf-8")
        print(f"wrote the SR section of {args.card}")
    else:
        print(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--sr", type=Path, required=True, help="folder with sr_unet.pt")
    m.add_argument("--data", type=Path, default=ROOT / "training" / "build", help="sr_heldout.npz, sr_dataset.json")
    m.add_argument("--checkpoints", type=Path, default=ROOT / "training" / "checkpoints", help="the base clip.pt, unet.pt")
    m.add_argument("--judge", type=Path, default=ROOT / "training" / "checkpoints" / "judge.pt")
    m.add_argument("--out", type=Path, required=True)
    m.add_argument("--sheet", type=Path, default=None, help="contact sheet PNG")
    m.add_argument("--sheet-rows", type=int, default=6, help="rows per part of the contact sheet")
    m.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    m.add_argument("--aug", type=int, default=DEFAULT_AUG)
    m.add_argument("--heldout", type=int, default=None, help="at most this many held-out images (default all)")
    m.add_argument("--prompts", type=int, default=100)
    m.add_argument("--base-steps", type=int, default=30)
    m.add_argument("--guidance", type=float, default=4.0)
    m.add_argument("--chunk", type=int, default=32)
    m.add_argument("--aug-sweep", type=lambda v: [int(x) for x in v.split(",")], default=None,
                   help="also measure these augmentation levels (e.g. 0,50,100,200) on --sweep-images images each")
    m.add_argument("--sweep-images", type=int, default=64)
    c = sub.add_parser("card")
    c.add_argument("--metrics", type=Path, required=True)
    c.add_argument("--card", type=Path, default=None, help="model card to put the section in (else printed)")
    c.add_argument("--sheet", default=None, help="contact sheet path as the card should link it")
    args = ap.parse_args()
    measure(args) if args.cmd == "measure" else card(args)


if __name__ == "__main__":
    main()
