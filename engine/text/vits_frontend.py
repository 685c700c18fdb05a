"""The front end of the official VITS LJSpeech checkpoints: english_cleaners2 + VITS symbols."""

from __future__ import annotations

from engine.api import is_speakable

from .errors import no_speakable_text, warn_unsayable
from .long_sentences import split_long_sentence, warn_split
from .phoneme_override import OVERRIDE
from .scripts import drop_foreign
from .sentence import Sentence, sentence_with_blanks
from .sentence_split import split_sentences
from .vits_cleaners import EspeakIpa, english_cleaners2, expand_abbreviations
from .vits_symbols import BLANK_ID, PAD, SYMBOL_TO_ID, cleaned_text_to_sequence


class VitsFrontEnd:
    """Text to official VITS ids, one ``Sentence`` per sentence.

    The official code cleans the whole text as one sequence; here each sentence is cleaned
    alone so long texts stay short sequences. Abbreviations are expanded before the split so
    "Mr. Smith" stays one sentence. ``add_blank`` puts the blank id 0 around every symbol, as
    the official configs with ``add_blank: true`` expect. A sentence too long to render in
    bounded memory is said in pieces (``long_sentences``).
    """

    def __init__(self, add_blank: bool = True, language: str = "en-us") -> None:
        self.add_blank = add_blank
        self.language = language
        self._ipa = EspeakIpa(language)

    def clean(self, text: str) -> str:
        """``english_cleaners2(text)`` of the official code (see ``vits_cleaners``)."""
        return english_cleaners2(text, self._ipa)

    def _phoneme_count(self, text: str) -> int:
        return sum(s in SYMBOL_TO_ID for s in self.clean(text))

    def sentences(self, text: str) -> list[Sentence]:
        sentences = []
        readable, dropped = drop_foreign(text, self.language)
        sources = split_sentences(expand_abbreviations(readable), keep_abbreviations=True)
        pieces = [split_long_sentence(s, self._phoneme_count, OVERRIDE) for s in sources]
        for source in (piece for split in pieces for piece in split):
            cleaned = self.clean(source)
            phonemes = [s for s in cleaned if s in SYMBOL_TO_ID]
            dropped.extend(s for s in cleaned if s not in SYMBOL_TO_ID)
            if not any(is_speakable(p) for p in phonemes):
                continue
            ids = cleaned_text_to_sequence("".join(phonemes))
            blank = (PAD, BLANK_ID) if self.add_blank else None
            sentences.append(sentence_with_blanks(source, phonemes, ids, blank))
        warn_unsayable(dropped)
        warn_split(sum(len(split) > 1 for split in pieces))
        if not sentences:
            raise no_speakable_text(text, dropped)
        return sentences
