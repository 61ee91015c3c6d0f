"""Every training run on record (training/run-history.json): hardware, minutes, images seen, each metric,
the verdict. The model card's run table and progress chart (public/models/progress.svg) are drawn from it.

A run is added by `decide.py RUN/metrics.json --record ID` (from its evaluate.py measurement and, beside
it, train.py's log.jsonl, clip-holdout.json and sharpness.json). The runs before that command existed were
entered from what is on record; each row names its sources.

Figures are fractions (0.68 = 68%), minutes are training minutes of that run alone, images_seen the U-Net
images of that run and images_seen_total those of the weights it produced (all runs it resumed from).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from evaluate import UNSEEN_PHRASINGS

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT / "training" / "run-history.json"
BARE = "{}"


def load(path: Path = HISTORY) -> list[dict]:
    return json.loads(path.read_text("utf-8"))["runs"] if path.exists() else []


def save(runs: list[dict], path: Path = HISTORY) -> None:
    doc = json.loads(path.read_text("utf-8")) if path.exists() else {"_doc": __doc__.split("\n\n")[0]}
    doc["runs"] = runs
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", "utf-8")


def fidelity_of(met: dict) -> dict:
    """{phrasing: {clip_top1, clip_top5, judge_top1, judge_top5}} from an evaluate.py measurement (the
    unseen phrasings and the bare name, where measured)."""
    out = {}
    rows = dict(met.get("phrasings") or {})
    if met.get("prompt_fidelity_bare_name"):
        b = met["prompt_fidelity_bare_name"]
        rows[BARE] = {"clip": {"top1": b["top1"], "top5": b["top5"]}, "judge": b.get("judge")}
    for t, r in rows.items():
        j = r.get("judge") or {}
        out[t] = {"clip_top1": r["clip"]["top1"], "clip_top5": r["clip"]["top5"],
                  "judge_top1": j.get("top1"), "judge_top5": j.get("top5")}
    return out


def row_from_run(run_id: str, metrics_path: Path, decision: dict | None) -> dict:
    """A history row for a run folder: its measurement, train.py's log.jsonl (hardware, minutes, images,
    throughput, loss curve), clip-holdout.json and sharpness.json where present."""
    run_dir = Path(metrics_path).parent
    met = json.loads(Path(metrics_path).read_text("utf-8"))
    rows = [json.loads(line) for line in (run_dir / "log.jsonl").read_text("utf-8").splitlines()] \
        if (run_dir / "log.jsonl").exists() else []
    clip_done = next((r for r in rows if r.get("stage") == "clip" and r.get("done")), None)
    start = next((r for r in rows if r.get("stage") == "unet" and "run_start" in r), {})
    done = next((r for r in rows if r.get("stage") == "unet" and r.get("done")), {})
    held = json.loads((run_dir / "clip-holdout.json").read_text("utf-8")) if (run_dir / "clip-holdout.json").exists() \
        else met.get("clip_heldout_style")
    sh = json.loads((run_dir / "sharpness.json").read_text("utf-8")) if (run_dir / "sharpness.json").exists() else None
    fid = met.get("fid_feature_space") or {}
    tp = done.get("throughput") or {}
    return {
        "id": run_id, "date": (start.get("run_start") or time.strftime("%Y-%m-%d"))[:10],
        "hardware": done.get("hardware") or met.get("device"),
        "what": "", "minutes": {k: round(v, 2) for k, v in (("clip", (clip_done or {}).get("minutes")),
                                                          ("unet", done.get("minutes"))) if v is not None},
        "images_seen": done.get("images_this_run"), "images_seen_total": done.get("images_seen"),
        "images_per_s": tp.get("images_per_s"), "loss": round(done["loss"], 5) if done.get("loss") else None,
        "loss_curve": [[r["images_seen"], round(r["loss"], 5)] for r in rows
                       if r.get("stage") == "unet" and "loss" in r and not r.get("done")],
        "fidelity": fidelity_of(met),
        "style": (met.get("style_fidelity") or {}).get("accuracy"),
        "heldout_top5": ((held or {}).get("heldout_retrieval") or {}).get("top5"),
        "fid": fid.get("generated_vs_real"), "fid_floor": fid.get("real_sample_vs_real"),
        "grain": grain_of(sh),
        "verdict": decision["verdict"] if decision else None, "why": decision["why"] if decision else None,
        "shipped": bool(decision and decision["verdict"] == "ship"),
        "sources": [Path(metrics_path).as_posix()],
    }


def grain_of(sh: dict | None) -> float | None:
    """Flat-region noise of the page's default sampling against the real images' (sharpness.py), x."""
    if not sh:
        return None
    real = sh["real_same_concepts"]["flat_noise"]
    row = next((r for r in sh["rows"] if r["weights"] == "ema" and "page default" in r["setting"]), None)
    return round(row["flat_noise"] / real, 1) if row and real else None


def add_run(run_id: str, metrics_path: Path, decision: dict | None, path: Path = HISTORY) -> dict:
    """Append (or replace, by id) the run's row in the history; returns it."""
    row = row_from_run(run_id, metrics_path, decision)
    runs = [r for r in load(path) if r["id"] != run_id] + [row]
    save(runs, path)
    return row


