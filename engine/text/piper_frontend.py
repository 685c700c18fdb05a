"""The front end of Piper voices: espeak-ng phonemes and ids exactly as piper-tts makes them.

On top of Piper it expands sentence-breaking abbreviations, takes ``[[...]]`` phoneme
overrides, splits a sentence too long to render in bounded memory (``long_sentences``), warns
once about symbols the voice cannot say, and refuses text with nothing to say.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from engine.api import is_speakable

from .abbreviations import expand_abbreviations
from .errors import no_speakable_text, warn_unsayable
from .espeak import open_backend
from .long_sentences import MAX_SENTENCE_PHONEMES, split_long_sentence, warn_split
from .phoneme_override import OVERRIDE
from .piper_ids import PAD, Encoded, encode, merge_vowel_clusters
from .piper_phonemes import sentence_phonemes
from .scripts import drop_foreign
from .sentence import Sentence
from .sentence_split import split_sentences


def _expand(text: str) -> str:
    # espeak-ng takes a C string: a NUL would be refused (bridge) or end the text (ctypes).
    return expand_abbreviations(text.replace("\0", " "))


def _label(texts: list[str], count: int) -> list[str]:
    """Source text for each of ``count`` sentences, given the splitter's ``texts``.

    The two agree for ordinary text. Where they do not, the texts are paired in order, extra
    texts are joined onto the last sentence and sentences left over get the last text.
    """
    if not texts:
        return [""] * count
    if len(texts) > count:
        texts = texts[: count - 1] + [" ".join(texts[count - 1 :])]
    return [texts[min(i, len(texts) - 1)] for i in range(count)]


class PiperFrontEnd:
    """Text to Piper ids for one voice.

    ``phoneme_id_map`` and ``espeak_voice`` come from the voice's ``.onnx.json``
    (``phoneme_id_map``, ``espeak.voice``). ``backend`` is ``"piper"`` (the espeak-ng inside
    piper-tts, exact), ``"espeak-ng"`` (upstream, see ``engine.text.espeak``) or ``"auto"``
    (the first that imports). ``vowel_clusters`` is the config's optional ``vowel_clusters``.
    """

    def __init__(
        self,
        phoneme_id_map: Mapping[str, Sequence[int]],
        espeak_voice: str = "en-us",
        backend: str = "piper",
        vowel_clusters: Iterable[Sequence[str]] = (),
    ) -> None:
        missing = [s for s in ("^", "$", PAD) if s not in phoneme_id_map]
        if missing:
            raise ValueError(f"phoneme_id_map lacks the boundary symbols {missing}")
        self.phoneme_id_map = phoneme_id_map
        self.espeak_voice = espeak_voice
        self.vowel_clusters = {tuple(c) for c in vowel_clusters}
        self._espeak = open_backend(backend)

    @property
    def backend(self) -> str:
        """The espeak build in use: ``"piper"`` or ``"espeak-ng"``."""
        return self._espeak.name

    def _phonemize(self, expanded: str) -> list[list[str]]:
        """Phonemes per sentence, as ``PiperVoice.phonemize`` gives them."""
        return [
            merge_vowel_clusters(unicodedata.normalize("NFD", s), self.vowel_clusters)
            for s in sentence_phonemes(expanded, self.espeak_voice, self._espeak)
        ]

    def _piece_phonemes(self, piece: str) -> list[str]:
        """The phonemes of a piece of a long sentence, said as one sentence."""
        return [p for sentence in self._phonemize(piece) for p in sentence]

    def _phoneme_count(self, piece: str) -> int:
        return len(self._piece_phonemes(piece))

    def _split(self, text: str, encoded: Encoded, whole: str) -> list[tuple[str, Encoded]]:
        """``[(text, encoded)]``, or the pieces of a sentence over the bound, each encoded.

        ``text`` is empty only when the splitter found no words in the ``whole`` text.
        """
        if len(encoded.phonemes) + len(encoded.dropped) <= MAX_SENTENCE_PHONEMES:
            return [(text, encoded)]
        pieces = split_long_sentence(text or whole, self._phoneme_count, OVERRIDE)
        return [(p, encode(self._piece_phonemes(p), self.phoneme_id_map)) for p in pieces]

    def sentences(self, text: str) -> list[Sentence]:
        readable, dropped = drop_foreign(text, self.espeak_voice)
        expanded = _expand(readable)
        encoded = []
        for phonemes in self._phonemize(expanded):
            result = encode(phonemes, self.phoneme_id_map)
            if any(is_speakable(p) for p in result.phonemes):
                encoded.append(result)
            else:
                dropped.extend(result.dropped)
        texts = _label(split_sentences(expanded), len(encoded))
        said = []
        long_sentences = 0
        for source, result in zip(texts, encoded, strict=True):
            pieces = self._split(source, result, expanded)
            long_sentences += len(pieces) > 1
            for piece, e in pieces:
                dropped.extend(e.dropped)
                if any(is_speakable(p) for p in e.phonemes):
                    said.append(
                        Sentence(text=piece, phonemes=e.phonemes, tokens=e.tokens, ids=e.ids)
                    )
        warn_unsayable(dropped)
        warn_split(long_sentences)
        if not said:
            raise no_speakable_text(text, dropped)
        return said
