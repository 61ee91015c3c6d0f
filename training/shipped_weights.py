"""The shipped model's checkpoints, read back from the ONNX files the page loads.

  /usr/bin/python3 training/shipped_weights.py check              # rebuild both, compare with the recorded digests
  python3 training/shipped_weights.py write DIR [clip|unet]       # DIR/clip.pt, DIR/unet.pt as train.py writes them
  python3 training/shipped_weights.py write JOB/training/checkpoints --checkpoints "$(python3 training/decide.py --start)"

The repository keeps each weight once. public/models/*.onnx hold the shipped networks' fp16 weights; a
checkpoint of them (clip.pt, unet.pt) held exactly the same numbers (the U-Net only its EMA weights, no
optimizer state) plus what ONNX has no place for: the configs that rebuild the PyTorch modules, CLIP's
temperature, the training counters and history. Those live in training/checkpoints/shipped.json, which
export_onnx.py writes with the ONNX files. `common.read_checkpoint("training/checkpoints/unet.pt")` (and
so load_clip, load_unet, train.py --resume) rebuilds the checkpoint from the two; the record's SHA-256 of
each state dict, taken from the run's own checkpoint at export, proves the rebuilt one is that checkpoint.

Where each weight lives in a file:
- unet.onnx is written node by node from the weights by onnx_unet_graph.py: weights are transposed,
  concatenated, split (FiLM) or halved (the attention entry's GroupNorm scale). Building the same graph
  from a U-Net whose every weight holds its own index, twice with different indices, says where each
  weight went and with what scale; reading those places in the real file gives the weights back.
- text_encoder.onnx and image_encoder.onnx come from torch.onnx.export, which keeps a parameter's name
  where it can and folds the rest into initializers named like 'onnx::MatMul_441' (transposed). Which
  parameter each holds depends on the exporter's version and on the values (equal ones are merged), so
  export_onnx.py records it in the record's `onnx_map`, found the same way: by exporting once more with
  numbered weights and following the nodes that read them into the real file.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import read_checkpoint
from model import CLIP, ImageConfig, TextConfig, UNet, UNetConfig
from onnx_unet_graph import build_unet_graph

RECORD = "shipped.json"
ROOT = Path(__file__).resolve().parents[1]
WEIGHT_KEYS = ("state_dict", "ema", "optimizer")  # what a checkpoint holds besides its record
OFFSET = 2 ** 22  # the second numbering's shift; indices + OFFSET stay below 2**24, exact in float32


def state_digest(sd: dict) -> str:
    """SHA-256 of a state dict as fp16 (key, dtype, shape and bytes of every tensor, in key order)."""
    h = hashlib.sha256()
    for k in sorted(sd):
        v = sd[k].detach().cpu()
        v = v.half() if v.is_floating_point() else v
        h.update(f"{k}|{v.dtype}|{tuple(v.shape)}|".encode())
        h.update(v.contiguous().numpy().tobytes())
    return h.hexdigest()


def initializers(path: Path) -> dict[str, np.ndarray]:
    """Every initializer of an ONNX file as float32 (or its integer type), under its name before
    onnx_fp16.py's '__fp16' suffix."""
    out = {}
    for init in onnx.load(str(path)).graph.initializer:
        a = numpy_helper.to_array(init)
        out[init.name.removesuffix("__fp16")] = a.astype(np.float32) if a.dtype == np.float16 else a
    return out


def _numbered(module: torch.nn.Module, base: int) -> tuple[torch.nn.Module, list[tuple[str, tuple, int]]]:
    """A copy of `module` whose parameter elements hold base, base + 1, ... in state-dict order, and the
    (name, shape, first index) of each parameter."""
    m = copy.deepcopy(module)
    spans, start = [], 0
    with torch.no_grad():
        for name, p in m.named_parameters():
            p.copy_(torch.arange(base + start, base + start + p.numel(), dtype=torch.float64).reshape(p.shape))
            spans.append((name, tuple(p.shape), start))
            start += p.numel()
    if base + start >= 2 ** 24:
        raise ValueError(f"{start:,} parameters: too many to number exactly in float32")
    return m, spans


# ----------------------------------------------------------------------------------------------------
# U-Net: trace onnx_unet_graph.py


