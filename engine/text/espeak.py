"""Clause-by-clause IPA from espeak-ng.

Two builds can do it:

- ``piper``: the espeak-ng fork compiled into piper-tts (``piper.espeakbridge``). It reports
  each clause's terminator itself, and its phonemes are exactly the ones Piper voices were
  trained on.
- ``espeak-ng``: upstream espeak-ng as shipped by ``espeakng-loader``, called through ctypes.
  Upstream has no call that reports the terminator, so it is read back from the source text
  the clause consumed. Upstream also lacks the fork's glide ``ʲ`` after a word-final i before
  a vowel ("Hawaii is" is ``həwˈaɪiːʲ ɪz`` in the fork, ``həwˈaɪiː ɪz`` upstream), so it is only
  the fallback for when the bridge cannot be imported.

espeak-ng keeps its state in globals, so each build is opened once per process and every
call holds that build's lock.
"""

from __future__ import annotations

import ctypes
import re
import threading
from dataclasses import dataclass
from typing import Protocol

SENTENCE_TERMINATORS = (".", "?", "!")
CLAUSE_TERMINATORS = (",", ":", ";")

_LANGUAGE_FLAGS = re.compile(r"\([^)]+\)")


@dataclass(frozen=True)
class Clause:
    """One clause as espeak-ng reads it.

    ``phonemes`` is IPA with stress marks and spaces between words, with espeak's
    language-switch flags such as ``(fr)`` removed. ``terminator`` is one of ``. ? ! , : ;``
    or ``""`` (end of text, a paragraph break, an ellipsis, or a long clause cut by espeak).
    """

    phonemes: str
    terminator: str
    ends_sentence: bool


class EspeakBackend(Protocol):
    """An espeak-ng build (``PiperBridge`` or ``UpstreamEspeak``); ``name`` is ``"piper"`` or
    ``"espeak-ng"``, and ``clauses`` phonemizes text clause by clause with an espeak voice."""

    name: str

    def clauses(self, text: str, voice: str) -> list[Clause]: ...


def _clause(phonemes: str, terminator: str, ends_sentence: bool) -> Clause:
    return Clause(_LANGUAGE_FLAGS.sub("", phonemes), terminator, ends_sentence)


class PiperBridge:
    """espeak-ng as built into piper-tts, with its own data directory."""

    name = "piper"
    _lock = threading.Lock()
    _initialized = False

    def __init__(self) -> None:
        from piper import espeakbridge
        from piper.phonemize_espeak import ESPEAK_DATA_DIR

        self._bridge = espeakbridge
        with PiperBridge._lock:
            if not PiperBridge._initialized:
                espeakbridge.initialize(str(ESPEAK_DATA_DIR))
                PiperBridge._initialized = True

    def clauses(self, text: str, voice: str) -> list[Clause]:
        with PiperBridge._lock:
            self._bridge.set_voice(voice)
            raw = self._bridge.get_phonemes(text)
        return [_clause(p, t, end) for p, t, end in raw]


# espeak-ng's speak_lib.h constants.
_AUDIO_OUTPUT_SYNCHRONOUS = 0x02
_CHARS_AUTO = 0
_PHONEMES_IPA = 0x02

# What a clause's source text ends with, once the trailing whitespace is cut off:
# a run of punctuation, then closing quotes or brackets.
_CLAUSE_END = re.compile(r"([.?!,:;…—–。？！，：；]+)[\"'”’»)\]]*$")
# How the fork reports the marks that are not its own terminators: (terminator, ends_sentence).
_REPORTED_AS = {
    "—": (";", False),
    "–": (";", False),
    "…": ("", False),
    "。": ("", True),
    "？": ("", True),
    "！": ("", True),
    "，": ("", False),
    "：": ("", False),
    "；": ("", False),
}


def _terminator_from_source(source: str, at_end: bool) -> tuple[str, bool]:
    """(terminator, ends_sentence) of a clause, read from the text it consumed.

    Mirrors what the fork reports: an ellipsis ends a clause but gives no terminator, a dash
    between words counts as ``;``, a blank line or the end of the text ends a sentence.
    """
    body = source.rstrip()
    paragraph = source[len(body) :].count("\n") >= 2
    match = _CLAUSE_END.search(body)
    run = match.group(1) if match else ""
    if not run:
        terminator, ends_sentence = "", False
    elif len(run) > 1 and set(run) == {"."}:
        terminator, ends_sentence = _REPORTED_AS["…"]
    elif run[0] in _REPORTED_AS:
        terminator, ends_sentence = _REPORTED_AS[run[0]]
    else:
        terminator, ends_sentence = run[0], run[0] in SENTENCE_TERMINATORS
    return terminator, ends_sentence or at_end or paragraph


class UpstreamEspeak:
    """Upstream espeak-ng from ``espeakng-loader``, called clause by clause through ctypes."""

    name = "espeak-ng"
    _lock = threading.Lock()
    _library: ctypes.CDLL | None = None

    def __init__(self) -> None:
        with UpstreamEspeak._lock:
            if UpstreamEspeak._library is None:
                UpstreamEspeak._library = self._open()
        self._lib = UpstreamEspeak._library

    @staticmethod
    def _open() -> ctypes.CDLL:
        from espeakng_loader import get_data_path, get_library_path

        lib = ctypes.CDLL(get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_TextToPhonemes.argtypes = [
            ctypes.POINTER(ctypes.c_void_p),
            ctypes.c_int,
            ctypes.c_int,
        ]
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        if lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, get_data_path().encode(), 0) < 0:
            raise RuntimeError(f"espeak-ng failed to initialize from {get_library_path()}")
        return lib

    def clauses(self, text: str, voice: str) -> list[Clause]:
        encoded = text.encode("utf-8")
        buffer = ctypes.create_string_buffer(encoded)
        start = ctypes.addressof(buffer)
        pointer = ctypes.c_void_p(start)
        clauses = []
        consumed = 0
        with UpstreamEspeak._lock:
            if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise RuntimeError(f"espeak-ng has no voice {voice!r}")
            while pointer.value is not None:
                phonemes = self._lib.espeak_TextToPhonemes(
                    ctypes.byref(pointer), _CHARS_AUTO, _PHONEMES_IPA
                )
                at_end = pointer.value is None
                end = len(encoded) if at_end else pointer.value - start
                source = encoded[consumed:end].decode("utf-8", errors="replace")
                # espeak reads one character past the clause and keeps it for the next call.
                if not at_end:
                    source = source[:-1]
                consumed = end
                terminator, ends_sentence = _terminator_from_source(source, at_end)
                clauses.append(_clause((phonemes or b"").decode(), terminator, ends_sentence))
        return clauses


BACKENDS = ("piper", "espeak-ng", "auto")


def open_backend(name: str) -> EspeakBackend:
    """The espeak build called ``name``; ``"auto"`` is the bridge when it imports, else upstream."""
    if name == "piper":
        return PiperBridge()
    if name == "espeak-ng":
        return UpstreamEspeak()
    if name == "auto":
        try:
            return PiperBridge()
        except ImportError:
            return UpstreamEspeak()
    raise ValueError(f"unknown espeak backend {name!r}; expected one of {', '.join(BACKENDS)}")
