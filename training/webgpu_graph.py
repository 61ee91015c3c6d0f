"""The U-Net's WebGPU graph, rewritten from the shipped (WASM) graph, and the two sharing one weights file.

onnxruntime-web's native WebGPU EP (1.31+) has channels-last kernels for the com.microsoft GroupNorm and
SkipGroupNorm contrib ops (2 GPU kernels each, SiLU fused, SkipGroupNorm adding a residual first), which
its CPU EP (the page's WASM backend) lacks. So the WebGPU graph is its own file, rewritten from the
shipped one (training/onnx_unet_graph.py writes that) node pattern by node pattern, with the same
initializers:
- every 4-D activation is channels-last [B, H, W, C]; a Conv reads and writes through Transposes that
  onnxruntime's layout transformation cancels against the ones it puts around its channels-last Conv;
- GroupNorm (InstanceNormalization over [B, G, C/G*H*W] + BatchNormalization affine [+ QuickGelu]) ->
  GroupNorm(gamma, beta, activation = SiLU if a QuickGelu followed);
- the ResBlock's second GroupNorm with its FiLM (a BatchNormalization over [1, B*C, H, W]) -> GroupNorm
  (unit affine) + Mul/Add by the per-sample [B, 1, 1, C] scale and shift + QuickGelu;
- the attention block's entry (Einsum to tokens-first + SkipLayerNormalization(w, w)) -> GroupNorm, whose
  NHWC output already is [B, N, C], + LayerNormalization; its exit (Transpose back) -> a Reshape;
- a residual Add feeding a GroupNorm -> SkipGroupNorm (its second output is the sum);
- pixel-unshuffle one Transpose straight to channels-last, the output Transpose + DepthToSpace (a
  kernel, not a Reshape, writes the graph output: see depth_to_space), the nearest-neighbour upsampling
  a channels-last Resize;
- cross-attention's K and V (head-major already) as MultiHeadAttention's past key / value with an empty
  key / value, which the EP attends over in place instead of copying them into a KV cache first;
- with a fixed batch (--batch=2, the default: a guided step), the batch folded into the channels,
  [1, H, W, 2*C]: the FiLM becomes that GroupNorm's per-channel affine with the SiLU fused (2 kernels,
  not 5), Convs run grouped, attention runs 2 x heads heads (see rewrite).
Kernels per batch-2 call on the native EP: 406 shipped graph, ~272 any batch, 241 folded (docs/benchmark.md).

    /usr/bin/python3 training/webgpu_graph.py public/models/unet.onnx OUT_DIR [--batch=2]
writes OUT_DIR/unet.onnx (the WASM graph), OUT_DIR/unet-webgpu.onnx and OUT_DIR/unet.weights (every
initializer of 256 bytes or more, stored once; both graphs point into it as ONNX external data) and prints
the manifest entry. `expand_contrib` turns the GroupNorm ops back into CPU ops so the rewrite can be
checked on onnxruntime's CPU EP (training/tests/test_webgpu_graph.py); scripts/webgpu/webgpu-optest.ts
checks the contrib ops themselves on the GPU.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MS = "com.microsoft"
TO_NHWC, TO_NCHW = [0, 2, 3, 1], [0, 3, 1, 2]
WEIGHTS_MIN_BYTES = 256  # smaller initializers (shapes, scalars) stay inside each graph


class _Rewriter:
    def __init__(self, model: onnx.ModelProto, batch: int | None):
        self.B = batch  # fold the batch into the channels (see rewrite); None keeps it a dimension
        self.src = list(model.graph.node)
        self.consts = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
        self.consumers: dict[str, list] = defaultdict(list)
        for node in self.src:
            for name in set(node.input):
                self.consumers[name].append(node)
        self.nodes: list = []
        self.inits: list = []
        self.nhwc: dict[str, str] = {}   # activation -> its channels-last name
        self.nchw: set[str] = set()      # activations present channels-first
        self.residual: set[str] = set()  # outputs of residual Adds (channels-last)
        self.width = 0                   # channels of the attention block being rewritten
        self.n = 0

    # helpers -----------------------------------------------------------------------------------------

    def name(self, tag: str) -> str:
        self.n += 1
        return f"wg_{tag}_{self.n}"

    def emit(self, op: str, inputs: list[str], outputs: list[str] | None = None, domain: str = "", **attrs) -> str:
        outputs = outputs or [self.name(op.lower())]
        self.nodes.append(helper.make_node(op, inputs, outputs, name=self.name(op), domain=domain or None, **attrs))
        return outputs[0]

    def const(self, value, dtype=np.float32) -> str:
        name = self.name("c")
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def shape_of(self, node) -> list[int]:
        """The constant target shape of a Reshape node."""
        return [int(v) for v in self.consts[node.input[1]]]

    def only(self, name: str, op: str):
        """The single consumer of `name` if it is an `op` node, else None."""
        c = self.consumers[name]
        return c[0] if len(c) == 1 and c[0].op_type == op else None

    def value(self, name: str) -> np.ndarray:
        """A constant: an initializer, or the Cast of one (the fp16-stored weights)."""
        if name in self.consts:
            return self.consts[name]
        cast = next(n for n in self.src if list(n.output) == [name] and n.op_type == "Cast")
        return self.consts[cast.input[0]].astype(np.float32)

    def per_sample(self, name: str) -> str:
        """A per-channel constant [C] (or Conv weights [C, ...]) repeated for each sample when the batch is
        folded into the channels; onnxruntime folds the Concat once, at load."""
        return self.emit("Concat", [name] * self.B, axis=0) if self.B else name

    def need(self, name: str, op: str):
        """The single consumer of `name`, which the pattern being rewritten says is an `op` node."""
        node = self.only(name, op)
        if node is None:
            got = [n.op_type for n in self.consumers[name]]
            raise ValueError(f"{name}: expected one {op} after it (the graph onnx_unet_graph.py writes), found {got}")
        return node

    def to_nhwc(self, name: str) -> str:
        if name not in self.nhwc:
            self.nhwc[name] = self.emit("Transpose", [name], [name + "_nhwc"], perm=TO_NHWC)
        return self.nhwc[name]

    def to_nchw(self, name: str) -> str:
        if name in self.nhwc and name not in self.nchw:
            self.emit("Transpose", [self.nhwc[name]], [name], perm=TO_NCHW)
            self.nchw.add(name)
        return name

    def is_image(self, name: str) -> bool:
        return name in self.nhwc or name in self.nchw

    # patterns ----------------------------------------------------------------------------------------

    def group_norm(self, head) -> list:
        """Reshape [0, G, X] -> InstanceNormalization -> ... (three forms, see the module doc). Returns
        the source nodes it replaced."""
        x = head.input[0]
        G = self.shape_of(head)[1] * (self.B or 1)
        inorm = self.need(head.output[0], "InstanceNormalization")
        eps = next(a.f for a in inorm.attribute if a.name == "epsilon")
        back = self.need(inorm.output[0], "Reshape")
        shape = self.shape_of(back)
        gn = dict(domain=MS, channels_last=1, epsilon=eps, groups=G)
        if len(shape) == 3:  # attention entry: Reshape [0, C, N] -> Einsum (gamma / 2) -> SkipLN(w, w, ..., beta)
            C, N = shape[1], shape[2]
            self.width = C
            einsum = self.need(back.output[0], "Einsum")
            skip = self.need(einsum.output[0], "SkipLayerNormalization")
            gamma = self.emit("Mul", [einsum.input[1], self.const(2.0)])  # the stored gamma / 2, doubled (exact)
            y = self.emit("GroupNorm", [self.to_nhwc(x), self.per_sample(gamma), self.per_sample(skip.input[4])],
                          activation=0, **gn)
            tokens = [N, self.B, C] if self.B else [0, N, C]  # folded: rows (token, sample)
            h0 = self.emit("Reshape", [y, self.const(tokens, np.int64)], [skip.output[3]])
            self.emit("LayerNormalization", [h0, skip.input[2], skip.input[3]], [skip.output[0]], axis=-1,
                      epsilon=next(a.f for a in skip.attribute if a.name == "epsilon"))
            return [head, inorm, back, einsum, skip]
        bn = self.need(back.output[0], "BatchNormalization")
        if shape[0] == 1:  # FiLM: [1, B*C, H, W] -> BN(scale, shift, 0, 1) -> Reshape [-1, C, H, W] -> QuickGelu
            out = self.need(bn.output[0], "Reshape")
            silu = self.need(out.output[0], "QuickGelu")
            C = self.shape_of(out)[1]
            if self.B:  # per (sample, channel) is per channel now: the flat [B*C] scale and shift are gamma and beta
                self.nhwc[silu.output[0]] = self.emit("GroupNorm", [self.to_nhwc(x), bn.input[1], bn.input[2]],
                                                      [silu.output[0] + "_nhwc"], activation=1, **gn)
                return [head, inorm, back, bn, out, silu]
            y = self.emit("GroupNorm", [self.to_nhwc(x), self.const(np.ones(C)), self.const(np.zeros(C))], activation=0, **gn)
            per_sample = self.const([-1, 1, 1, C], np.int64)
            y = self.emit("Mul", [y, self.emit("Reshape", [bn.input[1], per_sample])])
            y = self.emit("Add", [y, self.emit("Reshape", [bn.input[2], per_sample])])
            self.nhwc[silu.output[0]] = self.emit("QuickGelu", [y], [silu.output[0] + "_nhwc"], domain=MS, alpha=1.0)
            return [head, inorm, back, bn, out, silu]
        # affine [0, C, H, W] -> BN(gamma, beta, 0, 1) [-> QuickGelu]
        silu = self.only(bn.output[0], "QuickGelu")
        last = silu or bn
        self.nhwc[last.output[0]] = self.emit("GroupNorm", [self.to_nhwc(x), self.per_sample(bn.input[1]), self.per_sample(bn.input[2])],
                                              [last.output[0] + "_nhwc"], activation=int(silu is not None), **gn)
        return [head, inorm, back, bn] + ([silu] if silu else [])

    def attention_exit(self, head) -> list | None:
        """Reshape [-1, N, C] -> Transpose [0, 2, 1] -> Reshape [0, C, H, W]: tokens back to channels-first,
        which channels-last already is: one Reshape to [-1, H, W, C]."""
        t = self.only(head.output[0], "Transpose")
        if t is None or list(t.attribute[0].ints) != [0, 2, 1]:
            return None
        back = self.need(t.output[0], "Reshape")
        _, C, H, W = self.shape_of(back)
        shape = [1, H, W, self.B * C] if self.B else [-1, H, W, C]
        self.nhwc[back.output[0]] = self.emit("Reshape", [head.input[0], self.const(shape, np.int64)],
                                              [back.output[0] + "_nhwc"])
        return [head, t, back]

    def pixel_unshuffle(self, head) -> list:
        """sample [B, 3, R, R] -> Reshape [0, 3, S, p, S, p] -> Transpose -> [B, 3*p*p, S, S], written
        channels-last directly: [B, S, S, 3*p*p] with channel c*p*p + i*p + j."""
        _, c, S, p, _, _ = self.shape_of(head)
        t = self.need(head.output[0], "Transpose")
        back = self.need(t.output[0], "Reshape")
        if self.B:  # [B, c, S, p, S, p] -> [S, S, B, c, p, p] -> [1, S, S, B*c*p*p]
            r = self.emit("Reshape", [head.input[0], self.const([self.B, c, S, p, S, p], np.int64)])
            r = self.emit("Transpose", [r], perm=[2, 4, 0, 1, 3, 5])
            out = [1, S, S, self.B * c * p * p]
        else:
            r = self.emit("Transpose", [self.emit("Reshape", [head.input[0], head.input[1]])], perm=[0, 2, 4, 1, 3, 5])
            out = [0, S, S, c * p * p]
        self.nhwc[back.output[0]] = self.emit("Reshape", [r, self.const(out, np.int64)], [back.output[0] + "_nhwc"])
        return [head, t, back]

    def depth_to_space(self, node) -> None:
        """[B, C*p*p, S, S] -> DepthToSpace -> v, kept as the graph's last kernel: under graph capture a
        graph output that a Reshape aliases comes back stale from replays (DESIGN.md), so the output is
        written by a kernel. Folded batch: [1, S, S, B*C*p*p] -> [B, C*p*p, S, S] first (one Transpose)."""
        if self.B:
            _, _, R, _ = self.output_dims[node.output[0]]
            p = next(a.i for a in node.attribute if a.name == "blocksize")
            x = self.emit("Reshape", [self.to_nhwc(node.input[0]), self.const([R // p, R // p, self.B, -1], np.int64)])
            x = self.emit("Transpose", [x], perm=[2, 3, 0, 1])
        else:
            x = self.to_nchw(node.input[0])
        new = helper.make_node("DepthToSpace", [x], [node.output[0]], name=self.name("DepthToSpace"))
        new.attribute.extend(node.attribute)
        self.nodes.append(new)

    def cross_attention(self, node) -> list:
        """MultiHeadAttention(q, K, V) with K, V head-major [B, h, L, d] -> the same with K and V as
        past_key / past_value and empty key / value: the EP then attends over them where they are,
        without first copying them into a KV cache (one kernel fewer)."""
        q, k, v = node.input
        heads = next(a.i for a in node.attribute if a.name == "num_heads")
        out = node.output[0]
        if self.B:  # q [N, B, C] -> [1, N, B*C]; K, V [B, h, L, d] -> [1, B*h, L, d]: heads (sample, head)
            q = self.emit("Unsqueeze", [self.emit("Flatten", [q], axis=1), self.const([0], np.int64)])
            k, v = (self.emit("Reshape", [t, self.const([1, -1, 0, 0], np.int64)]) for t in (k, v))
            heads *= self.B
            out = self.name("attention")
        empty = self.emit("Slice", [q, self.const([0], np.int64), self.const([0], np.int64), self.const([1], np.int64)])
        self.emit("MultiHeadAttention", [q, empty, empty, "", "", "", k, v],
                  [out, self.name("present_key"), self.name("present_value")], domain=MS, num_heads=heads)
        if self.B:
            self.emit("Reshape", [out, self.const([-1, self.B, self.width], np.int64)], [node.output[0]])
        return [node]

    def self_attention(self, node) -> list:
        """Folded batch: com.microsoft Attention (packed QKV weights) on rows (token, sample) ->
        MatMul + Split + MultiHeadAttention over [1, N, B*C] with B x heads (sample, head)."""
        x, w, bias = node.input
        if np.any(self.value(bias)):
            raise ValueError(f"{node.name}: a QKV bias is not rewritten (the shipped graph has none)")
        C = self.width
        parts = [self.name("q"), self.name("k"), self.name("v")]
        self.emit("Split", [self.emit("MatMul", [x, w]), self.const([C, C, C], np.int64)], parts, axis=-1)  # each [N, B, C]
        q, k, v = (self.emit("Unsqueeze", [self.emit("Flatten", [t], axis=1), self.const([0], np.int64)]) for t in parts)
        heads = next(a.i for a in node.attribute if a.name == "num_heads") * self.B
        y = self.emit("MultiHeadAttention", [q, k, v], domain=MS, num_heads=heads)
        self.emit("Reshape", [y, self.const([-1, self.B, C], np.int64)], [node.output[0]])
        return [node]

    # the pass ----------------------------------------------------------------------------------------

    def run(self) -> None:
        replaced: set[int] = set()
        for node in self.src:
            if id(node) in replaced:
                continue
            op, ins = node.op_type, list(node.input)
            if op == "Reshape" and ins[0] == "sample":
                done = self.pixel_unshuffle(node)
            elif op == "Reshape" and self.is_image(ins[0]) and self.only(node.output[0], "InstanceNormalization"):
                done = self.group_norm(node)
            elif op == "Reshape" and len(self.shape_of(node)) == 3 and (done := self.attention_exit(node)):
                pass
            elif op == "Add" and all(self.is_image(i) for i in ins):
                out = self.emit("Add", [self.to_nhwc(i) for i in ins], [node.output[0] + "_nhwc"])
                self.nhwc[node.output[0]] = out
                self.residual.add(out)
                done = [node]
            elif op == "Concat" and all(self.is_image(i) for i in ins):
                if self.B:  # channels of each sample together: [1, H, W, B, C_i] along C_i
                    parts = [self.emit("Reshape", [self.to_nhwc(i), self.const([0, 0, 0, self.B, -1], np.int64)]) for i in ins]
                    joined = self.emit("Concat", parts, axis=4)
                    self.nhwc[node.output[0]] = self.emit("Reshape", [joined, self.const([0, 0, 0, -1], np.int64)], [node.output[0] + "_nhwc"])
                else:
                    self.nhwc[node.output[0]] = self.emit("Concat", [self.to_nhwc(i) for i in ins], [node.output[0] + "_nhwc"], axis=3)
                done = [node]
            elif op == "Attention" and self.B:
                done = self.self_attention(node)
            elif op == "Conv" and self.B:  # one grouped Conv over the samples: weights repeated per sample
                new = helper.make_node("Conv", [self.to_nchw(ins[0]), self.per_sample(ins[1]), self.per_sample(ins[2])],
                                       [node.output[0]], name=self.name("Conv"))
                new.attribute.extend(a for a in node.attribute if a.name != "group")
                new.attribute.append(helper.make_attribute("group", self.B * next(a.i for a in node.attribute if a.name == "group")))
                self.nodes.append(new)
                self.nchw.add(node.output[0])
                done = [node]
            elif op == "Resize" and self.is_image(ins[0]):
                scales = self.consts[ins[2]]
                new = helper.make_node("Resize", [self.to_nhwc(ins[0]), "", self.const(scales[TO_NHWC])],
                                       [node.output[0] + "_nhwc"], name=self.name("Resize"))
                new.attribute.extend(node.attribute)
                self.nodes.append(new)
                self.nhwc[node.output[0]] = new.output[0]
                done = [node]
            elif op == "MultiHeadAttention" and len(ins) == 3:
                done = self.cross_attention(node)
            elif op == "DepthToSpace":
                self.depth_to_space(node)
                done = [node]
            else:  # Conv (channels-first) and everything off the image path, unchanged
                if self.B and op != "Conv" and any(self.is_image(i) for i in ins):
                    raise ValueError(f"{node.name}: {op} on an image tensor has no batch-folded form")
                new = onnx.NodeProto()
                new.CopyFrom(node)
                del new.input[:]
                new.input.extend(self.to_nchw(i) if self.is_image(i) else i for i in ins)
                self.nodes.append(new)
                if op == "Conv":
                    self.nchw.add(node.output[0])
                done = [node]
            replaced.update(id(n) for n in done)

    def fuse_residuals(self) -> None:
        """GroupNorm(Add(a, b)) -> SkipGroupNorm(a, ..., skip=b) -> (y, a + b)."""
        producer = {o: n for n in self.nodes for o in n.output}
        drop = set()
        for i, node in enumerate(self.nodes):
            if node.op_type != "GroupNorm" or node.input[0] not in self.residual:
                continue
            add = producer[node.input[0]]
            fused = helper.make_node("SkipGroupNorm", [add.input[0], node.input[1], node.input[2], add.input[1]],
                                     [node.output[0], add.output[0]], name=node.name.replace("GroupNorm", "SkipGroupNorm"),
                                     domain=MS)
            fused.attribute.extend(node.attribute)
            self.nodes[i] = fused
            drop.add(id(add))
        self.nodes = _toposort([n for n in self.nodes if id(n) not in drop])


def _with_batch(vi, batch: int):
    """A graph input/output's value info with its first (batch) dimension fixed."""
    out = onnx.ValueInfoProto()
    out.CopyFrom(vi)
    dim = out.type.tensor_type.shape.dim[0]
    dim.Clear()
    dim.dim_value = batch
    return out


