"""What every front end returns: one ``Sentence`` per sentence of the input."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .vits_symbols import intersperse


@dataclass(frozen=True)
class Sentence:
    """One sentence ready for an acoustic model.

    ``tokens`` and ``ids`` are parallel: ``tokens[i]`` is the symbol that produced ``ids[i]``,
    including the boundary and padding symbols (``^``, ``_``, ``$`` for Piper, the blank ``_``
    for VITS with ``add_blank``).
    """

    text: str
    phonemes: list[str]
    tokens: list[str]
    ids: list[int]


def sentence_with_blanks(
    text: str,
    phonemes: list[str],
    ids: list[int],
    blank: tuple[str, int] | None,
) -> Sentence:
    """A Sentence whose tokens are its phonemes; with ``blank`` (token, id), the blank is
    interspersed in both, as VITS, Glow-TTS and Grad-TTS do with ``add_blank``."""
    tokens = list(phonemes)
    if blank is not None:
        token, blank_id = blank
        ids = intersperse(ids, blank_id)
        tokens = intersperse(tokens, token)
    return Sentence(text=text, phonemes=phonemes, tokens=tokens, ids=ids)


class FrontEnd(Protocol):
    """Text to sentences of model ids for one voice (``PiperFrontEnd``, ``VitsFrontEnd``)."""

    def sentences(self, text: str) -> list[Sentence]:
        """Split ``text`` into sentences and map each to model ids.

        Raises ``FrontEndError`` when nothing speakable is left.
        """
        ...
