"""Split text into sentences where espeak-ng does, to label each sentence with its source text.

The phonemes never depend on this split (espeak-ng decides the sentences it phonemizes); it
only recovers which piece of the text each of espeak's sentences came from. It follows
espeak-ng's rules: a sentence ends at ``. ? !`` (possibly repeated, possibly followed by closing
quotes or brackets) before whitespace or the end of the text, at a full-width ``。？！`` and at
a blank line; but not at an ellipsis, nor at a bare period before a lowercase word ("approx.
five").
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


def has_words(text: str) -> bool:
    """True when ``text`` has a letter, a digit or a phoneme override: something to say."""
    return any(c.isalnum() for c in text) or OVERRIDE.search(text) is not None


def _is_boundary(match: re.Match[str], text: str) -> bool:
    if match.group("blank") or match.group("wide"):
        return True
    stop = match.group("stop")
    if stop is None:
        return False
    if len(stop) > 1 and set(stop) == {"."}:
        return False
    if stop == "." and not match.group("close"):
        following = _NEXT_VISIBLE.match(text, match.end()).group(1)
        return not following.islower()
    return True


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, stripped; pieces with nothing to say are left out."""
    pieces = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if _is_boundary(match, text):
            pieces.append(text[start : match.end()])
            start = match.end()
    pieces.append(text[start:])
    return [p.strip() for p in pieces if has_words(p)]
