"""Caption sampling: one training caption for an (emoji concept, style) pair.

Most captions are a name ("cat face"); some add tags ("cat face, pet, animal"); some are the emoji
glyph itself ("🐱"), so typing an emoji works; some name the style ("cat face, twemoji style").
"""
from __future__ import annotations

import random

STYLE_PHRASE_P = 0.3  # how often the style is named in the caption


def all_caption_texts(concepts: list[dict], styles: list[str]) -> list[str]:
    """Every word any sampled caption can contain, for building the tokenizer's vocabulary."""
    out = [f"{s} style" for s in styles]
    for c in concepts:
        out += c["names"] + c["tags"] + ([c["glyph"]] if c.get("glyph") else [])
    return out


def sample_caption(concept: dict, style: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.6 or not concept["tags"]:
        text = rng.choice(concept["names"])
    elif r < 0.9:
        tags = rng.sample(concept["tags"], k=min(len(concept["tags"]), rng.randint(1, 2)))
        text = ", ".join([rng.choice(concept["names"])] + tags)
    else:
        text = concept.get("glyph") or rng.choice(concept["names"])
    if rng.random() < STYLE_PHRASE_P:
        text += f", {style} style"
    return text
