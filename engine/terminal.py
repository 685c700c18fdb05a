"""Text the command line prints, made safe for a terminal.

File names, voice names, transcripts and the texts people type reach the error and report
lines; a control character among them would act instead of showing (an escape sequence
recolours the terminal, clears it or sets its title, a bell rings, a line break splits the
one line an error is), and a byte that was no UTF-8 arrives as a lone surrogate that cannot
be printed at all. :func:`shown` writes each such character as its Python escape.
"""

from __future__ import annotations


def shown(text: str) -> str:
    """``text`` with every character that a terminal would not show as itself (control and
    format characters, lone surrogates, separators other than the space) written as its
    escape: ``\\x1b``, ``\\n``, ``\\udce9``."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)