def unet_state(path: Path, cfg: UNetConfig, context_length: int) -> dict[str, torch.Tensor]:
    """The U-Net state dict (fp16) held by the unet.onnx that build_unet_graph wrote for `cfg`."""
    template = UNet(cfg)
    shipped = initializers(path)
    traces = []
    for base in (1, 1 + OFFSET):
        numbered, spans = _numbered(template, base)
        traces.append({i.name: numpy_helper.to_array(i) for i in build_unet_graph(numbered, context_length).graph.initializer})
    total = spans[-1][2] + int(np.prod(spans[-1][1]))
    flat = np.full(total, np.nan, np.float32)
    for name, a in traces[0].items():
        if a.dtype != np.float32:
            continue
        moved = a != traces[1][name]
        if not moved.any():
            continue  # a constant of the graph (zeros, ones, frequencies), not a weight
        if name not in shipped or shipped[name].shape != a.shape:
            raise ValueError(f"{path}: initializer {name} {a.shape} is not in the file as onnx_unet_graph.py writes it for "
                             f"this config (re-export: training/export_onnx.py --unet-only)")
        scale = (traces[1][name][moved] - a[moved]) / OFFSET
        index = np.rint(a[moved] / scale).astype(np.int64) - 1
        value = shipped[name][moved] / scale
        seen = ~np.isnan(flat[index])
        if not np.array_equal(flat[index][seen], value[seen]):
            raise ValueError(f"{path}: a weight stored twice disagrees with itself in {name}")
        flat[index] = value
    if np.isnan(flat).any():
        raise ValueError(f"{path}: {int(np.isnan(flat).sum()):,} U-Net weights are in no initializer")
    return {name: torch.from_numpy(flat[s:s + int(np.prod(shape))].reshape(shape)).half() for name, shape, s in spans}


# ----------------------------------------------------------------------------------------------------
# CLIP encoders: the exporter's names, recorded at export


def trace_export(module: torch.nn.Module, export: Callable[[torch.nn.Module, Path], None], target: Path) -> dict:
    """Which initializer of `target` (the file `export(module, target)` wrote) holds each parameter of
    `module`, and whether transposed: {parameter: [initializer, transposed]}. Found by exporting a copy
    with numbered weights and matching the nodes that read them: the exporter names folded initializers
    by value (an equal one becomes an Identity of the first), so names alone would not match."""
    numbered, spans = _numbered(module, 1)
    with tempfile.TemporaryDirectory() as tmp:
        export(numbered, Path(tmp) / "traced.onnx")
        traced = onnx.load(str(Path(tmp) / "traced.onnx")).graph
    reader = {}  # initializer -> (node name, input slot) of its first reader
    for node in traced.node:
        for slot, name in enumerate(node.input):
            reader.setdefault(name, (node.name, slot))
    graph = onnx.load(str(target)).graph
    real = {node.name: list(node.input) for node in graph.node}
    # the exporter turns a repeated value into an Identity of the first, onnx_fp16.py adds a Cast: follow both
    passes = {node.output[0]: node.input[0] for node in graph.node if node.op_type in ("Identity", "Cast")}

    def source(name: str) -> str:
        while name in passes:
            name = passes[name]
        return name.removesuffix("__fp16")

    starts = np.array([s for _, _, s in spans])
    found = {}
    for init in traced.initializer:
        a = numpy_helper.to_array(init)
        if a.dtype != np.float32 or a.size == 0 or a.min() < 1 or not np.all(a == np.rint(a)):
            continue
        first = int(a.min()) - 1
        pname, shape, start = spans[int(np.searchsorted(starts, first, side="right")) - 1]
        codes = np.arange(start + 1, start + 1 + int(np.prod(shape)), dtype=np.float32).reshape(shape)
        if a.size != codes.size or first != start:
            continue
        if np.array_equal(a.reshape(shape), codes):
            transposed = False
        elif len(shape) == 2 and a.shape == shape[::-1] and np.array_equal(a, codes.T):
            transposed = True
        else:
            continue
        node, slot = reader[init.name]
        found[pname] = [source(real[node][slot]), transposed]
    missing = [n for n, _, _ in spans if n not in found]
    if missing:
        raise ValueError(f"{target}: no initializer found for {missing}")
    return found


def clip_state(models: Path, record: dict) -> dict[str, torch.Tensor]:
    """CLIP's state dict (fp16) from text_encoder.onnx, image_encoder.onnx and the record's map and
    temperature."""
    sd = {"logit_scale": torch.tensor(record["logit_scale"], dtype=torch.float16)}
    shapes = {k: v.shape for k, v in new_clip(record).state_dict().items()}
    for file, mapping in record["onnx_map"].items():
        inits = initializers(models / file)
        for pname, (iname, transposed) in mapping.items():
            a = inits[iname].T if transposed else inits[iname]
            sd[pname] = torch.from_numpy(np.array(a, np.float32).reshape(shapes[pname])).half()
    return sd


def new_clip(record: dict) -> CLIP:
    ic = dict(record["image_config"])
    ic["channels"] = tuple(ic["channels"])
    return CLIP(TextConfig(**record["text_config"]), ImageConfig(**ic))


# ----------------------------------------------------------------------------------------------------
# The record and the rebuilt checkpoints


