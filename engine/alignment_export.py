"""A take's (or a project's) word and phoneme timings, written as a Praat TextGrid, JSON,
SubRip (SRT) or WebVTT.

Timings come from the durations alone: token ``i`` of a sentence sounds from frame
``sum(durations[:i])`` for ``durations[i]`` frames of ``frame_seconds`` each (the audio of a
sentence is exactly ``sum(durations) * hop`` samples), and sentences and takes follow one
another with no gap, as ``glottis say`` writes an utterance's sentences and the studio's
"Export all takes joined" joins takes.

Tokens are grouped as the alignment editor groups them (:mod:`engine.segments`):

- a phoneme is a segment: the token with the blanks after it (the interleaved ``_`` of
  VITS/Piper, ``<blank>`` of Glow-TTS and Grad-TTS), so a blank's time belongs to the phoneme
  before it and no blank is ever a phone; blanks before a sentence's first phoneme belong to
  the silence that starts it;
- silence is everything that is no phoneme of a word: the sentence's start and end markers
  (Piper's ``^`` and ``$``) with their blanks, word breaks (``" "``) and punctuation at a word's
  ends (the pause of ``,`` or ``.``). It has no interval of its own in JSON, SRT and WebVTT, and
  is the empty intervals of the TextGrid, as Praat users expect (Praat's own silences);
- a phoneme given no frames has no interval (Praat's intervals cannot be empty of time), nor a
  word whose phonemes have none.

Words are labelled as written. The spoken words (runs of phonemes between breaks) do not
always match the written ones one to one: espeak says "in the" as one word (``ɪnðə``) and
"$42" as three (``dˈɑːlɚ fˈɔːɹɾi tˈuː``). The written words are matched to the spoken ones in
order, one to one or one to several either way, by the pairing of least cost (a dynamic
programme over both sequences): the difference between a pair's phonemes and its letters
times :data:`PHONEMES_PER_LETTER` (not counted for a word with digits, whose spoken length no
count of characters tells), :data:`JOIN_COST` for each word beyond one a side (and
:data:`MERGE_LETTER_COST` a letter of written words said as one), :data:`INITIAL_COST` where
the first letter cannot spell the first phoneme, and :data:`CLAUSE_COST` for written words of
two clauses said as one (espeak does not join across punctuation). "in the" then becomes one
interval, "$42" one over three spoken words. On the 177 sentences of the recording prompts
every word lands where it is said (the 49 sentences where espeak joins words, and the 128
where it does not). A sentence with no written word is labelled with its phonemes.

Light: no torch or numpy (praatio needs neither), so the window imports it.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from praatio.utilities import textgrid_io

from engine.api import SentencePlan, Utterance
from engine.segments import (
    ARPABET_PREFIX,
    Segment,
    is_pause,
    segments,
    starts,
    words,
    written_words,
)
from engine.storage import atomic_file

TEXTGRID, JSON, SRT, VTT = ".TextGrid", ".json", ".srt", ".vtt"
FORMATS = {
    TEXTGRID: "Praat TextGrid",
    JSON: "JSON",
    SRT: "SubRip subtitles",
    VTT: "WebVTT subtitles",
}
"""The extensions written, as they are spelt (case does not matter), and what each is."""
JSON_FORMAT, JSON_VERSION = "glottis-alignment", 1
WORDS_TIER, PHONES_TIER = "words", "phones"

# Word matching: phonemes per written letter (English, espeak or ARPAbet, about), and the
# cost of each word beyond one a side of a pairing, in phonemes of difference.
PHONEMES_PER_LETTER = 0.85
JOIN_COST = 1.5
# espeak joins short function words ("in the", "I am"): written words said as one cost this
# much more a letter, so of two pairings that fit as well the shorter join is taken
# ("moment I am" is "moment" + "I am").
MERGE_LETTER_COST = 0.05
# espeak never says two clauses as one word: written words across punctuation said as one cost
# this much more (a cost, not a rule, so that a pairing is always found).
CLAUSE_COST = 10.0
QUOTES = "\"'“”‘’«»()[]{}"  # no clause ends at these
SPOKEN_SYMBOL_LETTERS = 4  # a sign said as a word ("$", "%") counts as four letters
# The first letters a word may be written with, by its first phoneme (IPA of espeak, ARPAbet
# of CMUdict); a vowel is written with a vowel letter or "h" ("hour"). A pairing whose written
# word starts with another letter costs INITIAL_COST phonemes more.
INITIAL_COST = 2.0
VOWELS = "aeiouyæɐɑɒɔəɚɛɜɝɪʊʌᵻɨʉøœ"
SPELLINGS = {
    # IPA, as espeak writes it
    "b": "b", "d": "djg", "f": "fp", "ɡ": "g", "g": "g", "h": "hw", "j": "yuej", "k": "kcq",
    "l": "l", "m": "m", "n": "nkg", "ŋ": "n", "p": "p", "ɹ": "rw", "r": "rw", "s": "scpz",
    "ʃ": "sc", "t": "tc", "θ": "t", "ð": "t", "v": "v", "w": "wo", "z": "zx", "ʒ": "gj",
    # ARPAbet, as CMUdict writes it
    "B": "b", "CH": "c", "D": "d", "DH": "t", "F": "fp", "G": "g", "HH": "hw", "JH": "jg",
    "K": "kcq", "L": "l", "M": "m", "N": "nkg", "NG": "n", "P": "p", "R": "rw", "S": "scpz",
    "SH": "sc", "T": "t", "TH": "t", "V": "v", "W": "wo", "Y": "yuej", "Z": "zx", "ZH": "gj",
}  # fmt: skip


class AlignmentFormatError(ValueError):
    """A file name whose extension is none of :data:`FORMATS`."""


@dataclass(frozen=True)
class Interval:
    """``text`` from ``start`` to ``end`` seconds."""

    start: float
    end: float
    text: str

    def to_dict(self) -> dict[str, float | str]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Word(Interval):
    """A written word (or words spoken as one) with its phonemes."""

    phones: tuple[Interval, ...] = ()


@dataclass(frozen=True)
class Alignment:
    """The words of a take or of takes joined, with their phonemes, and how long it lasts."""

    words: tuple[Word, ...]
    duration: float

    @property
    def phones(self) -> tuple[Interval, ...]:
        return tuple(phone for word in self.words for phone in word.phones)


def alignment(utterances: Sequence[Utterance], frame_seconds: float | None = None) -> Alignment:
    """The timings of ``utterances`` end to end; an utterance that does not say how long its
    frames are (a project saved before it did) is taken to have ``frame_seconds``."""
    found: list[Word] = []
    offset = 0.0
    for utterance in utterances:
        seconds = utterance.frame_seconds or frame_seconds
        if not seconds:
            raise ValueError("the take does not say how long its frames are")
        frame = 0
        for plan in utterance.sentences:
            found.extend(_sentence_words(plan, offset, frame, seconds))
            frame += sum(plan.durations)
        offset += frame * seconds
    return Alignment(tuple(found), offset)


def _sentence_words(
    plan: SentencePlan, offset: float, first_frame: int, seconds: float
) -> list[Word]:
    parts = segments(plan.tokens)
    frames = starts(plan.durations, parts)

    def at(frame: int) -> float:
        return offset + (first_frame + frame) * seconds

    spoken = words(parts)
    written = [word for word, _ in _written_words(plan.text)]
    pairs = word_pairs(plan.text, parts)
    result = []
    for (w_first, w_stop), (s_first, s_stop) in pairs:
        first, last = spoken[s_first][0], spoken[s_stop - 1][1]
        phones = tuple(
            Interval(at(frames[i]), at(frames[i + 1]), parts[i].label)
            for span in spoken[s_first:s_stop]
            for i in range(span[0], span[1] + 1)
            if frames[i + 1] > frames[i]
        )
        if not phones:
            continue
        if written:
            text = " ".join(written[w_first:w_stop])
        else:
            arpabet = any(t.startswith(ARPABET_PREFIX) and len(t) > 1 for t in plan.tokens)
            text = _phoneme_text(parts[first : last + 1], arpabet)
        result.append(Word(at(frames[first]), at(frames[last + 1]), text, phones))
    return result


def word_pairs(
    text: str, parts: Sequence[Segment]
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The words of ``text`` as written (:func:`engine.segments.written_words`) paired with
    those ``parts`` says (:func:`engine.segments.words`): ``((a, b), (c, d))`` pairs written
    words ``a`` to ``b - 1`` with spoken words ``c`` to ``d - 1`` (see :func:`_pairings`)."""
    marked = _written_words(text)
    return _pairings(
        [(_letters(word), word[0].lower(), ends) for word, ends in marked],
        [(_phonemes(parts, *span), _initial(parts, *span)) for span in words(parts)],
    )


