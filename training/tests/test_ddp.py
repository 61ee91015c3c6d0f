"""The U-Net stage data-parallel (DistributedDataParallel over gloo, 2 CPU processes), launched the way
torchrun launches it (WORLD_SIZE, RANK, LOCAL_RANK, MASTER_ADDR/PORT in the environment). Debian's torch
1.13 `torchrun` itself does not start under this Python, so the test sets the variables by hand."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_process_data_parallel_training(tmp_path):
    if not (ROOT / "node_modules" / "emoji-datasource-google").exists():
        pytest.fail("node_modules is missing: run `npm ci` first (the data comes from npm packages)")
    data, out = tmp_path / "data", tmp_path / "run"
    subprocess.run([PY, "training/data/build_dataset.py", "--limit", "24", "--out", str(data)], cwd=ROOT, check=True)
    cfg = json.loads((ROOT / "training/configs/smoke.json").read_text())
    cfg["text"]["word_dim"] = 0  # no GloVe file in this data folder: plain embeddings
    cfg["train"]["steps"] = 6
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    env = {**os.environ, "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(free_port()), "WORLD_SIZE": "2"}
    procs = [subprocess.Popen([PY, "training/train.py", "--config", str(tmp_path / "cfg.json"), "--data", str(data),
                               "--out", str(out)], cwd=ROOT, env={**env, "RANK": str(r), "LOCAL_RANK": str(r)},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for r in (0, 1)]
    logs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], logs
    assert "2 process(es)" in logs[0]
    import torch
    ck = torch.load(out / "unet.pt")
    assert ck["processes"] == 2
    assert ck["images_seen"] == 2 * cfg["train"]["batch"] * ck["steps"]  # both ranks' batches count
