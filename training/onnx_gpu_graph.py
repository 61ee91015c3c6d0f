"""ONNX graphs a GPU runtime likes: few kernels per call, no shape arithmetic, static shapes but the batch.

On WebGPU every ONNX node is one or more GPU kernels, each with its own bind group and uniform upload,
and on a real GPU that per-kernel overhead, not the arithmetic, is what a U-Net call costs. So:
- attention is one com.microsoft MultiHeadAttention node (projections stay MatMuls), instead of
  reshape/transpose/matmul/scale/softmax/matmul/transpose chains;
- GELU is com.microsoft Gelu (exact, erf-based) and SiLU is com.microsoft QuickGelu with alpha 1
  (x * sigmoid(x), exactly SiLU) instead of five and two nodes;
- the graph is traced at a fixed batch and onnxruntime's offline optimiser (optimize_onnx.mjs, basic
  level) folds every shape computation into constants; then the batch is made symbolic again
  ("batch") by rewriting the batch entry of each Reshape target to -1, so one file still serves
  batch 1 and 2 (see make_batch_symbolic).
All three contrib ops run on onnxruntime's CPU EP (WASM, onnxruntime-node) and on its WebGPU EPs.
"""
from __future__ import annotations

import math

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch.onnx import symbolic_helper

# The batch the graph is traced at: a number no other dimension of these networks has (3, 12, 16, 32,
# 48, 64, 128, 192, ...), so every 5 left in a shape constant is the batch.
TRACE_BATCH = 5
CONTRIB = {"com.microsoft": 1}
# FiLM blocks per Split (2 outputs each): input + 6 outputs stays within 8 storage buffers per shader.
SPLIT_BLOCKS = 3


class _MultiHeadAttention(torch.autograd.Function):
    """softmax(q k^T / sqrt(d)) v over `heads` heads, q [B, N, C], k and v [B, M, C] -> [B, N, C]."""

    @staticmethod
    def forward(ctx, q, k, v, heads: int):  # the same arithmetic as model.Attention
        B, N, C = q.shape
        d = C // heads
        qh = q.reshape(B, N, heads, d).transpose(1, 2)        # (B, h, N, d)
        kh = k.reshape(B, -1, heads, d).transpose(1, 2)       # (B, h, M, d)
        vh = v.reshape(B, -1, heads, d).transpose(1, 2)       # (B, h, M, d)
        att = (qh @ kh.transpose(-2, -1)) * (1.0 / math.sqrt(d))
        return (att.softmax(dim=-1) @ vh).transpose(1, 2).reshape(B, N, C)

    @staticmethod
    def symbolic(g, q, k, v, heads):
        out = g.op("com.microsoft::MultiHeadAttention", q, k, v, num_heads_i=heads)
        out.setType(q.type())
        return out


def _fused_attention_forward(self, x, context=None, bias=None):
    """model.Attention.forward with the core as one MultiHeadAttention node (no mask: the U-Net has none)."""
    assert bias is None, "the fused export has no attention mask (the text encoder keeps model.Attention)"
    ctx = x if context is None else context
    return self.out(_MultiHeadAttention.apply(self.q(x), self.k(ctx), self.v(ctx), self.heads))


@symbolic_helper.parse_args("v", "s")
def _gelu(g, x, approximate="none"):
    if approximate != "none":
        raise ValueError(f"only exact GELU is exported as com.microsoft Gelu, got approximate={approximate}")
    return g.op("com.microsoft::Gelu", x)


def _silu(g, x):
    return g.op("com.microsoft::QuickGelu", x, alpha_f=1.0)


