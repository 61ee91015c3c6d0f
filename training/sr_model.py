"""The super-resolution stage: a small U-Net that draws a 256 px image from the 64 px one (cascaded
diffusion: Saharia et al. 2021 SR3; Ho et al. 2021 Cascaded Diffusion Models).

Inputs: x_t [B, 3, H, W] (the 256 px sample being denoised), t [B], the low-resolution image
[B, 3, H/4, W/4] in [-1, 1] *after* noise augmentation, and the augmentation level s [B] (a timestep of
the same cosine schedule: the low-resolution image was noised to q(z_s | x_lr) and the model is told s,
the conditioning augmentation CDM and Imagen call crucial). Output: v at H x W.

Cheap by construction: x_t and the bicubic-upsampled condition are both pixel-unshuffled by 4 (256x256x3
-> 64x64x48 each, 96 channels together), so no convolution runs at 256 px. The bicubic upsampling and the
unshuffle are one fixed grouped convolution over the edge-padded low-resolution image (bicubic_unshuffled:
exactly PyTorch's bicubic, a = -0.75, align_corners=False, border pixels replicated), so the ONNX file takes
the 64 px image itself and the page needs no resampler of its own.

Fully convolutional with a per-pixel channel LayerNorm instead of GroupNorm: a normalisation over the
image's extent would see other statistics on a 96 px training crop than on a 256 px emoji that is mostly
white background; a per-pixel one computes the same thing on a crop as on the whole image, so training on
crops is training the network that runs at 256 px. No attention (nothing global to attend to: the 64 px
image already fixes the layout).

The output is v, as the base model's (the samplers and the page are unchanged), but the network draws
x0-hat and forward() converts it exactly, v = (sqrt(ab_t) x_t - x0) / sqrt(1 - ab_t) (output "x0"): at
small t, v is mostly x_t's own per-pixel noise scaled by sqrt(ab_t) / sqrt(1 - ab_t), and a network with
32 channels per 4x4 patch cannot carry 48 pixels of noise through itself, so when it had to (output "v")
its upscales kept the noise. Same loss, same data, 25 CPU minutes each: held-out PSNR 19.9 against
15.9 dB, grain 0.040 against 0.289 (training/sr-output-ab.json).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from model import timestep_embedding


@dataclass
class SRConfig:
    resolution: int = 256              # output pixels (training runs on crops: any multiple of patch * 2^levels)
    scale: int = 4                     # low-resolution = resolution / scale
    patch: int = 4                     # pixel-unshuffle of x_t and of the upsampled condition
    channels: tuple = (32, 64, 128)    # per level, at resolution / patch, / 2, / 4
    blocks: int = 1                    # res blocks per level on the way down (up uses blocks + 1)
    mid_blocks: int = 2                # res blocks at the lowest resolution
    output: str = "x0"                 # "x0": the network draws x0-hat and forward() turns it into v; "v": v itself


def vp_coefficients(t: torch.Tensor, T: int = 1000, offset: float = 0.008) -> tuple[torch.Tensor, torch.Tensor]:
    """(sqrt(ab_t), sqrt(1 - ab_t)) of the cosine schedule (schedule.py) at float timesteps t, [B]: with
    g(u) = (u + offset) / (1 + offset) pi / 2, ab_t = cos^2 g((t + 1) / T) / cos^2 g(0) (the table's
    product telescopes to this; only its clipped last entry differs: 2.4e-9 there, 0 here), and 1 - ab_t as
    sin(g1 + g0) sin(g1 - g0) / cos^2 g0, which keeps its precision at small t where 1 - ab ~ 4e-5."""
    g0 = offset / (1 + offset) * math.pi / 2
    g1 = ((t.float() + 1) / T + offset) / (1 + offset) * (math.pi / 2)
    a = torch.cos(g1) / math.cos(g0)
    s = torch.sqrt((torch.sin(g1 + g0) * torch.sin(g1 - g0)).clamp(min=1e-12)) / math.cos(g0)
    return a, s


def config_dict(cfg: SRConfig) -> dict:
    """The config as JSON-able values (tuples as lists), as checkpoints store it."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(cfg).items()}


# ----------------------------------------------------------------------------------------------------
# Bicubic upsampling as a convolution


