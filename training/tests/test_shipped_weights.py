"""The repository keeps each weight once: the shipped checkpoints come back from the ONNX files the page
loads (shipped_weights.py), bit for bit, for the shipped model and for other architectures, and a file
that no longer holds the recorded weights is refused."""
import base64
import json
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from onnx import numpy_helper

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "training"))
from common import load_clip, load_unet, read_checkpoint  # noqa: E402
from export_onnx import ImageEncoderOnnx, TextEncoderOnnx, image_onnx, text_onnx  # noqa: E402
from model import CLIP, ImageConfig, TextConfig, UNet, UNetConfig  # noqa: E402
from onnx_fp16 import store_fp16  # noqa: E402
from onnx_unet_graph import build_unet_graph  # noqa: E402
from shipped_weights import (clip_record, read_shipped, state_digest, trace_export, unet_record,  # noqa: E402
                             unet_state, write_record)
from tokenizer import Tokenizer  # noqa: E402

CHECKPOINTS = ROOT / "training" / "checkpoints"


def fixture(entry: dict) -> np.ndarray:
    return np.frombuffer(base64.b64decode(entry["b64"]), np.float32).reshape(entry["shape"])


def test_shipped_checkpoints_are_the_onnx_weights():
    # read_shipped compares the rebuilt state dicts with the SHA-256 recorded from the training checkpoints
    # (training/checkpoints/clip.pt and unet.pt before they were removed); it raises on any difference
    clip_ck, unet_ck = read_shipped(CHECKPOINTS, "clip"), read_shipped(CHECKPOINTS, "unet")
    assert len(clip_ck["state_dict"]) == 92 and len(unet_ck["ema"]) == 298
    assert unet_ck["images_seen"] == 7_861_056 and clip_ck["robust_text"]["steps"] == 500
    # and the networks built from them compute what the checkpoints' networks computed for the page's
    # parity fixture (src/fixtures/unet-call.json, written by make_fixtures.py from the .pt files)
    clip, tok, _ = load_clip(CHECKPOINTS / "clip.pt")
    unet, _ = load_unet(CHECKPOINTS / "unet.pt")
    f = json.loads((ROOT / "src" / "fixtures" / "unet-call.json").read_text())
    ids = torch.tensor(f["input_ids"], dtype=torch.int32).reshape(2, -1)
    with torch.no_grad():
        hidden, pooled = clip.text(ids)
        v = unet(torch.from_numpy(fixture(f["sample"]).copy()), torch.tensor(f["timestep"]), hidden)
    for got, want in ((hidden, f["hidden_states"]), (pooled, f["pooled"]), (v, f["v"])):
        assert np.abs(got.numpy() - fixture(want)).max() < 1e-5


