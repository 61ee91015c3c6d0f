"""Evaluate the shipped model and write its model card.

  /usr/bin/python3 training/evaluate.py --checkpoints training/checkpoints --models public/models --data training/build

Samples with the same maths as the page (schedule.py's DDIM, rng.py's seeded noise, guidance 4, 30
steps unless told otherwise) from the PyTorch networks in the checkpoints (the fixtures prove these
equal the ONNX files). Measures:
  - CLIP zero-shot prompt fidelity: for N concepts, generate from the concept's first name and ask the
    CLIP image encoder which of all concept names the image is nearest to (top-1 / top-5). The same
    measurement on the real images is printed beside it as the ceiling this CLIP allows.
  - a grid of 32 fixed prompts and seeds (samples-grid.png).
Writes metrics into manifest.json and writes MODEL_CARD.md.
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
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import load_clip, load_dataset, load_unet, pick_device, to_model_range
from rng import Mulberry32
from schedule import cosine_alphas_cumprod, ddim_step, ddim_timesteps, guide

GRID_PROMPTS = [
    "cat face", "dog face", "red apple", "rocket", "sun with face", "rainbow", "tropical fish", "pizza",
    "red heart", "blue heart", "green heart", "yellow heart", "grinning face", "smiling face with sunglasses",
    "crying face", "pile of poo", "ghost", "alien", "robot face", "fire", "snowflake", "star", "crescent moon",
    "globe", "house", "car", "bicycle", "airplane", "flag of japan", "flag of france", "thumbs up", "🐱",
]


@torch.no_grad()
def sample(unet, text, tok, prompts: list[str], seeds: list[int], steps: int, guidance: float, device) -> np.ndarray:
    """DDIM with classifier-free guidance, exactly the page's algorithm. Returns float32 [N, 3, 64, 64]."""
    ab = cosine_alphas_cumprod()
    r = unet.cfg.resolution
    uncond = text(torch.tensor([tok.encode("")], dtype=torch.int32, device=device))[0]
    ctx = text(torch.tensor([tok.encode(p) for p in prompts], dtype=torch.int32, device=device))[0]
    x = np.stack([Mulberry32(s).normals(3 * r * r).reshape(3, r, r) for s in seeds])
    ts = ddim_timesteps(steps)
    n = len(prompts)
    for i, t in enumerate(ts):
        inp = torch.from_numpy(np.concatenate([x, x])).to(device)
        c = torch.cat([uncond.expand(n, -1, -1), ctx])
        v = unet(inp, torch.full((2 * n,), float(t), device=device), c).cpu().numpy()
        v = guide(v[:n], v[n:], guidance)
        x = ddim_step(ab, t, ts[i + 1] if i + 1 < len(ts) else -1, x, v)["prev_sample"]
    return x


def to_uint8(x: np.ndarray) -> np.ndarray:
    """[N, 3, H, W] in [-1, 1] -> uint8 [N, H, W, 3], the page's rounding."""
    return np.clip(np.round((x.transpose(0, 2, 3, 1) + 1.0) * 127.5), 0, 255).astype(np.uint8)


@torch.no_grad()
def zero_shot(clip, tok, images: np.ndarray, true_concepts: list[int], names: list[str], device) -> dict:
    txt = F.normalize(torch.cat([clip.text(torch.tensor([tok.encode(n) for n in names[i:i + 256]],
                                                         dtype=torch.int32, device=device))[1]
                                 for i in range(0, len(names), 256)]), dim=-1)
    img = F.normalize(clip.image(to_model_range(images).to(device)), dim=-1)
    top = (img @ txt.T).topk(5, dim=1).indices.cpu()
    want = torch.tensor(true_concepts)[:, None]
    return {"top1": round(float((top[:, :1] == want).any(1).float().mean()), 4),
            "top5": round(float((top == want).any(1).float().mean()), 4), "n": len(true_concepts)}


def grid(images: np.ndarray, cols: int = 8, scale: int = 2) -> Image.Image:
    n, h, w, _ = images.shape
    rows = (n + cols - 1) // cols
    canvas = np.full((rows * (h + 2), cols * (w + 2), 3), 255, np.uint8)
    for i, im in enumerate(images):
        r, c = divmod(i, cols)
        canvas[r * (h + 2) + 1:r * (h + 2) + 1 + h, c * (w + 2) + 1:c * (w + 2) + 1 + w] = im
    return Image.fromarray(canvas).resize((canvas.shape[1] * scale, canvas.shape[0] * scale), Image.NEAREST)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoints", type=Path, required=True)
    ap.add_argument("--models", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parent / "build")
    ap.add_argument("--concepts", type=int, default=100, help="concepts in the fidelity measurement")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--guidance", type=float, default=4.0)
    args = ap.parse_args()
    device = pick_device()
    t0 = time.time()
    clip, tok, clip_ck = load_clip(args.checkpoints / "clip.pt", device)
    unet, unet_ck = load_unet(args.checkpoints / "unet.pt", device)
    images, concept, style, meta = load_dataset(args.data)
    names = [c["names"][0] for c in meta["concepts"]]
    # evenly spread concepts, fixed for reproducibility
    picked = np.linspace(0, len(names) - 1, min(args.concepts, len(names))).round().astype(int).tolist()
    gen = np.concatenate([sample(unet, clip.text, tok, [names[k] for k in picked[i:i + 16]],
                                 list(range(i, i + len(picked[i:i + 16]))), args.steps, args.guidance, device)
                          for i in range(0, len(picked), 16)])
    fidelity = zero_shot(clip, tok, to_uint8(gen), picked, names, device)
    real_rows = [int(np.flatnonzero(concept == k)[0]) for k in picked]
    ceiling = zero_shot(clip, tok, images[real_rows], picked, names, device)
    grid_imgs = to_uint8(np.concatenate([sample(unet, clip.text, tok, GRID_PROMPTS[i:i + 16], list(range(i, i + 16)),
                                                args.steps, args.guidance, device) for i in (0, 16)]))
    grid(grid_imgs).save(args.models / "samples-grid.png", optimize=True)
    minutes = (time.time() - t0) / 60
    metrics = {
        "command": "/usr/bin/python3 training/evaluate.py --checkpoints training/checkpoints --models public/models",
        "sampler": f"ddim, {args.steps} steps, guidance {args.guidance}",
        "clip_zero_shot_prompt_fidelity": fidelity,
        "clip_zero_shot_on_real_images": ceiling,
        "clip_text_to_image_retrieval_train": clip_ck.get("retrieval", {}),
    }
    manifest_path = args.models / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    manifest["metrics"] = metrics
    manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", "utf-8")
    write_card(args.models, manifest, unet_ck, clip_ck)
    print(json.dumps(metrics, indent=1))
    print(f"evaluation took {minutes:.1f} min; wrote samples-grid.png, MODEL_CARD.md, manifest metrics")


