"""Words of a take as written and as spoken (:func:`engine.segments.written_words` and
:func:`engine.segments.words`), paired as the alignment export pairs them
(:func:`engine.alignment_export.word_pairs`), so that an edit on a selected word (its phonemes
given) reaches the very word of the text. Where the spoken word is one of several that one
written word gives ("42" is "forty two"), or several written words are said as one, there is
no one word to respell, and the window asks which word is meant.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.alignment_export import word_pairs
from engine.api import is_speakable
from engine.segments import Segment, segments, written_words
from engine.segments import words as spoken_words

__all__ = ["sounds_of", "spoken_spans", "spoken_words", "written_word_at", "written_words"]


def written_word_at(text: str, parts: Sequence[Segment], segment: int) -> tuple[int, int] | None:
    """Where in ``text`` the word that segment ``segment`` belongs to is written, or None when
    it is not one written word said as one spoken word."""
    written, spoken = written_words(text), spoken_words(parts)
    for (first, stop), (said, said_stop) in word_pairs(text, parts):
        if any(spoken[k][0] <= segment <= spoken[k][1] for k in range(said, said_stop)):
            one_to_one = stop - first == 1 and said_stop - said == 1
            return written[first] if one_to_one else None
    return None


def sounds_of(parts: Sequence[Segment], first: int, last: int, joiner: str) -> str:
    """The labels of segments ``first`` to ``last`` that are sounds, joined: what a person
    would start a respelling from (no full stop or comma from the sentence)."""
    return joiner.join(p.label for p in parts[first : last + 1] if is_speakable(p.label))


def spoken_spans(text: str, tokens: Sequence[str], written: Sequence[int]) -> list[tuple[int, int]]:
    """The segments (first, last) that say written words ``written`` of ``text``, a take of
    ``tokens``: where a written word is said as several words or shares one, all of them."""
    parts = segments(tokens)
    spoken = spoken_words(parts)
    wanted = set(written)
    spans = []
    for (first, stop), (said, said_stop) in word_pairs(text, parts):
        if wanted.intersection(range(first, stop)) and said_stop > said:
            spans.append((spoken[said][0], spoken[said_stop - 1][1]))
    return spans
