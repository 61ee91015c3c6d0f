"""What limits prompt fidelity: per-concept evidence for training/fidelity-analysis.md (issue 21, item 3).

  # 1. the prompt-fidelity images (once; ~20 min on 2 free cores, far longer on busy ones)
  nice -n 10 /usr/bin/python3 training/evaluate.py measure --preset full --parts fidelity \
      --checkpoints training/checkpoints --judge training/checkpoints/judge.pt \
      --out training/runs/analysis/g4.json --save-images training/runs/analysis/g4.npz
  # 2. per concept: the judge's and CLIP's verdicts, the data, the text encoder (a minute or two)
  /usr/bin/python3 training/fidelity_analysis.py concepts --images training/runs/analysis/g4.npz \
      --out training/runs/analysis/concepts.json
  # 3. the text side alone for any phrasing (no sampling, a few minutes): how far it moves a name's states
  /usr/bin/python3 training/fidelity_analysis.py drift --templates "a picture of {}" "a small {}" \
      --out training/runs/analysis/drift.json
  # 4. guidance: the same concepts sampled at other guidance scales, judged (--concepts N: the first N)
  /usr/bin/python3 training/fidelity_analysis.py guidance --scales 2 7 --template "a cute little {}" \
      --concepts 200 --out training/runs/analysis/guidance.json

`concepts` writes, for each of the 200 evaluation concepts (training/eval_concepts.json) and each phrasing:
the judge's hits over the seeds and what it saw instead; CLIP's hits; the concept's data (images, names,
tags, how many other concepts' names share each of its words, words the tokenizer does not know); the text
encoder's view: the rank of the concept among all 2,507 bare names by the prompt's token states (what
the U-Net attends to; mean over the words) and by CLIP's pooled embedding against the real images, and
the nearest names. Then it summarises: fidelity by data bucket, the most frequent wrong answers, and
how often a failure's text is already wrong before the U-Net runs.
"""
from __future__ import annotations

import argparse
import collections
import json
import re
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from classifier import heldout_split, load_judge, logits_of
from common import embed_images, images_on, load_clip, load_dataset, load_unet, pick_device
from evaluate import EVAL_CONCEPTS, UNSEEN_PHRASINGS, sample, to_uint8

ROOT = Path(__file__).resolve().parents[1]
CHECKPOINTS = ROOT / "training" / "checkpoints"


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


@torch.no_grad()
def token_state_means(clip, tok, texts: list[str]) -> torch.Tensor:
    """Unit-length mean over the non-padding token states (what the U-Net's cross-attention reads), [N, W]."""
    out = []
    for i in range(0, len(texts), 256):
        ids = torch.tensor([tok.encode(t) for t in texts[i:i + 256]], dtype=torch.int32)
        h = clip.text(ids)[0]                                    # (b, L, W)
        keep = (ids != 0).float()[..., None]
        out.append(F.normalize((h * keep).sum(1) / keep.sum(1), dim=-1))
    return torch.cat(out)


@torch.no_grad()
def state_drift(clip, tok, name: str, prompt: str) -> float:
    """How far the prompt moves the concept's own token states from the bare name's: relative RMS
    difference over the name's words (wherever the phrasing puts them), what the U-Net's cross-attention
    reads for the concept."""
    bare, framed = tok.encode(name), tok.encode(prompt)
    words_ = [i for i in bare if i > 2]                          # without BOS, EOS, padding
    at = next(k for k in range(len(framed)) if framed[k:k + len(words_)] == words_)
    hb = clip.text(torch.tensor([bare], dtype=torch.int32))[0][0, 1:1 + len(words_)]
    hp = clip.text(torch.tensor([framed], dtype=torch.int32))[0][0, at:at + len(words_)]
    return float((hp - hb).pow(2).mean().sqrt() / hb.pow(2).mean().sqrt())


