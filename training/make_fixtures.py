"""Write the reference vectors the TypeScript tests compare against (format: docs/model-contract.md).

  /usr/bin/python3 training/make_fixtures.py --checkpoints training/checkpoints --models public/models --out src/fixtures
  /usr/bin/python3 training/make_fixtures.py --only-maths --out src/fixtures   # no checkpoints, no torch

Everything comes from this folder's Python reference (tokenizer.py, rng.py, schedule.py, samplers.py)
and from the PyTorch networks in the checkpoints, so a TypeScript test that matches them matches training.
The maths fixtures (rng, schedule, q-sample, ddim-dummy, samplers-dummy) need neither checkpoints nor torch;
the model fixtures (tokenizer-cases, unet-call, real-runs) need both.
"""
from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import samplers
from rng import Mulberry32
from schedule import cosine_alphas_cumprod, ddim_step, ddim_timesteps, guide, q_sample
from tokenizer import Tokenizer

Write = Callable[[str, object], None]


def arr(x: np.ndarray) -> dict:
    x = np.ascontiguousarray(x, dtype=np.float32)
    return {"dtype": "float32", "shape": list(x.shape), "b64": base64.b64encode(x.astype("<f4").tobytes()).decode()}


def tokenizer_texts(tok: Tokenizer) -> list[str]:
    """200+ strings: vocabulary phrases, unseen words, Unicode, emoji, markup, empty and over-long."""
    words = sorted(tok.vocab)
    step = max(1, len(words) // 90)
    texts = [words[i] for i in range(0, len(words), step)][:90]
    texts += [" ".join(words[i:i + 3]) for i in range(0, min(len(words), 40 * step), step)][:40]
    texts += [
        "", " ", "   \t\n ", "cat face", "Cat Face", "CAT FACE!!!", "cat-face", "cat_face", "cat,face",
        "a cat face, twemoji style", "red apple in noto style", "rocket 🚀", "🚀", "🐱", "❤️", "❤", "❤\ufe0e",
        "👍🏽", "👩‍👩‍👧‍👦", "🏳️‍🌈", "🇯🇵", "😀😀😀", "cat🐱face", "Café", "CAFÉ", "café au lait", "naïve",
        "straße", "STRASSE", "İstanbul", "ǅemal", "Ωmega", "ΣΊΣΥΦΟΣ", "日本語のテキスト", "猫の顔", "고양이 얼굴",
        "قطة", "עברית", "हिन्दी", "ภาษาไทย", "e\u0301", "\u00e9", "ﬁre", "①②③", "Ｃａｔ　ｆａｃｅ",
        "\u0000", "a\u0000b", "\u200b", "zero\u200bwidth", "\ufeffbom", "tab\tseparated", "new\nline",
        "\ud83d", "x\udc31y", "<script>alert(1)</script>", "<b>bold</b> cat", "&amp; &lt;", "' OR 1=1 --",
        "../../etc/passwd", "%20cat%20face", "cat+face", "C:\\\\path", "{\"json\": true}", "42", "3.14159",
        "1st place medal", "0", "-1", "a", "A", "z", "Z", "@", "#hashtag", "$100", "100%", "snake_case_words",
        "camelCaseWords", "UPPER lower MiXeD", "  leading and trailing  ", "multiple     spaces",
        "the quick brown fox jumps over the lazy dog",
        "unknownword", "xyzzy", "qwertyuiop", "supercalifragilisticexpialidocious",
        " ".join(["cat"] * 14), " ".join(["cat"] * 15), " ".join(["dog"] * 300), "word " * 1000,
        "a" * 5000, "🐱" * 200, ", ".join(words[:30]),
    ]
    return texts


def dummy_v(x: np.ndarray, t: float, scale: float) -> np.ndarray:
    return (scale * x.astype(np.float64) * (t / (t + 1.0))).astype(np.float32)


def write_maths_fixtures(write: Write) -> None:
    """rng, schedule, q-sample, ddim-dummy and samplers-dummy: pure maths, no networks."""
    rng_cases = []
    for seed, count in [(0, 7), (1, 8), (42, 33), (4294967295, 5), (123456789, 1000)]:
        g = Mulberry32(seed)
        uint32 = [g.next_uint32() for _ in range(8)]
        rng_cases.append({"seed": seed, "count": count, "uint32": uint32,
                          "normals": [float(v) for v in Mulberry32(seed).normals(count)]})
    write("rng.json", {"cases": rng_cases})

    ab = cosine_alphas_cumprod()
    write("schedule.json", {"alphas_cumprod": [float(a) for a in ab],
                            "timesteps": {str(n): ddim_timesteps(n) for n in (1, 2, 7, 20, 30, 50, 333, 1000)}})

    g = Mulberry32(3)
    shape = (1, 3, 8, 8)
    n = int(np.prod(shape))
    cases = []
    for t in (0, 1, 10, 250, 500, 999):
        x0 = np.clip(g.normals(n).reshape(shape) * 0.5, -1, 1).astype(np.float32)
        noise = g.normals(n).reshape(shape)
        cases.append({"t": t, "x0": arr(x0), "noise": arr(noise), "x_t": arr(q_sample(ab, x0, t, noise))})
    write("q-sample.json", {"cases": cases})

    runs = []
    for seed, steps, scale, eta in [(7, 10, 4.0, 0.0), (8, 4, 1.0, 0.0), (9, 25, 7.5, 0.0), (10, 6, 3.0, 1.0)]:
        g = Mulberry32(seed)
        x = g.normals(n).reshape(shape)
        x_T = x.copy()
        ts = ddim_timesteps(steps)
        frames = []
        for i, t in enumerate(ts):
            t_prev = ts[i + 1] if i + 1 < len(ts) else -1
            v = guide(dummy_v(x, t, -0.5), dummy_v(x, t, 1.0), scale)
            z = g.normals(n).reshape(shape) if eta > 0 else None
            out = ddim_step(ab, t, t_prev, x, v, eta, z)
            frames.append({"t": t, "t_prev": t_prev, "x_t": arr(x), "v": arr(v), "noise": arr(z) if z is not None else None,
                           "x0": arr(out["pred_original_sample"]), "eps": arr(out["pred_epsilon"]),
                           "prev": arr(out["prev_sample"])})
            x = out["prev_sample"]
        runs.append({"seed": seed, "shape": list(shape), "steps": steps, "guidance": scale, "eta": eta,
                     "x_T": arr(x_T), "frames": frames,
                     "note": "noise for eta > 0: the same generator continues after x_T, one draw of the sample's size per step"})
    write("ddim-dummy.json", {"model": "v_cond = x * t / (t + 1); v_uncond = -0.5 * x * t / (t + 1)", "runs": runs})
    write_sampler_fixture(write, ab)


# (sampler, spacing, steps, guidance, eta, rescale, img2img strength or None, inpaint?)
SAMPLER_RUNS = [
    *[("ddim", "trailing", n, g, eta, 0.0, None, False) for n, g, eta in [(1, 4.0, 0.0), (2, 3.0, 1.0), (7, 5.0, 0.5), (25, 7.5, 0.0)]],
    *[("ddpm", "trailing", n, 4.0, 0.0, 0.0, None, False) for n in (1, 2, 7, 25)],
    *[(s, sp, n, 3.0, 0.0, 0.0, None, False) for s in ("euler-a", "dpmpp-2m") for sp in ("trailing", "karras")
      for n in (1, 2, 7, 25)],
    ("dpmpp-2m", "karras", 10, 7.5, 0.0, 0.7, None, False),   # guidance rescale
    ("ddim", "trailing", 7, 5.0, 0.0, 1.0, None, False),
    ("euler-a", "trailing", 6, 9.0, 0.0, 0.5, None, False),
    ("ddpm", "trailing", 5, 1.0, 0.0, 0.0, None, False),       # guidance 1: conditional branch alone
    ("euler-a", "karras", 4, 0.0, 0.0, 0.0, None, False),      # guidance 0: unconditional
    ("dpmpp-2m", "trailing", 10, 4.0, 0.0, 0.0, 0.6, False),   # img2img
    ("euler-a", "karras", 8, 4.0, 0.0, 0.0, 0.5, False),
    ("ddpm", "trailing", 7, 4.0, 0.0, 0.0, 0.3, False),
    ("ddim", "trailing", 12, 4.0, 0.5, 0.0, 0.75, False),
    ("ddpm", "trailing", 7, 4.0, 0.0, 0.0, None, True),        # inpainting
    ("dpmpp-2m", "karras", 6, 4.0, 0.0, 0.3, 0.75, True),      # img2img + inpainting (of the same image) + rescale
    ("ddim", "trailing", 5, 4.0, 1.0, 0.0, None, True),
    ("euler-a", "karras", 7, 4.0, 0.0, 0.0, None, True),
]


def write_sampler_fixture(write: Write, ab: np.ndarray) -> None:
    """samplers-dummy.json: whole runs of samplers.run (every sampler, spacing, guidance rescale,
    img2img, inpainting) with the dummy model, t as the float32 the U-Net is fed."""
    shape = (1, 3, 4, 4)
    n = int(np.prod(shape))
    model = lambda x, t, cond: dummy_v(x, t, 1.0 if cond else -0.5)
    init_image = np.tanh(1.5 * Mulberry32(1000).normals(n)).reshape(shape).astype(np.float32)
    known = np.tanh(1.5 * Mulberry32(1001).normals(n)).reshape(shape).astype(np.float32)
    mask = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0.5, 0.5, 0.5, 0.5], [0, 0, 0, 1]], np.float32)  # [H, W]
    runs = []
    for k, (sampler, spacing, steps, scale, eta, rescale, strength, inpaint) in enumerate(SAMPLER_RUNS):
        seed = 100 + k
        out = samplers.run(ab, model, sampler=sampler, spacing=spacing, steps=steps, seed=seed, shape=shape,
                           guidance=scale, eta=eta, rescale=rescale,
                           init=(init_image, strength) if strength is not None else None,
                           inpaint=(init_image if strength is not None else known, mask) if inpaint else None)
        opt = lambda a: arr(a) if a is not None else None
        frames = [{"t": f["t"], "t_prev": f["t_prev"], "ab": f["ab"], "ab_prev": f["ab_prev"], "x_t": arr(f["x_t"]),
                   "v": arr(f["v"]), "x0": arr(f["x0"]), "eps": arr(f["eps"]), "prev": arr(f["prev"]),
                   "noise": opt(f["noise"]), "inpaint_noise": opt(f["inpaint_noise"])} for f in out["frames"]]
        runs.append({"sampler": sampler, "spacing": spacing, "seed": seed, "shape": list(shape), "steps": steps,
                     "guidance": scale, "eta": eta, "rescale": rescale,
                     "init": {"image": arr(init_image), "strength": strength} if strength is not None else None,
                     "inpaint": {"image": arr(init_image if strength is not None else known), "mask": arr(mask)} if inpaint else None,
                     "x_T": arr(out["x_T"]), "frames": frames})
    write("samplers-dummy.json", {
        "model": "v_cond = x * t / (t + 1); v_uncond = -0.5 * x * t / (t + 1), t = float32(point t)",
        "draws": "x_T = first C*H*W normals of a generator seeded with seed (for img2img: the q_sample noise); "
                 "then per step: noise (stochastic sampler, t_prev != -1), then inpaint_noise (inpainting, t_prev != -1)",
        "runs": runs})


