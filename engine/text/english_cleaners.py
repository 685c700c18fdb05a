"""Keith Ito's ``english_cleaners`` (keithito/tacotron ``text/cleaners.py``).

The official Glow-TTS and Grad-TTS LJSpeech checkpoints read text cleaned this way:
transliterate to ASCII with ``unidecode``, lowercase, spell out numbers, expand the
abbreviation list, and collapse whitespace. The abbreviation list and the whitespace rule are
the same as VITS's (``vits_cleaners``).
"""

from __future__ import annotations

from unidecode import unidecode

from .english_numbers import expand_numbers
from .vits_cleaners import ABBREVIATIONS, collapse_whitespace

CLEANERS = ("english_cleaners",)


def expand_abbreviations(text: str) -> str:
    """Spell out the list's abbreviations (in lowercase, as the official cleaner does)."""
    for pattern, expansion in ABBREVIATIONS:
        text = pattern.sub(expansion, text)
    return text


def english_cleaners(text: str) -> str:
    """The official ``english_cleaners``, step for step."""
    text = unidecode(text)
    text = text.lower()
    text = expand_numbers(text)
    text = expand_abbreviations(text)
    return collapse_whitespace(text)