def _toposort(nodes: list) -> list:
    """Nodes in an order where each comes after the producers of its inputs (stable otherwise)."""
    producer = {o: n for n in nodes for o in n.output if o}
    done: set[int] = set()
    out = []

    def visit(n):
        if id(n) in done:
            return
        done.add(id(n))
        for i in n.input:
            if i in producer:
                visit(producer[i])
        out.append(n)

    sys.setrecursionlimit(max(10000, 4 * len(nodes)))
    for n in nodes:
        visit(n)
    return out


def rewrite(model: onnx.ModelProto, batch: int | None = None) -> onnx.ModelProto:
    """The WebGPU graph of the shipped U-Net `model` (same inputs, outputs and initializers by name).

    With `batch` (2: a guided step's [uncond, cond]) the graph takes exactly that batch and folds it into
    the channels, [1, H, W, batch * C] (sample-major): the ResBlock's per-sample FiLM becomes the
    per-channel affine of its GroupNorm (2 kernels with the SiLU, instead of 5), Convs run grouped (one
    group per sample, the weights repeated at load), attention runs batch x heads heads."""
    r = _Rewriter(model, batch)
    r.output_dims = {o.name: [d.dim_value or d.dim_param for d in o.type.tensor_type.shape.dim] for o in model.graph.output}
    r.run()
    r.fuse_residuals()
    used = {i for n in r.nodes for i in n.input}
    inits = [i for i in model.graph.initializer if i.name in used] + r.inits
    io = [list(model.graph.input), list(model.graph.output)]
    if batch:
        io = [[_with_batch(v, batch) for v in vs] for vs in io]
    graph = helper.make_graph(r.nodes, "unet_webgpu", io[0], io[1], inits)
    out = helper.make_model(graph, opset_imports=list(model.opset_import), producer_name="emoji-diffusion webgpu_graph.py")
    out.ir_version = model.ir_version
    onnx.checker.check_model(out)
    return out


