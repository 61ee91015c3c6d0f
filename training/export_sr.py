"""Export the super-resolution U-Net to ONNX, its manifest entry, and the fixtures the TypeScript tests use.

  # the smoke model for the page's tests (never public/models): sr_unet.onnx + manifest-sr.json + fixtures
  /usr/bin/python3 training/export_sr.py --run RUN --out src/fixtures/sr-smoke --fixtures src/fixtures/sr-smoke
  # a GPU-trained model that passed the bar (evaluate_sr.py): into the models folder, "sr" merged into manifest.json
  /usr/bin/python3 training/export_sr.py --run training/runs/gpu --out public/models --metrics training/runs/gpu/sr-metrics.json \
      --fixtures src/fixtures --checkpoints training/checkpoints

sr_unet.onnx: traced at batch "batch" (symbolic) and the configured resolution (256), weights stored fp16
and computed fp32 (onnx_fp16.py), exported from fp16-rounded weights so the file and the checkpoint hold
the same numbers. The "sr" manifest entry is documented in docs/model-contract.md. A models folder whose
manifest.json names other models only takes an SR model whose --metrics say it passed the quality bar
(the issue: never ship one that misses it). Fixtures (--fixtures DIR):
  sr-call.json     one batch-2 call: inputs from seeded normals (so the JSON stays small), v at every
                   16th value plus its sum and mean |v| (PyTorch, float32)
  sr-upscale.json  one whole upscale (sr_sampler.sr_run: DDIM trailing, the default steps and level) of
                   public/models/samples/cat-face.png: the final image as uint8 and every 16th float value,
                   the first step's x0-hat likewise, the noised low-resolution input likewise
"""
from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from manifest_files import file_entry
from onnx_fp16 import store_fp16
from rng import Mulberry32
from schedule import cosine_alphas_cumprod
from sr_sampler import DEFAULT_AUG, DEFAULT_STEPS, sr_run, to_uint8, torch_sr_model
from train_sr import load_sr

ROOT = Path(__file__).resolve().parents[1]
OPSET = 17
STRIDE = 16                     # fixtures keep every 16th value of a 256 px tensor
UPSCALE_IMAGE = ROOT / "public" / "models" / "samples" / "cat-face.png"
INPUTS = ["sample", "timestep", "low_res", "aug_level"]


def f32(x: np.ndarray) -> dict:
    """A float32 array as the fixtures store it: dtype, shape and little-endian base64."""
    return {"dtype": "float32", "shape": list(x.shape), "b64": base64.b64encode(np.ascontiguousarray(x, "<f4").tobytes()).decode()}


def u8(x: np.ndarray) -> dict:
    """A uint8 array (an image's pixels) as the fixtures store it."""
    return {"dtype": "uint8", "shape": list(x.shape), "b64": base64.b64encode(np.ascontiguousarray(x, np.uint8).tobytes()).decode()}


def strided(x: np.ndarray) -> dict:
    """Every STRIDE-th value of x (flattened, C order), and the sum and mean |x| over all of it (float64)."""
    flat = x.astype(np.float32).ravel()
    return {"stride": STRIDE, "count": int(flat.size), "values": f32(flat[::STRIDE]),
            "sum": float(flat.astype(np.float64).sum()), "mean_abs": float(np.abs(flat.astype(np.float64)).mean())}


def rounded(net):
    """The network with its weights rounded to fp16, as stored (in place)."""
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(p.half().float())
    return net


def export_onnx(net, path: Path) -> dict:
    """sr_unet.onnx at the config's resolution; returns its manifest entry (without training or metrics)."""
    cfg = net.cfg
    R, r = cfg.resolution, cfg.resolution // cfg.scale
    args = (torch.zeros(1, 3, R, R), torch.tensor([500.0]), torch.zeros(1, 3, r, r), torch.tensor([float(DEFAULT_AUG)]))
    torch.onnx.export(net.eval(), args, str(path), opset_version=OPSET, input_names=INPUTS, output_names=["v"],
                      dynamic_axes={k: {0: "batch"} for k in INPUTS + ["v"]}, do_constant_folding=True)
    store_fp16(path)
    return {**file_entry(path.parent, path.name),
            "inputs": [{"name": "sample", "dtype": "float32", "shape": ["batch", 3, R, R]},
                       {"name": "timestep", "dtype": "float32", "shape": ["batch"]},
                       {"name": "low_res", "dtype": "float32", "shape": ["batch", 3, r, r]},
                       {"name": "aug_level", "dtype": "float32", "shape": ["batch"]}],
            "outputs": [{"name": "v", "dtype": "float32", "shape": ["batch", 3, R, R]}]}


def sr_entry(net, ck: dict, onnx_entry: dict, steps: int, aug: int, metrics: dict | None) -> dict:
    """The manifest's "sr" object (docs/model-contract.md)."""
    cfg = net.cfg
    entry = {**onnx_entry, "parameters": ck["parameters"], "gflops_per_image": round(ck["gflops_per_image"], 4),
             "resolution": cfg.resolution, "low_resolution": cfg.resolution // cfg.scale,
             "prediction_type": "v_prediction", "schedule": "base",
             "sampler": "ddim", "spacing": "trailing",
             "defaults": {"steps": steps, "aug_level": aug}, "aug_level_max": int(ck.get("aug_max", 400)),
             "noise": "x_T = first 3*H*W normals of the seed's generator, then 3*h*w normals for the augmentation",
             "training": {"hardware": ck.get("device_name", "cpu"), "minutes": round(ck.get("minutes", 0.0), 2),
                          "steps": ck.get("steps", 0), "images_seen": ck.get("images_seen", 0),
                          "final_loss": round(ck.get("final_loss", float("nan")), 5)}}
    if metrics is not None:
        entry["metrics"] = metrics
    return entry