def write_card(models: Path, m: dict, unet_ck: dict, clip_ck: dict) -> None:
    tr, met, data = m["training"], m["metrics"], m["data"]
    u, te = m["unet"], m["text_encoder"]
    sources = "\n".join(f"| `{s['package']}@{s['version']}` | {s['role']} | {s['license']} | {s['attribution']} |"
                        for s in data["sources"])
    fid, ceil = met["clip_zero_shot_prompt_fidelity"], met["clip_zero_shot_on_real_images"]
    ret = met.get("clip_text_to_image_retrieval_train", {})
    card = f"""# Model card: {m['name']}

A small text-to-image diffusion model trained from scratch by this repository's own pipeline
(`training/`) on openly licensed emoji artwork. It runs in the browser with onnxruntime-web.

## What it is
- **Text encoder** (`{te['file']}`, {te['bytes'] / 1e6:.2f} MB, {te['parameters'] / 1e6:.2f} M parameters): a
  {clip_ck['text_config']['layers']}-layer bidirectional transformer, width {clip_ck['text_config']['width']}, over a word-level
  tokenizer (`tokenizer.json`, {len(json.loads((models / 'tokenizer.json').read_text('utf-8'))['vocab'])} words + 256 hash buckets for unseen words,
  {m['tokenizer']['max_length']} tokens). Trained contrastively (CLIP-style) against a small image CNN.
- **U-Net** (`{u['file']}`, {u['bytes'] / 1e6:.2f} MB, {u['parameters'] / 1e6:.2f} M parameters,
  **{u['gflops_per_image']} GFLOPs per image per step**): 4x pixel-unshuffle to 16x16x48, levels of
  {unet_ck['unet_config']['channels']} channels at 16, 8 and 4 pixels, self- and cross-attention at 8 and 4,
  FiLM timestep conditioning. Predicts **v** on a **cosine** schedule with 1000 steps. Classifier-free
  guidance dropout 10%.
- Weights are stored fp16-rounded (fp32 compute); the ONNX files and `training/checkpoints/` hold the same
  numbers.

## Training
- Hardware: **{tr['hardware']}** ({'2-core CPU, Debian python3-torch 1.13 with OpenBLAS' if tr['hardware'] == 'cpu' else 'CUDA'}).
- CLIP: {tr['clip_steps']} steps, {tr['clip_minutes']} min. U-Net: {tr['unet_steps']} steps, {tr['unet_minutes']} min,
  {tr['unet_images_seen']:,} images seen, final loss (v-MSE, mean of the last 200 steps) {tr['unet_final_loss']}.
- {tr.get('note') or ''}
- Reproduce: see `training/README.md` (same commands for CPU and GPU; GPU runs resume from these weights).

## Data
{data['images']:,} images of {data['concepts']:,} concepts in {len(data['styles'])} styles ({', '.join(data['styles'])}),
64x64, composited on white, no skin-tone variants. Captions from emoji names, short names, Emojibase labels
and tags, the emoji glyph, and optionally the style ("…, twemoji style").

| package | used for | licence | attribution |
|---|---|---|---|
{sources}

## Measured
Command: `{met['command']}` ({met['sampler']}).

| metric | value |
|---|---|
| CLIP zero-shot prompt fidelity, generated images, top-1 / top-5 over {fid['n']} concepts | {fid['top1']:.1%} / {fid['top5']:.1%} |
| the same on the real images (the ceiling this CLIP allows) | {ceil['top1']:.1%} / {ceil['top5']:.1%} |
| CLIP text-to-image retrieval on the training images, top-1 / top-5 | {ret.get('top1', float('nan')):.1%} / {ret.get('top5', float('nan')):.1%} |

32 fixed prompts, seeds 0-31 (`samples-grid.png`; prompts in `training/evaluate.py`):

![samples](samples-grid.png)

## Limitations
- Trained {f"on a 2-core CPU for {tr['clip_minutes'] + tr['unet_minutes']:.0f} minutes: it learns colours, rough layouts and some concepts (faces, hearts, flags), not clean shapes, and its images stay grainy. A GPU run (`training/configs/gpu.json`) is needed for a model that draws recognisable emoji" if tr['hardware'] == 'cpu' else 'for minutes on one GPU'}.
- Knows only emoji concepts; other prompts fall back to hashed word ids and give generic results.
- 64x64 pixels by design (so it runs live on a CPU in the browser).
"""
    (models / "MODEL_CARD.md").write_text(card, "utf-8")


if __name__ == "__main__":
    main()
