"""Characters a voice would read by their names: letters of another writing system than its
language's, and emoji. espeak-ng reads 你好 to an English voice as "Chinese letter, Chinese
letter" and 🍕 as "pizza", and ``unidecode`` (the official Glow-TTS cleaners) turns 你好 into
"ni hao"; neither is what the person wrote. The front ends drop such characters before
anything else and warn about them, as they do about any symbol the voice has no id for.

A letter's writing system is the first word of its Unicode name (LATIN, CYRILLIC, CJK, ...).
A language reads Latin letters and, where this table names them, its own script's; a language
it does not name is taken to be written in Latin letters. Modifier letters (the stress and
length marks ˈ ː) and phonemes written in ``[[...]]`` are the person's IPA and always kept.
"""

from __future__ import annotations

import re
import unicodedata

LATIN = "LATIN"
LANGUAGE_SCRIPTS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("ar", "fa", "ur", "ps", "sd", "ug"), frozenset({"ARABIC"})),
    **dict.fromkeys(
        ("ru", "uk", "be", "bg", "mk", "sr", "kk", "ky", "tt", "ba", "mn", "tg"),
        frozenset({"CYRILLIC"}),
    ),
    "el": frozenset({"GREEK"}),
    "grc": frozenset({"GREEK"}),
    "he": frozenset({"HEBREW"}),
    "yi": frozenset({"HEBREW"}),
    **dict.fromkeys(("hi", "mr", "ne", "sa", "kok", "mai"), frozenset({"DEVANAGARI"})),
    **dict.fromkeys(("bn", "as"), frozenset({"BENGALI"})),
    "pa": frozenset({"GURMUKHI"}),
    "gu": frozenset({"GUJARATI"}),
    "or": frozenset({"ORIYA"}),
    "ta": frozenset({"TAMIL"}),
    "te": frozenset({"TELUGU"}),
    "kn": frozenset({"KANNADA"}),
    "ml": frozenset({"MALAYALAM"}),
    "si": frozenset({"SINHALA"}),
    "th": frozenset({"THAI"}),
    "lo": frozenset({"LAO"}),
    "my": frozenset({"MYANMAR"}),
    "km": frozenset({"KHMER"}),
    "ka": frozenset({"GEORGIAN"}),
    "hy": frozenset({"ARMENIAN"}),
    **dict.fromkeys(("am", "ti"), frozenset({"ETHIOPIC"})),
    **dict.fromkeys(("zh", "cmn", "yue", "hak"), frozenset({"CJK"})),
    "ja": frozenset({"CJK", "HIRAGANA", "KATAKANA"}),
    "ko": frozenset({"HANGUL", "CJK"}),
}
IPA_OVERRIDE = re.compile(r"(\[\[.*?\]\])")
# Emoji, pictographs and the invisible characters that join or vary them.
EMOJI_RANGES = (
    (0x1F000, 0x1FAFF),  # tiles, cards, enclosed, pictographs, emoticons, transport, flags
    (0x2600, 0x27BF),  # miscellaneous symbols and dingbats
    (0x2B00, 0x2BFF),  # miscellaneous symbols and arrows
    (0xFE00, 0xFE0F),  # variation selectors
    (0x200D, 0x200D),  # zero-width joiner
    (0xE0020, 0xE007F),  # tag characters (subdivision flags)
)


def scripts_of(language: str) -> frozenset[str]:
    """The writing systems a voice of ``language`` (an espeak-ng voice name, ``en-us``) reads."""
    base = language.lower().replace("_", "-").split("-")[0]
    return LANGUAGE_SCRIPTS.get(base, frozenset()) | {LATIN}


def is_foreign(character: str, scripts: frozenset[str]) -> bool:
    """Whether the voice would read ``character`` by its name: an emoji, or a letter of a
    writing system not in ``scripts``."""
    point = ord(character)
    if any(low <= point <= high for low, high in EMOJI_RANGES):
        return True
    if unicodedata.category(character) not in ("Lu", "Ll", "Lt", "Lo"):
        return False
    return unicodedata.name(character, LATIN).split(" ")[0] not in scripts


def drop_foreign(text: str, language: str) -> tuple[str, list[str]]:
    """``text`` with the characters a ``language`` voice would read by name taken out (a run
    of them, with the spaces between, leaves one space, so the words around stay apart), and
    the visible ones taken."""
    scripts = scripts_of(language)
    kept: list[str] = []
    dropped: list[str] = []
    after_drop = False
    for number, part in enumerate(IPA_OVERRIDE.split(text)):
        if number % 2:  # an override, kept as written
            kept.append(part)
            after_drop = False
            continue
        after_drop = _drop_from(part, scripts, kept, dropped, after_drop)
    return "".join(kept), dropped


def _drop_from(
    text: str, scripts: frozenset[str], kept: list[str], dropped: list[str], after_drop: bool
) -> bool:
    """``drop_foreign`` over ``text``, added to ``kept`` and ``dropped``; whether it ended
    just after a drop."""
    for character in text:
        if is_foreign(character, scripts):
            if unicodedata.category(character) not in ("Mn", "Cf"):
                dropped.append(character)
            if kept and not kept[-1].isspace():
                kept.append(" ")
            after_drop = True
        elif not (after_drop and character.isspace() and (not kept or kept[-1].isspace())):
            kept.append(character)
            after_drop = after_drop and character.isspace()
    return after_drop
