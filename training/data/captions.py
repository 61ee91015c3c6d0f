"""Caption sampling: one training caption for an (emoji concept, style) pair.

Most captions are a name ("cat face"); some add tags ("cat face, pet, animal"); some are the emoji
glyph itself ("🐱"), so typing an emoji works; some wrap the text in a short template ("an emoji of cat
face"), so filler words do not throw the model; some name the style ("cat face, twemoji style", "cat face
in openmoji style").

The evaluation's prompts use a phrasing no template produces ("a picture of …", see
training/eval_concepts.json), so prompt fidelity is measured on text the model never saw verbatim.
"""
from __future__ import annotations

import random

from tokenizer import MAX_LENGTH, split_words

STYLE_PHRASE_P = 0.4  # how often the style is named in the caption
TEMPLATE_P = 0.2      # how often the text is wrapped in a template
TEMPLATES = ["an emoji of {}", "{} emoji", "an icon of {}", "a {}", "the {}", "{} icon"]
STYLE_TEMPLATES = ["{}, {} style", "{} in {} style", "{} ({} style)"]
# How people frame a request. None contains "picture": the evaluation's "a picture of …" stays unseen, a
# test of whether the GloVe-seeded words generalise. Used by sample_caption and by robust_text.py.
FRAME_PREFIXES = ["a photo of", "an image of", "a drawing of", "a painting of", "an illustration of", "a sketch of",
                  "a cartoon of", "a sticker of", "a clipart of", "a symbol of", "a sign of", "a graphic of",
                  "an artwork of", "a doodle of", "a portrait of", "a depiction of", "a photograph of", "a rendering of",
                  "a logo of", "a view of", "a close up of", "a small", "a big", "a nice", "draw", "draw me", "show me",
                  "make", "generate", "create", "i want", "give me", "please draw", "render", "paint", "sketch"]
# A modifier right before the name moves the name's token states most, and the more it moves them the less
# often the drawing is right (training/fidelity-analysis.md): these frame captions too, so the U-Net learns to
# read a name through them. Words of the shipped tokenizer; none of the evaluation's phrasings' words.
MODIFIERS = ["a happy", "a tiny", "a funny", "a lovely", "a colorful", "an old", "a shiny", "a simple", "a pretty",
             "a friendly", "a bright", "a sweet", "a fancy", "a round", "my", "your", "this"]
FRAME_PREFIXES += MODIFIERS
FRAME_SUFFIXES = ["please", "for me", "on white", "on a white background", "in high quality", "thanks", "now"]
FRAME_P = 0.1  # how often sample_caption frames the text (configs' clip/train "frame_p" override it)


def all_caption_texts(concepts: list[dict], styles: list[str]) -> list[str]:
    """Every word any sampled caption can contain, for building the tokenizer's vocabulary."""
    out = [f"{s} style" for s in styles] + [t.format("") for t in TEMPLATES] + \
        [t.format("", "") for t in STYLE_TEMPLATES] + FRAME_PREFIXES + FRAME_SUFFIXES
    for c in concepts:
        out += c["names"] + c["tags"] + ([c["glyph"]] if c.get("glyph") else [])
    return out


def frame(text: str, rng: random.Random) -> str:
    """Wrap text in a request framing: a prefix, a suffix or both."""
    r = rng.random()
    pre = rng.choice(FRAME_PREFIXES) + " " if r < 0.8 else ""
    suf = " " + rng.choice(FRAME_SUFFIXES) if r > 0.6 else ""
    return f"{pre}{text}{suf}"


def sample_caption(concept: dict, style: str, rng: random.Random, style_p: float = STYLE_PHRASE_P,
                   frame_p: float = FRAME_P) -> str:
    """One caption; the style is named with probability style_p (configs' clip/train "style_phrase_p":
    more often teaches the U-Net and CLIP what the style words mean, at the cost of style-free captions);
    a caption not wrapped in a template is framed as a request with probability frame_p."""
    r = rng.random()
    if r < 0.6 or not concept["tags"]:
        text = rng.choice(concept["names"])
    elif r < 0.9:
        tags = rng.sample(concept["tags"], k=min(len(concept["tags"]), rng.randint(1, 2)))
        text = ", ".join([rng.choice(concept["names"])] + tags)
    else:
        text = concept.get("glyph") or rng.choice(concept["names"])
    if rng.random() < TEMPLATE_P:
        text = rng.choice(TEMPLATES).format(text)
    elif rng.random() < frame_p:
        text = frame(text, rng)
    if rng.random() < style_p:
        styled = rng.choice(STYLE_TEMPLATES).format(text, style)
        if len(split_words(styled)) > MAX_LENGTH - 2:   # the style words would be cut off: keep them
            styled = rng.choice(STYLE_TEMPLATES).format(min(concept["names"], key=len), style)
        text = styled
    return text


def _reachable_framings() -> tuple[set[str], set[str]]:
    """Every text that sample_caption (templates, framings, style templates) or robust_text.py's framing
    distillation (a framing around a sampled caption, which may itself be templated) can put before or
    after a concept's words."""
    tmpl = [t.split("{}") for t in TEMPLATES]
    pre_t = {p.strip() for p, _ in tmpl} | {""}
    suf_t = {s.strip() for _, s in tmpl} | {""}
    pres = pre_t | {f"{f} {p}".strip() for f in FRAME_PREFIXES for p in pre_t}
    sufs = suf_t | {f"{s} {f}".strip() for f in FRAME_SUFFIXES for s in suf_t}
    style_sufs = {st.split("{}")[1].strip() for st in STYLE_TEMPLATES}
    sufs |= {f"{s} {st}".strip() for s in set(sufs) for st in style_sufs}  # style words follow with "{}" filled
    return pres, sufs


def seen_framing(template: str) -> str | None:
    """None if a prompt template ("a picture of {}") frames the concept in a way no training caption or
    framing distillation does; otherwise which list entry it matches, e.g. "prefix 'an illustration of a'".
    Only the exact framing counts: "a picture of" is unseen even though "a" and "of" are common words."""
    if template.count("{}") != 1:
        raise ValueError(f"a prompt template needs exactly one {{}}, got {template!r}")
    pre, suf = (part.strip() for part in template.split("{}"))
    pres, sufs = _reachable_framings()
    if pre in pres and suf in sufs:
        return f"prefix {pre!r} and suffix {suf!r}"
    hits = [f for f in FRAME_PREFIXES + FRAME_SUFFIXES if f and ((pre and f in pre) or (suf and f in suf))]
    return f"contains the framing {hits[0]!r}" if hits else None
