"""A take's tokens as a person reads them: phoneme segments and words.

A VITS front end puts a blank token (``_``) between every two phonemes, and the Glow-TTS and
Grad-TTS front ends (``<blank>``) do the same; the engine gives each token its own duration.
A person reads *segments*: one phoneme unit with the blanks that follow it (blanks before a
sentence's first phoneme form a segment alone), labelled as the unit. A unit is a phoneme
with its marks, which espeak-ng writes as tokens of their own: a stress mark (ˈ ˌ) belongs to
the phoneme after it, a length mark (ː ˑ), another modifier letter (ʰ ʲ) or a combining
diacritic to the phoneme before it, so "ˈiː" is one segment. The studio's
alignment editor shows them under the spectrogram (``studio.durations`` edits them) and the
alignment export (:mod:`engine.alignment_export`) writes them, so both group tokens the same way;
the words of the text as written are here too (the override and the export label with them).

Light: no torch or numpy, so the window imports it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from engine.api import is_speakable

BLANKS = frozenset({"_", "<blank>"})
WORD_BREAK = " "
# Labels shown for the front end's start and end markers.
MARKER_LABELS = {"^": "", "$": ""}
ARPABET_PREFIX = "@"  # the ARPAbet front end's phones: "@HH"; shown as "HH"
STRESS_MARKS = frozenset("ˈˌ")  # belong to the phoneme after them
# A written word: an override already written (``[[...]]``, ``{...}``), or a run of letters
# and digits with apostrophes, hyphens or full stops inside ("don't", "U.S.A", "3.5") and the
# signs said with it ("$42", "50%"), or a sign said alone ("&", "#", the "/" of "3/4").
WRITTEN_WORD = re.compile(r"\[\[.*?\]\]|\{.*?\}|[$€£#@]?[^\W_]+(?:['’.-][^\W_]+)*%?|[&+#%@$€£/]")


@dataclass(frozen=True)
class Segment:
    """Tokens ``first`` to ``stop - 1`` of a take, shown as one labelled phoneme."""

    label: str
    first: int
    stop: int

    def frames(self, durations: Sequence[int]) -> int:
        return sum(durations[self.first : self.stop])


def segments(tokens: Sequence[str]) -> list[Segment]:
    """Each phoneme unit (a phoneme with its marks) with the blanks after it; leading blanks
    form a segment alone."""
    result: list[Segment] = []
    start = 0
    before = ""  # the last token that is not a blank
    for index in range(1, len(tokens) + 1):
        if tokens[index - 1] not in BLANKS:
            before = tokens[index - 1]
        if index == len(tokens) or _starts_unit(tokens[index], before):
            labels = [label(t) for t in tokens[start:index] if t not in BLANKS]
            result.append(Segment("".join(labels), start, index))
            start = index
    return result


def _starts_unit(token: str, before: str) -> bool:
    """Whether ``token``, after the token ``before``, begins a unit of its own."""
    if token in BLANKS or before in STRESS_MARKS:
        return False
    return not (len(token) == 1 and _is_trailing_mark(token) and before not in (WORD_BREAK, ""))


def _is_trailing_mark(token: str) -> bool:
    """A length mark, modifier letter or combining diacritic: part of the phoneme before."""
    return token not in STRESS_MARKS and unicodedata.category(token) in ("Lm", "Mn", "Sk")


def label(token: str) -> str:
    """What a person reads for ``token``: nothing for a blank or marker, an ARPAbet phone
    without its prefix."""
    if token in BLANKS:
        return ""
    if token.startswith(ARPABET_PREFIX) and len(token) > 1:
        return token[1:]
    return MARKER_LABELS.get(token, token)


def is_pause(text: str) -> bool:
    """Whether a segment's label is punctuation (``,`` ``.`` ``?`` ``;`` ...): the front ends
    keep it as a token, and the model makes a pause of it rather than a sound of the word."""
    return bool(text) and not is_speakable(text)


def words(parts: Sequence[Segment]) -> list[tuple[int, int]]:
    """The first and last segment of each word: a run of segments between word breaks and
    the sentence's markers, without the punctuation at its ends (a pause after "Hello," is
    no part of the word)."""
    result: list[tuple[int, int]] = []
    first = 0
    for index in range(len(parts) + 1):
        if index < len(parts) and parts[index].label not in (WORD_BREAK, ""):
            continue
        last = index - 1
        while first <= last and is_pause(parts[first].label):
            first += 1
        while last >= first and is_pause(parts[last].label):
            last -= 1
        if first <= last:
            result.append((first, last))
        first = index + 1
    return result


def word_at(parts: Sequence[Segment], index: int) -> tuple[int, int]:
    """The first and last segment of the word that segment ``index`` belongs to; a break,
    marker or pause is a word of its own."""
    for first, last in words(parts):
        if first <= index <= last:
            return first, last
    return index, index


def starts(durations: Sequence[int], parts: Sequence[Segment]) -> list[int]:
    """The frame each segment starts on, and the take's length in frames at the end."""
    result = [sum(durations[: parts[0].first])] if parts else [0]
    for segment in parts:
        result.append(result[-1] + segment.frames(durations))
    return result


def written_words(text: str) -> list[tuple[int, int]]:
    """Where each word of ``text`` starts and ends (character offsets)."""
    return [match.span() for match in WRITTEN_WORD.finditer(text)]
