"""The U-Net's ONNX graph written node by node from its weights: the fewest GPU kernels per call.

On WebGPU each ONNX node is one or more GPU kernels, each with its own bind group and uniform upload,
and on a real GPU that per-kernel overhead, not the arithmetic, is what a call costs (docs/benchmark.md).
torch.onnx.export gives one node per PyTorch op; this writes the same arithmetic with the ops that
onnxruntime runs fused on both its CPU EP (the page's WASM backend) and its JSEP WebGPU EP:
- GroupNorm = InstanceNormalization over [B, groups, C/groups * H * W] (or, for rows shorter than
  LONG_ROWS, LayerNormalization: one kernel instead of two, and a residual Add before it folded into one
  SkipLayerNormalization) + its per-channel affine as BatchNormalization (mean 0, var 1, eps 0);
- the ResBlock's second GroupNorm affine and its FiLM (per sample and channel) = one BatchNormalization
  over [1, B * C, H, W] whose scale/shift/mean/var come from the one Gemm that computes every block's
  FiLM from the time embedding (the affine folded into that Gemm's weights, folded by onnxruntime at load);
- self-attention = com.microsoft Attention (Q, K and V projected by the op: 4 kernels, no Transposes);
- cross-attention = com.microsoft MultiHeadAttention given K and V head-major ([B, heads, L, d], the
  layout it computes in), those of all blocks of a width out of one broadcast MatMul on the text
  context: it transposes only Q (an Einsum over (head, d) for the output projection would save one
  more kernel, but JSEP's Einsum gets contractions over two indices wrong);
- the attention block's entry (GroupNorm affine, channels-last, LayerNorm) = Einsum (transpose and
  gamma / 2) + SkipLayerNormalization(w, w, bias=beta) (w + w is exact), its residual Adds and LNs =
  SkipLayerNormalization, and the MLP's output bias rides on a constant Gelu column (Gelu(10) = 10) so
  the second Gemm adds the residual itself;
- SiLU = com.microsoft QuickGelu (alpha 1), GELU = com.microsoft Gelu (exact, erf).
Weight products (folded affines) are Mul/MatMul nodes over the stored fp16 weights: onnxruntime folds
them once at load in fp32, so the file keeps its fp16 weights and size. The batch stays symbolic.
"""
from __future__ import annotations

import math

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from model import AttnBlock, ResBlock, UNet

OPSET = 17
MS = "com.microsoft"
# GroupNorm rows (C / groups * H * W values) at least this long are normalised by InstanceNormalization
# (2 GPU kernels) instead of LayerNormalization / SkipLayerNormalization (1 kernel, fused with the
# residual Add before it): onnxruntime's WASM kernels for those are slower on such rows, and 0 (every
# GroupNorm) is what keeps a WASM step as fast as before (docs/benchmark.md, WASM A/B: all-LN 282
# kernels but ~3% slower at 1 thread; LN below 1024 ~1.5% slower).
LONG_ROWS = 0


