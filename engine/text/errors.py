"""Errors and warnings of the text front ends."""

from __future__ import annotations

import warnings
from collections.abc import Iterable


class FrontEndError(ValueError):
    """The text gives nothing a voice can say (empty, only punctuation, or only unsayable)."""


class TextWarning(UserWarning):
    """What a front end says about a text it could still say: the command line prints each
    once as a line, the render engine passes it to the window."""


class UnsayableWarning(TextWarning):
    """Some symbols were dropped because the voice has no id for them.

    ``symbols`` holds the dropped symbols, sorted, each once.
    """

    def __init__(self, message: str, symbols: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.symbols = symbols


def describe_symbol(symbol: str) -> str:
    """``'ʘ' (U+0298)``: the code points make combining marks and spaces visible."""
    points = " ".join(f"U+{ord(c):04X}" for c in symbol)
    return f"{symbol!r} ({points})"


def warn_unsayable(symbols: Iterable[str], stacklevel: int = 3) -> None:
    """Issue one ``UnsayableWarning`` naming every dropped symbol; nothing when there are none."""
    dropped = tuple(sorted(set(symbols)))
    if not dropped:
        return
    names = ", ".join(describe_symbol(s) for s in dropped)
    warnings.warn(
        UnsayableWarning(f"dropped symbols the voice cannot say: {names}", dropped),
        stacklevel=stacklevel,
    )


def no_speakable_text(text: str, dropped: Iterable[str] = ()) -> FrontEndError:
    """The error for input that leaves no sentence to say."""
    shown = text if len(text) <= 80 else text[:77] + "..."
    message = f"no speakable text in {shown!r}"
    dropped = sorted(set(dropped))
    if dropped:
        message += "; the voice cannot say " + ", ".join(describe_symbol(s) for s in dropped)
    return FrontEndError(message)
