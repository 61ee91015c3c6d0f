"""Store an ONNX model's weights as fp16 while it still computes in fp32.

Every float32 initializer whose values are exactly representable in fp16 (export_onnx.py rounds the
weights so that they all are) is replaced by an fp16 initializer and a Cast back to float32 at the top
of the graph. Lossless by construction: the file halves and the outputs do not change at all.
onnxruntime folds the casts once, when the session is created. Initializers that fp16 cannot hold
exactly (constants the exporter folded, e.g. the timestep frequencies) stay float32.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def store_fp16(path: Path) -> tuple[int, int]:
    """Rewrites `path` in place; returns (initializers converted, initializers kept float32)."""
    model = onnx.load(str(path))
    graph = model.graph
    casts, converted, kept = [], 0, 0
    for init in list(graph.initializer):
        if init.data_type != TensorProto.FLOAT:
            continue
        arr = numpy_helper.to_array(init)
        half = arr.astype(np.float16)
        if arr.size < 16 or not np.array_equal(half.astype(np.float32), arr):
            kept += 1
            continue
        graph.initializer.remove(init)
        graph.initializer.append(numpy_helper.from_array(half, init.name + "__fp16"))
        casts.append(helper.make_node("Cast", [init.name + "__fp16"], [init.name], to=TensorProto.FLOAT,
                                      name=init.name + "__cast"))
        converted += 1
    for i, node in enumerate(casts):
        graph.node.insert(i, node)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return converted, kept
