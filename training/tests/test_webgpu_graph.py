"""The WebGPU graph (webgpu_graph.py) computes what the WASM graph computes: on small U-Nets of other
architectures, written by onnx_unet_graph.py and stored fp16 as shipped, the rewritten graph with its
GroupNorm ops expanded back into CPU ops (expand_contrib) gives PyTorch's output on onnxruntime-node,
as does the WASM graph; both graphs load from the one shared weights file; and the rewrite leaves no
InstanceNormalization and no Transpose but those around each Conv (which onnxruntime's channels-last
layout cancels) and the two at the ends; the same with the batch folded into the channels (batch 2).
The contrib ops themselves run on the GPU only:
scripts/webgpu/webgpu-optest.ts checks them against the same expansion (docs/benchmark.md)."""
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from model import UNet, UNetConfig
from onnx_fp16 import store_fp16
from onnx_unet_graph import build_unet_graph
from webgpu_graph import WEIGHTS_MIN_BYTES, expand_contrib, rewrite, share_weights

ROOT = Path(__file__).resolve().parents[2]

# Runs each file in DIR/files.json on the inputs in DIR/in.json; writes DIR/out.json ([file][case]).
RUN = """
const ort = require('onnxruntime-node');
const fs = require('fs');
(async () => {
  const dir = process.argv[1];
  const cases = JSON.parse(fs.readFileSync(dir + '/in.json'));
  const out = [];
  for (const file of JSON.parse(fs.readFileSync(dir + '/files.json'))) {
    const session = await ort.InferenceSession.create(dir + '/' + file);
    const got = [];
    for (const c of cases) {
      const t = (a, s) => new ort.Tensor('float32', Float32Array.from(a), s);
      const r = await session.run({ sample: t(c.x, c.xs), timestep: t(c.t, [c.t.length]), encoder_hidden_states: t(c.c, c.cs) });
      got.push(Array.from(r.v.data));
    }
    out.push(got);
  }
  fs.writeFileSync(dir + '/out.json', JSON.stringify(out));
})();
"""

CONFIGS = [
    dict(resolution=32, patch=2, channels=[16, 32], blocks=2, attention=[True, True], heads=2, groups=8,
         context_dim=24, input_skip=False),
    dict(resolution=32, patch=4, channels=[16, 32, 48], blocks=1, attention=[False, True, True], heads=4,
         groups=8, context_dim=32, input_skip=True),
]


