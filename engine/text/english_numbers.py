"""Numbers, money and ordinals spelled out the way Keith Ito's ``english_cleaners`` does.

The official Glow-TTS and Grad-TTS checkpoints were trained on LJSpeech text normalised by
keithito/tacotron ``text/numbers.py`` with the ``inflect`` package, so these rules are kept as
they are, quirks included: years between 1000 and 3000 are read in pairs ("nineteen
ninety-nine"), "$1.5" is one dollar, five cents, and a dollar amount with two points is
left as digits followed by "dollars" (whose digits are then read as a number).

``inflect`` takes seconds to import, so it is imported at the first number, not before.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import inflect

_COMMA_NUMBER = re.compile(r"([0-9][0-9,]+[0-9])")
_DECIMAL_NUMBER = re.compile(r"([0-9]+\.[0-9]+)")
_POUNDS = re.compile(r"£([0-9,]*[0-9]+)")
_DOLLARS = re.compile(r"\$([0-9.,]*[0-9]+)")
_ORDINAL = re.compile(r"[0-9]+(st|nd|rd|th)")
_NUMBER = re.compile(r"[0-9]+")


@lru_cache(maxsize=1)
def _engine() -> inflect.engine:
    import inflect

    return inflect.engine()


def _unit(count: int, singular: str) -> str:
    return singular if count == 1 else singular + "s"


def _dollars(match: re.Match[str]) -> str:
    amount = match.group(1)
    parts = amount.split(".")
    if len(parts) > 2:
        return amount + " dollars"
    dollars = int(parts[0]) if parts[0] else 0
    cents = int(parts[1]) if len(parts) > 1 and parts[1] else 0
    if dollars and cents:
        return f"{dollars} {_unit(dollars, 'dollar')}, {cents} {_unit(cents, 'cent')}"
    if dollars:
        return f"{dollars} {_unit(dollars, 'dollar')}"
    if cents:
        return f"{cents} {_unit(cents, 'cent')}"
    return "zero dollars"


def _number(match: re.Match[str]) -> str:
    number = int(match.group(0))
    words = _engine().number_to_words
    if not 1000 < number < 3000:
        return words(number, andword="")
    if number == 2000:
        return "two thousand"
    if 2000 < number < 2010:
        return "two thousand " + words(number % 100)
    if number % 100 == 0:
        return words(number // 100) + " hundred"
    return words(number, andword="", zero="oh", group=2).replace(", ", " ")


def expand_numbers(text: str) -> str:
    """Spell out every run of digits in ``text`` (``normalize_numbers`` of the official code)."""
    text = _COMMA_NUMBER.sub(lambda m: m.group(1).replace(",", ""), text)
    text = _POUNDS.sub(r"\1 pounds", text)
    text = _DOLLARS.sub(_dollars, text)
    text = _DECIMAL_NUMBER.sub(lambda m: m.group(1).replace(".", " point "), text)
    text = _ORDINAL.sub(lambda m: _engine().number_to_words(m.group(0)), text)
    return _NUMBER.sub(_number, text)
