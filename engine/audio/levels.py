"""Level helpers."""

from __future__ import annotations

import numpy as np

SILENCE_PEAK = 1e-8


def peak_normalize(audio: np.ndarray, peak: float = 1.0) -> np.ndarray:
    """Scale so the largest magnitude is ``peak`` (as Piper does per sentence); silence stays 0."""
    audio = np.asarray(audio, dtype=np.float32)
    largest = float(np.max(np.abs(audio))) if audio.size else 0.0
    if largest < SILENCE_PEAK:
        return np.zeros_like(audio)
    return audio * (peak / largest)
