"""Node count per op type of ONNX files (the op census that tracks how GPU-friendly an export is):

  /usr/bin/python3 training/onnx_census.py public/models/unet.onnx [more.onnx ...]

Constant nodes and the Cast nodes that only widen stored fp16 weights (onnx_fp16.py) are counted
apart: onnxruntime folds them when the session is created, so they never run.
"""
from __future__ import annotations

import sys
from pathlib import Path

import onnx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from onnx_gpu_graph import census  # noqa: E402


def main() -> None:
    for path in sys.argv[1:] or ["public/models/unet.onnx"]:
        graph = onnx.load(path).graph
        inits = {i.name for i in graph.initializer}
        weight_casts = sum(1 for n in graph.node if n.op_type == "Cast" and n.input[0] in inits)
        counts = census(path)
        counts["Cast"] = counts.get("Cast", 0) - weight_casts
        constants = counts.pop("Constant", 0)
        counts = {k: v for k, v in sorted(counts.items(), key=lambda kv: -kv[1]) if v}
        print(f"{path}: {sum(counts.values())} nodes that run (+ {constants} Constant nodes, "
              f"{weight_casts} fp16 weight casts folded at load)")
        for op, n in counts.items():
            print(f"  {n:5d}  {op}")


if __name__ == "__main__":
    main()
