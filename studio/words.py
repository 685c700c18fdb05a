"""Words of a take as written and as spoken (:func:`engine.segments.written_words` and
:func:`engine.segments.words`), matched one to one where they can be, so that an edit on a
selected word (its phonemes given) reaches the very word of the text. The two match only when
there are as many of each: a number or an abbreviation read as several words ("42" is "forty
two") makes them differ, and then the window asks which word is meant.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.api import is_speakable
from engine.segments import Segment, written_words
from engine.segments import words as spoken_words

__all__ = ["sounds_of", "spoken_words", "written_word_at", "written_words"]


def written_word_at(text: str, parts: Sequence[Segment], segment: int) -> tuple[int, int] | None:
    """Where in ``text`` the word that segment ``segment`` belongs to is written, or None when
    the written and the spoken words do not match one to one."""
    written, spoken = written_words(text), spoken_words(parts)
    if len(written) != len(spoken):
        return None
    for number, (first, last) in enumerate(spoken):
        if first <= segment <= last:
            return written[number]
    return None


def sounds_of(parts: Sequence[Segment], first: int, last: int, joiner: str) -> str:
    """The labels of segments ``first`` to ``last`` that are sounds, joined: what a person
    would start a respelling from (no full stop or comma from the sentence)."""
    return joiner.join(p.label for p in parts[first : last + 1] if is_speakable(p.label))