@symbolic_helper.parse_args("v", "i", "v", "v", "f", "i")
def _group_norm(g, x, groups, weight, bias, eps, cudnn_enabled):
    """torch's own GroupNorm export, but the way back to [B, C, H, W] is a constant target, not
    Shape(x): no shape arithmetic left for a runtime to do on the CPU."""
    sizes = symbolic_helper._get_tensor_sizes(x)  # as traced: static
    const = lambda t: g.op("Constant", value_t=t)  # noqa: E731
    h = g.op("Reshape", x, const(torch.tensor([0, groups, -1], dtype=torch.int64)))
    h = g.op("InstanceNormalization", h, const(torch.ones(groups)), const(torch.zeros(groups)), epsilon_f=eps)
    # the traced shape itself (torch's shape inference rejects a 0 without a -1); make_batch_symbolic
    # then turns its batch into 0
    h = g.op("Reshape", h, const(torch.tensor(sizes, dtype=torch.int64)))
    axes = const(torch.arange(1, len(sizes) - 1, dtype=torch.int64))  # weight [C] -> [C, 1, 1]
    return g.op("Add", g.op("Mul", h, g.op("Unsqueeze", weight, axes)), g.op("Unsqueeze", bias, axes))


class fused_ops:
    """Context manager: while open, exports GELU and SiLU as one contrib node each, GroupNorm without
    shape arithmetic and, for the modules
    in `attention` (model.Attention), attention as one MultiHeadAttention node."""

    def __init__(self, attention=()):
        self.attention = list(attention)

    def __enter__(self):
        from torch.onnx import register_custom_op_symbolic
        register_custom_op_symbolic("aten::gelu", _gelu, 17)
        register_custom_op_symbolic("aten::silu", _silu, 17)
        for m in self.attention:
            m.forward = _fused_attention_forward.__get__(m)
        return self

    def __exit__(self, *exc):
        from torch.onnx import unregister_custom_op_symbolic
        unregister_custom_op_symbolic("aten::gelu", 17)
        unregister_custom_op_symbolic("aten::silu", 17)
        for m in self.attention:
            del m.forward  # back to the class's forward
        return False


def make_batch_symbolic(path, inputs: list[str], outputs: dict[str, tuple[int, ...]]) -> None:
    """Rewrites a graph traced at TRACE_BATCH (static shapes, shape arithmetic folded) so its batch is
    the symbolic dimension "batch": dim 0 of the named inputs, the outputs (given by their shape after
    the batch: the exporter cannot infer shapes through contrib ops), and the leading entry of every
    Reshape target that holds the batch (B or B x tokens) becomes -1. Any other constant holding
    TRACE_BATCH, or a Reshape whose batch entry is not its first, is an error: the graph would not
    follow the batch. Run it after optimize_onnx.mjs, which folds Shape nodes into such constants."""
    model = onnx.load(str(path))
    g = model.graph
    for v in g.input:
        if v.name in inputs:
            dim = v.type.tensor_type.shape.dim[0]
            if dim.dim_value != TRACE_BATCH:
                raise ValueError(f"{path}: input {v.name} dim 0 is {dim.dim_value}, traced at {TRACE_BATCH}")
            dim.dim_param = "batch"
    for v in g.output:
        shape = v.type.tensor_type.shape
        del shape.dim[:]
        shape.dim.add().dim_param = "batch"
        for n in outputs[v.name]:
            shape.dim.add().dim_value = n
    del g.value_info[:]  # traced shapes, batch included: let runtimes infer them again
    inits = {i.name: i for i in g.initializer}
    consts = {n.output[0]: n for n in g.node if n.op_type == "Constant"}
    reshape_targets = {n.input[1] for n in g.node if n.op_type == "Reshape"}
    for name in reshape_targets:
        holder = inits.get(name)
        tensor = holder if holder is not None else consts[name].attribute[0].t
        shape = numpy_helper.to_array(tensor).copy()
        if shape[0] in (0, -1) and not (shape[1:] % TRACE_BATCH == 0).any():
            continue  # already follows the input's batch (torch's GroupNorm: [0, groups, -1])
        # batch (5) or batch x tokens (5 N, onnxruntime's MatMul+Add -> Gemm flattening) first, no other -1
        if shape[0] % TRACE_BATCH != 0 or (shape[1:] == -1).any() or (shape[1:] == TRACE_BATCH).any():
            raise ValueError(f"{path}: Reshape target {name} = {shape.tolist()} does not lead with the batch")
        shape[0] = -1
        tensor.CopyFrom(numpy_helper.from_array(shape.astype(np.int64), tensor.name))
    for n in g.node:
        if n.op_type == "Reshape":
            continue
        for name in n.input:
            holder = inits.get(name)
            tensor = holder if holder is not None else (consts[name].attribute[0].t if name in consts else None)
            if tensor is not None and tensor.data_type == onnx.TensorProto.INT64 and (numpy_helper.to_array(tensor) == TRACE_BATCH).any():
                raise ValueError(f"{path}: {n.op_type} {n.name} input {name} holds the trace batch {TRACE_BATCH}")
    onnx.save(model, str(path))


