"""The super-resolution stage's pieces on the CPU, in seconds: the bicubic convolution, the network's
shapes and conditioning, the conditioning augmentation of a training batch, the upscale loop against
its batched twin, a few training steps that resume, and the ONNX export against PyTorch (onnxruntime-node)."""
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "training"))
from schedule import cosine_alphas_cumprod  # noqa: E402
from sr_data import area_down, area_down_torch, load_split, save_split  # noqa: E402
from sr_model import SRConfig, SRUNet, bicubic_unshuffle_weight, bicubic_unshuffled, count_parameters, sr_gflops  # noqa: E402
from sr_sampler import sr_run, torch_sr_model, upscale_batch  # noqa: E402
from train_sr import load_sr, random_crops, training_batch  # noqa: E402

TINY = SRConfig(channels=(8, 16, 16), mid_blocks=1)


def perturbed(cfg: SRConfig, seed: int = 0) -> SRUNet:
    """A network whose zero-initialised output layers are not zero (they would hide everything else)."""
    torch.manual_seed(seed)
    net = SRUNet(cfg).eval()
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.randn_like(p) * 0.05)
            p.copy_(p.half().float())
    return net


@pytest.mark.parametrize("size", [(5, 7), (16, 16)])
def test_bicubic_conv_is_pytorch_bicubic_then_unshuffle(size):
    low = torch.rand(2, 3, *size) * 2 - 1
    want = F.pixel_unshuffle(F.interpolate(low, scale_factor=4, mode="bicubic", align_corners=False), 4)
    assert torch.allclose(bicubic_unshuffled(low, bicubic_unshuffle_weight()), want, atol=1e-6)