def _written_words(text: str) -> list[tuple[str, bool]]:
    """The sentence's words as written (:func:`engine.segments.written_words`), each with
    whether punctuation follows it before the next (a clause ends there, and espeak never
    says two clauses as one word)."""
    spans = written_words(text)
    ends = [a for a, _ in spans[1:]] + [len(text)] * bool(spans)
    return [
        (text[a:b], any(is_pause(c) for c in text[b:end] if c not in QUOTES and not c.isspace()))
        for (a, b), end in zip(spans, ends, strict=True)
    ]


def _letters(word: str) -> float | None:
    """How many phonemes a written word is expected to have, in letters; None for one with
    a digit, whose spoken length no count of characters tells ("221B", "3/4/2021")."""
    if any(c.isdigit() for c in word):
        return None
    return sum(1 for c in word if c.isalpha()) + sum(
        SPOKEN_SYMBOL_LETTERS for c in word if c in "$€£#@&+%/"
    )


def _phonemes(parts: Sequence[Segment], first: int, last: int) -> int:
    """The phonemes of segments ``first`` to ``last``, stress and length marks not counted."""
    return sum(1 for part in parts[first : last + 1] if _is_phoneme(part.label))


def _is_phoneme(text: str) -> bool:
    return any(c.isalpha() and unicodedata.category(c) != "Lm" for c in text)


