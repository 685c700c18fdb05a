"""The front end of the official Glow-TTS and Grad-TTS LJSpeech checkpoints.

English cleaners, then CMUdict ARPAbet word by word, the way ``text_to_sequence(text,
['english_cleaners'], dictionary)`` of jaywalnut310/glow-tts and huawei-noah/Speech-Backbones
(``Grad-TTS/text/__init__.py``) does it, both after keithito/tacotron:

- the cleaned text is split at single spaces; a word found in the dictionary becomes its first
  pronunciation (``@``-prefixed phones), any other word stays letters and punctuation. A word
  with punctuation attached ("match.") is not in the dictionary, so it is spelled out: the
  checkpoints were trained that way;
- words are joined by one space id;
- ``{HH AH0 L OW1}`` is said as the given phones. Unlike the official code, which spells out
  every word before an override, words on both sides of an override are looked up;
- symbols without an id (quotes, ``&``, ``_``) are dropped;
- with ``add_blank`` the blank id 148 goes before, between and after the ids
  (``commons.intersperse``).

Each sentence is encoded alone (the official code takes one sentence at a time too); one too
long to render in bounded memory is said in pieces (``long_sentences``), its symbols counted
as phonemes.
"""

from __future__ import annotations

import re
from pathlib import Path

from engine.api import is_speakable

from .arpabet_symbols import (
    ARPABET_PHONES,
    ARPABET_PREFIX,
    BLANK,
    BLANK_ID,
    SPACE,
    SYMBOL_TO_ID,
    is_kept,
)
from .cmu_dictionary import CmuDictionary, dictionary_at, official_dictionary
from .english_cleaners import english_cleaners
from .errors import no_speakable_text, warn_unsayable
from .long_sentences import split_long_sentence, warn_split
from .scripts import drop_foreign
from .sentence import Sentence, sentence_with_blanks
from .sentence_split import split_sentences
from .vits_cleaners import expand_abbreviations

# The official pattern: the first ``{...}`` with something inside, on one line.
_OVERRIDE = re.compile(r"\{(.+?)\}")
_VALID_PHONES = frozenset(ARPABET_PHONES)


ENGLISH = "en"  # the language of the CMUdict and of english_cleaners


class ArpabetFrontEnd:
    """Text to official Glow-TTS / Grad-TTS ids, one ``Sentence`` per sentence.

    ``tokens`` are the table's symbols (``"@HH"``, ``"a"``, ``" "``, ``"."``) plus ``"<blank>"``
    for the blank; ``phonemes`` are the tokens without blanks. ``cmudict_path`` is an optional
    CMUdict file to use instead of the official repositories' ``cmu_dictionary``, which is the
    default (:mod:`engine.text.cmu_dictionary`). ``pad_with_spaces`` puts a space id at both
    ends of a sentence: the Glow-TTS authors recommend it for models trained without blanks,
    though their notebook strips the spaces again before encoding, so it is off by default.
    """

    def __init__(
        self,
        add_blank: bool = True,
        cmudict_path: str | Path | None = None,
        pad_with_spaces: bool = False,
    ) -> None:
        self.add_blank = add_blank
        self.pad_with_spaces = pad_with_spaces
        self.dictionary: CmuDictionary = (
            official_dictionary() if cmudict_path is None else dictionary_at(str(cmudict_path))
        )

    def encode(self, text: str) -> tuple[list[str], list[str]]:
        """``(symbols, dropped)`` of one sentence: table symbols before blanks, and what had none.

        Without overrides and blanks, ``[SYMBOL_TO_ID[s] for s in symbols]`` is the official
        ``text_to_sequence(text, ['english_cleaners'], dictionary)``.
        """
        symbols: list[str] = []
        dropped: list[str] = []
        position = 0
        for match in _OVERRIDE.finditer(text):
            self._encode_words(text[position : match.start()], symbols, dropped)
            for phone in match.group(1).split():
                if phone in _VALID_PHONES:
                    symbols.append(ARPABET_PREFIX + phone)
                else:
                    dropped.append(phone)
            position = match.end()
        self._encode_words(text[position:], symbols, dropped)
        if self.pad_with_spaces:
            symbols = [SPACE, *symbols, SPACE]
        return symbols, dropped

    def _encode_words(self, text: str, symbols: list[str], dropped: list[str]) -> None:
        if not text:
            return
        for index, word in enumerate(english_cleaners(text).split(" ")):
            if index:
                symbols.append(SPACE)
            pronunciation = self.dictionary.lookup(word) if word else None
            if pronunciation is not None:
                symbols.extend(ARPABET_PREFIX + p for p in pronunciation.split())
                continue
            for character in word:
                (symbols if is_kept(character) else dropped).append(character)

    def _symbol_count(self, text: str) -> int:
        return len(self.encode(text)[0])

    def sentences(self, text: str) -> list[Sentence]:
        sentences = []
        readable, dropped = drop_foreign(text, ENGLISH)
        sources = split_sentences(expand_abbreviations(readable), keep_abbreviations=True)
        pieces = [split_long_sentence(s, self._symbol_count, _OVERRIDE) for s in sources]
        for source in (piece for split in pieces for piece in split):
            symbols, lost = self.encode(source)
            dropped.extend(lost)
            if not any(is_speakable(s) for s in symbols):
                continue
            ids = [SYMBOL_TO_ID[s] for s in symbols]
            blank = (BLANK, BLANK_ID) if self.add_blank else None
            sentences.append(sentence_with_blanks(source, symbols, ids, blank))
        warn_unsayable(dropped)
        warn_split(sum(len(split) > 1 for split in pieces))
        if not sentences:
            raise no_speakable_text(text, dropped)
        return sentences