def _shipped_like(tmp_path: Path, kw: dict):
    torch.manual_seed(0)
    unet = UNet(UNetConfig(**kw)).eval()
    with torch.no_grad():  # the zero-initialised output layers would hide most of the network
        for p in unet.parameters():
            p.add_(torch.randn_like(p) * 0.05)
            p.copy_(p.half().float())  # as shipped: fp16-exact weights
    path = tmp_path / "shipped.onnx"
    onnx.save(build_unet_graph(unet, 6), str(path))
    store_fp16(path)
    return unet, onnx.load(str(path))


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs onnxruntime-node")
@pytest.mark.parametrize("kw", CONFIGS)
@pytest.mark.parametrize("batch", [None, 2])  # any batch / the batch folded into the channels
def test_rewrite_matches_pytorch_and_shares_weights(tmp_path, kw, batch):
    unet, shipped = _shipped_like(tmp_path, kw)
    webgpu = rewrite(shipped, batch)

    ops = Counter(n.op_type for n in webgpu.graph.node)
    assert "InstanceNormalization" not in ops and "Einsum" not in ops, ops
    assert ops["GroupNorm"] + ops["SkipGroupNorm"] == sum(1 for n in shipped.graph.node if n.op_type == "InstanceNormalization")
    assert ops["SkipGroupNorm"] > 0
    convs = sum(1 for n in webgpu.graph.node if n.op_type == "Conv")
    assert ops["Transpose"] <= 2 * convs + 2, ops  # around each Conv (cancelled at load), unshuffle, output
    if batch:  # FiLM folded into its GroupNorm: the only QuickGelu left is the time embedding's
        assert ops["QuickGelu"] == 1 and "Attention" not in ops, ops
    onnx.save(expand_contrib(webgpu), str(tmp_path / "webgpu-expanded.onnx"))

    wasm = onnx.load(str(tmp_path / "shipped.onnx"))
    large = {i.name: len(i.raw_data) for m in (wasm, webgpu) for i in m.graph.initializer if len(i.raw_data) >= WEIGHTS_MIN_BYTES}
    blob = share_weights({"unet.onnx": wasm, "unet-webgpu.onnx": webgpu}, "unet.weights")
    (tmp_path / "unet.weights").write_bytes(blob)
    onnx.save(wasm, str(tmp_path / "unet.onnx"))
    onnx.save(webgpu, str(tmp_path / "unet-webgpu.onnx"))
    # every large tensor in the shared file, once (names shared by both graphs counted once), 64-byte aligned
    assert sum(large.values()) <= len(blob) < sum(large.values()) + 64 * len(large)
    assert not any(len(i.raw_data) >= WEIGHTS_MIN_BYTES for m in (wasm, webgpu) for i in m.graph.initializer)
    onnx.save(expand_contrib(onnx.load(str(tmp_path / "unet-webgpu.onnx"), load_external_data=False)),
              str(tmp_path / "unet-webgpu-shared-expanded.onnx"))

    L, R = 6, kw["resolution"]
    cases, want = [], []
    for B in ((2, 1) if batch is None else (batch,)):
        x, t, c = torch.randn(B, 3, R, R), torch.linspace(999.0, 3.0, B), torch.randn(B, L, kw["context_dim"])
        with torch.no_grad():
            want.append(unet(x, t, c).numpy().ravel())
        cases.append({"x": x.ravel().tolist(), "xs": list(x.shape), "t": t.tolist(), "c": c.ravel().tolist(), "cs": list(c.shape)})
    files = ["shipped.onnx", "webgpu-expanded.onnx", "unet.onnx", "unet-webgpu-shared-expanded.onnx"]
    (tmp_path / "in.json").write_text(json.dumps(cases))
    (tmp_path / "files.json").write_text(json.dumps(files))
    subprocess.run(["node", "-e", RUN, str(tmp_path)], cwd=ROOT, check=True)
    got = json.loads((tmp_path / "out.json").read_text())
    for file, outs in zip(files, got):
        for g, w in zip(outs, want):
            err = np.abs(np.array(g, np.float32) - w).max() / max(1.0, np.abs(w).max())
            assert err <= 1e-4, (file, err)
    assert got[2] == got[0]  # the WASM graph on the shared weights file: the same numbers


def test_an_unexpected_pattern_is_named(tmp_path):
    _, shipped = _shipped_like(tmp_path, CONFIGS[1])
    bn = next(n for n in shipped.graph.node if n.op_type == "BatchNormalization")
    bn.op_type = "Mul"
    del bn.input[2:]
    del bn.attribute[:]
    with pytest.raises(ValueError, match=f"{bn.input[0]}: expected one BatchNormalization after it"):
        rewrite(shipped)


def test_folded_batch_refuses_other_ops_on_images(tmp_path):
    _, shipped = _shipped_like(tmp_path, CONFIGS[1])
    relu = next(i for i, n in enumerate(shipped.graph.node) if n.op_type == "Conv")
    conv = shipped.graph.node[relu]
    shipped.graph.node.insert(relu + 1, onnx.helper.make_node("Relu", [conv.output[0]], ["relu_out"], name="odd_relu"))
    with pytest.raises(ValueError, match="odd_relu: Relu on an image tensor"):
        rewrite(shipped, 2)


def test_expand_contrib_refuses_a_skip_bias():
    from onnx import TensorProto, helper
    node = helper.make_node("SkipGroupNorm", ["x", "g", "b", "s", "bias"], ["y"], domain="com.microsoft",
                            activation=1, groups=2, epsilon=1e-5, channels_last=1)
    vi = [helper.make_tensor_value_info(k, TensorProto.FLOAT, [1, 2, 2, 4]) for k in ("x", "s")]
    graph = helper.make_graph([node], "g", vi, [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    with pytest.raises(ValueError, match="bias"):
        expand_contrib(helper.make_model(graph))