# ----------------------------------------------------------------------------------------------------
# What the model card shows


def pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}"


def fidelity_cell(run: dict, phrasing: str) -> str:
    f = run.get("fidelity", {}).get(phrasing)
    if not f:
        return "–"
    return f"{pct(f['clip_top1'])} / {pct(f['judge_top1'])}"


def judge_mean(run: dict) -> float | None:
    """Mean judge top-1 over the three unseen phrasings (decide.py's figure), or None if one is missing."""
    vals = [(run.get("fidelity", {}).get(t) or {}).get("judge_top1") for t in UNSEEN_PHRASINGS]
    return None if None in vals else sum(vals) / len(vals)


def table(runs: list[dict]) -> str:
    """Markdown: one row per run, oldest first."""
    head = ["run", "hardware", "minutes", "U-Net images (run / total)"] + \
        [f"`{t}`" for t in UNSEEN_PHRASINGS] + ["bare name", "judge mean", "style", "held-out top-5", "FID (floor)",
                                                "grain", "verdict"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    current = next((r["id"] for r in reversed(runs) if r.get("shipped")), None)
    for r in runs:
        mins = ", ".join(f"{k} {v:g}" for k, v in r.get("minutes", {}).items()) or "–"
        imgs = (f"{(r.get('images_seen') or 0) / 1e6:.2f}M / {(r.get('images_seen_total') or 0) / 1e6:.2f}M"
                if r.get("images_seen_total") else "–")
        fid = f"{r['fid']:.4f} ({r['fid_floor']:.4f})" if r.get("fid") is not None else "–"
        verdict = ("**shipped, current**" if r["id"] == current else "shipped, replaced since" if r.get("shipped")
                   else r.get("verdict") or "not shipped")
        cells = [r["id"], r.get("hardware") or "–", mins, imgs] + [fidelity_cell(r, t) for t in UNSEEN_PHRASINGS] + \
            [fidelity_cell(r, BARE), pct(judge_mean(r)), pct(r.get("style")), pct(r.get("heldout_top5")), fid,
             f"{r['grain']:g}x" if r.get("grain") else "–", verdict]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def notes(runs: list[dict]) -> str:
    """One line per run: what it was, and where its figures come from."""
    return "\n".join(f"- **{r['id']}**: {r.get('what') or ''}{' ' + r['note'] if r.get('note') else ''} "
                     f"Sources: {', '.join(f'`{s}`' for s in r.get('sources', []))}." for r in runs)


def progress_series(runs: list[dict]) -> dict[str, list[tuple[float, float]]]:
    """The chart's series against the weights' cumulative images seen: each run's loss curve (or final
    loss), CLIP top-1 for "a picture of …" and the judge's mean top-1 over the three unseen phrasings."""
    loss, clip, judge = [], [], []
    for r in runs:
        x = r.get("images_seen_total")
        if not x:
            continue
        loss += [tuple(p) for p in r.get("loss_curve") or []] or ([(x, r["loss"])] if r.get("loss") else [])
        f = r.get("fidelity", {}).get(UNSEEN_PHRASINGS[0])
        if f:
            clip.append((x, f["clip_top1"]))
        if judge_mean(r) is not None:
            judge.append((x, judge_mean(r)))
    return {"loss": sorted(loss), "clip": clip, "judge": judge}
