"""Split text into sentences where espeak-ng does, to label each sentence with its source text.

The phonemes never depend on this split (espeak-ng decides the sentences it phonemizes); it
only recovers which piece of the text each of espeak's sentences came from. It follows
espeak-ng's rules: a sentence ends at ``. ? !`` (possibly repeated, possibly followed by closing
quotes or brackets) before whitespace or the end of the text, at a full-width ``。？！`` and at
a blank line; but not at an ellipsis, nor at a bare period before a lowercase word ("approx.
five").

The front ends of the official checkpoints (VITS's ``english_cleaners2``, Glow-TTS's and
Grad-TTS's ``english_cleaners``) never split a text: their inference takes it whole. Glottis
renders sentence by sentence, so for them ``keep_abbreviations`` also keeps a period that ends
an abbreviation inside its sentence (initials such as "U.S." or "p.m.", and the usual short
forms: "Prof.", "Jan.", "No.", "etc."), where a capital or a digit follows.
"""

from __future__ import annotations

import re

from .phoneme_override import OVERRIDE

_BOUNDARY = re.compile(
    OVERRIDE.pattern
    + r"|(?P<stop>[.?!]+)(?P<close>[\"'”’»)\]]*)(?=\s|$)"
    + r"|(?P<wide>[。？！]+)"
    + r"|(?P<blank>\n[^\S\n]*\n)",
    re.DOTALL,
)
_NEXT_VISIBLE = re.compile(r"\s*(\S?)")
_WORD_BEFORE = re.compile(r"([A-Za-z.]*)$")
_INITIALS = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")
_SHORT_FORMS = frozenset(
    (
        "mr mrs ms dr drs st jr sr prof rev gen col lt capt sgt maj hon esq ltd co inc corp ft mt "
        "no vol fig vs etc approx dept est govt jan feb mar apr jun jul aug sep sept oct nov dec"
    ).split()
)


def has_words(text: str) -> bool:
    """True when ``text`` has a letter, a digit or a phoneme override: something to say."""
    return any(c.isalnum() for c in text) or OVERRIDE.search(text) is not None


def _ends_abbreviation(text: str, period: int) -> bool:
    """Whether the period at ``period`` ends an abbreviation (initials or a short form)."""
    word = _WORD_BEFORE.search(text, 0, period).group(1)
    return _INITIALS.fullmatch(word) is not None or word.lower() in _SHORT_FORMS


def _is_boundary(match: re.Match[str], text: str, keep_abbreviations: bool) -> bool:
    if match.group("blank") or match.group("wide"):
        return True
    stop = match.group("stop")
    if stop is None:
        return False
    if len(stop) > 1 and set(stop) == {"."}:
        return False
    if stop == "." and not match.group("close"):
        following = _NEXT_VISIBLE.match(text, match.end()).group(1)
        if keep_abbreviations and _ends_abbreviation(text, match.start()):
            return False
        return not following.islower()
    return True


def split_sentences(text: str, keep_abbreviations: bool = False) -> list[str]:
    """The sentences of ``text``, stripped; pieces with nothing to say are left out."""
    pieces = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if _is_boundary(match, text, keep_abbreviations):
            pieces.append(text[start : match.end()])
            start = match.end()
    pieces.append(text[start:])
    return [p.strip() for p in pieces if has_words(p)]