def test_shapes_crops_and_full_size():
    net = perturbed(TINY)
    for B, R in ((2, 32), (1, 96), (1, 256)):
        v = net(torch.randn(B, 3, R, R), torch.full((B,), 500.0), torch.randn(B, 3, R // 4, R // 4), torch.zeros(B))
        assert v.shape == (B, 3, R, R) and torch.isfinite(v).all()
    gpu_net = SRUNet(SRConfig(**json.loads((ROOT / "training/configs/sr_gpu.json").read_text())["model"]))
    assert count_parameters(gpu_net) * 2 <= 8e6, "the budget: <= 8 MB of fp16 weights"
    assert 1.0 < sr_gflops(gpu_net) < 5.0


def test_output_depends_on_every_input():
    net = perturbed(TINY)
    base = dict(sample=torch.randn(1, 3, 32, 32), timestep=torch.tensor([400.0]), low_res=torch.randn(1, 3, 8, 8),
                aug_level=torch.tensor([100.0]))
    v0 = net(**base)
    for name, other in (("sample", torch.randn(1, 3, 32, 32)), ("timestep", torch.tensor([800.0])),
                        ("low_res", torch.randn(1, 3, 8, 8)), ("aug_level", torch.tensor([300.0]))):
        assert (net(**{**base, name: other}) - v0).abs().max() > 1e-4, f"{name} is ignored"


def test_training_batch_noises_the_low_resolution_input_to_level_s():
    ab = torch.tensor(cosine_alphas_cumprod(), dtype=torch.float32)
    images = torch.randint(0, 256, (6, 3, 64, 64), dtype=torch.uint8)
    g = torch.Generator().manual_seed(0)
    x_t, t, z, s, v, x0 = training_batch(images, ab, 256, 32, 400, g)
    low = area_down_torch(((x0 + 1) * 127.5).round().byte()) / 127.5 - 1
    assert x_t.shape == x0.shape == v.shape == (256, 3, 32, 32) and z.shape == low.shape == (256, 3, 8, 8)
    assert int(s.min()) >= 0 and int(s.max()) <= 400 and len(set(s.tolist())) > 50
    # z = sqrt(ab_s) low + sqrt(1 - ab_s) n with n ~ N(0, 1): the residual's spread follows s
    resid = (z - ab[s].sqrt()[:, None, None, None] * low) / (1 - ab[s]).sqrt()[:, None, None, None]
    assert abs(float(resid.std()) - 1) < 0.05 and abs(float(resid.mean())) < 0.05
    assert float((z - low).abs()[s < 5].max()) < 0.05 < float((z - low).abs()[s > 300].mean())
    # x_t and v are the forward process and the v target at t
    a, sd = ab[t].sqrt()[:, None, None, None], (1 - ab[t]).sqrt()[:, None, None, None]
    eps = (x_t - a * x0) / sd
    assert torch.allclose(v, a * eps - sd * x0, atol=1e-4)


def test_crops_are_on_the_4px_grid():
    square = torch.arange(64, dtype=torch.int32).repeat(64, 1)  # value = column
    images = torch.stack([square, square.T, square]).to(torch.uint8)[None]      # [1, 3, 64, 64]
    crops = random_crops(images, 50, 16, torch.Generator().manual_seed(1))
    assert crops.shape == (50, 3, 16, 16)
    assert (crops[:, 0, 0, 0] % 4 == 0).all() and (crops[:, 1, 0, 0] % 4 == 0).all()
    assert torch.equal(crops[:, 0, 0, 1:] - crops[:, 0, 0, :-1], torch.ones(50, 15, dtype=torch.uint8))


def test_area_down_numpy_and_torch_agree():
    x = np.random.default_rng(0).integers(0, 256, (3, 16, 16, 3), dtype=np.uint8)
    a = area_down(x)
    b = area_down_torch(torch.from_numpy(x).permute(0, 3, 1, 2)).byte().permute(0, 2, 3, 1).numpy()
    assert np.array_equal(a, b)


def test_upscale_batch_is_sr_run():
    """The batched upscale evaluate_sr.py measures with is the reference loop the page follows."""
    net = perturbed(SRConfig(resolution=64, channels=(8, 16, 16), mid_blocks=1))
    ab = cosine_alphas_cumprod()
    low = np.random.default_rng(2).integers(0, 256, (2, 16, 16, 3), dtype=np.uint8)
    got = upscale_batch(net, low, [7, 9], ab, steps=3, aug_level=60)
    for i, seed in enumerate((7, 9)):
        lr = (low[i].transpose(2, 0, 1).astype(np.float32) / 127.5 - 1).astype(np.float32)
        ref = sr_run(ab, torch_sr_model(net), low_res=lr, seed=seed, steps=3, aug_level=60)
        assert len(ref["frames"]) == 3 and ref["frames"][-1]["t_prev"] == -1
        assert np.abs(got[i] - ref["frames"][-1]["prev"][0]).max() < 1e-4
    with pytest.raises(ValueError):
        sr_run(ab, torch_sr_model(net), low_res=lr, seed=1, steps=2, aug_level=2.5)


def test_split_files_round_trip(tmp_path):
    imgs = np.random.default_rng(3).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    save_split(tmp_path / "s.npz", imgs, [1, 2, 3], [2, 3, 4], [(0, 4), (8, 0), (4, 4)], 32)
    back = load_split(tmp_path / "s.npz")
    assert np.array_equal(back["images"], imgs) and back["concept"].tolist() == [1, 2, 3] and back["size"] == 32
    assert back["origin"].tolist() == [[0, 4], [8, 0], [4, 4]]


def test_training_steps_save_and_resume(tmp_path):
    imgs = np.random.default_rng(4).integers(0, 256, (8, 64, 64, 3), dtype=np.uint8)
    save_split(tmp_path / "sr_train.npz", imgs, range(8), [2] * 8, [(0, 0)] * 8, 64)
    cfg = json.loads((ROOT / "training/configs/sr_smoke.json").read_text())
    cfg["train"].update(steps=3, crop=32)
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    run = lambda out, *extra: subprocess.run([sys.executable, "training/train_sr.py", "--config", str(tmp_path / "cfg.json"),
                                              "--data", str(tmp_path), "--out", str(out), *extra], cwd=ROOT, check=True,
                                             env={"TRAIN_THREADS": "1", "PATH": "/usr/bin:/bin"})
    run(tmp_path / "a")
    ck = torch.load(tmp_path / "a" / "sr_unet.pt")
    assert ck["steps"] == 3 and ck["images_seen"] == 12 and math.isfinite(ck["final_loss"]) and ck["aug_max"] == 400
    assert ck["ema"].keys() == ck["state_dict"].keys() and ck["history"]
    run(tmp_path / "b", "--resume", str(tmp_path / "a"))
    assert torch.load(tmp_path / "b" / "sr_unet.pt")["steps"] == 6
    net, _ = load_sr(tmp_path / "b" / "sr_unet.pt")
    assert net.cfg.channels == (8, 16, 16)


RUN_ONNX = """
const ort = require('onnxruntime-node');
const fs = require('fs');
(async () => {
  const dir = process.argv[1];
  const cases = JSON.parse(fs.readFileSync(dir + '/in.json'));
  const session = await ort.InferenceSession.create(dir + '/sr_unet.onnx');
  const out = [];
  for (const c of cases) {
    const t = (a, s) => new ort.Tensor('float32', Float32Array.from(a), s);
    const r = await session.run({ sample: t(c.x, c.xs), timestep: t(c.t, [c.t.length]), low_res: t(c.z, c.zs),
                                  aug_level: t(c.s, [c.s.length]) });
    out.push(Array.from(r.v.data));
  }
  fs.writeFileSync(dir + '/out.json', JSON.stringify(out));
})();
"""


def test_x0_output_gives_back_its_x0_through_the_samplers_maths():
    """output "x0": v = (sqrt(ab) x_t - y) / sqrt(1 - ab), so the sampler's x0-hat = sqrt(ab) x_t - sqrt(1 - ab) v
    is the network's y (the output before the conversion), at every t the page feeds."""
    from sr_model import vp_coefficients
    net = perturbed(SRConfig(resolution=32, channels=(8, 16, 16), mid_blocks=1, output="x0"))
    ab = cosine_alphas_cumprod()
    x, z, s = torch.randn(4, 3, 32, 32), torch.rand(4, 3, 8, 8) * 2 - 1, torch.zeros(4)
    t = torch.tensor([999.0, 500.0, 19.0, 0.0])
    v = net(x, t, z, s)
    net.cfg.output = "v"
    y = net(x, t, z, s)                                          # the same network, its output unconverted
    abt = torch.tensor(ab[[999, 500, 19, 0]], dtype=torch.float64)[:, None, None, None]
    x0 = abt.sqrt() * x.double() - (1 - abt).sqrt() * v.double()      # float64, as the samplers compute
    # the analytic sqrt(ab) is 0 at t = 999, the table's clipped entry 4.9e-5: x0 there moves by 4.9e-5 |x_t|
    assert (x0 - y.double()).abs().max() < 5e-5 * float(x.abs().max()) + 1e-5 and torch.isfinite(v).all()
    a2, s2 = vp_coefficients(torch.arange(1000.0))
    assert np.abs(a2.numpy() ** 2 - ab).max() < 1e-6 and np.abs(s2.numpy() ** 2 - (1 - ab)).max() < 1e-6


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs onnxruntime-node")
@pytest.mark.parametrize("output", ["v", "x0"])
def test_onnx_export_matches_pytorch(tmp_path, output):
    from export_sr import export_onnx
    net = perturbed(SRConfig(resolution=64, channels=(8, 16, 16), mid_blocks=1, output=output))
    entry = export_onnx(net, tmp_path / "sr_unet.onnx")
    assert [i["name"] for i in entry["inputs"]] == ["sample", "timestep", "low_res", "aug_level"]
    assert entry["inputs"][2]["shape"] == ["batch", 3, 16, 16] and entry["bytes"] < 1e6
    cases, want = [], []
    for B in (2, 1):
        x, z = torch.randn(B, 3, 64, 64), torch.rand(B, 3, 16, 16) * 2 - 1
        t, s = torch.linspace(999.0, 3.0, B), torch.linspace(0.0, 350.0, B)
        with torch.no_grad():
            want.append(net(x, t, z, s).numpy().ravel())
        cases.append({"x": x.ravel().tolist(), "xs": list(x.shape), "t": t.tolist(), "z": z.ravel().tolist(),
                      "zs": list(z.shape), "s": s.tolist()})
    (tmp_path / "in.json").write_text(json.dumps(cases))
    subprocess.run(["node", "-e", RUN_ONNX, str(tmp_path)], cwd=ROOT, check=True)
    for got, w in zip(json.loads((tmp_path / "out.json").read_text()), want):
        assert np.abs(np.array(got, np.float32) - w).max() <= 1e-4 * max(1.0, np.abs(w).max())


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs onnxruntime-node")
def test_committed_smoke_fixture_is_its_onnx_file():
    """src/fixtures/sr-smoke: the ONNX file, its manifest entry and the PyTorch fixtures agree, run by the
    page's own diffusion code (scripts/check-sr-onnx.ts), and the file is what the entry says."""
    from manifest_files import file_entry
    fx = ROOT / "src/fixtures/sr-smoke"
    entry = json.loads((fx / "manifest-sr.json").read_text())["sr"]
    assert {k: entry[k] for k in ("file", "bytes", "sha256")} == file_entry(fx, "sr_unet.onnx")
    assert entry["bytes"] < 1e6 and entry["resolution"] == 256 and entry["defaults"]["aug_level"] <= entry["aug_level_max"]
    subprocess.run(["node", "--import", "tsx", "scripts/check-sr-onnx.ts", str(fx)], cwd=ROOT, check=True)


def test_fill_budget_gives_cheap_styles_everything_and_the_rest_to_the_costly_one():
    sys.path.insert(0, str(ROOT / "training" / "data"))
    from build_sr_dataset import fill_budget
    blobs = [b"x" * 10] * 20 + [b"y" * 100] * 20            # style 2: cheap, style 3: costly
    styles = [2] * 20 + [3] * 20
    keep = fill_budget(blobs, styles, 1000, np.random.default_rng(0))
    assert sum(styles[i] == 2 for i in keep) == 20              # 200 bytes: all of them
    assert sum(styles[i] == 3 for i in keep) == 8               # the other 800 bytes
    assert sum(len(blobs[i]) for i in keep) <= 1000


def test_card_sections_survive_a_rewrite():
    from card_sections import keep_sections, replace_section
    card = replace_section("# Card\n\nbody\n", "sr-data", "## SR\nold")
    card = replace_section(card, "sr-data", "## SR\nnew")
    assert card.count("section:sr-data -->") == 2 and "new" in card and "old" not in card
    rewritten = keep_sections(card, "# Card v2\n")
    assert rewritten.startswith("# Card v2") and "## SR\nnew" in rewritten
    assert keep_sections(card, rewritten) == rewritten


def test_edge_sharpness_sees_blur_and_forgives_a_one_pixel_shift():
    from evaluate_sr import bicubic_up, edge_gradient, gradient_magnitude
    real = np.full((2, 64, 64, 3), 255, np.uint8)
    real[:, 16:48, 21:43] = (200, 30, 40)                       # a sharp-edged block, off the 4 px grid
    blurred = bicubic_up(area_down(real))
    shifted = np.roll(real, 1, axis=2)
    e_real = edge_gradient(real, real)
    assert edge_gradient(blurred, real) / e_real < 0.6            # bicubic: far below
    assert edge_gradient(shifted, real) / e_real > 0.95           # a moved edge is still sharp
    # the plain mean over all pixels barely moves under blur: why it is not the bar's measure
    assert 0.8 < gradient_magnitude(blurred).mean() / gradient_magnitude(real).mean() < 1.2


def test_seeded_normals_is_the_generator():
    from rng import Mulberry32
    from sr_sampler import seeded_normals
    for seed, count in ((0, 7), (5, 1000), (2 ** 32 - 1, 33), (123456789, 4096)):
        want = Mulberry32(seed).normals(count)
        got = seeded_normals(seed, count)
        assert got.dtype == np.float32 and got.shape == (count,)
        assert np.abs(got - want).max() <= 1e-6 * max(1.0, np.abs(want).max())
