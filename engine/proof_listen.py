"""Proof-listening: Whisper tiny.en listens to a take and names the written words it did not
hear as written, so a person finds a mispronunciation before a listener does.

Both sides are normalised as the error rate is (:func:`engine.asr.normalise`: numbers spelt
out, lower case, letters and apostrophes), the written words one at a time so each normalised
word remembers the written word it came from ("42" gives "forty" and "two", both of "42").
The two word lists are aligned by edit distance (Levenshtein over words, with a backtrace); a
written word with any of its words substituted or left out is *missed*. A word heard with one
letter different counts as heard when it has four letters or more (Whisper spells "grey"
"gray"); words written as phonemes (``[[...]]``, ``{...}``) are not judged.
"""

from __future__ import annotations

from engine.api.tasks import ProofListening
from engine.asr import edit_distance, normalise, transcribe
from engine.segments import written_words

OVERRIDE_OPENERS = ("[[", "{")
CLOSE_LETTERS = 4  # a word this long or longer may be heard with one letter different


def proof_listen(text: str, audio, sample_rate: int) -> ProofListening:
    """What Whisper heard in ``audio`` and which words of ``text`` (indexes into
    :func:`engine.segments.written_words`) it did not hear as written."""
    heard = transcribe(audio, sample_rate)
    return ProofListening(heard=heard, missed=missed_words(text, heard))


def missed_words(text: str, heard: str) -> list[int]:
    """The indexes of the written words of ``text`` that ``heard`` does not say."""
    expected: list[tuple[str, int]] = []
    for index, (start, end) in enumerate(written_words(text)):
        word = text[start:end]
        if word.startswith(OVERRIDE_OPENERS):
            continue
        expected.extend((part, index) for part in normalise(word).split())
    said = normalise(heard).split()
    rows, columns = len(expected), len(said)
    cost = [[0] * (columns + 1) for _ in range(rows + 1)]
    for i in range(rows + 1):
        cost[i][0] = i
    for j in range(columns + 1):
        cost[0][j] = j
    for i in range(1, rows + 1):
        for j in range(1, columns + 1):
            differ = 0 if _same(expected[i - 1][0], said[j - 1]) else 1
            cost[i][j] = min(
                cost[i - 1][j] + 1, cost[i][j - 1] + 1, cost[i - 1][j - 1] + differ
            )
    missed: set[int] = set()
    i, j = rows, columns
    while i > 0:
        word, owner = expected[i - 1]
        if j > 0 and cost[i][j] == cost[i - 1][j - 1] + (0 if _same(word, said[j - 1]) else 1):
            if not _same(word, said[j - 1]):
                missed.add(owner)
            i, j = i - 1, j - 1
        elif cost[i][j] == cost[i - 1][j] + 1:
            missed.add(owner)  # written, not heard
            i -= 1
        else:
            j -= 1  # heard, not written: no written word to blame
    return sorted(missed)


def _same(written: str, heard: str) -> bool:
    if written == heard:
        return True
    return len(written) >= CLOSE_LETTERS and edit_distance(written, heard) <= 1
