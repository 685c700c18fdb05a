"""Sentences too long to render in bounded memory, split into pieces a front end says alone.

A sentence's render costs memory in proportion to its length: about 0.3 MB a frame on the CPU
runtime with the bundled voice, on top of the 630 MB the loaded engine holds, so a
10,000-character text without a sentence end asked onnxruntime for gigabytes (issue 13;
``benchmarks/long_text_memory.py`` measures it). ``MAX_SENTENCE_PHONEMES`` keeps a sentence
at about 4 frames a phoneme at the default pace (1,600 frames, 19 s, under a 1 GB peak), so
that one two and a half times slower still fits ``engine.api.MAX_SENTENCE_FRAMES``. Natural
sentences rarely come near it: 400 phonemes are 70 to 90 English words.

A sentence over the bound is cut at the last clause boundary (a comma, semicolon, colon,
ellipsis or dash before a space) whose piece stays within it, else at the last word boundary,
else (one "word" longer than the bound) at the last character that fits. Phoneme overrides are
never cut into.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence

from .errors import FrontEndError, TextWarning

MAX_SENTENCE_PHONEMES = 400

_SPACE = re.compile(r"\s+")
# What a clause ends with, right before a space: clause punctuation or a dash, then closing
# quotes or brackets ("-" only as a word of its own, so "well-known" is no boundary).
_CLAUSE_END = re.compile(r"(?:[,;:…，；：—–]|(?:^|\s)--?)[\"'”’»)\]]*$")


class LongSentenceWarning(TextWarning):
    """Sentences longer than a render may take were split into several."""


def _last_fitting(candidates: Sequence[int], fits: Callable[[int], bool]) -> int | None:
    """The last candidate that ``fits``, assuming that fitting is monotonic: galloping from the
    first, then halving, so a long text is phonemized in prefixes about twice the answer."""
    if not candidates or not fits(candidates[0]):
        return None
    low, step = 0, 1
    while low + step < len(candidates) and fits(candidates[low + step]):
        low, step = low + step, step * 2
    high = min(low + step, len(candidates))
    while high - low > 1:
        middle = (low + high) // 2
        if fits(candidates[middle]):
            low = middle
        else:
            high = middle
    return candidates[low]


def _cut(text: str, count: Callable[[str], int], bound: int, protected: re.Pattern[str]) -> int:
    """Where to end the first piece of ``text`` (which is over ``bound``)."""
    inside = set()
    for match in protected.finditer(text):
        inside.update(range(match.start() + 1, match.end()))

    def fits(end: int) -> bool:
        return count(text[:end]) <= bound

    words = [m.start() for m in _SPACE.finditer(text) if m.start() not in inside]
    word_end = _last_fitting(words, fits)
    if word_end is not None:
        clauses = [p for p in words if p <= word_end and _CLAUSE_END.search(text, 0, p)]
        return clauses[-1] if clauses else word_end
    first_word = words[0] if words else len(text)
    end = _last_fitting([p for p in range(1, first_word) if p not in inside], fits)
    if end is None:
        shown = text[:first_word] if first_word <= 60 else text[:57] + "..."
        raise FrontEndError(
            f"{shown!r} is longer than the {bound} phonemes a sentence may hold; split it"
        )
    return end


def split_long_sentence(
    text: str,
    count: Callable[[str], int],
    protected: re.Pattern[str],
    bound: int = MAX_SENTENCE_PHONEMES,
) -> list[str]:
    """``text`` (one sentence) as pieces of at most ``bound`` by ``count`` (the front end's
    phonemes of a piece said alone); ``[text]`` when it fits. No piece cuts into a match of
    ``protected`` (the front end's phoneme overrides); one that alone is over the bound raises
    FrontEndError."""
    pieces = []
    rest = text.strip()
    while count(rest) > bound:
        end = _cut(rest, count, bound, protected)
        pieces.append(rest[:end].strip())
        rest = rest[end:].strip()
    return [*pieces, rest] if rest else pieces


def warn_split(count: int, bound: int = MAX_SENTENCE_PHONEMES, stacklevel: int = 3) -> None:
    """One ``LongSentenceWarning`` when ``count`` sentences were split; nothing for none."""
    if not count:
        return
    sentences = "a sentence" if count == 1 else f"{count} sentences"
    warnings.warn(
        LongSentenceWarning(
            f"split {sentences} longer than {bound} phonemes at clause or word boundaries, "
            "so each piece renders in bounded memory"
        ),
        stacklevel=stacklevel,
    )
