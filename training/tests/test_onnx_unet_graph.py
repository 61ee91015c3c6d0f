"""The hand-written U-Net graph (onnx_unet_graph.py) computes what the PyTorch U-Net computes, for
architectures other than the shipped one (two blocks per level, attention at full width, patch 2, no
input skip), at batch 1 and 2 from one file, run by onnxruntime-node (the CPU kernels the page's WASM
backend has), with GroupNorm either way (LONG_ROWS); and it holds no shape arithmetic."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "training"))
from model import UNet, UNetConfig  # noqa: E402
from onnx_fp16 import store_fp16  # noqa: E402
import onnx_unet_graph  # noqa: E402
from onnx_unet_graph import build_unet_graph  # noqa: E402

# Runs the file on the inputs in DIR/in.json for each batch and writes DIR/out.json.
RUN = """
const ort = require('onnxruntime-node');
const fs = require('fs');
(async () => {
  const dir = process.argv[1];
  const cases = JSON.parse(fs.readFileSync(dir + '/in.json'));
  const session = await ort.InferenceSession.create(dir + '/unet.onnx');
  const out = [];
  for (const c of cases) {
    const t = (a, s) => new ort.Tensor('float32', Float32Array.from(a), s);
    const r = await session.run({ sample: t(c.x, c.xs), timestep: t(c.t, [c.t.length]), encoder_hidden_states: t(c.c, c.cs) });
    out.push(Array.from(r.v.data));
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


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs onnxruntime-node")
@pytest.mark.parametrize("kw", CONFIGS)
@pytest.mark.parametrize("long_rows", [0, 10 ** 9])  # GroupNorm by InstanceNormalization / by (Skip)LayerNorm
def test_graph_matches_pytorch(tmp_path, monkeypatch, kw, long_rows):
    monkeypatch.setattr(onnx_unet_graph, "LONG_ROWS", long_rows)
    torch.manual_seed(0)
    unet = UNet(UNetConfig(**kw)).eval()
    with torch.no_grad():  # the zero-initialised output layers would hide most of the network
        for p in unet.parameters():
            p.add_(torch.randn_like(p) * 0.05)
            p.copy_(p.half().float())  # as shipped: fp16-exact weights
    L, R = 6, kw["resolution"]
    model = build_unet_graph(unet, L)
    ops = {n.op_type for n in model.graph.node}
    assert not ops & {"Shape", "Gather", "Slice"}, ops
    assert ("InstanceNormalization" in ops) == (long_rows == 0), ops
    onnx.save(model, str(tmp_path / "unet.onnx"))
    store_fp16(tmp_path / "unet.onnx")
    cases, want = [], []
    for B in (2, 1):
        x, t, c = torch.randn(B, 3, R, R), torch.linspace(999.0, 3.0, B), torch.randn(B, L, kw["context_dim"])
        with torch.no_grad():
            want.append(unet(x, t, c).numpy().ravel())
        cases.append({"x": x.ravel().tolist(), "xs": list(x.shape), "t": t.tolist(), "c": c.ravel().tolist(), "cs": list(c.shape)})
    (tmp_path / "in.json").write_text(json.dumps(cases))
    subprocess.run(["node", "-e", RUN, str(tmp_path)], cwd=ROOT, check=True)
    got = json.loads((tmp_path / "out.json").read_text())
    for g, w in zip(got, want):
        assert np.abs(np.array(g, np.float32) - w).max() <= 1e-4 * max(1.0, np.abs(w).max())
