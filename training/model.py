"""The networks: a CLIP-style text encoder and image encoder, and a text-conditioned U-Net.

Attention is written by hand (no nn.MultiheadAttention / nn.TransformerEncoder, no
F.scaled_dot_product_attention) so the same code runs on PyTorch 1.13 CPU and 2.x CUDA and exports to
plain ONNX ops that onnxruntime-web runs on WASM and WebGPU.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class TextConfig:
    vocab_size: int = 4096
    max_length: int = 16   # tokens, BOS and EOS included
    width: int = 128       # channels of the token states the U-Net attends to
    layers: int = 4
    heads: int = 4
    embed_dim: int = 128   # CLIP joint embedding size
    word_dim: int = 0      # > 0: word embeddings of this size (seeded with GloVe vectors) projected to width


@dataclass
class ImageConfig:
    channels: tuple = (16, 32, 64, 128)  # per resolution 32, 16, 8, 4 (the first conv has stride 2)
    embed_dim: int = 128


@dataclass
class UNetConfig:
    resolution: int = 64
    patch: int = 2                    # pixel-unshuffle factor: the U-Net's top level runs at 64 / patch
    channels: tuple = (64, 128, 192)  # per level (at 64/patch, 64/patch/2, ...)
    blocks: int = 1                   # res blocks per level on the way down (up uses blocks + 1)
    attention: tuple = (False, True, True)  # self + cross attention per level
    heads: int = 4
    context_dim: int = 128            # = TextConfig.width
    groups: int = 16                  # GroupNorm groups
    input_skip: bool = True           # the output conv also sees the unshuffled input pixels


def config_dict(cfg) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(cfg).items()}


# ----------------------------------------------------------------------------------------------------
# Attention


class Attention(nn.Module):
    """Multi-head attention of queries x [B, N, C] over context [B, M, Cc] (self-attention if None)."""

    def __init__(self, dim: int, heads: int, context_dim: int | None = None):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim, bias=False)
        self.k = nn.Linear(context_dim or dim, dim, bias=False)
        self.v = nn.Linear(context_dim or dim, dim, bias=False)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None,
                bias: torch.Tensor | None = None) -> torch.Tensor:
        ctx = x if context is None else context
        B, N, C = x.shape
        h = self.heads
        q = self.q(x).reshape(B, N, h, C // h).transpose(1, 2)      # (B, h, N, d)
        k = self.k(ctx).reshape(B, -1, h, C // h).transpose(1, 2)   # (B, h, M, d)
        v = self.v(ctx).reshape(B, -1, h, C // h).transpose(1, 2)   # (B, h, M, d)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(C // h))  # (B, h, N, M)
        if bias is not None:
            att = att + bias
        y = att.softmax(dim=-1) @ v                                  # (B, h, N, d)
        return self.out(y.transpose(1, 2).reshape(B, N, C))


# ----------------------------------------------------------------------------------------------------
# Text encoder


class TextBlock(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.ln1 = nn.LayerNorm(width)
        self.attn = Attention(width, heads)
        self.ln2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x, bias):
        x = x + self.attn(self.ln1(x), bias=bias)
        return x + self.mlp(self.ln2(x))


class TextEncoder(nn.Module):
    """ids [B, L] (int) -> (token states [B, L, width], pooled [B, embed_dim]).

    Bidirectional transformer; padding is masked out of attention and of the pooled mean."""

    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.word_dim or cfg.width)
        # With word_dim the table holds (GloVe-seeded) word vectors and one shared projection maps them to
        # the transformer's width, so a word no caption contains still lands near words of like meaning.
        self.tok_proj = nn.Linear(cfg.word_dim, cfg.width, bias=False) if cfg.word_dim else None
        self.pos = nn.Parameter(torch.zeros(1, cfg.max_length, cfg.width))
        nn.init.normal_(self.tok.weight, std=0.02)
        nn.init.normal_(self.pos, std=0.01)
        self.blocks = nn.ModuleList(TextBlock(cfg.width, cfg.heads) for _ in range(cfg.layers))
        self.ln = nn.LayerNorm(cfg.width)
        self.proj = nn.Linear(cfg.width, cfg.embed_dim, bias=False)

    def forward(self, ids: torch.Tensor):
        keep = (ids != 0).to(torch.float32)                      # (B, L) 1 = token, 0 = pad
        bias = ((1.0 - keep) * -1e4)[:, None, None, :]           # (B, 1, 1, L)
        x = self.tok(ids)
        if self.tok_proj is not None:
            x = self.tok_proj(x)
        x = x + self.pos                                         # (B, L, W)
        for blk in self.blocks:
            x = blk(x, bias)
        x = self.ln(x)
        pooled = (x * keep[..., None]).sum(1) / keep.sum(1, keepdim=True)
        return x, self.proj(pooled)


# ----------------------------------------------------------------------------------------------------
# Image encoder (the other half of CLIP)


class ImageEncoder(nn.Module):
    """images [B, 3, 64, 64] in [-1, 1] -> embedding [B, embed_dim]."""

    def __init__(self, cfg: ImageConfig):
        super().__init__()
        self.cfg = cfg
        layers, cin = [], 3
        for i, c in enumerate(cfg.channels):
            layers += [nn.Conv2d(cin, c, 3, stride=2, padding=1),
                       nn.GroupNorm(8, c), nn.SiLU(),
                       nn.Conv2d(c, c, 3, padding=1), nn.GroupNorm(8, c), nn.SiLU()]
            cin = c
        self.net = nn.Sequential(*layers)
        self.proj = nn.Linear(cin, cfg.embed_dim, bias=False)

    def forward(self, x):
        return self.proj(self.net(x).mean(dim=(2, 3)))


def seed_word_vectors(text: "TextEncoder", vocab: dict[str, int], vectors: dict[str, "np.ndarray"]) -> int:
    """Set the embedding rows of vocabulary words that have a GloVe vector to that vector, scaled so the
    mean row norm is 1; other rows (hash buckets, specials, words without a vector) keep a random init of
    the same scale. Returns how many rows were seeded."""
    import numpy as np
    dim = text.tok.weight.shape[1]
    found = {i: vectors[w] for w, i in vocab.items() if w in vectors}
    if not found:
        return 0
    scale = 1.0 / float(np.mean([np.linalg.norm(v) for v in found.values()]))
    with torch.no_grad():
        nn.init.normal_(text.tok.weight, std=1.0 / math.sqrt(dim))
        rows = torch.tensor(list(found), dtype=torch.long)
        text.tok.weight[rows] = torch.from_numpy(np.stack(list(found.values()))[:, :dim] * scale).float()
    return len(found)


class CLIP(nn.Module):
    """Text and image encoders with a learned temperature (Radford et al. 2021)."""

    def __init__(self, text: TextConfig, image: ImageConfig):
        super().__init__()
        self.text = TextEncoder(text)
        self.image = ImageEncoder(image)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))


# ----------------------------------------------------------------------------------------------------
# U-Net


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of float timesteps t [B] -> [B, dim] (Vaswani et al. 2017)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.to(torch.float32)[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, temb: int, groups: int):
        super().__init__()
        self.n1 = nn.GroupNorm(groups, cin)
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.t = nn.Linear(temb, 2 * cout)  # scale and shift (FiLM)
        self.n2 = nn.GroupNorm(groups, cout)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)
        nn.init.zeros_(self.c2.weight)
        nn.init.zeros_(self.c2.bias)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, temb):
        h = self.c1(F.silu(self.n1(x)))
        scale, shift = self.t(temb)[:, :, None, None].chunk(2, dim=1)
        h = self.n2(h) * (1 + scale) + shift
        h = self.c2(F.silu(h))
        return self.skip(x) + h


class AttnBlock(nn.Module):
    """Self-attention, then cross-attention to the text tokens, then an MLP, on [B, C, H, W]."""

    def __init__(self, ch: int, heads: int, context_dim: int, groups: int):
        super().__init__()
        self.norm = nn.GroupNorm(groups, ch)
        self.ln1, self.self_attn = nn.LayerNorm(ch), Attention(ch, heads)
        self.ln2, self.cross_attn = nn.LayerNorm(ch), Attention(ch, heads, context_dim)
        self.ln3 = nn.LayerNorm(ch)
        self.mlp = nn.Sequential(nn.Linear(ch, 2 * ch), nn.GELU(), nn.Linear(2 * ch, ch))
        for m in (self.self_attn.out, self.cross_attn.out, self.mlp[2]):
            nn.init.zeros_(m.weight)
            nn.init.zeros_(m.bias)

    def forward(self, x, context):
        B, C, H, W = x.shape
        h = self.norm(x).reshape(B, C, H * W).transpose(1, 2)    # (B, HW, C)
        h = h + self.self_attn(self.ln1(h))
        h = h + self.cross_attn(self.ln2(h), context)
        h = h + self.mlp(self.ln3(h))
        return x + h.transpose(1, 2).reshape(B, C, H, W)


class UNet(nn.Module):
    """sample [B, 3, 64, 64], timestep [B] (float, 0..999), context [B, L, Cc] -> v [B, 3, 64, 64].

    A pixel-unshuffle first (p = 2: 64x64x3 -> 32x32x12; p = 4: -> 16x16x48), so no convolution runs
    at full resolution and the cost goes to the low resolutions, where attention is."""

    def __init__(self, cfg: UNetConfig):
        super().__init__()
        self.cfg = cfg
        ch = cfg.channels
        temb = 4 * ch[0]
        self.temb = nn.Sequential(nn.Linear(ch[0], temb), nn.SiLU(), nn.Linear(temb, temb))
        self.stem = nn.Conv2d(3 * cfg.patch ** 2, ch[0], 3, padding=1)
        self.down = nn.ModuleList()
        skips = [ch[0]]
        cin = ch[0]
        for lvl, c in enumerate(ch):
            for _ in range(cfg.blocks):
                self.down.append(nn.ModuleList([
                    ResBlock(cin, c, temb, cfg.groups),
                    AttnBlock(c, cfg.heads, cfg.context_dim, cfg.groups) if cfg.attention[lvl] else nn.Identity()]))
                cin = c
                skips.append(c)
            if lvl < len(ch) - 1:
                self.down.append(nn.Conv2d(c, c, 3, stride=2, padding=1))
                skips.append(c)
        self.mid1 = ResBlock(cin, cin, temb, cfg.groups)
        self.mid_attn = AttnBlock(cin, cfg.heads, cfg.context_dim, cfg.groups)
        self.mid2 = ResBlock(cin, cin, temb, cfg.groups)
        self.up = nn.ModuleList()
        for lvl in reversed(range(len(ch))):
            c = ch[lvl]
            for _ in range(cfg.blocks + 1):
                self.up.append(nn.ModuleList([
                    ResBlock(cin + skips.pop(), c, temb, cfg.groups),
                    AttnBlock(c, cfg.heads, cfg.context_dim, cfg.groups) if cfg.attention[lvl] else nn.Identity()]))
                cin = c
            if lvl > 0:
                self.up.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                                             nn.Conv2d(c, c, 3, padding=1)))
        self.out_norm = nn.GroupNorm(cfg.groups, cin)
        # With input_skip the last conv also sees x_t's own pixels: a direct path for the per-pixel noise
        # that low-t steps must remove, instead of squeezing it through the whole network.
        self.out = nn.Conv2d(cin + (3 * cfg.patch ** 2 if cfg.input_skip else 0), 3 * cfg.patch ** 2, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, sample, timestep, context):
        p = self.cfg.patch
        # pixel-unshuffle by p: channel c*p*p + i*p + j holds pixel (i, j) of each p x p patch of channel c
        x = F.pixel_unshuffle(sample, p)                          # (B, C p^2, H/p, W/p)
        temb = self.temb(timestep_embedding(timestep, self.cfg.channels[0]))
        h = self.stem(x)
        hs = [h]
        for layer in self.down:
            if isinstance(layer, nn.ModuleList):
                h = layer[0](h, temb)
                h = layer[1](h, context) if isinstance(layer[1], AttnBlock) else h
            else:
                h = layer(h)
            hs.append(h)
        h = self.mid2(self.mid_attn(self.mid1(h, temb), context), temb)
        for layer in self.up:
            if isinstance(layer, nn.ModuleList):
                h = layer[0](torch.cat([h, hs.pop()], dim=1), temb)
                h = layer[1](h, context) if isinstance(layer[1], AttnBlock) else h
            else:
                h = layer(h)
        h = F.silu(self.out_norm(h))
        if self.cfg.input_skip:
            h = torch.cat([h, x], dim=1)
        y = self.out(h)                                          # (B, 3 p^2, H/p, W/p)
        # the inverse shuffle: one DepthToSpace (CRD) in ONNX, so a kernel, not a copy, writes the output
        return F.pixel_shuffle(y, p)                             # (B, C, H, W)


def count_parameters(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def unet_gflops(model: UNet, context_len: int = 16) -> float:
    """Multiply-adds x 2 of one forward pass for one image, counted with forward hooks on conv,
    linear and the attention matmuls."""
    total = [0]
    hooks = []

    def conv_hook(m, inp, out):
        total[0] += 2 * out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear_hook(m, inp, out):
        total[0] += 2 * out.numel() * m.in_features

    def attn_hook(m, inp, out):
        x = inp[0]
        ctx = inp[1] if len(inp) > 1 and inp[1] is not None else x
        total[0] += 2 * 2 * x.shape[1] * ctx.shape[1] * x.shape[2]

    for mod in model.modules():
        if isinstance(mod, nn.Conv2d):
            hooks.append(mod.register_forward_hook(conv_hook))
        elif isinstance(mod, nn.Linear):
            hooks.append(mod.register_forward_hook(linear_hook))
        elif isinstance(mod, Attention):
            hooks.append(mod.register_forward_hook(attn_hook))
    r = model.cfg.resolution
    with torch.no_grad():
        model(torch.zeros(1, 3, r, r), torch.zeros(1), torch.zeros(1, context_len, model.cfg.context_dim))
    for h in hooks:
        h.remove()
    return total[0] / 1e9