def _initial(parts: Sequence[Segment], first: int, last: int) -> str | None:
    """The letters a spoken word may be written to start with, from its first phoneme (IPA
    or ARPAbet); None where its phoneme says nothing of the sort."""
    phoneme = next((p.label for p in parts[first : last + 1] if _is_phoneme(p.label)), "")
    if phoneme in SPELLINGS:
        return SPELLINGS[phoneme]
    if phoneme[:1] in VOWELS or (phoneme[:1] in "AEIOU" and phoneme[1:2].isupper()):
        return "aeiouyh"
    return None


def _phoneme_text(parts: Sequence[Segment], arpabet: bool) -> str:
    """A word's phonemes as one string: IPA run together, ARPAbet phones between spaces."""
    return (" " if arpabet else "").join(part.label for part in parts)


def _pairings(
    written: Sequence[tuple[float | None, str, bool]], spoken: Sequence[tuple[int, str | None]]
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Written words ``[a, b)`` paired with spoken words ``[c, d)``, in order, covering both
    (one to one, or one to several either way), at the least cost: the difference of the
    pair's expected and spoken phoneme counts (none for a word with digits), each word beyond
    one a side :data:`JOIN_COST`, a first letter the first phoneme is not written with
    :data:`INITIAL_COST`, words of two clauses as one :data:`CLAUSE_COST`. ``written``:
    (letters, first letter, whether a clause ends after it); ``spoken``: (phonemes, the first
    letters it may be written with)."""
    if not written:
        return [((0, 0), (i, i + 1)) for i in range(len(spoken))]
    if not spoken:
        return []
    m, n = len(written), len(spoken)
    widest = max(4, abs(m - n) + 1)
    steps = [(1, k) for k in range(1, widest + 1)] + [(k, 1) for k in range(2, widest + 1)]
    best: dict[tuple[int, int], tuple[float, tuple[int, int]]] = {(0, 0): (0.0, (0, 0))}
    for i in range(m + 1):
        for j in range(n + 1):
            if (i, j) not in best:
                continue
            for di, dj in steps:
                if i + di > m or j + dj > n:
                    continue
                total = best[i, j][0] + JOIN_COST * (di + dj - 2)
                total += CLAUSE_COST * sum(w[2] for w in written[i : i + di - 1])
                letters = [w[0] for w in written[i : i + di]]
                known = sum(c for c in letters if c is not None)
                if None not in letters:
                    expected = known * PHONEMES_PER_LETTER
                    total += abs(sum(count for count, _ in spoken[j : j + dj]) - expected)
                if di > 1:
                    total += MERGE_LETTER_COST * known
                first, initials = written[i][1], spoken[j][1]
                if initials is not None and first.isalpha() and first not in initials:
                    total += INITIAL_COST
                if (i + di, j + dj) not in best or total < best[i + di, j + dj][0]:
                    best[i + di, j + dj] = (total, (i, j))
    pairs = []
    at = (m, n)
    while at != (0, 0):
        before = best[at][1]
        pairs.append(((before[0], at[0]), (before[1], at[1])))
        at = before
    return pairs[::-1]


def format_of(path: str | Path) -> str:
    """The format :data:`FORMATS` names for ``path``'s extension (any case); raises
    AlignmentFormatError, in one sentence naming those accepted, for any other."""
    suffix = Path(path).suffix.lower()
    for extension in FORMATS:
        if extension.lower() == suffix:
            return extension
    *others, last = FORMATS
    raise AlignmentFormatError(
        f"{Path(path).name}: an alignment file ends in {', '.join(others)} or {last}, "
        "which chooses its format"
    )


def write_alignment(timings: Alignment, path: str | Path) -> Path:
    """Write ``timings`` to ``path`` in the format its extension names, atomically (a failed
    write leaves nothing, and any old file as it was)."""
    writers = {TEXTGRID: textgrid_text, JSON: json_text, SRT: srt_text, VTT: vtt_text}
    text = writers[format_of(path)](timings)
    with atomic_file(path) as handle:
        handle.write(text.encode("utf-8"))
    return Path(path)


def textgrid_text(timings: Alignment) -> str:
    """A Praat TextGrid in the long text format, interval tiers "words" and "phones" from 0 to
    the duration; praatio (Tim Mahrt's) fills the silences in with empty intervals."""
    tiers = [
        {
            "class": "IntervalTier",
            "name": name,
            "xmin": 0.0,
            "xmax": timings.duration,
            "entries": [(i.start, i.end, i.text) for i in intervals],
        }
        for name, intervals in ((WORDS_TIER, timings.words), (PHONES_TIER, timings.phones))
    ]
    grid = {"xmin": 0.0, "xmax": timings.duration, "tiers": tiers}
    return textgrid_io.getTextgridAsStr(
        grid, "long_textgrid", includeBlankSpaces=True, minimumIntervalLength=None
    )


def json_text(timings: Alignment) -> str:
    """The alignment as JSON::

        {"format": "glottis-alignment", "version": 1, "duration": SECONDS,
         "words": [{"start": S, "end": S, "text": "Hello",
                    "phones": [{"start": S, "end": S, "text": "h"}, ...]}, ...]}

    Times are seconds from the start of the audio; silences are the gaps between words."""
    data = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "duration": timings.duration,
        "words": [
            {**word.to_dict(), "phones": [phone.to_dict() for phone in word.phones]}
            for word in timings.words
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def srt_text(timings: Alignment) -> str:
    """SubRip subtitles, one numbered cue per word (``00:00:01,250 --> 00:00:01,600``)."""
    cues = [
        f"{number}\n{_timestamp(w.start, ',')} --> {_timestamp(w.end, ',')}\n{w.text}\n"
        for number, w in enumerate(timings.words, 1)
    ]
    return "\n".join(cues)


def vtt_text(timings: Alignment) -> str:
    """WebVTT subtitles, one cue per word (``00:00:01.250 --> 00:00:01.600``), the text
    escaped as WebVTT asks (``&``, ``<``, ``>``)."""
    cues = [
        f"{_timestamp(w.start, '.')} --> {_timestamp(w.end, '.')}\n{_vtt_escaped(w.text)}\n"
        for w in timings.words
    ]
    return "\n".join(["WEBVTT\n", *cues])


def _timestamp(seconds: float, decimal: str) -> str:
    """``hh:mm:ss`` and milliseconds after ``decimal`` (SRT's comma, WebVTT's full stop)."""
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    whole, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{whole:02d}{decimal}{millis:03d}"


def _vtt_escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
