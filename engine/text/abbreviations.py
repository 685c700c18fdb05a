"""Expand abbreviations whose period would make espeak-ng end the sentence early.

espeak-ng ends a sentence at a period followed by a capitalised word, so "Dr. Smith" becomes
two sentences with a pause between. Expanding the abbreviation first keeps one sentence.

Two kinds are told apart: those that always lead into more words (titles such as "Dr."; "e.g.")
lose their period, and those that often close a sentence ("Jr.", "etc.", "a.m.", "St." as
Street) keep it when a capitalised word or the end of the text follows, so a real sentence end
is still one. Overrides in ``[[ ]]`` are left alone.
"""

from __future__ import annotations

import re

from .phoneme_override import OVERRIDE

_LEADING = {
    "Mr": "Mister",
    "Mrs": "Missus",
    "Ms": "Miz",
    "Dr": "Doctor",
    "Prof": "Professor",
    "Rev": "Reverend",
    "Capt": "Captain",
    "Sgt": "Sergeant",
    "Lt": "Lieutenant",
    "Gen": "General",
    "Col": "Colonel",
    "Gov": "Governor",
    "Mt": "Mount",
    "Ft": "Fort",
    "vs": "versus",
    "e.g": "for example",
    "E.g": "For example",
    "i.e": "that is",
    "I.e": "That is",
}
_CLOSING = {
    "Jr": "Junior",
    "Sr": "Senior",
    "etc": "et cetera",
    "a.m": "AM",
    "p.m": "PM",
    "A.M": "AM",
    "P.M": "PM",
    "Ave": "Avenue",
    "Rd": "Road",
    "Inc": "Incorporated",
    "Ltd": "Limited",
}
# "St." is Saint before a name ("St. Louis", "Mount St. Helens"), otherwise Street ("Main St.").
_SAINT_AFTER = {"Mount", "Mt.", "Port", "Fort", "Ft.", "Lake", "Cape"}

_NAMES = sorted([*_LEADING, *_CLOSING, "St"], key=len, reverse=True)
_PATTERN = re.compile(
    OVERRIDE.pattern + r"|(?<![\w.])(?P<abbr>" + "|".join(map(re.escape, _NAMES)) + r")\.(?!\w)",
    re.DOTALL,
)
# Capitalised words that often follow "a.m." or "Jr." inside a sentence ("9 a.m. Monday").
_CALENDAR_WORDS = (
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April "
    "May June July August September October November December"
).split()
_SENTENCE_MAY_END = re.compile(r"\s*$|\s+(?!(?:" + "|".join(_CALENDAR_WORDS) + r")\b)[A-Z\"“‘'(]")
_TEXT_ENDS = re.compile(r"\s*$")
_NEXT_WORD_CAPITALISED = re.compile(r"\s+(?:[A-Z]|\[\[)")
_PREVIOUS_WORD = re.compile(r"(\S+)\s+$")


def _street_or_saint(text: str, start: int, end: int) -> str:
    previous = _PREVIOUS_WORD.search(text, max(0, start - 40), start)
    previous_word = previous.group(1) if previous else ""
    if _NEXT_WORD_CAPITALISED.match(text, end):
        if not previous_word[:1].isupper() or previous_word in _SAINT_AFTER:
            return "Saint"
    return "Street"


def expand_abbreviations(text: str) -> str:
    """Spell out the abbreviations of this module's tables; everything else is kept as is."""

    def replace(match: re.Match[str]) -> str:
        abbr = match.group("abbr")
        if abbr is None:
            return match.group(0)
        end = match.end()
        if abbr == "St":
            expansion = _street_or_saint(text, match.start(), end)
            closing = expansion == "Street"
        else:
            expansion = _LEADING.get(abbr) or _CLOSING[abbr]
            closing = abbr in _CLOSING
        ends = (_SENTENCE_MAY_END if closing else _TEXT_ENDS).match(text, end)
        return expansion + "." if ends else expansion

    return _PATTERN.sub(replace, text)