def cubic_weights(frac: float, a: float = -0.75) -> list[float]:
    """The 4 taps (at floor - 1 .. floor + 2) of Keys' cubic convolution kernel for a sample `frac`
    past the floor pixel; a = -0.75 is PyTorch's (and OpenCV's) choice."""
    def k(x: float) -> float:
        x = abs(x)
        if x <= 1:
            return (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1
        if x < 2:
            return a * x ** 3 - 5 * a * x ** 2 + 8 * a * x - 4 * a
        return 0.0
    return [k(frac + 1), k(frac), k(1 - frac), k(2 - frac)]


def bicubic_kernel(scale: int) -> torch.Tensor:
    """float64 [scale, 5] for scale 4: row r holds the weights, over the low-resolution pixels i-2..i+2,
    of output pixel scale*i + r (align_corners=False: source = i + (2r + 1 - scale) / (2 scale))."""
    if scale != 4:
        raise ValueError("bicubic_kernel covers scale 4 (5 taps); other scales need other tap windows")
    rows = []
    for r in range(scale):
        src = (2 * r + 1 - scale) / (2 * scale)        # offset from pixel i: -0.375, -0.125, 0.125, 0.375
        floor = math.floor(src)                        # -1 or 0
        w = [0.0] * 5
        for j, c in enumerate(cubic_weights(src - floor)):
            w[floor - 1 + j + 2] = c                   # taps floor-1..floor+2, stored at offset + 2
        rows.append(w)
    return torch.tensor(rows, dtype=torch.float64)


def bicubic_unshuffle_weight(scale: int = 4, channels: int = 3) -> torch.Tensor:
    """Weight [channels * scale^2, 1, 5, 5] of a grouped conv (groups = channels) over the low-resolution
    image padded by 2 (edge): output channel c*scale^2 + i*scale + j is pixel (i, j) of every scale x scale
    patch of the bicubic upsampling, the channel order of F.pixel_unshuffle."""
    k = bicubic_kernel(scale)                                         # [scale, 5]
    w = torch.einsum("iy,jx->ijyx", k, k).reshape(scale * scale, 1, 5, 5)
    return w.repeat(channels, 1, 1, 1).float()


def bicubic_unshuffled(low: torch.Tensor, weight: torch.Tensor, scale: int = 4) -> torch.Tensor:
    """low [B, C, h, w] -> pixel_unshuffle(bicubic x scale upsampling, scale): [B, C scale^2, h, w]."""
    return F.conv2d(F.pad(low, (2, 2, 2, 2), mode="replicate"), weight, groups=low.shape[1])


# ----------------------------------------------------------------------------------------------------
# Blocks


class ChannelNorm(nn.Module):
    """LayerNorm over the channels of each pixel of [B, C, H, W] (the same on a crop as on a whole image)."""

    def __init__(self, ch: int):
        super().__init__()
        self.ln = nn.LayerNorm(ch)

    def forward(self, x):
        return self.ln(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class SRResBlock(nn.Module):
    """Norm, SiLU, conv 3x3, FiLM by the (t, s) embedding, norm, SiLU, conv 3x3 (zero-initialised), + skip."""

    def __init__(self, cin: int, cout: int, temb: int):
        super().__init__()
        self.n1 = ChannelNorm(cin)
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.cout = cout
        self.scale, self.shift = nn.Linear(temb, cout), nn.Linear(temb, cout)  # two Gemms: no Split in the graph
        self.n2 = ChannelNorm(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)
        nn.init.zeros_(self.c2.weight)
        nn.init.zeros_(self.c2.bias)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, temb):
        h = self.c1(F.silu(self.n1(x)))
        film = (-1, self.cout, 1, 1)  # constant shapes: no shape arithmetic in the exported graph
        h = self.n2(h) * (1 + self.scale(temb).reshape(film)) + self.shift(temb).reshape(film)
        return self.skip(x) + self.c2(F.silu(h))


class SRUNet(nn.Module):
    """sample [B, 3, H, W], timestep [B], low_res [B, 3, H/4, W/4], aug_level [B] -> v [B, 3, H, W]."""

    def __init__(self, cfg: SRConfig):
        super().__init__()
        if cfg.output not in ("v", "x0"):
            raise ValueError(f"output must be 'v' or 'x0', got {cfg.output!r}")
        if cfg.scale != cfg.patch:
            raise ValueError("the condition is unshuffled onto the low-resolution grid: patch must equal scale")
        self.cfg = cfg
        ch, p = cfg.channels, cfg.patch
        pix = 3 * p * p
        self.register_buffer("bicubic", bicubic_unshuffle_weight(cfg.scale), persistent=False)
        temb = 4 * ch[0]
        # t and s each get a sinusoidal embedding of width ch[0]; one MLP mixes them
        self.temb = nn.Sequential(nn.Linear(2 * ch[0], temb), nn.SiLU(), nn.Linear(temb, temb))
        self.stem = nn.Conv2d(2 * pix, ch[0], 3, padding=1)
        self.down = nn.ModuleList()
        skips, cin = [ch[0]], ch[0]
        for lvl, c in enumerate(ch):
            for _ in range(cfg.blocks):
                self.down.append(SRResBlock(cin, c, temb))
                cin = c
                skips.append(c)
            if lvl < len(ch) - 1:
                self.down.append(nn.Conv2d(c, c, 3, stride=2, padding=1))
                skips.append(c)
        self.mid = nn.ModuleList(SRResBlock(cin, cin, temb) for _ in range(cfg.mid_blocks))
        self.up = nn.ModuleList()
        for lvl in reversed(range(len(ch))):
            c = ch[lvl]
            for _ in range(cfg.blocks + 1):
                self.up.append(SRResBlock(cin + skips.pop(), c, temb))
                cin = c
            if lvl > 0:  # to the next level's width: the conv runs at the higher resolution, so it narrows first
                self.up.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                                             nn.Conv2d(c, ch[lvl - 1], 3, padding=1)))
                cin = ch[lvl - 1]
        self.out_norm = ChannelNorm(cin)
        self.out = nn.Conv2d(cin, pix, 3, padding=1)
        # a 1x1 path from x_t's and the condition's own pixels to the output: the per-pixel noise that
        # low-t steps remove and the bicubic image the output starts from, without a 3x3 conv over 96 channels
        self.out_skip = nn.Conv2d(2 * pix, pix, 1, bias=False)
        for m in (self.out, self.out_skip):
            nn.init.zeros_(m.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, sample, timestep, low_res, aug_level):
        p = self.cfg.patch
        x = torch.cat([F.pixel_unshuffle(sample, p), bicubic_unshuffled(low_res, self.bicubic, p)], dim=1)
        c0 = self.cfg.channels[0]
        temb = self.temb(torch.cat([timestep_embedding(timestep, c0), timestep_embedding(aug_level, c0)], dim=1))
        h = self.stem(x)
        hs = [h]
        for layer in self.down:
            h = layer(h, temb) if isinstance(layer, SRResBlock) else layer(h)
            hs.append(h)
        for blk in self.mid:
            h = blk(h, temb)
        for layer in self.up:
            h = layer(torch.cat([h, hs.pop()], dim=1), temb) if isinstance(layer, SRResBlock) else layer(h)
        y = F.pixel_shuffle(self.out(F.silu(self.out_norm(h))) + self.out_skip(x), p)
        if self.cfg.output == "v":
            return y
        # y is x0-hat: v = (sqrt(ab) x_t - x0) / sqrt(1 - ab) exactly, so the per-pixel noise that v carries
        # at small t comes from x_t itself instead of through the network's 32 channels per 4x4 patch
        a, sd = vp_coefficients(timestep)
        return (a[:, None, None, None] * sample - y) / sd[:, None, None, None]


