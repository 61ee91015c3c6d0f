"""training/run_history.py: a run folder becomes a history row (hardware, minutes, images, each metric,
the verdict), and the model card's table and progress chart are drawn from the rows."""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "training"))
from evaluate import UNSEEN_PHRASINGS  # noqa: E402
from model_card import progress_svg  # noqa: E402
from run_history import add_run, judge_mean, load, progress_series, table  # noqa: E402


def test_a_run_folder_becomes_a_row_and_the_card_shows_it(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    log = [{"stage": "clip", "step": 900, "done": True, "minutes": 1.2},
           {"stage": "unet", "run_start": "2026-12-01T10:00:00Z", "hardware": "NVIDIA H100", "images_seen": 7_000_000},
           {"stage": "unet", "step": 1, "loss": 0.09, "images_seen": 7_002_048},
           {"stage": "unet", "step": 500, "loss": 0.08, "images_seen": 8_000_000},
           {"stage": "unet", "done": True, "minutes": 4.0, "images_this_run": 1_000_000, "images_seen": 8_000_000,
            "hardware": "NVIDIA H100", "loss": 0.0812345, "throughput": {"images_per_s": 41000.0}}]
    (run / "log.jsonl").write_text("\n".join(json.dumps(r) for r in log) + "\n")
    (run / "clip-holdout.json").write_text(json.dumps({"heldout_retrieval": {"top5": 0.7}}))
    met = {"device": "NVIDIA H100", "phrasings": {t: {"clip": {"top1": 0.6, "top5": 0.9},
                                                      "judge": {"top1": 0.5 + 0.1 * i, "top5": 0.8}}
                                                  for i, t in enumerate(UNSEEN_PHRASINGS)},
           "prompt_fidelity_bare_name": {"top1": 0.8, "top5": 0.95, "judge": {"top1": 0.75, "top5": 0.9}},
           "style_fidelity": {"accuracy": 0.66}, "fid_feature_space": {"generated_vs_real": 0.02, "real_sample_vs_real": 0.003}}
    (run / "metrics.json").write_text(json.dumps(met))
    history = tmp_path / "run-history.json"
    row = add_run("2026-12-01-h100", run / "metrics.json", {"verdict": "resume", "why": "no worse"}, history)
    assert row["date"] == "2026-12-01" and row["hardware"] == "NVIDIA H100"
    assert row["minutes"] == {"clip": 1.2, "unet": 4.0} and row["images_seen"] == 1_000_000
    assert row["images_seen_total"] == 8_000_000 and row["images_per_s"] == 41000.0 and row["loss"] == 0.08123
    assert row["loss_curve"] == [[7_002_048, 0.09], [8_000_000, 0.08]] and row["heldout_top5"] == 0.7
    assert row["fidelity"]["{}"]["judge_top1"] == 0.75 and abs(judge_mean(row) - 0.6) < 1e-9
    assert row["verdict"] == "resume" and not row["shipped"]
    add_run("2026-12-01-h100", run / "metrics.json", {"verdict": "ship", "why": "better"}, history)  # replaced, by id
    runs = load(history)
    assert len(runs) == 1 and runs[0]["shipped"]
    md = table(runs)
    assert "| 2026-12-01-h100 | NVIDIA H100 | clip 1.2, unet 4 | 1.00M / 8.00M | 60.0 / 50.0 |" in md
    assert "**shipped, current**" in md and "60.0" in md
    series = progress_series(runs)
    assert series["judge"] == [(8_000_000, judge_mean(runs[0]))] and len(series["loss"]) == 2
    svg = progress_svg(series)
    assert svg.count("<circle") == 2 + 1 + 1 and "8.0M" in svg


def test_the_committed_history():
    runs = load()
    assert [r["id"] for r in runs][:4] == ["2026-11-26-cpu", "2026-11-26-h100", "2026-11-26-robust-text",
                                            "2026-11-27-h200"]
    shipped = [r for r in runs if r.get("shipped")]
    assert shipped[-1]["id"] == "2026-11-26-robust-text"
    assert abs(judge_mean(shipped[-1]) - 0.6125) < 1e-9  # metrics-phrasings.json: 64.75, 48.5, 70.5
    assert all(Path(ROOT / s).exists() for r in runs for s in r["sources"] if not s.startswith("git "))
