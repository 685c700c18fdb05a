"""Front ends: text to sentences of model ids, chosen by a voice card.

A card's ``frontend`` entry names the kind::

    {"kind": "piper", "espeak_voice": "en-us", "phoneme_id_map": {...}}
    {"kind": "vits", "add_blank": true}
    {"kind": "arpabet", "add_blank": true, "cleaners": "english_cleaners"}

A Piper card may also carry the voice config's ``phoneme_type`` (only ``"espeak"`` is
supported) and ``vowel_clusters``. An ARPAbet card (Glow-TTS, Grad-TTS) may also carry
``cmudict_path``, a CMUdict file to use instead of the official one, and ``pad_with_spaces``.
"""

from __future__ import annotations

from .arpabet_frontend import ArpabetFrontEnd
from .english_cleaners import CLEANERS
from .errors import FrontEndError, UnsayableWarning
from .piper_frontend import PiperFrontEnd
from .sentence import FrontEnd, Sentence
from .vits_frontend import VitsFrontEnd

__all__ = [
    "ArpabetFrontEnd",
    "FrontEnd",
    "FrontEndError",
    "PiperFrontEnd",
    "Sentence",
    "UnsayableWarning",
    "VitsFrontEnd",
    "front_end_for",
]


def front_end_for(card: dict) -> FrontEnd:
    """The front end a voice card asks for; Piper voices use the bridge when it imports."""
    spec = card["frontend"]
    kind = spec.get("kind")
    if kind == "piper":
        phoneme_type = spec.get("phoneme_type", "espeak")
        if phoneme_type != "espeak":
            raise ValueError(f"Piper voices with phoneme_type {phoneme_type!r} are not supported")
        if "phoneme_id_map" not in spec:
            raise ValueError("a Piper front end needs the voice's phoneme_id_map")
        return PiperFrontEnd(
            spec["phoneme_id_map"],
            espeak_voice=spec.get("espeak_voice") or "en-us",
            backend="auto",
            vowel_clusters=spec.get("vowel_clusters", ()),
        )
    if kind == "vits":
        return VitsFrontEnd(
            add_blank=spec.get("add_blank", True), language=spec.get("language", "en-us")
        )
    if kind == "arpabet":
        cleaners = spec.get("cleaners", "english_cleaners")
        names = [cleaners] if isinstance(cleaners, str) else list(cleaners)
        if names != list(CLEANERS):
            raise ValueError(
                f"ARPAbet front ends with cleaners {cleaners!r} are not supported; "
                f"expected {CLEANERS[0]!r}"
            )
        return ArpabetFrontEnd(
            add_blank=spec.get("add_blank", True),
            cmudict_path=spec.get("cmudict_path"),
            pad_with_spaces=spec.get("pad_with_spaces", False),
        )
    raise ValueError(f"unknown front end kind {kind!r}; expected 'piper', 'vits' or 'arpabet'")