def write_model_fixtures(write: Write, checkpoints: Path, models: Path) -> None:
    """tokenizer-cases (the shipped tokenizer.json), unet-call and real-runs (the networks in the checkpoints)."""
    import torch
    from common import load_clip, load_unet

    tok = Tokenizer.load(models / "tokenizer.json")
    write("tokenizer-cases.json", {"cases": [{"text": s, "ids": tok.encode(s)} for s in tokenizer_texts(tok)]})

    clip, ctok, _ = load_clip(checkpoints / "clip.pt")
    assert ctok.vocab == tok.vocab, "checkpoint tokenizer differs from the models folder's tokenizer.json"
    unet, _ = load_unet(checkpoints / "unet.pt", ema=True)
    prompts = ["", "cat face"]
    ids = torch.tensor([tok.encode(p) for p in prompts], dtype=torch.int32)
    r = unet.cfg.resolution
    sample = Mulberry32(11).normals(2 * 3 * r * r).reshape(2, 3, r, r)
    timestep = np.array([999.0, 500.0], np.float32)
    with torch.no_grad():
        hidden, pooled = clip.text(ids)
        v = unet(torch.from_numpy(sample), torch.from_numpy(timestep), hidden)
    write("unet-call.json", {"prompts": prompts, "input_ids": ids.flatten().tolist(),
                             "hidden_states": arr(hidden.numpy()), "pooled": arr(pooled.numpy()),
                             "sample": arr(sample), "timestep": timestep.tolist(), "v": arr(v.numpy()),
                             "note": "sample = first 2*3*64*64 normals of seed 11"})
    write_real_runs(write, clip, unet, tok, json.loads((models / "manifest.json").read_text("utf-8")))


