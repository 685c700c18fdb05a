"""What a take's alignment must say, worked out token by token from its durations, apart from
``engine.segments`` and ``engine.alignment_export`` (which the tests hold to it).

A sounding token is one with a letter in it; a blank after it lasts as part of it; a stress
mark (ˈ ˌ) is one phone with the token after it, a length mark or modifier letter (ː ʲ) with
the one before; everything else (markers, spaces, punctuation and the blanks after them) is
silence. Words are the runs of sounding tokens between silences. The texts of the tests put
punctuation only at words' ends, where this and the export's rule agree.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

BLANK_TOKENS = ("_", "<blank>")
STRESS = ("ˈ", "ˌ")


def expected_frames(
    sentences: Sequence[tuple[Sequence[str], Sequence[int]]],
) -> list[list[tuple[int, int, str]]]:
    """Per word, its phones as (first frame, end frame, label), frames counted from the first
    sentence's start; sentences follow one another with no gap."""
    found: list[list[tuple[int, int, str]]] = []
    frame = 0
    for tokens, durations in sentences:
        word: list[tuple[int, int, str]] = []
        for token, frames in zip(tokens, durations, strict=True):
            sounding = token not in BLANK_TOKENS and any(c.isalpha() for c in token)
            trailing = (
                len(token) == 1 and token not in STRESS and unicodedata.category(token) == "Lm"
            )
            stressed = bool(word) and word[-1][2] in STRESS
            if (token in BLANK_TOKENS or trailing or stressed) and word and word[-1][1] == frame:
                label = word[-1][2] + ("" if token in BLANK_TOKENS else token)
                word[-1] = (word[-1][0], frame + frames, label)
            elif sounding:
                word.append((frame, frame + frames, token.removeprefix("@")))
            elif token not in BLANK_TOKENS and word:
                found.append(word)
                word = []
            frame += frames
        if word:
            found.append(word)
    return found


def expected_seconds(
    sentences: Sequence[tuple[Sequence[str], Sequence[int]]], frame_seconds: float
) -> list[list[tuple[float, float, str]]]:
    """``expected_frames`` in seconds (each boundary its frame times ``frame_seconds``),
    without the phones that last no frame, nor the words left with none."""
    words = [
        [(a * frame_seconds, b * frame_seconds, label) for a, b, label in word if b > a]
        for word in expected_frames(sentences)
    ]
    return [word for word in words if word]
