"""Named sections inside a generated Markdown card, so one script can own a part of a card another
script writes: a section is the text between `<!-- section:NAME -->` and `<!-- /section:NAME -->`.
The SR data section of DATA_CARD.md (data/build_sr_dataset.py) and the SR section of MODEL_CARD.md
(evaluate_sr.py card) are such sections; the scripts that rewrite the whole card keep them (keep_sections).
"""
from __future__ import annotations

import re

_SECTION = re.compile(r"<!-- section:([a-z0-9-]+) -->\n.*?<!-- /section:\1 -->\n", re.S)


def replace_section(text: str, name: str, body: str) -> str:
    """`text` with section `name` set to `body` (replaced where it is, else appended at the end)."""
    block = f"<!-- section:{name} -->\n{body.rstrip()}\n<!-- /section:{name} -->\n"
    pattern = re.compile(rf"<!-- section:{re.escape(name)} -->\n.*?<!-- /section:{re.escape(name)} -->\n", re.S)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text, count=1)
    return text.rstrip("\n") + ("\n\n" if text.strip() else "") + block


def keep_sections(old: str, new: str) -> str:
    """`new` plus every named section of `old` that `new` lacks (appended in their old order)."""
    for m in _SECTION.finditer(old):
        if f"<!-- section:{m.group(1)} -->" not in new:
            new = new.rstrip("\n") + "\n\n" + m.group(0)
    return new