# checking on the CPU -------------------------------------------------------------------------------


def expand_contrib(model: onnx.ModelProto) -> onnx.ModelProto:
    """`model` with every com.microsoft GroupNorm / SkipGroupNorm (channels-last) written in ops that
    onnxruntime's CPU EP runs (Transpose, InstanceNormalization, Mul, Add, Sigmoid): the same arithmetic,
    for checking a rewritten graph on the CPU. The op itself is checked on the GPU by
    scripts/webgpu/webgpu-optest.ts against the same expansion (training/webgpu_op_graphs.py)."""
    nodes, inits, n = [], [], 0

    def const(value, dtype=np.float32):
        nonlocal n
        n += 1
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), f"xp_c_{n}"))
        return f"xp_c_{n}"

    def node(op, inputs, outputs=None, **attrs):
        nonlocal n
        n += 1
        outputs = outputs or [f"xp_{op.lower()}_{n}"]
        nodes.append(helper.make_node(op, inputs, outputs, **attrs))
        return outputs[0]

    for src in model.graph.node:
        if src.domain != MS or src.op_type not in ("GroupNorm", "SkipGroupNorm"):
            nodes.append(src)
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in src.attribute}
        x, gamma, beta = src.input[:3]
        if src.op_type == "SkipGroupNorm":
            x = node("Add", [x, src.input[3]], [src.output[1]] if len(src.output) > 1 and src.output[1] else None)
            if len(src.input) > 4 and src.input[4]:
                raise ValueError(f"{src.name}: SkipGroupNorm's bias input is not expanded")
        G = attrs["groups"]
        nchw = node("Transpose", [x], perm=TO_NCHW)
        grouped = node("Reshape", [nchw, const([0, G, -1], np.int64)])
        normed = node("InstanceNormalization", [grouped, const(np.ones(G)), const(np.zeros(G))], epsilon=attrs["epsilon"])
        normed = node("Transpose", [node("Reshape", [normed, node("Shape", [nchw])])], perm=TO_NHWC)
        y = node("Add", [node("Mul", [normed, gamma]), beta], None if attrs["activation"] else [src.output[0]])
        if attrs["activation"]:
            node("Mul", [y, node("Sigmoid", [y])], [src.output[0]])
    graph = helper.make_graph(nodes, model.graph.name, list(model.graph.input), list(model.graph.output),
                              list(model.graph.initializer) + inits)
    out = helper.make_model(graph, opset_imports=list(model.opset_import))
    out.ir_version = model.ir_version
    return out


