"""Inline phoneme overrides: ``say [[hˈɛloʊ]] now`` says the bracketed IPA verbatim."""

from __future__ import annotations

import re
import unicodedata

OVERRIDE = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)


def split_overrides(text: str) -> tuple[list[str], list[str]]:
    """``(texts, overrides)`` with ``len(texts) == len(overrides) + 1``.

    The source reads ``texts[0] overrides[0] texts[1] ... texts[-1]``; the text pieces may be
    empty. Each override is stripped and NFD-decomposed, as Piper's phonemes are.
    """
    parts = OVERRIDE.split(text)
    texts = parts[0::2]
    overrides = [unicodedata.normalize("NFD", p.strip()) for p in parts[1::2]]
    return texts, overrides
