"""Long sentences split at clause, word or character boundaries, in every front end."""

from __future__ import annotations

import random
import re
import warnings

import pytest

from engine.text.arpabet_frontend import ArpabetFrontEnd
from engine.text.errors import FrontEndError
from engine.text.frontend import front_end_for
from engine.text.long_sentences import (
    MAX_SENTENCE_PHONEMES,
    LongSentenceWarning,
    split_long_sentence,
)
from engine.text.phoneme_override import OVERRIDE
from engine.text.vits_frontend import VitsFrontEnd

WORDS = "the quick brown fox jumps over a lazy dog while children watch from the hill".split()


def _words(count: int, seed: int = 1) -> str:
    chooser = random.Random(seed)
    return " ".join(chooser.choice(WORDS) for _ in range(count))


def _letters(text: str) -> int:
    """A stand-in phoneme count: one per letter."""
    return sum(c.isalpha() for c in text)


@pytest.fixture(scope="module", params=["piper", "vits", "arpabet"])
def front_end(request, default_voice):
    if request.param == "piper":
        return front_end_for(default_voice.card)
    return VitsFrontEnd() if request.param == "vits" else ArpabetFrontEnd()


def _sentences(front_end, text):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sentences = front_end.sentences(text)
    split = [w for w in caught if issubclass(w.category, LongSentenceWarning)]
    return sentences, split


def test_a_short_sentence_is_one_piece():
    text = "Short, as sentences go."
    assert split_long_sentence(text, _letters, OVERRIDE, bound=40) == [text]


def test_pieces_keep_every_word_in_order_and_fit_the_bound():
    text = _words(300)
    pieces = split_long_sentence(text, _letters, OVERRIDE, bound=60)
    assert len(pieces) > 1
    assert " ".join(pieces).split() == text.split()
    assert all(_letters(p) <= 60 for p in pieces)
    # Each cut is at the last word that fits: the next word would not have.
    for piece, following in zip(pieces, pieces[1:], strict=False):
        assert _letters(piece + " " + following.split()[0]) > 60


def test_a_clause_boundary_is_preferred_to_a_later_word():
    clauses = [_words(5, seed) for seed in range(40)]
    text = ", ".join(clauses) + "; " + _words(5, 99) + "."
    pieces = split_long_sentence(text, _letters, OVERRIDE, bound=100)
    assert len(pieces) > 1
    assert all(p.endswith((",", ";")) for p in pieces[:-1])
    assert " ".join(pieces).split() == text.split()


def test_dashes_are_clause_boundaries_but_hyphens_are_not():
    text = " - ".join(f"well-known {_words(6, seed)}" for seed in range(12))
    pieces = split_long_sentence(text, _letters, OVERRIDE, bound=80)
    assert all(p.endswith(" -") for p in pieces[:-1])


def test_a_word_longer_than_the_bound_is_cut_at_the_bound():
    text = "a " + "x" * 250 + " b"
    pieces = split_long_sentence(text, _letters, OVERRIDE, bound=100)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")
    assert all(_letters(p) <= 100 for p in pieces)
    assert max(_letters(p) for p in pieces) == 100


def test_an_override_is_never_cut_and_one_over_the_bound_is_refused():
    override = "[[" + " ".join(["ab"] * 10) + "]]"
    text = f"{_words(20)} {override} {_words(20, 2)}"
    pieces = split_long_sentence(text, _letters, OVERRIDE, bound=50)
    assert any(override in p for p in pieces)
    assert all(p.count("[[") == p.count("]]") for p in pieces)
    with pytest.raises(FrontEndError, match="longer than the 5 phonemes"):
        split_long_sentence("[[abcdefgh]] word", _letters, OVERRIDE, bound=5)


def test_10000_characters_without_a_sentence_end(front_end):
    text = _words(3000)[:10_000].rsplit(" ", 1)[0]
    sentences, split = _sentences(front_end, text)
    assert len(sentences) > 10
    assert max(len(s.phonemes) for s in sentences) <= MAX_SENTENCE_PHONEMES
    assert " ".join(s.text for s in sentences).split() == text.split()
    assert len(split) == 1 and "400 phonemes" in str(split[0].message)


def test_a_comma_rich_sentence_splits_at_commas(front_end):
    text = ", ".join(_words(7, seed) for seed in range(60)) + "."
    sentences, split = _sentences(front_end, text)
    assert len(sentences) > 1 and len(split) == 1
    assert all(s.text.endswith(",") for s in sentences[:-1])
    assert all(len(s.phonemes) <= MAX_SENTENCE_PHONEMES for s in sentences)


def test_ordinary_sentences_are_not_split(front_end):
    text = "This is the first sentence. And a second one, with a comma!"
    sentences, split = _sentences(front_end, text)
    assert [s.text for s in sentences] == re.split(r"(?<=\.) ", text)
    assert split == []