# one weights file for both graphs ------------------------------------------------------------------


def share_weights(graphs: dict[str, onnx.ModelProto], weights_file: str) -> bytes:
    """Moves every initializer of WEIGHTS_MIN_BYTES or more out of the `graphs` (file name -> model,
    changed in place) into one blob that all of them point into as ONNX external data (location
    `weights_file`); a tensor that several graphs hold (same name, same bytes) is stored once.
    Returns the blob."""
    blob = bytearray()
    where: dict[str, tuple[int, int, bytes]] = {}   # initializer name -> (offset, length, digest)
    for model in graphs.values():
        for t in model.graph.initializer:
            raw = numpy_helper.to_array(t).tobytes()
            if len(raw) < WEIGHTS_MIN_BYTES:
                continue
            digest = hashlib.sha256(raw).digest()
            if t.name in where:
                if where[t.name][2] != digest:
                    raise ValueError(f"initializer {t.name}: different values in two graphs")
            else:
                blob.extend(b"\0" * (-len(blob) % 64))  # aligned, as onnxruntime can map it
                where[t.name] = (len(blob), len(raw), digest)
                blob.extend(raw)
            offset, length, _ = where[t.name]
            t.ClearField("raw_data")
            for field in ("float_data", "int32_data", "int64_data", "double_data", "uint64_data", "string_data"):
                t.ClearField(field)
            t.data_location = TensorProto.EXTERNAL
            del t.external_data[:]
            for k, v in (("location", weights_file), ("offset", str(offset)), ("length", str(length))):
                t.external_data.add(key=k, value=v)
    return bytes(blob)


