"""Text to per-sentence phoneme strings the way Piper glues espeak-ng's clauses.

Piper keeps each clause's terminator after its phonemes, adds a space after ``, : ;``, and
starts a new sentence where espeak says one ends.

Phoneme overrides (``[[...]]``) cannot go through espeak, so the text around them is
phonemized in pieces and the override is spliced in between. Cutting the text there would
otherwise break the sentence in two (espeak ends a sentence at the end of its input) and lose
punctuation right after the override (espeak drops a clause that has no words). So:

- a piece followed by an override ends in an unfinished clause, unless espeak saw a real
  terminator there;
- punctuation that opens the piece after an override becomes the override's terminator;
- whitespace around the override in the text becomes a word space in the phonemes.
"""

from __future__ import annotations

import re

from .espeak import CLAUSE_TERMINATORS, SENTENCE_TERMINATORS, Clause, EspeakBackend
from .phoneme_override import split_overrides

_OPENING_PUNCTUATION = re.compile(r"\s*(?P<run>[.?!,:;…]+)(?=\s|$)")
_ENDS_WITH_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*$")


class _SentenceBuilder:
    def __init__(self) -> None:
        self.sentences: list[str] = []
        self._current = ""

    def add_clause(self, clause: Clause) -> None:
        self._current += clause.phonemes + clause.terminator
        if clause.terminator in CLAUSE_TERMINATORS:
            self._current += " "
        if clause.ends_sentence:
            self.sentences.append(self._current)
            self._current = ""

    def add_phonemes(self, phonemes: str) -> None:
        self._current += phonemes

    def add_word_space(self) -> None:
        if self._current and not self._current.endswith(" "):
            self._current += " "

    def finish(self) -> list[str]:
        if self._current:
            self.sentences.append(self._current)
            self._current = ""
        return self.sentences


def _opening_punctuation(text: str) -> tuple[Clause | None, str]:
    """The clause ending that ``text`` opens with, and the text after it."""
    match = _OPENING_PUNCTUATION.match(text)
    if not match:
        return None, text
    run = match.group("run")
    if "…" in run or (len(run) > 1 and set(run) == {"."}):
        return Clause("", "", False), text[match.end() :]
    first = run[0]
    return Clause("", first, first in SENTENCE_TERMINATORS), text[match.end() :]


def sentence_phonemes(text: str, voice: str, backend: EspeakBackend) -> list[str]:
    """One phoneme string per sentence; may hold empty or punctuation-only sentences."""
    texts, overrides = split_overrides(text)
    builder = _SentenceBuilder()
    for index, piece in enumerate(texts):
        followed_by_override = index < len(overrides)
        if index > 0:
            ending, piece = _opening_punctuation(piece)
            if ending is not None:
                builder.add_clause(ending)
            elif piece[:1].isspace():
                builder.add_word_space()
        if piece.strip() or not overrides:
            clauses = backend.clauses(piece, voice)
            unfinished = followed_by_override and not _ENDS_WITH_BLANK_LINE.search(piece)
            if unfinished and clauses and clauses[-1].terminator == "":
                last = clauses[-1]
                clauses[-1] = Clause(last.phonemes, "", False)
            for clause in clauses:
                builder.add_clause(clause)
        if followed_by_override and overrides[index]:
            if piece[-1:].isspace():
                builder.add_word_space()
            builder.add_phonemes(overrides[index])
    return builder.finish()
