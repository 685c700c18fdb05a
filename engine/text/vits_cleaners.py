"""``english_cleaners2`` of the official VITS: lowercase, expand abbreviations, espeak-ng IPA.

The official LJSpeech checkpoints were trained on text cleaned this way. phonemizer's espeak
backend runs on the espeak-ng library of ``espeakng-loader``. The official pipeline also
transliterates to ASCII with ``unidecode`` first; that package is not a dependency here, so
non-ASCII letters go to espeak-ng as they are.
"""

from __future__ import annotations

import re
import threading

# Keith Ito's abbreviation list, as in the official cleaners.
ABBREVIATIONS = [
    (re.compile(rf"\b{abbr}\.", re.IGNORECASE), expansion)
    for abbr, expansion in [
        ("mrs", "misess"),
        ("mr", "mister"),
        ("dr", "doctor"),
        ("st", "saint"),
        ("co", "company"),
        ("jr", "junior"),
        ("maj", "major"),
        ("gen", "general"),
        ("drs", "doctors"),
        ("rev", "reverend"),
        ("lt", "lieutenant"),
        ("hon", "honorable"),
        ("sgt", "sergeant"),
        ("capt", "captain"),
        ("esq", "esquire"),
        ("ltd", "limited"),
        ("col", "colonel"),
        ("ft", "fort"),
    ]
]
_WHITESPACE = re.compile(r"\s+")


def expand_abbreviations(text: str) -> str:
    """Spell out the list's abbreviations, in any case.

    A capitalised abbreviation gets a capitalised expansion ("Mr." -> "Mister"), so sentence
    splitting still sees a name; on the lowercased text of the cleaner this is the official
    behaviour.
    """
    for pattern, expansion in ABBREVIATIONS:
        text = pattern.sub(
            lambda m, e=expansion: e.capitalize() if m.group(0)[0].isupper() else e, text
        )
    return text


def collapse_whitespace(text: str) -> str:
    """Each run of whitespace as one space, as the official cleaners do."""
    return _WHITESPACE.sub(" ", text)


class EspeakIpa:
    """phonemizer's espeak backend with the official settings, opened once and reused.

    Equivalent to ``phonemize(text, language=..., backend='espeak', strip=True,
    preserve_punctuation=True, with_stress=True)``, which would load a fresh copy of the
    library on every call.
    """

    _lock = threading.Lock()

    def __init__(self, language: str = "en-us") -> None:
        from espeakng_loader import get_data_path, get_library_path
        from phonemizer.backend import EspeakBackend
        from phonemizer.backend.espeak.wrapper import EspeakWrapper
        from phonemizer.separator import default_separator

        with EspeakIpa._lock:
            EspeakWrapper.set_library(get_library_path())
            EspeakWrapper.set_data_path(get_data_path())
            self._backend = EspeakBackend(language, preserve_punctuation=True, with_stress=True)
        self._separator = default_separator

    def __call__(self, text: str) -> str:
        # phonemize() phonemizes line by line, skips blank lines and joins with newlines.
        lines = [line for line in text.split("\n") if line.strip()]
        if not lines:
            return ""
        with EspeakIpa._lock:
            phonemized = self._backend.phonemize(lines, separator=self._separator, strip=True)
        return "\n".join(phonemized)


def english_cleaners2(text: str, ipa: EspeakIpa) -> str:
    """The official cleaner, with ``ipa`` as its phonemizer."""
    text = text.lower()
    text = expand_abbreviations(text)
    return collapse_whitespace(ipa(text))