def fp16_rounded(module: torch.nn.Module, seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_((torch.randn_like(p) * 0.1).half().float())
    return module.eval()


@pytest.mark.parametrize("kw", [
    dict(resolution=32, patch=2, channels=(16, 32), blocks=2, attention=(True, True), heads=2, groups=8,
         context_dim=24, input_skip=False),
    dict(resolution=32, patch=4, channels=(16, 32, 48), blocks=1, attention=(False, True, True), heads=4,
         groups=8, context_dim=32, input_skip=True),
])
def test_unet_round_trip_other_architectures(tmp_path, kw):
    unet = fp16_rounded(UNet(UNetConfig(**kw)), 3)
    onnx.save(build_unet_graph(unet, 7), str(tmp_path / "unet.onnx"))
    store_fp16(tmp_path / "unet.onnx")
    back = unet_state(tmp_path / "unet.onnx", unet.cfg, 7)
    want = unet.state_dict()
    assert back.keys() == want.keys()
    assert all(torch.equal(back[k], want[k].half()) for k in want)


def small_model(tmp_path: Path) -> tuple:
    """A tiny CLIP and U-Net exported and recorded as export_onnx.py does: (models, checkpoints, clip, unet)."""
    models, ck = tmp_path / "models", tmp_path / "ck"
    models.mkdir()
    tok = Tokenizer.build(["cat face", "red apple"])
    clip = fp16_rounded(CLIP(TextConfig(vocab_size=tok.vocab_size, max_length=tok.max_length, width=32, layers=1,
                                        heads=2, embed_dim=16, word_dim=8), ImageConfig(channels=(8, 16), embed_dim=16)), 5)
    with torch.no_grad():  # as initialised and barely trained: equal weights, which the exporter merges into one
        for i in (1, 4):
            clip.image.net[i].weight.fill_(1.0)
            clip.image.net[i].bias.zero_()
    unet = fp16_rounded(UNet(UNetConfig(resolution=32, patch=4, channels=(16, 32), attention=(False, True), heads=2,
                                        groups=8, context_dim=32)), 6)
    text_onnx(TextEncoderOnnx(clip.text), tok, models / "text_encoder.onnx")
    image_onnx(ImageEncoderOnnx(clip.image), models / "image_encoder.onnx")
    onnx.save(build_unet_graph(unet, tok.max_length), str(models / "unet.onnx"))
    for name in ("text_encoder", "image_encoder", "unet"):
        store_fp16(models / f"{name}.onnx")
    (models / "tokenizer.json").write_text(json.dumps(tok.to_json()))
    clip_map = {"text_encoder.onnx": trace_export(TextEncoderOnnx(clip.text), lambda m, p: text_onnx(m, tok, p),
                                                  models / "text_encoder.onnx"),
                "image_encoder.onnx": trace_export(ImageEncoderOnnx(clip.image), image_onnx, models / "image_encoder.onnx")}
    clip_ck = {"text_config": vars(clip.text.cfg), "image_config": {**vars(clip.image.cfg), "channels": [8, 16]},
               "steps": 7, "state_dict": clip.state_dict()}
    unet_ck = {"unet_config": {**vars(unet.cfg), "channels": [16, 32], "attention": [False, True]}, "steps": 9,
               "history": [{"images_seen": 64, "loss": 0.5}], "ema": unet.state_dict()}
    write_record(ck, models, unet_record(unet_ck, unet.state_dict(), tok.max_length),
                 clip_record(clip_ck, clip.state_dict(), clip_map))
    return models, ck, clip, unet


def test_recorded_small_model_reads_back_and_a_changed_weight_is_refused(tmp_path):
    models, ck, clip, unet = small_model(tmp_path)
    assert sorted(p.name for p in ck.iterdir()) == ["shipped.json"]
    clip_ck, unet_ck = read_checkpoint(ck / "clip.pt"), read_checkpoint(ck / "unet.pt")
    assert clip_ck["steps"] == 7 and unet_ck["steps"] == 9 and unet_ck["history"][0]["images_seen"] == 64
    assert state_digest(clip_ck["state_dict"]) == state_digest(clip.state_dict())
    assert all(torch.equal(clip_ck["state_dict"][k], v.half()) for k, v in clip.state_dict().items())
    assert all(torch.equal(unet_ck["ema"][k], v.half()) for k, v in unet.state_dict().items())
    assert "ema" not in read_checkpoint(ck / "unet.pt", weights=False)
    # one weight of the U-Net changed in the file: the rebuilt checkpoint no longer has the recorded digest
    m = onnx.load(str(models / "unet.onnx"))
    init = next(i for i in m.graph.initializer if i.name.endswith("__fp16") and len(i.dims) == 4)
    a = numpy_helper.to_array(init).copy()
    a.flat[0] += np.float16(0.5)
    init.CopyFrom(numpy_helper.from_array(a, init.name))
    onnx.save(m, str(models / "unet.onnx"))
    with pytest.raises(ValueError, match="do not hold the unet weights"):
        read_checkpoint(ck / "unet.pt")
    with pytest.raises(FileNotFoundError, match="no shipped.json"):
        read_checkpoint(tmp_path / "clip.pt")