def count_parameters(m: nn.Module) -> int:
    """Number of trainable and frozen parameters (the fixed bicubic weights are a buffer, not counted)."""
    return sum(p.numel() for p in m.parameters())


def sr_gflops(model: SRUNet, resolution: int | None = None) -> float:
    """Multiply-adds x 2 of one forward pass for one image at `resolution` (default the config's), counted
    with forward hooks on the convolutions and linear layers."""
    total = [0]

    def conv_hook(m, inp, out):
        total[0] += 2 * out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear_hook(m, inp, out):
        total[0] += 2 * out.numel() * m.in_features

    hooks = [mod.register_forward_hook(conv_hook if isinstance(mod, nn.Conv2d) else linear_hook)
             for mod in model.modules() if isinstance(mod, (nn.Conv2d, nn.Linear))]
    r = resolution or model.cfg.resolution
    # the fixed bicubic conv is F.conv2d on a buffer, not a module: 2 * out * 25
    total[0] += 2 * 3 * r * r * 25
    with torch.no_grad():
        model(torch.zeros(1, 3, r, r), torch.zeros(1), torch.zeros(1, 3, r // model.cfg.scale, r // model.cfg.scale),
              torch.zeros(1))
    for h in hooks:
        h.remove()
    return total[0] / 1e9
