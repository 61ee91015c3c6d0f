"""Measure the model and write its model card.

  # every metric at full size (a GPU takes well under a minute; a 2-core CPU about an hour):
  python training/evaluate.py measure --checkpoints training/checkpoints --out training/runs/metrics.json \
      --grid public/models/samples-grid.png
  # prompt fidelity only, per phrasing, few concepts, on a busy CPU; the judge scores the kept images later:
  nice -n 10 /usr/bin/python3 training/evaluate.py measure --checkpoints training/checkpoints --preset quick \
      --concepts 8 --seeds 1 --parts fidelity --out /tmp/phrasings.json --save-images p.npz
  /usr/bin/python3 training/evaluate.py judge --metrics /tmp/phrasings.json --images p.npz
  # the same measurements on a subset, on this repo's CPU machine (~10 min):
  /usr/bin/python3 training/evaluate.py measure --checkpoints training/checkpoints --preset quick --out /tmp/quick.json
  # merge the measurements into manifest.json and write MODEL_CARD.md:
  /usr/bin/python3 training/evaluate.py card --models public/models --metrics training/metrics.json

Images are sampled with the page's default algorithm and numbers (DDIM, trailing spacing, 30 steps,
guidance 4, seeded Mulberry32 noise, weights rounded to fp16 as shipped, fp32 compute). Every metric
works in the CLIP image encoder's feature space (the encoder shipped as image_encoder.onnx; unit-length
embeddings), against the real training images of every style:
  - prompt fidelity: for each of the 200 concepts in training/eval_concepts.json, phrased each of the
    UNSEEN_PHRASINGS ("a picture of <name>", "a cute little <name>", "<name> on a plain background": no
    caption or framing is phrased so) and as the bare name, 2 seeds: is the nearest real image of the
    prompted concept (top-1), is the concept among the 5 nearest distinct concepts (top-5)? With --judge,
    also the independent classifier's (training/classifier.py) top-1 / top-5 on the same images.
  - FID in feature space: Fréchet distance between 2,000 generated images (prompts = the names of the
    concepts of 2,000 randomly drawn real images) and all real images; the same for 2,000 real images
    drawn at random is the floor that sample size allows.
  - diversity: mean feature distance (1 - cosine) between the two seeds' images of the same prompt; the
    same between two styles of one concept's real images gives the scale.
  - style fidelity: "<name> in <style> style" for 50 concepts x every style: is the nearest of that
    concept's real images the one in the asked-for style?
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from classifier import judge_fidelity, load_judge
from common import embed_images, images_on, load_clip, load_dataset, load_unet, pick_device
from data.captions import seen_framing
from rng import normals_batch
from schedule import cosine_alphas_cumprod, ddim_step, ddim_timesteps, guide, v_to_x0_eps

ROOT = Path(__file__).resolve().parents[1]
EVAL_CONCEPTS = ROOT / "training" / "eval_concepts.json"
PROMPT_TEMPLATE = "a picture of {}"
# Prompt phrasings that no caption template, framing list or the framing distillation produces (checked by
# data/captions.seen_framing in the tests). The issue's "an illustration of a …" and "… on a white
# background" are not here: "an illustration of" and "on a white background" are in captions.py's lists.
UNSEEN_PHRASINGS = [PROMPT_TEMPLATE, "a cute little {}", "{} on a plain background"]
PARTS = {"fidelity", "fid", "style", "grid"}
STYLE_TEMPLATE = "{} in {} style"
PRESETS = {  # fidelity concepts, seeds per prompt, FID images, style concepts
    "full": {"concepts": 200, "seeds": 2, "fid": 2000, "style_concepts": 50},
    "quick": {"concepts": 40, "seeds": 2, "fid": 200, "style_concepts": 8},
    "smoke": {"concepts": 4, "seeds": 2, "fid": 16, "style_concepts": 2},  # tests: proves the code, not the model
}
GRID_PROMPTS = [
    "cat face", "dog face", "red apple", "rocket", "sun with face", "rainbow", "tropical fish", "pizza",
    "red heart", "blue heart", "green heart", "yellow heart", "grinning face", "smiling face with sunglasses",
    "crying face", "pile of poo", "ghost", "alien", "robot face", "fire", "snowflake", "star", "crescent moon",
    "globe", "house", "car in openmoji style", "bicycle in fluent flat style", "airplane in twemoji style",
    "flag of japan", "flag of france", "thumbs up", "🐱",
]


# ----------------------------------------------------------------------------------------------------
# Sampling (the page's algorithm)


def initial_noise(seeds: list[int], r: int) -> np.ndarray:
    return normals_batch(seeds, 3 * r * r).reshape(len(seeds), 3, r, r)


@torch.no_grad()
def sample(unet, text, tok, prompts: list[str], seeds: list[int], steps: int, guidance: float, device,
           chunk: int = 256, clip_x0: bool = True, final_denoise_t: int | None = None) -> np.ndarray:
    """DDIM with classifier-free guidance, exactly the page's algorithm with the defaults. Returns float32
    [N, 3, 64, 64]. For training/sharpness.py's comparison: clip_x0=False leaves x0-hat unclipped;
    final_denoise_t=k runs the U-Net once more on the finished image as if it were x_k and keeps that x0-hat
    (conditional prediction, no guidance): residual noise at that level is removed."""
    ab = cosine_alphas_cumprod()
    ts = ddim_timesteps(steps)
    r = unet.cfg.resolution
    uncond = text(torch.tensor([tok.encode("")], dtype=torch.int32, device=device))[0]
    out = []
    for c0 in range(0, len(prompts), chunk):
        ps, ss = prompts[c0:c0 + chunk], seeds[c0:c0 + chunk]
        ctx = text(torch.tensor([tok.encode(p) for p in ps], dtype=torch.int32, device=device))[0]
        x = initial_noise(ss, r)
        n = len(ps)
        c = torch.cat([uncond.expand(n, -1, -1), ctx])
        for i, t in enumerate(ts):
            inp = torch.from_numpy(np.concatenate([x, x])).to(device)
            v = unet(inp, torch.full((2 * n,), float(t), device=device), c).float().cpu().numpy()
            v = guide(v[:n], v[n:], guidance)
            x = ddim_step(ab, t, ts[i + 1] if i + 1 < len(ts) else -1, x, v,
                          clip_x0=clip_x0)["prev_sample"].astype(np.float32)
        if final_denoise_t is not None:
            x = final_denoise(unet, ctx, x, final_denoise_t, device)
        out.append(x)
    return np.concatenate(out)


@torch.no_grad()
def final_denoise(unet, ctx: torch.Tensor, x: np.ndarray, k: int, device) -> np.ndarray:
    """One more U-Net call on finished images x [-1, 1] read as x_k (conditional, no guidance); returns
    its x0-hat, clipped: whatever the model takes for noise at level k is removed."""
    ab = cosine_alphas_cumprod()
    v = unet(torch.from_numpy(x).to(device), torch.full((len(x),), float(k), device=device), ctx).float().cpu().numpy()
    x0, _ = v_to_x0_eps(float(ab[k]), x, v)
    return np.clip(x0, -1.0, 1.0).astype(np.float32)


def to_uint8(x: np.ndarray) -> np.ndarray:
    """[N, 3, H, W] in [-1, 1] -> uint8 [N, H, W, 3], the page's rounding."""
    return np.clip(np.round((x.transpose(0, 2, 3, 1) + 1.0) * 127.5), 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------------------------------
# Feature-space measurements


@torch.no_grad()
def features(clip, images_u8: np.ndarray, device) -> torch.Tensor:
    """Unit-length image-encoder embeddings of uint8 [N, H, W, 3] images (the page's input range)."""
    return embed_images(clip, images_on(device, images_u8))


def nearest_concepts(gen: torch.Tensor, real: torch.Tensor, real_concept: torch.Tensor, k: int = 5) -> torch.Tensor:
    """For each generated embedding, the k nearest distinct concepts (by their nearest real image)."""
    n_concepts = int(real_concept.max()) + 1
    rows = []
    for i in range(0, len(gen), 256):
        sims = gen[i:i + 256] @ real.T                                     # (b, N_real)
        best = torch.full((sims.shape[0], n_concepts), -2.0, device=sims.device)
        best.scatter_reduce_(1, real_concept[None].expand_as(sims), sims, reduce="amax")
        rows.append(best.topk(k, dim=1).indices)
    return torch.cat(rows)


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to feature sets a [n, d] and b [m, d] (Heusel et al. 2017)."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    w, v = np.linalg.eigh(s1)
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    cross = np.linalg.eigvalsh(root1 @ s2 @ root1)                     # eigenvalues of sqrt(s1) s2 sqrt(s1)
    tr_covmean = np.sqrt(np.clip(cross, 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_covmean)


def pick_eval_concepts(meta: dict, n: int = 200) -> list[dict]:
    """The committed prompt-fidelity list: concepts drawn in every style (so every style has a reference),
    spread over the categories in proportion to their size, in emoji order within each, first names that
    are unique across concepts."""
    counts: dict[str, int] = {}
    for c in meta["concepts"]:
        counts[c["names"][0]] = counts.get(c["names"][0], 0) + 1
    full = [c for c in meta["concepts"] if len(c.get("styles", [])) == len(meta["styles"])
            and counts[c["names"][0]] == 1]
    by_cat: dict[str, list[dict]] = {}
    for c in full:
        by_cat.setdefault(c.get("category") or "Other", []).append(c)
    total = len(full)
    quota = {k: max(1, round(n * len(v) / total)) for k, v in by_cat.items()}
    while sum(quota.values()) > n:
        quota[max(quota, key=quota.get)] -= 1
    while sum(quota.values()) < n:
        quota[max(by_cat, key=lambda k: len(by_cat[k]) - quota[k])] += 1
    picked = []
    for k, v in by_cat.items():
        idx = np.linspace(0, len(v) - 1, quota[k]).round().astype(int)
        picked += [v[i] for i in dict.fromkeys(idx.tolist())]
    return [{"unified": c["unified"], "name": c["names"][0], "category": c.get("category"),
             "prompt": PROMPT_TEMPLATE.format(c["names"][0])} for c in picked[:n]]


# ----------------------------------------------------------------------------------------------------


def clip_fidelity(g: torch.Tensor, real: torch.Tensor, real_concept: torch.Tensor, want: torch.Tensor) -> dict:
    """CLIP's verdict: is the prompted concept the nearest (top-1) / among the 5 nearest distinct concepts?"""
    near = nearest_concepts(g, real, real_concept)
    return {"top1": round(float((near[:, 0] == want).float().mean()), 4),
            "top5": round(float((near == want[:, None]).any(1).float().mean()), 4)}


def measure(args) -> None:
    device = pick_device()
    if device.type == "cuda":  # fp32 maths like the page, not TF32
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    t0 = time.time()
    preset = dict(PRESETS[args.preset])
    if args.concepts:
        preset["concepts"] = args.concepts
    if args.seeds:
        preset["seeds"] = args.seeds
    parts = set(args.parts.split(","))
    unknown = parts - PARTS
    if unknown:
        raise SystemExit(f"unknown --parts {sorted(unknown)}; choose from {sorted(PARTS)}")
    clip, tok, clip_ck = load_clip(args.checkpoints / "clip.pt", device)
    unet, unet_ck = load_unet(args.checkpoints / "unet.pt", device)
    with torch.no_grad():  # the shipped numbers: fp16-rounded weights, fp32 compute
        for p in list(clip.parameters()) + list(unet.parameters()):
            p.copy_(p.half().float())
    judge, judge_ck = (None, None)
    if args.judge:
        if not args.judge.exists():
            raise SystemExit(f"--judge {args.judge} does not exist (train it: training/classifier.py train)")
        judge, judge_ck = load_judge(args.judge, device)
    images, concept, style, meta = load_dataset(args.data)
    by_unified = {c["unified"]: c for c in meta["concepts"]}
    listed = json.loads(EVAL_CONCEPTS.read_text("utf-8"))["concepts"]
    listed = [e for e in listed if e["unified"] in by_unified][::args.stride][:preset["concepts"]]
    if not listed:  # another dataset (a test's slice): pick from it the same way
        listed = pick_eval_concepts(meta, preset["concepts"])
    gen_kw = dict(steps=args.steps, guidance=args.guidance, device=device, chunk=args.chunk)
    real = features(clip, images, device)
    real_concept = torch.as_tensor(concept.astype(np.int64), device=device)
    result: dict = {"preset": args.preset, "sampler": f"ddim trailing, {args.steps} steps, guidance {args.guidance}",
                    "feature_space": "CLIP image encoder (image_encoder.onnx), unit-length embeddings",
                    "real_images": int(len(images)), "parts": sorted(parts)}
    if judge_ck is not None:
        result["judge"] = judge_entry(args.judge, judge_ck)

    seeds = list(range(preset["seeds"]))
    names = [e["name"] for e in listed for _ in seeds]
    want = torch.tensor([by_unified[e["unified"]]["id"] for e in listed for _ in seeds], device=device)
    want_unified = [e["unified"] for e in listed for _ in seeds]
    seed_list = [s for _ in listed for s in seeds]
    saved: dict[str, np.ndarray] = {}  # template -> generated uint8 images, for --save-images

    def fidelity(template: str) -> tuple[dict, torch.Tensor]:
        """Sample every listed concept phrased by `template`; CLIP's and the judge's verdicts."""
        gen = to_uint8(sample(unet, clip.text, tok, [template.format(n) for n in names], seed_list, **gen_kw))
        g = features(clip, gen, device)
        out = {"clip": clip_fidelity(g, real, real_concept, want), "template": template}
        saved[template] = gen
        if judge is not None:
            out["judge"] = judge_fidelity(judge, judge_ck, gen, want_unified, device)
        return out, g

    if "fidelity" in parts:
        # every phrasing no caption or framing list produces (captions.seen_framing says which do), then the
        # bare caption name, which training captions do contain: the gap is what the phrasing costs
        result["phrasings"] = {}
        first_g = None
        for template in args.phrasings:
            r, g = fidelity(template)
            r["seen_in_training"] = seen_framing(template)
            result["phrasings"][template] = r
            first_g = g if first_g is None else first_g
            print(f"fidelity {template!r}: {json.dumps(r)}", flush=True)
        first = result["phrasings"][args.phrasings[0]]
        result["prompt_fidelity"] = {**first["clip"], "judge": first.get("judge"), "concepts": len(listed),
                                     "seeds": len(seeds), "images": len(names), "template": args.phrasings[0],
                                     "chance_top1": round(1 / len(meta["concepts"]), 5)}
        bare, _ = fidelity("{}")
        result["prompt_fidelity_bare_name"] = {**bare["clip"], "judge": bare.get("judge"), "template": "{}"}
        # diversity across seeds (2 seeds: the pair's distance), on the first phrasing's images
        if len(seeds) > 1:
            pairs = first_g.reshape(len(listed), len(seeds), -1)
            ref = []
            for e in listed:
                rows = np.flatnonzero(concept == by_unified[e["unified"]]["id"])
                if len(rows) > 1:
                    ref.append(1 - float(real[rows[0]] @ real[rows[1]]))
            result["diversity"] = {
                "mean_feature_distance_between_seeds": round((1 - (pairs[:, 0] * pairs[:, 1]).sum(-1)).mean().item(), 4),
                "real_between_two_styles": round(float(np.mean(ref)), 4) if ref else None,
                "identical_pairs": int(((pairs[:, 0] * pairs[:, 1]).sum(-1) > 0.9999).sum())}

    if "fid" in parts:
        # FID in feature space
        rng = np.random.default_rng(0)
        rows = rng.choice(len(images), size=min(preset["fid"], len(images)), replace=False)
        fid_prompts = [meta["concepts"][int(concept[i])]["names"][0] for i in rows]
        fid_gen = to_uint8(sample(unet, clip.text, tok, fid_prompts, [10_000 + i for i in range(len(rows))], **gen_kw))
        gf = features(clip, fid_gen, device).cpu().numpy()
        rf = real.cpu().numpy()
        floor_rows = np.random.default_rng(1).choice(len(images), size=len(rows), replace=False)
        result["fid_feature_space"] = {"generated_vs_real": round(frechet_distance(gf, rf), 5),
                                       "real_sample_vs_real": round(frechet_distance(rf[floor_rows], rf), 5),
                                       "generated": len(rows), "real": len(images)}

    if "style" in parts:
        styles = meta["styles"]
        s_concepts = listed[:preset["style_concepts"]]
        s_prompts = [STYLE_TEMPLATE.format(e["name"], s) for e in s_concepts for s in styles]
        s_gen = to_uint8(sample(unet, clip.text, tok, s_prompts, [0] * len(s_prompts), **gen_kw))
        sg = features(clip, s_gen, device)
        hits, hits_px, n = 0, 0, 0
        per_style = {s: [0, 0] for s in styles}
        for i, e in enumerate(s_concepts):
            rows = np.flatnonzero(concept == by_unified[e["unified"]]["id"])
            for j, s in enumerate(styles):
                k = i * len(styles) + j
                feat_pick = int(style[rows[int((real[rows] @ sg[k]).argmax())]])
                px = ((images[rows].astype(np.float32) - s_gen[k].astype(np.float32)) ** 2).mean(axis=(1, 2, 3))
                hits += feat_pick == j
                hits_px += int(style[rows[int(px.argmin())]]) == j
                per_style[s][0] += feat_pick == j
                per_style[s][1] += 1
                n += 1
        result["style_fidelity"] = {"accuracy": round(hits / n, 4), "accuracy_pixel_space": round(hits_px / n, 4),
                                    "per_style": {s: round(a / b, 4) for s, (a, b) in per_style.items()},
                                    "prompts": n, "template": STYLE_TEMPLATE, "chance": round(1 / len(styles), 4)}
    result["clip_text_to_image_retrieval_train"] = clip_ck.get("retrieval", {})
    if args.holdout and args.holdout.exists():
        result["clip_heldout_style"] = json.loads(args.holdout.read_text("utf-8"))
    if args.grid and "grid" in parts:
        grid_imgs = to_uint8(sample(unet, clip.text, tok, GRID_PROMPTS, list(range(len(GRID_PROMPTS))), **gen_kw))
        grid(grid_imgs).save(args.grid, optimize=True)
    result["seconds"] = round(time.time() - t0, 1)
    result["device"] = torch.cuda.get_device_name() if device.type == "cuda" else "cpu"
    if args.save_images and saved:
        save_fidelity_images(args.save_images, saved, want_unified)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(json.dumps(result, indent=1, ensure_ascii=False))


@torch.no_grad()
def clip_style_retrieval(clip, tok, images: np.ndarray, concept: np.ndarray, style: np.ndarray, meta: dict,
                         listed: list[dict], device) -> dict:
    """Does CLIP's text side carry the style? For each listed concept drawn in every style and each style,
    the text "<name> in <style> style" against that concept's real images: is the nearest one in the asked
    style? Per style, and the confusion counts (asked -> picked). No sampling: seconds on a CPU, and the
    same question the U-Net's style fidelity asks of the generated images."""
    by_unified = {c["unified"]: c for c in meta["concepts"]}
    styles = meta["styles"]
    per = {s: [0, 0] for s in styles}
    confusion = {s: {t: 0 for t in styles} for s in styles}
    for e in listed:
        rows = np.flatnonzero(concept == by_unified[e["unified"]]["id"])
        if len(rows) != len(styles):
            continue
        img = features(clip, images[rows], device)
        ids = torch.tensor([tok.encode(STYLE_TEMPLATE.format(e["name"], s)) for s in styles], dtype=torch.int32,
                           device=device)
        txt = torch.nn.functional.normalize(clip.text(ids)[1], dim=-1)
        picked = (txt @ img.T).argmax(1).cpu().numpy()
        for j, s in enumerate(styles):
            got = styles[int(style[rows[picked[j]]])]
            per[s][0] += got == s
            per[s][1] += 1
            confusion[s][got] += 1
    n = sum(b for _, b in per.values())
    return {"accuracy": round(sum(a for a, _ in per.values()) / max(1, n), 4),
            "per_style": {s: round(a / max(1, b), 4) for s, (a, b) in per.items()}, "prompts": n,
            "confusion": confusion, "template": STYLE_TEMPLATE, "chance": round(1 / len(styles), 4)}


def style_probe(args) -> None:
    device = pick_device()
    clip, tok, _ = load_clip(args.checkpoints / "clip.pt", device)
    images, concept, style, meta = load_dataset(args.data)
    listed = json.loads(EVAL_CONCEPTS.read_text("utf-8"))["concepts"][:args.n]
    out = clip_style_retrieval(clip, tok, images, concept, style, meta, listed, device)
    out["command"] = f"training/evaluate.py style-probe --checkpoints {args.checkpoints} --n {args.n}"
    print(json.dumps(out, indent=1))
    if args.out:
        args.out.write_text(json.dumps(out, indent=1) + "\n", "utf-8")


def judge_entry(path: Path, judge_ck: dict) -> dict:
    """Which judge scored a measurement: its file, SHA-256 (decide.py compares only like with like) and
    held-out figures."""
    return {"file": str(path), "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest(),
            "heldout": judge_ck.get("heldout", {}).get("all"), "split": judge_ck.get("split", {}).get("rule")}


def save_fidelity_images(path: Path, saved: dict[str, np.ndarray], want_unified: list[str]) -> None:
    """The prompt-fidelity images (uint8) per template and the concept each asked for, so a judge trained
    later can score the same images (`evaluate.py judge`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, templates=np.array(list(saved)), want=np.array(want_unified),
                        **{f"images_{i}": v for i, v in enumerate(saved.values())})


def rejudge(args) -> None:
    """Add the judge's verdicts to a metrics file from the images `measure --save-images` kept."""
    judge, judge_ck = load_judge(args.judge)
    z = np.load(args.images)
    want = [str(u) for u in z["want"]]
    met = json.loads(args.metrics.read_text("utf-8"))
    for i, template in enumerate(str(t) for t in z["templates"]):
        verdict = judge_fidelity(judge, judge_ck, z[f"images_{i}"], want)
        if template in met.get("phrasings", {}):
            met["phrasings"][template]["judge"] = verdict
        if met.get("prompt_fidelity", {}).get("template") == template:
            met["prompt_fidelity"]["judge"] = verdict
        if template == "{}" and "prompt_fidelity_bare_name" in met:
            met["prompt_fidelity_bare_name"]["judge"] = verdict
        print(f"judge {template!r}: {verdict}")
    met["judge"] = judge_entry(args.judge, judge_ck)
    args.metrics.write_text(json.dumps(met, indent=1, ensure_ascii=False) + "\n", "utf-8")


def grid(images: np.ndarray, cols: int = 8, scale: int = 2) -> Image.Image:
    n, h, w, _ = images.shape
    rows = (n + cols - 1) // cols
    canvas = np.full((rows * (h + 2), cols * (w + 2), 3), 255, np.uint8)
    for i, im in enumerate(images):
        r, c = divmod(i, cols)
        canvas[r * (h + 2) + 1:r * (h + 2) + 1 + h, c * (w + 2) + 1:c * (w + 2) + 1 + w] = im
    return Image.fromarray(canvas).resize((canvas.shape[1] * scale, canvas.shape[0] * scale), Image.NEAREST)


def write_concepts(args) -> None:
    _, _, _, meta = load_dataset(args.data)
    listed = pick_eval_concepts(meta, args.n)
    doc = {"_doc": "Prompt-fidelity concepts (training/evaluate.py pick_eval_concepts): drawn in every style, "
                   "spread over the categories in proportion, each prompted as '" + PROMPT_TEMPLATE + "', a "
                   "phrasing no training caption uses.", "concepts": listed}
    EVAL_CONCEPTS.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"{len(listed)} concepts -> {EVAL_CONCEPTS}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure", help="sample and measure; write a metrics JSON (and the sample grid)")
    m.add_argument("--checkpoints", type=Path, required=True)
    m.add_argument("--data", type=Path, default=ROOT / "training" / "build")
    m.add_argument("--out", type=Path, required=True)
    m.add_argument("--grid", type=Path, default=None)
    m.add_argument("--holdout", type=Path, default=None, help="clip-holdout.json written by train.py")
    m.add_argument("--preset", choices=sorted(PRESETS), default="full")
    m.add_argument("--steps", type=int, default=30)
    m.add_argument("--guidance", type=float, default=4.0)
    m.add_argument("--chunk", type=int, default=None, help="images per sampling batch")
    m.add_argument("--judge", type=Path, default=None,
                   help="the independent concept classifier (training/classifier.py; e.g. training/checkpoints/judge.pt): "
                        "prompt fidelity is then reported under CLIP and under it")
    m.add_argument("--phrasings", nargs="+", default=UNSEEN_PHRASINGS,
                   help="prompt templates for prompt fidelity; the first is the headline number")
    m.add_argument("--concepts", type=int, default=None, help="override the preset's number of fidelity concepts")
    m.add_argument("--seeds", type=int, default=None, help="override the preset's seeds per prompt")
    m.add_argument("--stride", type=int, default=1,
                   help="every STRIDE-th evaluation concept (a reduced run that keeps the categories' mix)")
    m.add_argument("--parts", default=",".join(sorted(PARTS)),
                   help="comma-separated subset of " + ",".join(sorted(PARTS)) + " (a CPU run can measure one)")
    m.add_argument("--save-images", type=Path, default=None, help="keep the prompt-fidelity images (.npz)")
    j = sub.add_parser("judge", help="score images kept by measure --save-images with the judge; update the metrics")
    j.add_argument("--metrics", type=Path, required=True)
    j.add_argument("--images", type=Path, required=True)
    j.add_argument("--judge", type=Path, default=ROOT / "training" / "checkpoints" / "judge.pt")
    sp = sub.add_parser("style-probe", help="CLIP text->image style retrieval within each concept (no sampling)")
    sp.add_argument("--checkpoints", type=Path, default=ROOT / "training" / "checkpoints")
    sp.add_argument("--data", type=Path, default=ROOT / "training" / "build")
    sp.add_argument("--n", type=int, default=200, help="evaluation concepts")
    sp.add_argument("--out", type=Path, default=None)
    c = sub.add_parser("card", help="merge metrics into manifest.json and write MODEL_CARD.md")
    c.add_argument("--models", type=Path, required=True)
    c.add_argument("--metrics", type=Path, required=True)
    c.add_argument("--quick-metrics", type=Path, default=None, help="a CPU --preset quick run to show beside")
    c.add_argument("--checkpoints", type=Path, default=ROOT / "training" / "checkpoints")
    c.add_argument("--phrasings-metrics", type=Path, default=None,
                   help="a reduced measure run with the phrasings, shown when --metrics has none")
    c.add_argument("--sharpness", type=Path, default=None, help="training/sharpness.py study output")
    c.add_argument("--style-probe", type=Path, default=None, help="evaluate.py style-probe output")
    w = sub.add_parser("concepts", help="(re)write training/eval_concepts.json from the dataset")
    w.add_argument("--data", type=Path, default=ROOT / "training" / "build")
    w.add_argument("--n", type=int, default=200)
    args = ap.parse_args()
    if args.cmd == "measure":
        if args.chunk is None:
            args.chunk = 256 if torch.cuda.is_available() else 16
        measure(args)
    elif args.cmd == "style-probe":
        style_probe(args)
    elif args.cmd == "judge":
        rejudge(args)
    elif args.cmd == "card":
        from model_card import write_card
        write_card(args.models, args.metrics, args.quick_metrics, args.checkpoints, args.phrasings_metrics,
                   args.sharpness, args.style_probe)
    else:
        write_concepts(args)


if __name__ == "__main__":
    main()
