"""Ship only what is better: compare a run's prompt fidelity with the shipped model's, say what to do.

  /usr/bin/python3 training/decide.py RUN/metrics.json                       # the verdict, the figures
  /usr/bin/python3 training/decide.py RUN/metrics.json --apply RUN --record 2026-12-01-h100

Both measurements are `evaluate.py measure --judge training/checkpoints/judge.pt` (200 concepts x 2 seeds
at full size); the figure is the independent judge's top-1 for each of the three phrasings no training
caption uses (evaluate.UNSEEN_PHRASINGS). With TOLERANCE = 1 point:
  ship     the mean over the three improves and no phrasing drops by more than 1 point: the run's model
           replaces the shipped one (export, card, fixtures: training/README.md). Exit 0.
  resume   not better, but no worse: no phrasing more than 1 point below the shipped model's (so the mean
           is not either). The page keeps the shipped model; the run's weights are the next run's starting
           point, so the images it saw still count. Exit 3.
  discard  anything else: the next run starts where this one started. Exit 4.
Exit 2: the two measurements cannot be compared (another judge, sampler, concepts or seeds, a phrasing
without the judge's figure).

--apply RUN acts on the verdict: resume puts RUN's U-Net (EMA weights, fp16) and, if the run trained
CLIP, its clip.pt in training/checkpoints/next/ (a kept text encoder comes from the shipped model there
too); ship removes next/ (the exported model is the start again); discard leaves the start as it was.
The next run resumes from `decide.py --start` (next/ if it is there, else training/checkpoints).
--record ID appends the run and its verdict to training/run-history.json (the model card's run table).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate import UNSEEN_PHRASINGS

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_METRICS = ROOT / "training" / "metrics-phrasings.json"
CHECKPOINTS = ROOT / "training" / "checkpoints"
TOLERANCE = 1.0  # points of top-1
EXIT = {"ship": 0, "resume": 3, "discard": 4}


class Incomparable(ValueError):
    """The two measurements do not measure the same thing."""


def judge_top1(met: dict, name: str) -> dict[str, float]:
    """{phrasing: the judge's top-1 in points} for the unseen phrasings of a metrics file."""
    out = {}
    for t in UNSEEN_PHRASINGS:
        j = ((met.get("phrasings") or {}).get(t) or {}).get("judge")
        if not j or j.get("top1") is None:
            raise Incomparable(f"{name}: no judge top-1 for {t!r} (measure with evaluate.py measure --judge "
                               f"training/checkpoints/judge.pt, or add it with evaluate.py judge)")
        out[t] = 100.0 * j["top1"]
    return out


def check_comparable(run: dict, shipped: dict) -> None:
    """Raise Incomparable unless both were measured alike: same judge, sampler, concepts and seeds."""
    rj, sj = run.get("judge") or {}, shipped.get("judge") or {}
    if rj.get("sha256") and sj.get("sha256"):
        same_judge = rj["sha256"] == sj["sha256"]
    else:  # measurements from before the judge's digest was recorded: its held-out figures identify it
        same_judge = rj.get("heldout") == sj.get("heldout")
    if not same_judge:
        raise Incomparable(f"another judge: run {rj.get('file')} (held-out {rj.get('heldout')}) against shipped "
                           f"{sj.get('file')} (held-out {sj.get('heldout')}); re-score the run's images with the "
                           f"shipped one (evaluate.py judge --judge training/checkpoints/judge.pt)")
    for key in ("sampler",):
        if run.get(key) != shipped.get(key):
            raise Incomparable(f"another {key}: run {run.get(key)!r}, shipped {shipped.get(key)!r}")
    rp, sp = run.get("prompt_fidelity") or {}, shipped.get("prompt_fidelity") or {}
    for key in ("concepts", "seeds"):
        if rp.get(key) != sp.get(key):
            raise Incomparable(f"other {key}: run {rp.get(key)}, shipped {sp.get(key)}")


def decide(run: dict, shipped: dict) -> dict:
    """The verdict ('ship' | 'resume' | 'discard'), why, and the figures (points) it rests on."""
    check_comparable(run, shipped)
    r, s = judge_top1(run, "run"), judge_top1(shipped, "shipped")
    change = {t: round(r[t] - s[t], 4) for t in UNSEEN_PHRASINGS}
    mean_r, mean_s = sum(r.values()) / len(r), sum(s.values()) / len(s)
    mean_change = round(mean_r - mean_s, 4)
    worst = min(change, key=change.get)
    within = change[worst] >= -TOLERANCE
    if mean_change > 0 and within:
        verdict, why = "ship", f"mean top-1 {mean_change:+.2f} points and no phrasing down more than {TOLERANCE:g}"
    elif within:  # every phrasing within the tolerance, so the mean is too
        verdict, why = "resume", (f"not better (mean {mean_change:+.2f} points) but no worse: every phrasing "
                                  f"within {TOLERANCE:g} point of the shipped model")
    else:
        verdict, why = "discard", f"worse: {worst!r} {change[worst]:+.2f} points (more than {TOLERANCE:g} down)"
    return {"verdict": verdict, "why": why, "run": r, "shipped": s, "change": change,
            "mean_run": round(mean_r, 4), "mean_shipped": round(mean_s, 4), "mean_change": mean_change}


def report(d: dict) -> str:
    lines = [f"{'phrasing':28} {'shipped':>8} {'run':>8} {'change':>8}   (judge top-1, %)"]
    for t in UNSEEN_PHRASINGS:
        lines.append(f"{t:28} {d['shipped'][t]:8.2f} {d['run'][t]:8.2f} {d['change'][t]:+8.2f}")
    lines.append(f"{'mean':28} {d['mean_shipped']:8.2f} {d['mean_run']:8.2f} {d['mean_change']:+8.2f}")
    lines.append(f"verdict: {d['verdict'].upper()}: {d['why']}")
    return "\n".join(lines)


def next_start(checkpoints: Path = CHECKPOINTS) -> Path:
    """The folder the next run resumes from: checkpoints/next after a 'resume' verdict, else checkpoints."""
    return checkpoints / "next" if (checkpoints / "next" / "unet.pt").exists() else checkpoints


def _fp16(sd: dict) -> dict:
    return {k: v.half() if v.is_floating_point() else v for k, v in sd.items()}


def apply(verdict: str, run_dir: Path, checkpoints: Path = CHECKPOINTS) -> str:
    """Make the verdict the next run's starting point (see the module's doc); returns what it did."""
    import torch
    from shipped_weights import RECORD, state_digest
    nxt = checkpoints / "next"
    if verdict == "discard":
        return f"the next run starts from {next_start(checkpoints)} as before"
    if nxt.exists():
        shutil.rmtree(nxt)
    if verdict == "ship":
        return "the next run starts from the shipped model (export this run first: training/README.md)"
    nxt.mkdir(parents=True)
    unet = torch.load(run_dir / "unet.pt", map_location="cpu")
    unet["ema"] = _fp16(unet["ema"])  # what runs resume from; the raw weights and optimizer state stay behind
    unet.pop("state_dict", None)
    unet.pop("optimizer", None)
    torch.save(unet, nxt / "unet.pt")
    record = json.loads((checkpoints / RECORD).read_text("utf-8"))
    clip = torch.load(run_dir / "clip.pt", map_location="cpu")
    clip["state_dict"] = _fp16(clip["state_dict"])
    if state_digest(clip["state_dict"]) != record["clip"]["sha256"]:  # the run trained CLIP
        torch.save(clip, nxt / "clip.pt")
        return f"{nxt}: the run's U-Net and CLIP are the next run's start"
    # the run kept the shipped text encoder: next/ names it (a record without the U-Net) instead of a copy
    record["models"] = Path(os.path.relpath((checkpoints / record["models"]).resolve(), nxt.resolve())).as_posix()
    del record["unet"]
    (nxt / RECORD).write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return f"{nxt}: the run's U-Net, with the shipped text encoder, is the next run's start"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("metrics", type=Path, nargs="?", help="the run's evaluate.py measure output")
    ap.add_argument("--shipped", type=Path, default=SHIPPED_METRICS,
                    help="the shipped model's measurement (default: training/metrics-phrasings.json)")
    ap.add_argument("--apply", type=Path, metavar="RUN", help="the run's folder (unet.pt, clip.pt): act on the verdict")
    ap.add_argument("--record", metavar="ID", help="append the run to training/run-history.json under this id")
    ap.add_argument("--json", type=Path, help="also write the verdict and figures here")
    ap.add_argument("--start", action="store_true", help="only print the folder the next run resumes from")
    args = ap.parse_args()
    if args.start:
        print(next_start().relative_to(ROOT).as_posix())
        return
    if args.metrics is None:
        ap.error("the run's metrics file is needed")
    for p in (args.metrics, args.shipped):
        if not p.exists():
            raise SystemExit(f"{p}: no such file")
    run, shipped = (json.loads(p.read_text("utf-8")) for p in (args.metrics, args.shipped))
    try:
        d = decide(run, shipped)
    except Incomparable as e:
        print(f"cannot compare {args.metrics} with {args.shipped}: {e}", file=sys.stderr)
        sys.exit(2)
    print(report(d))
    if args.json:
        args.json.write_text(json.dumps(d, indent=1) + "\n", "utf-8")
    if args.apply:
        print(apply(d["verdict"], args.apply))
    if args.record:
        from run_history import add_run
        row = add_run(args.record, args.metrics, d)
        print(f"recorded run {row['id']} in training/run-history.json")
    sys.exit(EXIT[d["verdict"]])


if __name__ == "__main__":
    main()
