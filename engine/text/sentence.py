"""What every front end returns: one ``Sentence`` per sentence of the input."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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


class FrontEnd(Protocol):
    """Text to sentences of model ids for one voice (``PiperFrontEnd``, ``VitsFrontEnd``)."""

    def sentences(self, text: str) -> list[Sentence]:
        """Split ``text`` into sentences and map each to model ids.

        Raises ``FrontEndError`` when nothing speakable is left.
        """
        ...