def _unet_config(record: dict) -> UNetConfig:
    c = dict(record["unet_config"])
    for k in ("channels", "attention"):
        c[k] = tuple(c[k])
    return UNetConfig(**c)


def clip_record(ck: dict, sd: dict, onnx_map: dict) -> dict:
    """The record's CLIP part: the checkpoint's fields, the temperature, the map of the ONNX files and the
    digest of the (fp16) weights `sd` that went into them."""
    meta = {k: v for k, v in ck.items() if k not in WEIGHT_KEYS and k != "tokenizer"}  # tokenizer.json has it
    return {**meta, "logit_scale": float(sd["logit_scale"].half()), "onnx_map": onnx_map, "sha256": state_digest(sd)}


def unet_record(ck: dict, sd: dict, context_length: int) -> dict:
    """The record's U-Net part: the checkpoint's fields (configs, counters, loss history) and the digest
    of the (fp16 EMA) weights `sd` that went into unet.onnx."""
    meta = {k: v for k, v in ck.items() if k not in WEIGHT_KEYS}
    return {**meta, "context_length": context_length, "sha256": state_digest(sd)}


def write_record(folder: Path, models: Path, unet: dict, clip: dict | None = None) -> Path:
    """folder/shipped.json with the given parts (clip None: keep the CLIP part already recorded, for a
    U-Net-only re-export); `models` is where the ONNX files are."""
    path = folder / RECORD
    old = json.loads(path.read_text("utf-8")) if path.exists() else {}
    if clip is None and "clip" not in old:
        raise ValueError(f"{path}: no CLIP part recorded yet; export both networks first")
    rel = Path(os.path.relpath(models.resolve(), folder.resolve())).as_posix()
    doc = {"_doc": "The shipped model's checkpoints without their weights, which are the fp16 initializers of the "
                   "ONNX files in `models` (relative to this file); training/shipped_weights.py rebuilds clip.pt "
                   "and unet.pt from both. Written by training/export_onnx.py.",
           "models": rel, "clip": clip or old["clip"], "unet": unet}
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return path


def read_shipped(folder: Path, name: str, weights: bool = True) -> dict:
    """The checkpoint dict that `folder/name.pt` held ('clip' or 'unet'), rebuilt from the record and the
    ONNX files, checked against the record's digest; weights=False: the record's fields alone."""
    doc = json.loads((Path(folder) / RECORD).read_text("utf-8"))
    models = (Path(folder) / doc["models"]).resolve()
    rec = doc[name]
    if not weights:
        return {k: v for k, v in rec.items() if k not in ("sha256", "context_length", "onnx_map", "logit_scale")}
    if name == "unet":
        sd = unet_state(models / "unet.onnx", _unet_config(rec), rec["context_length"])
        ck = {k: v for k, v in rec.items() if k not in ("sha256", "context_length")}
        ck["ema"] = sd  # as export_onnx.py saved it: the EMA weights only
    else:
        sd = clip_state(models, rec)
        ck = {k: v for k, v in rec.items() if k not in ("sha256", "onnx_map", "logit_scale")}
        ck["tokenizer"] = json.loads((models / "tokenizer.json").read_text("utf-8"))
        ck["state_dict"] = sd
    if state_digest(sd) != rec["sha256"]:
        raise ValueError(f"{models}: the ONNX files do not hold the {name} weights {Path(folder) / RECORD} records "
                         f"(re-exported without training/export_onnx.py writing the record?)")
    return ck


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["check", "write"])
    ap.add_argument("out", nargs="?", type=Path, help="write: the folder for clip.pt / unet.pt")
    ap.add_argument("names", nargs="*", help="clip and/or unet (default: both)")
    ap.add_argument("--checkpoints", type=Path, default=ROOT / "training" / "checkpoints",
                    help="where to read from (write: also a folder decide.py --apply filled, training/checkpoints/next)")
    args = ap.parse_args()
    if args.cmd == "write" and args.out is None:
        ap.error("write needs the folder to write to")
    if args.cmd == "check" and args.out is not None:
        args.names.insert(0, str(args.out))
    names = args.names or ["clip", "unet"]
    if set(names) - {"clip", "unet"}:
        ap.error(f"unknown names {sorted(set(names) - {'clip', 'unet'})}: clip, unet")
    for name in names:
        if args.cmd == "write":  # the next run's start: the shipped model, or a run decide.py kept (its .pt files)
            ck = read_checkpoint(args.checkpoints / f"{name}.pt")
            args.out.mkdir(parents=True, exist_ok=True)
            torch.save(ck, args.out / f"{name}.pt")
            print(f"wrote {args.out / f'{name}.pt'}")
        else:
            read_shipped(args.checkpoints, name)
            print(f"{name}: the ONNX files hold the recorded weights")


if __name__ == "__main__":
    main()