# (sampler, spacing, eta, negative prompt, guidance rescale): short guided runs of the real networks, one
# per sampler and spacing, plus the negative prompt and guidance rescale, each with its own seed.
REAL_RUNS = [
    ("ddim", "trailing", 0.0, "", 0.0),
    ("ddim", "trailing", 0.5, "", 0.0),
    ("ddpm", "trailing", 0.0, "", 0.0),
    ("euler-a", "trailing", 0.0, "", 0.0),
    ("euler-a", "karras", 0.0, "", 0.0),
    ("dpmpp-2m", "trailing", 0.0, "", 0.0),
    ("dpmpp-2m", "karras", 0.0, "", 0.0),
    ("ddim", "trailing", 0.0, "red heart", 0.0),   # negative prompt: the uncond row encodes it
    ("dpmpp-2m", "karras", 0.0, "", 0.7),          # guidance rescale
]
REAL_PROMPT = "cat face"
REAL_STEPS = 6      # few: each step is a batch-2 U-Net call in PyTorch here and in WASM in the test
REAL_GUIDANCE = 4.0


def torch_model(unet, hidden: "torch.Tensor", guidance: float) -> samplers.Model:
    """samplers.Model over the real U-Net, called as the page calls it: one batch-2 call [uncond, cond]
    per guided step (samplers.run asks for cond, then uncond, of the same x_t; the second answer comes
    from the first call), or one batch-1 call [cond] at guidance 1. hidden: [2, L, D] = [uncond, cond]."""
    import torch
    last: dict = {}  # the batch of the last call: its x_t (kept alive, so `is` is safe), t and v

    def model(x: np.ndarray, t: float, cond: bool) -> np.ndarray:
        if guidance == 1:
            with torch.no_grad():
                return unet(torch.from_numpy(x), torch.tensor([t], dtype=torch.float32), hidden[1:]).numpy()
        if last.get("x") is not x or last.get("t") != t:
            sample = torch.from_numpy(np.concatenate([x, x]).astype(np.float32))  # [2, C, H, W]
            with torch.no_grad():
                v = unet(sample, torch.full((2,), t, dtype=torch.float32), hidden).numpy()
            last.update(x=x, t=t, v=v)
        return last["v"][1:] if cond else last["v"][:1]
    return model