def fuse_norm_affine(path) -> int:
    """GroupNorm's per-channel affine (Mul by gamma [C,1,1], then Add beta [C,1,1], after the
    InstanceNormalization + Reshape torch exports it as) -> one BatchNormalization with mean 0, var 1
    and epsilon 0, which computes exactly x * gamma + beta: one GPU kernel instead of two. Returns how
    many it fused; run it after optimize_onnx.mjs (the Unsqueezes of gamma and beta folded)."""
    model = onnx.load(str(path))
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    users: dict[str, list] = {}
    for n in g.node:
        for name in n.input:
            users.setdefault(name, []).append(n)
    by_output = {o: n for n in g.node for o in n.output}
    fused = 0
    for mul in list(g.node):
        if mul.op_type != "Mul" or mul.input[1] not in inits:
            continue
        src = by_output.get(mul.input[0])
        if src is None or src.op_type != "Reshape" or by_output.get(src.input[0]) is None \
                or by_output[src.input[0]].op_type != "InstanceNormalization":
            continue
        after = users.get(mul.output[0], [])
        if len(after) != 1 or after[0].op_type != "Add" or after[0].input[1] not in inits:
            continue
        add = after[0]
        gamma, beta = (numpy_helper.to_array(inits[n]) for n in (mul.input[1], add.input[1]))
        C = gamma.shape[0]
        if gamma.shape != (C, 1, 1) or beta.shape != (C, 1, 1):
            continue
        names = [f"{mul.name}_bn_{k}" for k in ("scale", "bias", "mean", "var")]
        for name, value in zip(names, (gamma.reshape(C), beta.reshape(C), np.zeros(C, np.float32), np.ones(C, np.float32))):
            g.initializer.append(numpy_helper.from_array(value.astype(np.float32), name))
        bn = onnx.helper.make_node("BatchNormalization", [mul.input[0], *names], [add.output[0]],
                                   name=f"{mul.name}_bn", epsilon=0.0)
        g.node.insert(list(g.node).index(mul), bn)
        g.node.remove(mul)
        g.node.remove(add)
        fused += 1
    used = {name for n in g.node for name in n.input}
    for init in [i for i in g.initializer if i.name not in used]:
        g.initializer.remove(init)
    onnx.save(model, str(path))
    return fused