class _Graph:
    def __init__(self):
        self.nodes: list = []
        self.inits: list = []
        self.n = 0
        # residual Adds that a following GroupNorm may turn into one SkipLayerNormalization:
        # output name -> (a, b, C, H, W)
        self.residuals: dict[str, tuple] = {}
        self.groups = 0

    def name(self, tag: str) -> str:
        self.n += 1
        return f"{tag}_{self.n}"

    def const(self, value, tag: str = "c", dtype=np.float32) -> str:
        name = self.name(tag)
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def ints(self, value) -> str:
        return self.const(value, "shape", np.int64)

    def op(self, op_type: str, inputs: list[str], n_out: int = 1, domain: str = "", **attrs):
        outs = [self.name(op_type.lower()) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=self.name(op_type), domain=domain or None, **attrs))
        return outs[0] if n_out == 1 else outs

    def skip_ln(self, inputs: list[str], epsilon: float = 1e-5) -> tuple[str, str]:
        """com.microsoft SkipLayerNormalization: (LN(input + skip + bias), input + skip + bias)."""
        out, total = self.name("skipln"), self.name("sum")
        self.nodes.append(helper.make_node("SkipLayerNormalization", inputs, [out, "", "", total], name=self.name("SkipLN"),
                                           domain=MS, epsilon=epsilon))
        return out, total

    def conv(self, x: str, conv: torch.nn.Conv2d) -> str:
        """A Conv node with every attribute spelled out (JSEP's Conv wants dilations, strides and pads)."""
        k, st, pad = conv.kernel_size, conv.stride, conv.padding
        return self.op("Conv", [x, self.const(_w(conv.weight)), self.const(_w(conv.bias))], kernel_shape=list(k),
                       strides=list(st), pads=[pad[0], pad[1], pad[0], pad[1]], dilations=[1, 1], group=1)

    def reshape(self, x: str, shape) -> str:
        return self.op("Reshape", [x, self.ints(shape)])

    # GroupNorm --------------------------------------------------------------------------------------

    def group_normalised(self, x: str, C: int, H: int, W: int) -> str:
        """x [B, C, H, W] normalised per group, as [B, G, C/G * H * W]; a residual Add that produced x
        becomes a SkipLayerNormalization that gives both."""
        G = self.groups
        X = C // G * H * W
        if x in self.residuals and X < LONG_ROWS:
            a, b, *_ = self.residuals.pop(x)
            at = next(i for i, node in enumerate(self.nodes) if list(node.output) == [x])
            ones = self.const(np.ones(X), "ones")
            tail, self.nodes = self.nodes[at + 1:], self.nodes[:at]  # drop the Add, keep what followed
            ag, bg = self.reshape(a, [0, G, X]), self.reshape(b, [0, G, X])
            n, total = self.skip_ln([ag, bg, ones])
            self.nodes.append(helper.make_node("Reshape", [total, self.ints([0, C, H, W])], [x], name=self.name("Reshape")))
            self.nodes += tail
            return n
        if X >= LONG_ROWS:  # see LONG_ROWS
            return self.op("InstanceNormalization", [self.reshape(x, [0, G, X]), self.const(np.ones(G), "ones"),
                                                     self.const(np.zeros(G), "zeros")], epsilon=1e-5)
        return self.op("LayerNormalization", [self.reshape(x, [0, G, X]), self.const(np.ones(X), "ones")], axis=-1, epsilon=1e-5)

    def residual(self, a: str, b: str, C: int, H: int, W: int) -> str:
        out = self.op("Add", [a, b])
        self.residuals[out] = (a, b, C, H, W)
        return out

    def affine(self, n: str, gamma: str, beta: str, C: int, H: int, W: int) -> str:
        """n [B, G, X] -> n * gamma + beta per channel, [B, C, H, W] (BatchNormalization, mean 0, var 1, eps 0)."""
        return self.op("BatchNormalization", [self.reshape(n, [0, C, H, W]), gamma, beta,
                                              self.const(np.zeros(C), "zeros"), self.const(np.ones(C), "ones")], epsilon=0.0)


