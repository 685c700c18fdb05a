"""Level helpers: peak normalisation and the one rule for a clipped recording."""

from __future__ import annotations

import numpy as np

SILENCE_PEAK = 1e-8
# |sample| at or above this is at full scale (within 0.01 dB): clipped, or about to be.
CLIP_LEVEL = 0.999
# A few full-scale samples are what peak normalisation leaves; more is audible clipping.
MAX_CLIPPING_SHARE = 1e-4


def clipping_share(audio: np.ndarray) -> float:
    """The share of samples at full scale."""
    audio = np.asarray(audio, dtype=np.float32)
    return float(np.mean(np.abs(audio) >= CLIP_LEVEL)) if audio.size else 0.0


def is_clipped(audio: np.ndarray) -> bool:
    """Whether a recording clipped audibly: the rule of the recorder and the dataset check."""
    return clipping_share(audio) > MAX_CLIPPING_SHARE


def peak_normalize(audio: np.ndarray, peak: float = 1.0) -> np.ndarray:
    """Scale so the largest magnitude is ``peak`` (as Piper does per sentence); silence stays 0."""
    audio = np.asarray(audio, dtype=np.float32)
    largest = float(np.max(np.abs(audio))) if audio.size else 0.0
    if largest < SILENCE_PEAK:
        return np.zeros_like(audio)
    return audio * (peak / largest)