def write_real_runs(write: Write, clip, unet, tok: Tokenizer, manifest: dict) -> None:
    """real-runs.json: whole generations with the real networks through samplers.run (the page's loop
    and draws), for src/worker/real-runs-parity.test.ts to repeat with the shipped ONNX files."""
    import torch
    ab = np.array(manifest["schedule"]["alphas_cumprod"], dtype=np.float64)  # the table the page uses
    r = manifest["resolution"]
    shape = (1, manifest["channels"], r, r)
    runs = []
    for k, (sampler, spacing, eta, negative, rescale) in enumerate(REAL_RUNS):
        seed = 20 + k
        uncond = negative if negative != "" else manifest["uncond_prompt"]
        ids = torch.tensor([tok.encode(uncond), tok.encode(REAL_PROMPT)], dtype=torch.int32)  # [2, L]
        with torch.no_grad():
            hidden, _ = clip.text(ids)  # [2, L, D]
        out = samplers.run(ab, torch_model(unet, hidden, REAL_GUIDANCE), sampler=sampler, spacing=spacing,
                           steps=REAL_STEPS, seed=seed, shape=shape, guidance=REAL_GUIDANCE, eta=eta,
                           rescale=rescale)
        frames = out["frames"]
        runs.append({"sampler": sampler, "spacing": spacing, "seed": seed, "steps": REAL_STEPS,
                     "guidance": REAL_GUIDANCE, "eta": eta, "rescale": rescale, "prompt": REAL_PROMPT,
                     "negative_prompt": negative, "x0_first": arr(frames[0]["x0"][0]),
                     "image": arr(frames[-1]["prev"][0])})
    write("real-runs.json", {
        "model": "the checkpoints' networks in PyTorch (float32, EMA U-Net), batch [uncond, cond] per step",
        "note": "x0_first: the first step's x0-hat [C, H, W]; image: the last step's prev, the final image [C, H, W]",
        "runs": runs})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoints", type=Path)
    ap.add_argument("--models", type=Path, help="folder with tokenizer.json")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--only-maths", action="store_true",
                    help="write only the maths fixtures (no checkpoints, tokenizer or torch needed)")
    args = ap.parse_args()
    if not args.only_maths and (args.checkpoints is None or args.models is None):
        ap.error("--checkpoints and --models are required unless --only-maths")
    args.out.mkdir(parents=True, exist_ok=True)
    write = lambda name, obj: (args.out / name).write_text(json.dumps(obj, ensure_ascii=True), "utf-8")

    write_maths_fixtures(write)
    if not args.only_maths:
        write_model_fixtures(write, args.checkpoints, args.models)
    print(f"fixtures written to {args.out}")


if __name__ == "__main__":
    main()
