"""The evaluation's prompt phrasings are ones training never produces (issue 12, item 2): checked by the
rule in data/captions.seen_framing and, independently, by sampling the caption and distillation code."""
import random

import pytest

from data.captions import sample_caption, seen_framing
from evaluate import UNSEEN_PHRASINGS


def test_the_evaluated_phrasings_are_unseen_and_the_check_can_fail():
    assert len(UNSEEN_PHRASINGS) >= 3
    for t in UNSEEN_PHRASINGS:
        assert seen_framing(t) is None, (t, seen_framing(t))
    # the other two examples are in the framing lists, so they are not used
    assert seen_framing("{} on a white background") is not None
    assert seen_framing("an illustration of a {}") is not None
    assert seen_framing("a photo of {}") is not None and seen_framing("{}") is not None
    with pytest.raises(ValueError):
        seen_framing("no placeholder")


def test_sampled_training_captions_never_take_an_evaluated_phrasing():
    from data.captions import all_caption_texts
    from robust_text import framed_example
    from tokenizer import Tokenizer
    name = "zqx"
    concept = {"names": [name], "tags": ["tag"], "glyph": None}
    # every word of the captions and of the phrasings has its own id, so equal ids mean equal text
    tok = Tokenizer.build(all_caption_texts([concept], ["zqx"]) + UNSEEN_PHRASINGS)
    captions, ids = set(), set()
    rng = random.Random(0)
    for _ in range(20000):
        c = sample_caption(concept, "zqx", rng)
        captions.add(c)
        ids.add(tuple(tok.encode(c)))
        ex = framed_example(tok, c, rng)   # what robust_text.py distils on
        if ex:
            ids.add(tuple(ex[0]))
    wanted = [t.format(name) for t in UNSEEN_PHRASINGS]
    assert not set(wanted) & captions
    assert not {tuple(tok.encode(w)) for w in wanted} & ids
    # the same search does find seen framings, so it is not blind
    assert tuple(tok.encode("a photo of zqx")) in ids and tuple(tok.encode("zqx on a white background")) in ids
