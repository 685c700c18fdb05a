"""Words of a take as written and as spoken, matched one to one where they can be, so that an
edit on a selected word (its phonemes given) reaches the very word of the text.

The text's words are runs of letters, digits and apostrophes or hyphens inside them, and a
phoneme override already written (``[[...]]`` or ``{...}``) counts as one word. The spoken
words are the editor's segments between word breaks that say something. The two match only
when there are as many of each: a number or an abbreviation read as several words ("42" is
"forty two") makes them differ, and then the window asks which word is meant.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from engine.api import is_speakable
from studio.durations import WORD_BREAK, Segment

WRITTEN_WORD = re.compile(r"\[\[.*?\]\]|\{.*?\}|[^\W_]+(?:['’-][^\W_]+)*")


def written_words(text: str) -> list[tuple[int, int]]:
    """Where each word of ``text`` starts and ends (character offsets)."""
    return [match.span() for match in WRITTEN_WORD.finditer(text)]


def spoken_words(parts: Sequence[Segment]) -> list[tuple[int, int]]:
    """The first and last segment of each word that says something."""
    words: list[tuple[int, int]] = []
    start = None
    for index, part in enumerate([*parts, Segment(WORD_BREAK, 0, 0)]):
        if part.label in (WORD_BREAK, ""):
            if start is not None and any(is_speakable(p.label) for p in parts[start:index]):
                words.append((start, index - 1))
            start = None
        elif start is None:
            start = index
    return words


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