def write_fixtures(net, out: Path, steps: int, aug: int) -> None:
    """sr-call.json and sr-upscale.json (see the module doc)."""
    cfg = net.cfg
    R, r = cfg.resolution, cfg.resolution // cfg.scale
    sample = Mulberry32(31).normals(2 * 3 * R * R).reshape(2, 3, R, R)
    low = Mulberry32(32).normals(2 * 3 * r * r).reshape(2, 3, r, r)
    t, s = np.array([999.0, 250.0], np.float32), np.array([float(aug), 0.0], np.float32)
    with torch.no_grad():
        v = net(*(torch.from_numpy(a) for a in (sample, t, low, s))).numpy()
    (out / "sr-call.json").write_text(json.dumps({
        "note": f"sample = first 2*3*{R}*{R} normals of seed 31, low_res = first 2*3*{r}*{r} normals of seed 32 "
                "(CHW, batch-major); v from the PyTorch network with fp16-rounded weights, float32",
        "seed_sample": 31, "seed_low_res": 32, "timestep": t.tolist(), "aug_level": s.tolist(),
        "shape_sample": [2, 3, R, R], "shape_low_res": [2, 3, r, r], "v": strided(v)}), "utf-8")
    img = np.asarray(Image.open(UPSCALE_IMAGE).convert("RGB"))
    if img.shape != (r, r, 3):
        raise SystemExit(f"{UPSCALE_IMAGE} is {img.shape}, not {r} px")
    low_res = (img.astype(np.float32).transpose(2, 0, 1) / 127.5 - 1.0).astype(np.float32)
    ab = cosine_alphas_cumprod()
    run = sr_run(ab, torch_sr_model(net), low_res=low_res, seed=5, steps=steps, aug_level=aug)
    final = run["frames"][-1]["prev"]
    (out / "sr-upscale.json").write_text(json.dumps({
        "note": "sr_sampler.sr_run in PyTorch (float32 network, float64 sampler maths): x_T = first 3*256*256 normals "
                "of the seed, then 3*64*64 for the augmentation; low_res = the image's pixels / 127.5 - 1 (CHW)",
        "image_file": "samples/cat-face.png", "low_res_u8": u8(img), "seed": 5, "steps": steps, "aug_level": aug,
        "sampler": "ddim", "spacing": "trailing", "timesteps": [f["t"] for f in run["frames"]],
        "low_res_aug": strided(run["low_res_aug"]), "x0_first": strided(run["frames"][0]["x0"]),
        "image": strided(final), "image_u8": u8(to_uint8(final)[0])}), "utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", type=Path, required=True, help="folder with sr_unet.pt")
    ap.add_argument("--out", type=Path, required=True, help="models folder (or a fixture folder) for sr_unet.onnx")
    ap.add_argument("--fixtures", type=Path, default=None, help="write sr-call.json and sr-upscale.json here")
    ap.add_argument("--metrics", type=Path, default=None, help="evaluate_sr.py's JSON: its bar goes into the entry")
    ap.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    ap.add_argument("--aug", type=int, default=DEFAULT_AUG)
    ap.add_argument("--checkpoints", type=Path, default=None, help="also keep an fp16 sr_unet.pt (EMA only) here")
    args = ap.parse_args()
    net, ck = load_sr(args.run / "sr_unet.pt")
    rounded(net)
    metrics = json.loads(args.metrics.read_text("utf-8")) if args.metrics else None
    manifest_path = args.out / "manifest.json"
    if manifest_path.exists() and not (metrics and metrics.get("bar", {}).get("passes")):
        raise SystemExit(f"{manifest_path} exists: a models folder takes an SR model only with --metrics from "
                         "evaluate_sr.py that say it passed the quality bar (bar.passes)")
    args.out.mkdir(parents=True, exist_ok=True)
    entry = sr_entry(net, ck, export_onnx(net, args.out / "sr_unet.onnx"), args.steps, args.aug,
                     metrics and {"bar": metrics["bar"], "heldout": metrics.get("heldout"),
                                  "generations": metrics.get("generations")})
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text("utf-8"))
        manifest["sr"] = entry
        manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", "utf-8")
    else:  # a fixture folder: the entry alone, for a test to merge into the models folder it serves
        (args.out / "manifest-sr.json").write_text(json.dumps({"sr": entry}, indent=1) + "\n", "utf-8")
    if args.fixtures:
        args.fixtures.mkdir(parents=True, exist_ok=True)
        write_fixtures(net, args.fixtures, args.steps, args.aug)
    if args.checkpoints:
        slim = {k: v for k, v in ck.items() if k not in ("state_dict", "ema")}
        slim["ema"] = {k: v.half() if v.is_floating_point() else v for k, v in ck["ema"].items()}
        torch.save(slim, args.checkpoints / "sr_unet.pt")
    print(f"exported {args.out / 'sr_unet.onnx'}: {entry['bytes'] / 1e6:.2f} MB, {entry['parameters'] / 1e6:.2f}M "
          f"parameters, {entry['gflops_per_image']} GFLOPs per step; defaults {args.steps} steps, s = {args.aug}")


if __name__ == "__main__":
    main()
