"""One-node ONNX graphs for checking what onnxruntime-web's WebGPU builds run and how many GPU kernels
each costs (scripts/webgpu/webgpu-optest.ts), each beside a reference graph of the same arithmetic in plain
ops that the CPU (WASM) runs: the com.microsoft GroupNorm / SkipGroupNorm have no CPU kernel.

    /usr/bin/python3 training/webgpu_op_graphs.py OUT_DIR     # writes OUT_DIR/*.onnx, prints the optest command

Shapes are those of the shipped U-Net's widest GroupNorm at 16 x 16 (batch 2, 64 channels, 16 groups).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MS = "com.microsoft"
N, H, W, C, G = 2, 16, 16, 64, 16
EPS = 1e-5


def _model(nodes, inputs, outputs, inits, opset=17) -> onnx.ModelProto:
    f32 = TensorProto.FLOAT
    graph = helper.make_graph(nodes, "op", [helper.make_tensor_value_info(k, f32, s) for k, s in inputs],
                              [helper.make_tensor_value_info(k, f32, s) for k, s in outputs], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset), helper.make_opsetid(MS, 1)])
    model.ir_version = 8 if opset < 21 else 10
    return model


def _consts(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {k: rng.standard_normal(C).astype(np.float32) for k in ("gamma", "beta", "bias")}


def _inits(values: dict[str, np.ndarray]) -> list:
    return [numpy_helper.from_array(v, k) for k, v in values.items()]


def group_norm_ref_nodes(x: str, out: str, silu: bool, prefix: str = "r") -> list:
    """GroupNorm of NHWC `x` [N, H, W, C] (gamma, beta: initializers) in CPU ops, NHWC out."""
    p = prefix
    nodes = [
        helper.make_node("Transpose", [x], [f"{p}_nchw"], perm=[0, 3, 1, 2]),
        helper.make_node("Reshape", [f"{p}_nchw", f"{p}_gshape"], [f"{p}_g"]),
        helper.make_node("InstanceNormalization", [f"{p}_g", f"{p}_ones", f"{p}_zeros"], [f"{p}_n"], epsilon=EPS),
        helper.make_node("Reshape", [f"{p}_n", f"{p}_cshape"], [f"{p}_nc"]),
        helper.make_node("Transpose", [f"{p}_nc"], [f"{p}_nhwc"], perm=[0, 2, 3, 1]),
        helper.make_node("Mul", [f"{p}_nhwc", "gamma"], [f"{p}_s"]),
        helper.make_node("Add", [f"{p}_s", "beta"], [f"{p}_a" if silu else out]),
    ]
    if silu:
        nodes += [helper.make_node("Sigmoid", [f"{p}_a"], [f"{p}_sig"]), helper.make_node("Mul", [f"{p}_a", f"{p}_sig"], [out])]
    return nodes


def _ref_inits(p: str = "r") -> list:
    return _inits({f"{p}_gshape": np.array([N, G, -1], np.int64), f"{p}_cshape": np.array([N, C, H, W], np.int64),
                   f"{p}_ones": np.ones(G, np.float32), f"{p}_zeros": np.zeros(G, np.float32)})


def write_all(out: Path) -> list[tuple[str, dict]]:
    """Writes the test graphs to `out`; returns (optest spec `file[=ref]`, input shapes) for each."""
    out.mkdir(parents=True, exist_ok=True)
    k = _consts()
    nhwc = [N, H, W, C]
    cases = []

    def save(name, model, shapes, ref=None):
        if model.opset_import[0].version <= onnx.defs.onnx_opset_version():  # Debian's onnx 1.12 knows opset 17
            onnx.checker.check_model(model)
        onnx.save(model, str(out / f"{name}.onnx"))
        spec = str(out / f"{name}.onnx")
        if ref is not None:
            onnx.save(ref, str(out / f"{name}-ref.onnx"))
            spec += "=" + str(out / f"{name}-ref.onnx")
        cases.append((spec, shapes))

    gn_inits = _inits({"gamma": k["gamma"], "beta": k["beta"]})
    for act in (1, 0):
        node = helper.make_node("GroupNorm", ["x", "gamma", "beta"], ["y"], domain=MS, activation=act,
                                channels_last=1, epsilon=EPS, groups=G)
        ref = _model(group_norm_ref_nodes("x", "y", bool(act)), [("x", nhwc)], [("y", nhwc)], gn_inits + _ref_inits())
        save(f"groupnorm-silu{act}", _model([node], [("x", nhwc)], [("y", nhwc)], gn_inits), {"x": nhwc}, ref)

    # SkipGroupNorm: y = GN(x + skip + bias), sum = x + skip + bias; skip of X's shape and per (N, C)
    sgn_inits = _inits(k)
    for skip_shape, tag in ((nhwc, "full"), ([N, C], "nc")):
        node = helper.make_node("SkipGroupNorm", ["x", "gamma", "beta", "skip", "bias"], ["y", "sum"], domain=MS,
                                activation=1, channels_last=1, epsilon=EPS, groups=G)
        skip_in = "skip" if tag == "full" else "skip4"
        pre = [] if tag == "full" else [helper.make_node("Reshape", ["skip", "s4shape"], ["skip4"])]
        ref_nodes = pre + [helper.make_node("Add", ["x", skip_in], ["xs"]), helper.make_node("Add", ["xs", "bias"], ["sum"])]
        ref_nodes += group_norm_ref_nodes("sum", "y", True)
        extra = _inits({"s4shape": np.array([N, 1, 1, C], np.int64)}) if tag != "full" else []
        ref = _model(ref_nodes, [("x", nhwc), ("skip", skip_shape)], [("y", nhwc), ("sum", nhwc)], sgn_inits + _ref_inits() + extra)
        save(f"skipgroupnorm-{tag}", _model([node], [("x", nhwc), ("skip", skip_shape)], [("y", nhwc), ("sum", nhwc)], sgn_inits),
             {"x": nhwc, "skip": skip_shape}, ref)

    # the forms the page's graphs use or could use, NCHW [N, C, H, W] in, each its own reference
    nchw = [N, C, H, W]
    aff = _inits({"gamma4": k["gamma"].reshape(1, C, 1, 1), "beta4": k["beta"].reshape(1, C, 1, 1)})
    silu = [helper.make_node("Sigmoid", ["a"], ["sig"]), helper.make_node("Mul", ["a", "sig"], ["y"])]
    affine = [helper.make_node("Mul", ["nc", "gamma4"], ["s"]), helper.make_node("Add", ["s", "beta4"], ["a"])]
    inorm = [helper.make_node("Reshape", ["x", "r_gshape"], ["g"]),
             helper.make_node("InstanceNormalization", ["g", "r_ones", "r_zeros"], ["n"], epsilon=EPS),
             helper.make_node("Reshape", ["n", "r_cshape"], ["nc"])]
    save("instancenorm-nchw", _model(inorm + affine + silu, [("x", nchw)], [("y", nchw)], aff + _ref_inits()), {"x": nchw})
    lnorm = [helper.make_node("Reshape", ["x", "r_gshape"], ["g"]),
             helper.make_node("LayerNormalization", ["g", "lnscale"], ["n"], axis=-1, epsilon=EPS),
             helper.make_node("Reshape", ["n", "r_cshape"], ["nc"])]
    ln_inits = _inits({"lnscale": np.ones(C // G * H * W, np.float32)})
    save("layernorm-nchw", _model(lnorm + affine + silu, [("x", nchw)], [("y", nchw)], aff + _ref_inits() + ln_inits), {"x": nchw})
    gn21 = [helper.make_node("GroupNormalization", ["x", "gamma", "beta"], ["a"], num_groups=G, epsilon=EPS)]
    save("groupnormalization21-nchw", _model(gn21 + silu, [("x", nchw)], [("y", nchw)], gn_inits, opset=21), {"x": nchw})

    # the U-Net's attention ops at its two widths (tokens [B, N, C], 4 heads): self-attention with packed
    # QKV weights, the same as MatMul + MultiHeadAttention, and cross-attention with K, V head-major
    rng = np.random.default_rng(1)
    for n_tok, width in ((64, 128), (16, 192)):
        x = [N, n_tok, width]
        w = _inits({"wqkv": (rng.standard_normal((width, 3 * width)) / np.sqrt(width)).astype(np.float32),
                     "bqkv": np.zeros(3 * width, np.float32)})
        att = helper.make_node("Attention", ["x", "wqkv", "bqkv"], ["y"], domain=MS, num_heads=4)
        save(f"attention-{n_tok}x{width}", _model([att], [("x", x)], [("y", x)], w), {"x": x})
        split = _inits({"sizes": np.array([width] * 3, np.int64)})
        mha = [helper.make_node("MatMul", ["x", "wqkv"], ["qkv"]), helper.make_node("Split", ["qkv", "sizes"], ["q", "k", "v"], axis=2),
               helper.make_node("MultiHeadAttention", ["q", "k", "v"], ["y"], domain=MS, num_heads=4)]
        save(f"matmul-mha-{n_tok}x{width}", _model(mha, [("x", x)], [("y", x)], w + split), {"x": x})
        kv = [N, 4, 6, width // 4]
        cross = helper.make_node("MultiHeadAttention", ["x", "k", "v"], ["y"], domain=MS, num_heads=4)
        save(f"mha-cross-{n_tok}x{width}", _model([cross], [("x", x), ("k", kv), ("v", kv)], [("y", x)], []),
             {"x": x, "k": kv, "v": kv})
    return cases


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: webgpu_op_graphs.py OUT_DIR")
    specs = write_all(Path(sys.argv[1]))
    args = " ".join(f"{spec} '{json.dumps(shapes, separators=(',', ':'))}'" for spec, shapes in specs)
    print(f"bash scripts/webgpu/on-dawn.sh webgpu-optest.ts {args}")
