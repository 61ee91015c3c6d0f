"""Export the trained networks to ONNX and write the model contract (manifest.json) for the page.

  /usr/bin/python3 training/export_onnx.py --run training/runs/cpu --out public/models \
      --checkpoints training/checkpoints --data training/build

Writes to --out: tokenizer.json, text_encoder.onnx, unet.onnx (weights stored fp16, computed fp32:
see onnx_fp16.py), manifest.json (with the size and SHA-256 of every file it names), samples/*.png (real images for the forward-process view); with --checkpoints, shipped.json there: what clip.pt and
unet.pt hold besides the weights now in the ONNX files, so later runs resume from the shipped model without a
second copy of its weights (shipped_weights.py). The manifest format is documented in docs/model-contract.md.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import load_clip, load_dataset, load_unet
from mark_caption_words import caption_word_ids
from manifest_files import file_entry as named_file_entry
from onnx_fp16 import store_fp16
from onnx_unet_graph import build_unet_graph
from shipped_weights import RECORD, clip_record, read_shipped, trace_export, unet_record, write_record
from schedule import NUM_TRAIN_TIMESTEPS, cosine_alphas_cumprod

OPSET = 17
SAMPLE_CONCEPTS = ["cat face", "red apple", "rocket", "sun with face", "rainbow", "tropical fish"]


class TextEncoderOnnx(torch.nn.Module):
    def __init__(self, text):
        super().__init__()
        self.text = text

    def forward(self, input_ids):
        return self.text(input_ids)


class ImageEncoderOnnx(torch.nn.Module):
    def __init__(self, image):
        super().__init__()
        self.image = image

    def forward(self, pixels):
        return torch.nn.functional.normalize(self.image(pixels), dim=-1)


def file_entry(path: Path) -> dict:
    """Name, size and SHA-256 of a file in the models folder (the page and CLI check both)."""
    return named_file_entry(path.parent, path.name)


def text_onnx(module: TextEncoderOnnx, tok, path: Path) -> None:
    """torch.onnx.export of the text encoder (weights as they are: float32)."""
    ids = torch.tensor([tok.encode(""), tok.encode("cat face")], dtype=torch.int32)
    torch.onnx.export(module.eval(), (ids,), str(path), opset_version=OPSET,
                      input_names=["input_ids"], output_names=["hidden_states", "pooled"],
                      dynamic_axes={"input_ids": {0: "batch"}, "hidden_states": {0: "batch"},
                                    "pooled": {0: "batch"}}, do_constant_folding=True)


def image_onnx(module: ImageEncoderOnnx, path: Path) -> None:
    """torch.onnx.export of the image encoder (weights as they are: float32)."""
    x = torch.rand(2, 3, 64, 64) * 2 - 1
    torch.onnx.export(module.eval(), (x,), str(path), opset_version=OPSET,
                      input_names=["pixels"], output_names=["embedding"],
                      dynamic_axes={"pixels": {0: "batch"}, "embedding": {0: "batch"}}, do_constant_folding=True)


def export_text_encoder(clip, tok, path: Path) -> dict:
    text_onnx(TextEncoderOnnx(clip.text), tok, path)
    store_fp16(path)
    L, W, E = tok.max_length, clip.text.cfg.width, clip.text.cfg.embed_dim
    return {**file_entry(path), "parameters": sum(p.numel() for p in clip.text.parameters()),
            "inputs": [{"name": "input_ids", "dtype": "int32", "shape": ["batch", L]}],
            "outputs": [{"name": "hidden_states", "dtype": "float32", "shape": ["batch", L, W]},
                        {"name": "pooled", "dtype": "float32", "shape": ["batch", E]}]}


def export_image_encoder(clip, path: Path) -> dict:
    image_onnx(ImageEncoderOnnx(clip.image), path)
    store_fp16(path)
    return {**file_entry(path), "parameters": sum(p.numel() for p in clip.image.parameters()),
            "logit_scale": round(float(clip.logit_scale.exp().clamp(max=100)), 4),
            "inputs": [{"name": "pixels", "dtype": "float32", "shape": ["batch", 3, 64, 64]}],
            "outputs": [{"name": "embedding", "dtype": "float32", "shape": ["batch", clip.image.cfg.embed_dim]}],
            "note": "unit-length CLIP image embedding of an image in [-1, 1]; compare with the text encoder's "
                    "pooled output (normalised) by cosine"}


def export_unet(unet, ck, L: int, path: Path) -> dict:
    r, Cc = unet.cfg.resolution, unet.cfg.context_dim
    # Written node by node from the weights with onnxruntime's fused ops, not traced: the fewest GPU
    # kernels per call (onnx_unet_graph.py says which and why; docs/benchmark.md has the counts).
    onnx.save(build_unet_graph(unet.eval(), L), str(path))
    store_fp16(path)
    return {**file_entry(path), "parameters": ck["parameters"],
            "gflops_per_image": round(ck["gflops_per_image"], 4),
            "inputs": [{"name": "sample", "dtype": "float32", "shape": ["batch", 3, r, r]},
                       {"name": "timestep", "dtype": "float32", "shape": ["batch"]},
                       {"name": "encoder_hidden_states", "dtype": "float32", "shape": ["batch", L, Cc]}],
            "outputs": [{"name": "v", "dtype": "float32", "shape": ["batch", 3, r, r]}]}


def export_samples(dataset: tuple, out: Path) -> list[dict]:
    """A few real dataset images (Twemoji style preferred) for the forward-process view."""
    images, concept, style, meta = dataset
    names = {n: c["id"] for c in meta["concepts"] for n in c["names"]}
    wanted = [n for n in SAMPLE_CONCEPTS if n in names] or [meta["concepts"][0]["names"][0]]
    (out / "samples").mkdir(parents=True, exist_ok=True)
    entries = []
    for name in wanted:
        rows = [i for i in range(len(images)) if concept[i] == names[name]]
        i = max(rows, key=lambda j: meta["styles"][style[j]] == "twemoji")
        src = next(s for s in meta["sources"] if s["role"] == f"images ({meta['styles'][style[i]]} style)")
        rel = f"samples/{name.replace(' ', '-')}.png"
        Image.fromarray(images[i]).save(out / rel, optimize=True)
        entries.append({**named_file_entry(out, rel), "caption": name, "source": src["attribution"], "license": src["license"]})
    return entries


def reexport_unet(checkpoint: Path, out: Path, checkpoints: Path | None = None) -> None:
    """unet.onnx from `checkpoint` (weights rounded to fp16 as in main), its manifest entry and, with
    `checkpoints`, the U-Net part of its shipped.json."""
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    unet, unet_ck = load_unet(checkpoint, ema=True)
    with torch.no_grad():
        for p in unet.parameters():
            p.copy_(p.half().float())
    L = manifest["tokenizer"]["max_length"]
    entry = export_unet(unet, unet_ck, L, out / manifest["unet"]["file"])
    manifest["unet"] = {**manifest["unet"], **entry}
    manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"exported {entry['file']}: {entry['bytes'] / 1e6:.2f} MB")
    if checkpoints:
        write_record(checkpoints, out, unet_record(unet_ck, unet.state_dict(), L))
        read_shipped(checkpoints, "unet")  # raises unless the file gives the weights back


def record_checkpoints(folder: Path, models: Path, run: Path, clip, tok, clip_ck: dict, unet, unet_ck: dict) -> None:
    """folder/shipped.json: what clip.pt and unet.pt hold besides the weights just written to the ONNX
    files in `models`, checked by rebuilding both checkpoints from the files. clip.pt / unet.pt left in
    `folder` by an older export go: they would shadow the record."""
    if folder.resolve() == run.resolve():
        raise SystemExit("--checkpoints must be another folder than --run (the run's .pt files would go)")
    clip_map = {"text_encoder.onnx": trace_export(TextEncoderOnnx(clip.text), lambda m, p: text_onnx(m, tok, p),
                                                  models / "text_encoder.onnx"),
                "image_encoder.onnx": trace_export(ImageEncoderOnnx(clip.image), image_onnx, models / "image_encoder.onnx")}
    write_record(folder, models, unet_record(unet_ck, unet.state_dict(), tok.max_length),
                 clip_record(clip_ck, clip.state_dict(), clip_map))
    for name in ("clip", "unet"):
        if (folder / f"{name}.pt").exists():
            (folder / f"{name}.pt").unlink()
            print(f"removed {folder / f'{name}.pt'}: the ONNX files and {folder / RECORD} hold it now")
        read_shipped(folder, name)  # raises unless the files give the checkpoint back
    print(f"wrote {folder / RECORD}; the ONNX files give clip.pt and unet.pt back bit for bit")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", type=Path, required=True, help="folder with clip.pt and unet.pt")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parent / "build")
    ap.add_argument("--checkpoints", type=Path, default=None,
                    help="write shipped.json here (training/checkpoints): the checkpoints' configs and counters; "
                         "their weights are the ONNX files'")
    ap.add_argument("--training-note", default="", help="free text for manifest.training.note")
    ap.add_argument("--unet-only", action="store_true",
                    help="re-export only unet.onnx (e.g. after an export change) into --out and update its entry "
                         "in the manifest.json already there; needs no dataset")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.unet_only:
        reexport_unet(args.run / "unet.pt", args.out, args.checkpoints)
        return
    clip, tok, clip_ck = load_clip(args.run / "clip.pt")
    unet, unet_ck = load_unet(args.run / "unet.pt", ema=True)
    # The shipped checkpoints are fp16: round the weights the same way here, so the ONNX files and the
    # checkpoints (which fixtures and resumed runs load) hold exactly the same numbers.
    with torch.no_grad():
        for p in list(clip.parameters()) + list(unet.parameters()):
            p.copy_(p.half().float())
    if tok.caption_word_ids is None and (args.data / "dataset.json").exists():  # a tokenizer built before they were recorded
        tok.caption_word_ids = caption_word_ids(tok, json.loads((args.data / "dataset.json").read_text("utf-8")))
    (args.out / "tokenizer.json").write_text(json.dumps(tok.to_json(), ensure_ascii=False), "utf-8")
    text_entry = export_text_encoder(clip, tok, args.out / "text_encoder.onnx")
    unet_entry = export_unet(unet, unet_ck, tok.max_length, args.out / "unet.onnx")
    image_entry = export_image_encoder(clip, args.out / "image_encoder.onnx")
    dataset = load_dataset(args.data)
    meta = dataset[3]
    manifest = {
        "format_version": 1,
        "name": "emoji-diffusion-64",
        "resolution": unet.cfg.resolution,
        "channels": 3,
        "prediction_type": "v_prediction",
        "schedule": {"type": "cosine", "num_train_timesteps": NUM_TRAIN_TIMESTEPS,
                     "alphas_cumprod": [float(a) for a in cosine_alphas_cumprod()]},
        "tokenizer": {"type": "word-fnv1a", "max_length": tok.max_length, **file_entry(args.out / "tokenizer.json")},
        "text_encoder": text_entry,
        "unet": unet_entry,
        "image_encoder": image_entry,
        "uncond_prompt": "",
        "defaults": {"steps": 30, "guidance": 4.0, "seed": 1, "prompt": "cat face"},
        "samples": export_samples(dataset, args.out),
        "data": {"sources": meta["sources"], "images": meta["images"], "concepts": len(meta["concepts"]),
                 "styles": meta["styles"]},
        "training": {
            "hardware": unet_ck.get("device_name", "cpu"),
            "clip_minutes": round(clip_ck.get("minutes", 0.0), 2), "clip_steps": clip_ck.get("steps", 0),
            "unet_minutes": round(unet_ck["minutes"], 2), "unet_steps": unet_ck["steps"],
            "unet_images_seen": unet_ck.get("images_seen", 0),
            "unet_final_loss": round(unet_ck.get("final_loss", float("nan")), 5),
            "unet_throughput": unet_ck.get("throughput", {}),
            "unet_processes": unet_ck.get("processes", 1),
            "clip_batch": clip_ck.get("batch"), "clip_seeded_words": clip_ck.get("seeded_words", 0),
            "note": args.training_note,
        },
        "metrics": {"clip_text_to_image_retrieval_train": clip_ck.get("retrieval", {})},
        "model_card": "MODEL_CARD.md",
    }
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", "utf-8")
    if args.checkpoints:
        record_checkpoints(args.checkpoints, args.out, args.run, clip, tok, clip_ck, unet, unet_ck)
    total = text_entry["bytes"] + unet_entry["bytes"] + image_entry["bytes"]
    print(f"exported to {args.out}: text_encoder {text_entry['bytes'] / 1e6:.2f} MB, "
          f"unet {unet_entry['bytes'] / 1e6:.2f} MB, image_encoder {image_entry['bytes'] / 1e6:.2f} MB, "
          f"total {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