def merge_shared_gemms(path) -> int:
    """The ResBlocks' FiLM projections all read the same timestep embedding: Gemm -> Unsqueeze x2 ->
    two Slices (scale, shift) per block becomes one Gemm over the concatenated weights (the same
    numbers), one Unsqueeze and a two-level Split: ~6 kernels instead of ~33. Returns the Gemms merged."""
    model = onnx.load(str(path))
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    users: dict[str, list] = {}
    for n in g.node:
        for name in n.input:
            users.setdefault(name, []).append(n)
    arr = lambda name: numpy_helper.to_array(inits[name])  # noqa: E731
    attrs = lambda n: {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}  # noqa: E731

    def film(gemm):
        """(chain of nodes to remove, [scale Slice, shift Slice], C) if `gemm` is a FiLM projection."""
        a = attrs(gemm)
        if len(gemm.input) != 3 or gemm.input[1] not in inits or gemm.input[2] not in inits or a.get("transB") != 1 \
                or a.get("transA", 0) != 0 or a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0:
            return None
        chain, out = [gemm], gemm.output[0]
        for _ in range(2):
            nxt = users.get(out, [])
            if len(nxt) != 1 or nxt[0].op_type != "Unsqueeze":
                return None
            chain.append(nxt[0])
            out = nxt[0].output[0]
        slices = users.get(out, [])
        C2 = arr(gemm.input[1]).shape[0]
        if len(slices) != 2 or any(x.op_type != "Slice" or len(x.input) < 4 or any(i not in inits for i in x.input[1:4]) for x in slices):
            return None
        spans = sorted((int(arr(x.input[1])[0]), int(arr(x.input[2])[0]), int(arr(x.input[3])[0]), x) for x in slices)
        if [(b, e, ax) for b, e, ax, _ in spans] != [(0, C2 // 2, 1), (C2 // 2, C2, 1)] or any(len(x.input) > 4 and arr(x.input[4]).tolist() != [1] for x in slices):
            return None
        return chain, [x for *_, x in spans], C2 // 2

    groups: dict[str, list] = {}
    for n in g.node:
        if n.op_type == "Gemm":
            hit = film(n)
            if hit:
                groups.setdefault(n.input[0], []).append(hit)
    merged = 0
    for source, hits in groups.items():
        if len(hits) < 2:
            continue
        tag = f"film_{merged}"
        weight = np.concatenate([arr(chain[0].input[1]) for chain, _, _ in hits], axis=0)
        bias = np.concatenate([arr(chain[0].input[2]) for chain, _, _ in hits], axis=0)
        g.initializer.extend([numpy_helper.from_array(weight, f"{tag}.weight"), numpy_helper.from_array(bias, f"{tag}.bias"),
                              numpy_helper.from_array(np.array([2, 3], np.int64), f"{tag}.axes")])
        new = [onnx.helper.make_node("Gemm", [source, f"{tag}.weight", f"{tag}.bias"], [f"{tag}.gemm"], name=f"/{tag}/Gemm", transB=1),
               onnx.helper.make_node("Unsqueeze", [f"{tag}.gemm", f"{tag}.axes"], [f"{tag}.4d"], name=f"/{tag}/Unsqueeze")]
        # A WebGPU Split binds its input and every output as storage buffers, 8 at most per shader
        # (WebGPU's default limit): split into groups of SPLIT_BLOCKS blocks, then each group.
        groups_of = [hits[i:i + SPLIT_BLOCKS] for i in range(0, len(hits), SPLIT_BLOCKS)]
        sizes = lambda hs: [c for _, _, c in hs for _ in (0, 1)]  # noqa: E731
        split = lambda src, parts, outs, name: [  # noqa: E731
            numpy_helper.from_array(np.array(parts, np.int64), f"{name}.split"),
            onnx.helper.make_node("Split", [src, f"{name}.split"], outs, name=f"/{name}/Split", axis=1)]
        parts = split(f"{tag}.4d", [sum(sizes(hs)) for hs in groups_of], [f"{tag}.group{i}" for i in range(len(groups_of))], tag)
        g.initializer.append(parts[0])
        new.append(parts[1])
        for i, hs in enumerate(groups_of):
            init, node = split(f"{tag}.group{i}", sizes(hs), [x.output[0] for _, pair, _ in hs for x in pair], f"{tag}_{i}")
            g.initializer.append(init)
            new.append(node)
        at = min(list(g.node).index(chain[0]) for chain, _, _ in hits)
        for node in [n for chain, pair, _ in hits for n in (*chain, *pair)]:
            g.node.remove(node)
        for i, node in enumerate(new):
            g.node.insert(at + i, node)
        merged += len(hits)
    used = {name for n in g.node for name in n.input}
    for init in [i for i in g.initializer if i.name not in used]:
        g.initializer.remove(init)
    onnx.save(model, str(path))
    return merged


def census(path) -> dict[str, int]:
    """Node count per op type (domain-qualified for contrib ops), most frequent first."""
    model = onnx.load(str(path))
    counts: dict[str, int] = {}
    for n in model.graph.node:
        key = f"{n.domain}.{n.op_type}" if n.domain else n.op_type
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))
