"""Node count per op type of ONNX files (the op census that tracks how GPU-friendly an export is):

  /usr/bin/python3 training/onnx_census.py public/models/unet.onnx [more.onnx ...]

Nodes that only compute on weights (Constant nodes, the Cast nodes that widen stored fp16 weights
(onnx_fp16.py), the weight products onnx_unet_graph.py folds) are counted apart: onnxruntime folds
them when the session is created, so they never run.
"""
from __future__ import annotations

import sys

import onnx


def census(path) -> dict[str, int]:
    """Node count per op type (domain-qualified for contrib ops), most frequent first."""
    model = onnx.load(str(path))
    counts: dict[str, int] = {}
    for n in model.graph.node:
        key = f"{n.domain}.{n.op_type}" if n.domain else n.op_type
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def main() -> None:
    for path in sys.argv[1:] or ["public/models/unet.onnx"]:
        graph = onnx.load(path).graph
        # Nodes whose inputs are all weights (or outputs of such nodes): onnxruntime computes them once
        # when the session is created (constant folding), so they never run per call.
        known = {i.name for i in graph.initializer}
        folded: dict[str, int] = {}
        for n in graph.node:
            if all(not name or name in known for name in n.input):
                known.update(n.output)
                folded[n.op_type] = folded.get(n.op_type, 0) + 1
        counts = census(path)
        for op, k in folded.items():
            counts[op] = counts.get(op, 0) - k
        counts = {k: v for k, v in sorted(counts.items(), key=lambda kv: -kv[1]) if v}
        weight_casts = folded.pop("Cast", 0)
        constants = folded.pop("Constant", 0)
        other = ", ".join(f"{k} {op}" for op, k in folded.items())
        print(f"{path}: {sum(counts.values())} nodes that run (+ {constants} Constant nodes, "
              f"{weight_casts} fp16 weight casts{' and ' + other if other else ''} folded at load)")
        for op, n in counts.items():
            print(f"  {n:5d}  {op}")


if __name__ == "__main__":
    main()