def _w(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().astype(np.float32)


def build_unet_graph(unet: UNet, context_len: int) -> onnx.ModelProto:
    """The ONNX graph of `unet` (sample [B, 3, R, R], timestep [B], encoder_hidden_states [B, L, Cc] ->
    v [B, 3, R, R]), the batch symbolic."""
    cfg = unet.cfg
    g = _Graph()
    g.groups = cfg.groups
    p, R, h = cfg.patch, cfg.resolution, cfg.heads
    Cc, L = cfg.context_dim, context_len

    # pixel-unshuffle: channel c*p*p + i*p + j holds pixel (i, j) of each p x p patch of channel c
    S = R // p
    x = g.reshape("sample", [0, 3, S, p, S, p])
    x = g.reshape(g.op("Transpose", [x], perm=[0, 1, 3, 5, 2, 4]), [0, 3 * p * p, S, S])

    # time embedding -> every ResBlock's FiLM, in one Gemm (see film_weights)
    half = cfg.channels[0] // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half).numpy()
    args = g.op("Mul", [g.op("Unsqueeze", ["timestep", g.ints([1])]), g.const(freqs[None], "freqs")])
    z = g.op("Concat", [g.op("Cos", [args]), g.op("Sin", [args])], axis=1)
    z = g.op("Gemm", [z, g.const(_w(unet.temb[0].weight)), g.const(_w(unet.temb[0].bias))], transB=1)
    z = g.op("QuickGelu", [z], domain=MS, alpha=1.0)
    res_blocks = [m for m in unet.modules() if isinstance(m, ResBlock)]
    film = _film(g, z, unet.temb[2], res_blocks)

    # K and V of every cross-attention, head-major [B, h, L, d], from one MatMul per width (see _cross_kv)
    attn_blocks = [m for m in unet.modules() if isinstance(m, AttnBlock)]
    kv = _cross_kv(g, attn_blocks, h, L, Cc)

    def res(x, blk: ResBlock, cin, H):
        cout = blk.c1.out_channels
        n = g.group_normalised(x, cin, H, H)
        a = g.op("QuickGelu", [g.affine(n, g.const(_w(blk.n1.weight)), g.const(_w(blk.n1.bias)), cin, H, H)], domain=MS, alpha=1.0)
        y = g.conv(a, blk.c1)
        n = g.group_normalised(y, cout, H, H)
        scale, shift, zeros, ones = film[id(blk)]
        y = g.op("BatchNormalization", [g.reshape(n, [1, -1, H, H]), scale, shift, zeros, ones], epsilon=0.0)
        y = g.op("QuickGelu", [g.reshape(y, [-1, cout, H, H])], domain=MS, alpha=1.0)
        y = g.conv(y, blk.c2)
        skip = x if isinstance(blk.skip, torch.nn.Identity) else \
            g.conv(x, blk.skip)
        return g.residual(skip, y, cout, H, H)

    def attn(x, blk: AttnBlock, C, H):
        N = H * H
        n = g.reshape(g.group_normalised(x, C, H, H), [0, C, N])
        # channels-last with gamma / 2 (exact), then LN1(w + w + beta), which also returns h0 = w + w + beta
        w = g.op("Einsum", [n, g.const(_w(blk.norm.weight) / 2)], equation="bcn,c->bnc")
        l1, h0 = g.skip_ln([w, w, g.const(_w(blk.ln1.weight)), g.const(_w(blk.ln1.bias)),
                                                 g.const(_w(blk.norm.bias))])
        sa = blk.self_attn
        wqkv = np.concatenate([_w(sa.q.weight).T, _w(sa.k.weight).T, _w(sa.v.weight).T], axis=1)
        s = g.op("Attention", [l1, g.const(wqkv), g.const(np.zeros(3 * C))], domain=MS, num_heads=h)
        s = g.op("MatMul", [s, g.const(_w(sa.out.weight).T)])
        l2, h1 = g.skip_ln([s, h0, g.const(_w(blk.ln2.weight)), g.const(_w(blk.ln2.bias)),
                                                 g.const(_w(sa.out.bias))])
        ca = blk.cross_attn
        # K and V arrive head-major [B, h, L, d] (_cross_kv), so MultiHeadAttention transposes only Q
        q = g.op("MatMul", [l2, g.const(_w(ca.q.weight).T)])
        k, v = kv[id(blk)]
        y = g.op("MultiHeadAttention", [q, k, v], domain=MS, num_heads=h)
        y = g.op("MatMul", [y, g.const(_w(ca.out.weight).T)])
        l3, h2 = g.skip_ln([y, h1, g.const(_w(blk.ln3.weight)), g.const(_w(blk.ln3.bias)),
                                                 g.const(_w(ca.out.bias))])
        # MLP: a fourth block of constant columns, Gelu(10) = 10 (erf(7.07) is 1 in fp32), carries the
        # second bias (b2 / 10 in its weight row), so the second Gemm adds the residual h2 as its C
        fc1, fc2 = blk.mlp[0], blk.mlp[2]
        w1 = np.concatenate([_w(fc1.weight).T, np.zeros((C, 4), np.float32)], axis=1)
        b1 = np.concatenate([_w(fc1.bias), np.array([10, 0, 0, 0], np.float32)])
        m = g.op("Gelu", [g.op("Gemm", [g.reshape(l3, [-1, C]), g.const(w1), g.const(b1)])], domain=MS)
        w2 = g.op("Concat", [g.const(_w(fc2.weight).T),
                             g.op("Div", [g.const(_w(fc2.bias)[None]), g.const(np.array([10.0]))]),
                             g.const(np.zeros((3, C)))], axis=0)
        h3 = g.op("Gemm", [m, w2, g.reshape(h2, [-1, C])])
        back = g.reshape(g.op("Transpose", [g.reshape(h3, [-1, N, C])], perm=[0, 2, 1]), [0, C, H, H])
        return g.residual(x, back, C, H, H)

    ch = cfg.channels
    H = S
    hcur = g.conv(x, unet.stem)
    cin = ch[0]
    hs = [(hcur, cin)]
    for layer in unet.down:
        if isinstance(layer, torch.nn.ModuleList):
            hcur = res(hcur, layer[0], cin, H)
            cin = layer[0].c1.out_channels
            if isinstance(layer[1], AttnBlock):
                hcur = attn(hcur, layer[1], cin, H)
        else:  # stride-2 conv
            hcur = g.conv(hcur, layer)
            H //= 2
        hs.append((hcur, cin))
    hcur = res(hcur, unet.mid1, cin, H)
    hcur = attn(hcur, unet.mid_attn, cin, H)
    hcur = res(hcur, unet.mid2, cin, H)
    for layer in unet.up:
        if isinstance(layer, torch.nn.ModuleList):
            skip, cs = hs.pop()
            hcur = g.op("Concat", [hcur, skip], axis=1)
            hcur = res(hcur, layer[0], cin + cs, H)
            cin = layer[0].c1.out_channels
            if isinstance(layer[1], AttnBlock):
                hcur = attn(hcur, layer[1], cin, H)
        else:  # nearest 2x, conv
            hcur = g.op("Resize", [hcur, "", g.const([1, 1, 2, 2])], mode="nearest",
                        coordinate_transformation_mode="asymmetric", nearest_mode="floor")
            H *= 2
            conv = layer[1]
            hcur = g.conv(hcur, conv)
    n = g.group_normalised(hcur, cin, H, H)
    hcur = g.op("QuickGelu", [g.affine(n, g.const(_w(unet.out_norm.weight)), g.const(_w(unet.out_norm.bias)), cin, H, H)],
                domain=MS, alpha=1.0)
    if cfg.input_skip:
        hcur = g.op("Concat", [hcur, x], axis=1)
    y = g.conv(hcur, unet.out)
    g.nodes.append(helper.make_node("DepthToSpace", [y], ["v"], name="DepthToSpace", blocksize=p, mode="CRD"))

    f32 = TensorProto.FLOAT
    graph = helper.make_graph(
        g.nodes, "unet",
        [helper.make_tensor_value_info("sample", f32, ["batch", 3, R, R]),
         helper.make_tensor_value_info("timestep", f32, ["batch"]),
         helper.make_tensor_value_info("encoder_hidden_states", f32, ["batch", L, Cc])],
        [helper.make_tensor_value_info("v", f32, ["batch", 3, R, R])],
        g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid(MS, 1)],
                              producer_name="emoji-diffusion onnx_unet_graph.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def _film(g: _Graph, z: str, temb_out: torch.nn.Linear, blocks: list[ResBlock]) -> dict:
    """Every ResBlock's second-GroupNorm affine and FiLM, n * gamma * (1 + s) + beta * (1 + s) + shift
    with s, shift = W (W2 z + b2) + b, as one BatchNormalization per block: scale, shift, mean 0, var 1,
    each [B * C], all out of one Gemm on z (the time MLP's hidden layer; its second Linear folded in)
    and two levels of Split (a WebGPU Split binds every output: at most 7 per Split)."""
    rows, biases, names, seen = [], [], [], {}
    for blk in blocks:
        C = blk.c1.out_channels
        gam, bet = g.const(_w(blk.n2.weight)[:, None]), g.const(_w(blk.n2.bias)[:, None])
        ws, wsh = g.const(_w(blk.t.weight)[:C]), g.const(_w(blk.t.weight)[C:])
        one_bs = g.op("Add", [g.const(_w(blk.t.bias)[:C]), g.const(np.ones(C))])          # 1 + b_s
        rows += [g.op("Mul", [ws, gam]), g.op("Add", [g.op("Mul", [ws, bet]), wsh])]
        biases += [g.op("Mul", [one_bs, g.const(_w(blk.n2.weight))]),
                   g.op("Add", [g.op("Mul", [one_bs, g.const(_w(blk.n2.bias))]), g.const(_w(blk.t.bias)[C:])])]
        names += [(id(blk), "scale", C), (id(blk), "shift", C)]
        if C not in seen:
            seen[C] = True
            zero_rows = g.const(np.zeros((C, temb_out.out_features)))
            rows += [zero_rows, zero_rows]
            biases += [g.const(np.zeros(C)), g.const(np.ones(C))]
            names += [(C, "zeros", C), (C, "ones", C)]
    wf = g.op("Concat", rows, axis=0)                                  # [F, temb]
    bf = g.op("Concat", biases, axis=0)                                # [F]
    w = g.op("MatMul", [wf, g.const(_w(temb_out.weight))])             # [F, hidden]: Wf W2
    b = g.op("Add", [g.op("MatMul", [wf, g.const(_w(temb_out.bias))]), bf])  # Wf b2 + bf
    out = g.op("Gemm", [z, w, b], transB=1)                            # [B, F]
    sizes = [c for *_, c in names]
    chunks = [list(range(i, min(i + 7, len(sizes)))) for i in range(0, len(sizes), 7)]
    level1 = g.op("Split", [out, g.ints([sum(sizes[j] for j in c) for c in chunks])], len(chunks), axis=1)
    level1 = [level1] if isinstance(level1, str) else level1
    parts = []
    for src, c in zip(level1, chunks):
        got = g.op("Split", [src, g.ints([sizes[j] for j in c])], len(c), axis=1) if len(c) > 1 else src
        parts += [got] if isinstance(got, str) else got
    flat = {key: g.reshape(part, [-1]) for key, part in zip([(k, role) for k, role, _ in names], parts)}
    return {id(blk): (flat[(id(blk), "scale")], flat[(id(blk), "shift")],
                      flat[(blk.c1.out_channels, "zeros")], flat[(blk.c1.out_channels, "ones")]) for blk in blocks}


def _cross_kv(g: _Graph, blocks: list[AttnBlock], h: int, L: int, Cc: int) -> dict:
    """K and V of each block's cross-attention as [B, h, L, d]: the context [B, 1, L, Cc] times
    [heads of up to 3 blocks' K and V, Cc, d] (a broadcast MatMul, head-major out), then a Split."""
    ctx = g.reshape("encoder_hidden_states", [0, 1, L, Cc])
    by_width: dict[int, list] = {}
    for blk in blocks:
        by_width.setdefault(blk.cross_attn.q.out_features, []).append(blk)
    out = {}
    for C, group in by_width.items():
        d = C // h
        for i in range(0, len(group), 3):
            part = group[i:i + 3]
            heads = [(_w(m.weight).T.reshape(Cc, h, d).transpose(1, 0, 2))
                     for blk in part for m in (blk.cross_attn.k, blk.cross_attn.v)]        # each [h, Cc, d]
            kv = g.op("MatMul", [ctx, g.const(np.concatenate(heads, axis=0))])           # [B, 2 n h, L, d]
            pieces = g.op("Split", [kv, g.ints([h] * 2 * len(part))], 2 * len(part), axis=1)
            for j, blk in enumerate(part):
                out[id(blk)] = (pieces[2 * j], pieces[2 * j + 1])
    return out
