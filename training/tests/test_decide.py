"""training/decide.py: ship only what is better. Each branch of the rule on synthetic measurements, the
refusals to compare unlike measurements, the exit status, and what --apply leaves as the next start."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "training"))
from decide import EXIT, Incomparable, apply, decide, next_start  # noqa: E402
from evaluate import UNSEEN_PHRASINGS  # noqa: E402
from shipped_weights import state_digest  # noqa: E402

SHIPPED = [64.75, 48.5, 70.5]  # the shipped model's judge top-1 per phrasing (metrics-phrasings.json), mean 61.25


def metrics(top1: list[float], judge_heldout: float = 0.6317, seeds: int = 2) -> dict:
    """A measurement as evaluate.py measure --judge writes it, with these judge top-1s (points)."""
    return {"sampler": "ddim trailing, 30 steps, guidance 4.0",
            "judge": {"file": "training/checkpoints/judge.pt", "heldout": {"top1": judge_heldout}},
            "prompt_fidelity": {"concepts": 200, "seeds": seeds},
            "phrasings": {t: {"clip": {"top1": 0.5, "top5": 0.9}, "judge": {"top1": v / 100, "top5": 0.9}}
                          for t, v in zip(UNSEEN_PHRASINGS, top1)}}


@pytest.mark.parametrize("run, verdict", [
    ([66.0, 49.0, 70.0], "ship"),        # mean +0.42, worst phrasing -0.5: better
    ([70.0, 55.0, 69.5], "ship"),        # a phrasing exactly 1 point down is allowed
    ([75.0, 60.0, 69.25], "discard"),    # mean +6.8, but a phrasing 1.25 points down
    ([64.75, 48.5, 70.5], "resume"),     # equal: not better, no worse
    ([64.25, 48.0, 70.0], "resume"),     # each 0.5 down: no worse
    ([63.75, 47.5, 69.5], "resume"),     # each exactly 1 point down: still no worse
    ([63.5, 48.5, 70.5], "discard"),     # one phrasing 1.25 points down
    ([36.75, 62.75, 63.25], "discard"),  # the H200 run of 2026-11-27: 'a cute little' +14.25, 'a picture of' -28
])
def test_each_branch(run, verdict):
    d = decide(metrics(run), metrics(SHIPPED))
    assert d["verdict"] == verdict, d
    assert d["change"][UNSEEN_PHRASINGS[0]] == pytest.approx(run[0] - SHIPPED[0])
    assert d["mean_shipped"] == pytest.approx(61.25) and d["mean_run"] == pytest.approx(sum(run) / 3)


@pytest.mark.parametrize("change, match", [
    (dict(judge_heldout=0.61), "another judge"),
    (dict(seeds=1), "other seeds"),
])
def test_unlike_measurements_are_not_compared(change, match):
    with pytest.raises(Incomparable, match=match):
        decide(metrics([70.0, 55.0, 75.0], **change), metrics(SHIPPED))
    m = metrics([70.0, 55.0, 75.0])
    del m["phrasings"][UNSEEN_PHRASINGS[1]]["judge"]
    with pytest.raises(Incomparable, match="no judge top-1"):
        decide(m, metrics(SHIPPED))


@pytest.mark.parametrize("run, code", [([66.0, 49.0, 70.0], 0), ([64.75, 48.5, 70.5], 3), ([50.0, 48.5, 70.5], 4),
                                       ("other judge", 2)])
def test_command_prints_the_figures_and_exits_with_the_verdict(tmp_path, run, code):
    m = metrics([66.0, 49.0, 70.0], judge_heldout=0.5) if run == "other judge" else metrics(run)
    (tmp_path / "run.json").write_text(json.dumps(m))
    (tmp_path / "shipped.json").write_text(json.dumps(metrics(SHIPPED)))
    p = subprocess.run([sys.executable, "training/decide.py", str(tmp_path / "run.json"), "--shipped",
                        str(tmp_path / "shipped.json")], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == code, p.stderr
    if code != 2:
        assert "a cute little {}" in p.stdout and "64.75" in p.stdout and "verdict: " in p.stdout
        assert {v: k for k, v in EXIT.items()}[code].upper() in p.stdout
    else:
        assert "another judge" in p.stderr


def test_apply_sets_the_next_start(tmp_path):
    ck, run = tmp_path / "checkpoints", tmp_path / "run"
    ck.mkdir()
    run.mkdir()
    shipped_clip = {"w": torch.ones(3)}
    (ck / "shipped.json").write_text(json.dumps({"models": "../models", "clip": {"sha256": state_digest(shipped_clip),
                                                                                 "steps": 5}, "unet": {}}))
    torch.save({"steps": 9, "ema": {"w": torch.full((2,), 0.3)}, "state_dict": {"w": torch.zeros(2)},
                "optimizer": {}}, run / "unet.pt")
    torch.save({"steps": 5, "state_dict": {"w": torch.ones(3)}}, run / "clip.pt")  # the shipped text encoder, kept
    assert next_start(ck) == ck
    apply("discard", run, ck)
    assert next_start(ck) == ck
    apply("resume", run, ck)
    assert next_start(ck) == ck / "next"
    unet = torch.load(ck / "next" / "unet.pt")
    assert unet["ema"]["w"].dtype == torch.float16 and "state_dict" not in unet and "optimizer" not in unet
    # the kept text encoder is named, not copied: next/ has a record without the U-Net, pointing at the models
    assert not (ck / "next" / "clip.pt").exists()
    rec = json.loads((ck / "next" / "shipped.json").read_text())
    assert "unet" not in rec and (ck / "next" / rec["models"]).resolve() == (tmp_path / "models").resolve()
    # a run that trained CLIP leaves its own
    torch.save({"steps": 8, "state_dict": {"w": torch.full((3,), 2.0)}}, run / "clip.pt")
    apply("resume", run, ck)
    assert torch.load(ck / "next" / "clip.pt")["state_dict"]["w"].dtype == torch.float16
    apply("discard", run, ck)
    assert next_start(ck) == ck / "next"  # a worse run does not undo the last start that was no worse
    apply("ship", run, ck)
    assert next_start(ck) == ck and not (ck / "next").exists()