@torch.no_grad()
def pooled(clip, tok, texts: list[str]) -> torch.Tensor:
    """CLIP's unit-length text embedding, [N, E]."""
    return torch.cat([F.normalize(clip.text(torch.tensor([tok.encode(t) for t in texts[i:i + 256]],
                                                             dtype=torch.int32))[1], dim=-1)
                      for i in range(0, len(texts), 256)])


def siblings(name: str, names: list[str]) -> list[str]:
    """Other concepts' first names that differ from `name` by one word (swapped, or one added): 'man rowing
    boat' for 'woman rowing boat', 'spiral calendar' for 'calendar'."""
    a, out = set(words(name)), []
    for n in names:
        b = set(words(n))
        if n != name and a & b and len(a - b) <= 1 and len(b - a) <= 1:
            out.append(n)
    return out


def name_sharing(meta: dict) -> dict[str, int]:
    """word -> how many concepts have it in one of their names."""
    df = collections.Counter()
    for c in meta["concepts"]:
        df.update({w for n in c["names"] for w in words(n)})
    return df


def concepts(args) -> None:
    images, concept, style, meta = load_dataset(args.data)
    by_unified = {c["unified"]: c for c in meta["concepts"]}
    z = np.load(args.images)
    templates = [str(t) for t in z["templates"]]
    want = [str(u) for u in z["want"]]
    seeds = want.count(want[0])
    evaluated = {e["unified"]: e for e in json.loads(EVAL_CONCEPTS.read_text("utf-8"))["concepts"]}
    listed = [evaluated[u] for u in want[::seeds]]  # the concepts the images were made for, in their order
    clip, tok, _ = load_clip(args.checkpoints / "clip.pt")
    judge, jck = load_judge(args.judge)
    col = {u: i for i, u in enumerate(jck["unified"])}
    uni_of_col = jck["unified"]
    names = [c["names"][0] for c in meta["concepts"]]
    # the text side: every concept's bare first name as the reference set
    ref_states = token_state_means(clip, tok, names)
    real = embed_images(clip, images_on("cpu", images))
    real_concept = torch.as_tensor(concept.astype(np.int64))
    df = name_sharing(meta)
    vocab = tok.vocab
    # the judge's own eye: does it name the concept's held-out real drawing (a style it never saw for it)?
    held = heldout_split(concept)
    held_rows = {int(concept[i]): i for i in np.flatnonzero(held)}
    rows = []
    for k, e in enumerate(listed):
        c = by_unified[e["unified"]]
        ws = sorted({w for w in words(c["names"][0])})
        h = held_rows.get(c["id"])
        judge_real = None if h is None else bool(uni_of_col[int(logits_of(judge, torch.from_numpy(
            images[h:h + 1]).permute(0, 3, 1, 2).contiguous()).argmax(1))] == c["unified"])
        rows.append({"unified": c["unified"], "name": c["names"][0], "category": c.get("category"),
                     "images": int((concept == c["id"]).sum()), "names": len(c["names"]), "tags": len(c["tags"]),
                     "judge_knows_heldout_real": judge_real, "siblings": siblings(c["names"][0], names),
                     "rarest_name_word_shared_by": min(df[w] for w in ws) if ws else None,
                     "unknown_words": [w for w in ws if w not in vocab], "phrasings": {}})
    for ti, template in enumerate(templates):
        imgs = z[f"images_{ti}"]
        x = torch.from_numpy(np.ascontiguousarray(imgs)).permute(0, 3, 1, 2).contiguous()
        top5 = logits_of(judge, x).topk(5, dim=1).indices
        g = embed_images(clip, x)
        sims = g @ real.T
        best = torch.full((len(g), len(meta["concepts"])), -2.0)
        best.scatter_reduce_(1, real_concept[None].expand_as(sims), sims, reduce="amax")
        clip_top1 = best.argmax(1)
        prompts = [template.format(e["name"]) for e in listed]
        st = token_state_means(clip, tok, prompts)
        state_rank_all = (st @ ref_states.T).argsort(1, descending=True)
        txt = pooled(clip, tok, prompts)
        tsims = txt @ real.T
        tbest = torch.full((len(txt), len(meta["concepts"])), -2.0)
        tbest.scatter_reduce_(1, real_concept[None].expand(len(txt), -1), tsims, reduce="amax")
        text_rank_all = tbest.argsort(1, descending=True)
        for k, e in enumerate(listed):
            cid = by_unified[e["unified"]]["id"]
            rs = range(k * seeds, (k + 1) * seeds)
            saw = [uni_of_col[int(top5[i, 0])] for i in rs]
            rows[k]["phrasings"][template] = {
                "judge_hits": sum(s == e["unified"] for s in saw),
                "judge_top5_hits": sum(col[e["unified"]] in top5[i].tolist() for i in rs),
                "judge_saw": [by_unified[s]["names"][0] if s in by_unified else s for s in saw],
                "clip_hits": sum(int(clip_top1[i]) == cid for i in rs),
                "state_rank": int((state_rank_all[k] == cid).nonzero()[0, 0]) + 1,
                "state_drift": round(state_drift(clip, tok, e["name"], prompts[k]), 4),
                "state_nearest": [names[int(j)] for j in state_rank_all[k, :3]],
                "text_image_rank": int((text_rank_all[k] == cid).nonzero()[0, 0]) + 1,
            }
    summary = summarise(rows, templates, seeds)
    out = {"images": str(args.images), "seeds": seeds, "templates": templates, "summary": summary, "concepts": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(json.dumps(summary, indent=1, ensure_ascii=False))


def rate(rows: list[dict], template: str, seeds: int, key: str = "judge_hits") -> float | None:
    return round(sum(r["phrasings"][template][key] for r in rows) / (seeds * len(rows)), 4) if rows else None


def summarise(rows: list[dict], templates: list[str], seeds: int) -> dict:
    """Judge top-1 by data bucket and by the text side's verdict; the most common wrong answers."""
    out = {}
    for t in templates:
        per = {"judge_top1": rate(rows, t, seeds), "clip_top1": rate(rows, t, seeds, "clip_hits")}
        # is the text already wrong? rank 1 = the prompt's token states are nearest the concept's own name
        for label, sel in (("state_rank_1", lambda r: r["phrasings"][t]["state_rank"] == 1),
                           ("state_rank_2_plus", lambda r: r["phrasings"][t]["state_rank"] > 1),
                           ("text_image_rank_1", lambda r: r["phrasings"][t]["text_image_rank"] == 1),
                           ("text_image_rank_2_plus", lambda r: r["phrasings"][t]["text_image_rank"] > 1)):
            part = [r for r in rows if sel(r)]
            per[label] = {"concepts": len(part), "judge_top1": rate(part, t, seeds)}
        # name words shared with many concepts ("face", "heart") against distinctive ones
        for label, sel in (("rarest_word_in_1_name", lambda r: r["rarest_name_word_shared_by"] == 1),
                           ("rarest_word_in_2_to_5", lambda r: 2 <= (r["rarest_name_word_shared_by"] or 0) <= 5),
                           ("rarest_word_in_6_plus", lambda r: (r["rarest_name_word_shared_by"] or 0) >= 6)):
            part = [r for r in rows if sel(r)]
            per[label] = {"concepts": len(part), "judge_top1": rate(part, t, seeds)}
        drifts = sorted(r["phrasings"][t]["state_drift"] for r in rows)
        lo, hi = drifts[len(drifts) // 3], drifts[2 * len(drifts) // 3]
        for label, sel in ((f"drift_low_below_{lo:.2f}", lambda r: r["phrasings"][t]["state_drift"] < lo),
                           ("drift_mid", lambda r: lo <= r["phrasings"][t]["state_drift"] < hi),
                           (f"drift_high_from_{hi:.2f}", lambda r: r["phrasings"][t]["state_drift"] >= hi),
                           ("judge_knows_heldout_real", lambda r: r["judge_knows_heldout_real"] is True),
                           ("judge_misses_heldout_real", lambda r: r["judge_knows_heldout_real"] is False),
                           ("has_a_sibling", lambda r: bool(r["siblings"])), ("no_sibling", lambda r: not r["siblings"]),
                           ("tags_0_5", lambda r: r["tags"] <= 5), ("tags_6_plus", lambda r: r["tags"] > 5)):
            part = [r for r in rows if sel(r)]
            per[label] = {"concepts": len(part), "judge_top1": rate(part, t, seeds)}
        wrong = collections.Counter(s for r in rows for s in r["phrasings"][t]["judge_saw"] if s != r["name"])
        per["most_common_wrong"] = wrong.most_common(8)
        per["all_seeds_wrong"] = sum(r["phrasings"][t]["judge_hits"] == 0 for r in rows)
        per["wrong_answers_that_are_a_sibling"] = sum(s in r["siblings"] for r in rows for s in r["phrasings"][t]["judge_saw"])
        drift = np.array([r["phrasings"][t]["state_drift"] for r in rows])
        hits = np.array([r["phrasings"][t]["judge_hits"] for r in rows])
        per["drift_hits_correlation"] = round(float(np.corrcoef(drift, hits)[0, 1]), 3) if drift.std() > 0 else None
        cats = collections.defaultdict(list)
        for r in rows:
            cats[r["category"]].append(r)
        per["by_category"] = {k: {"concepts": len(v), "judge_top1": rate(v, t, seeds)} for k, v in sorted(cats.items())}
        out[t] = per
    unseen = [t for t in templates if t in UNSEEN_PHRASINGS]
    fail_all = [r["name"] for r in rows if all(r["phrasings"][t]["judge_hits"] == 0 for t in unseen)]
    out["fail_every_unseen_phrasing"] = {"count": len(fail_all), "names": fail_all}
    if "{}" in templates:
        bare_ok_unseen_bad = [r["name"] for r in rows if r["phrasings"]["{}"]["judge_hits"] == seeds and
                              all(r["phrasings"][t]["judge_hits"] == 0 for t in unseen)]
        out["bare_name_right_every_unseen_wrong"] = {"count": len(bare_ok_unseen_bad), "names": bare_ok_unseen_bad}
    return out


def drift(args) -> None:
    """The text side alone (seconds to minutes, no sampling): for each phrasing, the median and mean
    state drift of the evaluation concepts' names, and how often the prompt's token states are nearest
    the concept's own bare name among all concepts."""
    meta = json.loads((args.data / "dataset.json").read_text("utf-8"))
    clip, tok, _ = load_clip(args.checkpoints / "clip.pt")
    listed = json.loads(EVAL_CONCEPTS.read_text("utf-8"))["concepts"][::args.stride]
    by_unified = {c["unified"]: c["id"] for c in meta["concepts"]}
    ref = token_state_means(clip, tok, [c["names"][0] for c in meta["concepts"]])
    want = torch.tensor([by_unified[e["unified"]] for e in listed])
    out = {"concepts": len(listed), "checkpoints": str(args.checkpoints), "phrasings": {}}
    for t in args.templates:
        prompts = [t.format(e["name"]) for e in listed]
        d = np.array([state_drift(clip, tok, e["name"], p) for e, p in zip(listed, prompts)])
        own = float(((token_state_means(clip, tok, prompts) @ ref.T).argmax(1) == want).float().mean())
        out["phrasings"][t] = {"drift_median": round(float(np.median(d)), 4), "drift_mean": round(float(d.mean()), 4),
                               "nearest_name_is_own": round(own, 4)}
        print(f"{t!r:34} drift median {np.median(d):.3f} mean {d.mean():.3f}; nearest name own {own:.1%}", flush=True)
    if args.out:
        args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", "utf-8")


def guidance(args) -> None:
    """Judge top-1 of the first N evaluation concepts under one phrasing at several guidance scales."""
    device = pick_device()
    images, concept, style, meta = load_dataset(args.data)
    listed = json.loads(EVAL_CONCEPTS.read_text("utf-8"))["concepts"][::args.stride][:args.concepts]
    clip, tok, _ = load_clip(args.checkpoints / "clip.pt", device)
    unet, _ = load_unet(args.checkpoints / "unet.pt", device)
    judge, jck = load_judge(args.judge, device)
    col = {u: i for i, u in enumerate(jck["unified"])}
    seeds = list(range(args.seeds))
    prompts = [args.template.format(e["name"]) for e in listed for _ in seeds]
    seed_list = [s for _ in listed for s in seeds]
    want = torch.tensor([col[e["unified"]] for e in listed for _ in seeds])
    base = None
    if args.baseline:  # a concepts file from the same concepts and seeds at the default guidance
        base = {r["name"]: r["phrasings"][args.template]["judge_hits"]
                for r in json.loads(args.baseline.read_text("utf-8"))["concepts"]}
    out = {"template": args.template, "concepts": len(listed), "seeds": len(seeds), "steps": args.steps, "scales": {}}
    for g in args.scales:
        gen = to_uint8(sample(unet, clip.text, tok, prompts, seed_list, args.steps, g, device, chunk=16))
        x = torch.from_numpy(np.ascontiguousarray(gen)).permute(0, 3, 1, 2).contiguous()
        hit = (logits_of(judge, x).argmax(1) == want).reshape(len(listed), len(seeds))
        got = {e["name"]: int(h.sum()) for e, h in zip(listed, hit)}
        out["scales"][str(g)] = {"judge_top1": round(float(hit.float().mean()), 4), "hits": got}
        line = f"guidance {g}: judge top-1 {out['scales'][str(g)]['judge_top1']:.1%}"
        if base:
            wrong = [n for n in got if not base.get(n)]
            change = {"fixed": sum(got[n] > 0 for n in wrong), "broken": sum(got[n] == 0 and base.get(n, 0) > 0 for n in got),
                      "wrong_at_both": sum(got[n] == 0 for n in wrong), "wrong_at_baseline": len(wrong)}
            out["scales"][str(g)]["against_baseline"] = change
            line += f"; against the baseline: {change}"
        print(line, flush=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", "utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("concepts", help="per-concept verdicts, data and text-encoder view from saved images")
    c.add_argument("--images", type=Path, required=True, help="evaluate.py measure --save-images output")
    c.add_argument("--out", type=Path, required=True)
    g = sub.add_parser("guidance", help="judge top-1 at other guidance scales")
    g.add_argument("--scales", type=float, nargs="+", required=True)
    g.add_argument("--template", default=UNSEEN_PHRASINGS[1])
    g.add_argument("--concepts", type=int, default=200)
    g.add_argument("--stride", type=int, default=1, help="every STRIDE-th evaluation concept")
    g.add_argument("--seeds", type=int, default=2)
    g.add_argument("--steps", type=int, default=30)
    g.add_argument("--out", type=Path, required=True)
    g.add_argument("--baseline", type=Path, default=None,
                   help="a `concepts` output for the same concepts and seeds: count the failures each scale fixes")
    d = sub.add_parser("drift", help="the text side alone: state drift per phrasing (no sampling)")
    d.add_argument("--templates", nargs="+", default=UNSEEN_PHRASINGS)
    d.add_argument("--stride", type=int, default=1, help="every STRIDE-th evaluation concept")
    d.add_argument("--out", type=Path, default=None)
    for p in (c, g, d):
        p.add_argument("--checkpoints", type=Path, default=CHECKPOINTS)
        p.add_argument("--data", type=Path, default=ROOT / "training" / "build")
        p.add_argument("--judge", type=Path, default=CHECKPOINTS / "judge.pt")
    args = ap.parse_args()
    {"concepts": concepts, "guidance": guidance, "drift": drift}[args.cmd](args)


if __name__ == "__main__":
    main()