def _entry(path: Path) -> dict:
    data = path.read_bytes()
    return {"file": path.name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="Writes the WASM and WebGPU U-Net graphs over one weights file.")
    parser.add_argument("shipped", type=Path, help="the shipped U-Net (public/models/unet.onnx)")
    parser.add_argument("out", type=Path, help="folder for unet.onnx, unet-webgpu.onnx and unet.weights")
    parser.add_argument("--batch", type=int, default=2,
                        help="fold this batch into the channels (2: a guided step); 0 keeps any batch")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    wasm = onnx.load(str(args.shipped))
    webgpu = rewrite(wasm, args.batch or None)
    blob = share_weights({"unet.onnx": wasm, "unet-webgpu.onnx": webgpu}, "unet.weights")
    (args.out / "unet.weights").write_bytes(blob)
    onnx.save(wasm, str(args.out / "unet.onnx"))
    onnx.save(webgpu, str(args.out / "unet-webgpu.onnx"))
    files = {"unet.onnx": _entry(args.out / "unet.onnx"), "unet-webgpu.onnx": _entry(args.out / "unet-webgpu.onnx"),
             "unet.weights": _entry(args.out / "unet.weights")}
    entry = {**files["unet.onnx"], "external_data": files["unet.weights"],
             "webgpu": {**files["unet-webgpu.onnx"], "batch": args.batch or "batch", "execution_provider": "webgpu (native)"}}
    print(json.dumps({"unet": entry}, indent=1))
    total = sum(f["bytes"] for f in files.values())
    print(f"{args.shipped}: {args.shipped.stat().st_size} bytes -> {total} bytes in 3 files", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
