"""Slaney's mel scale, numpy only: where the engine's mel bins lie in Hz.

The engine's filterbank (:func:`engine.audio.mel.mel_filterbank`, librosa's ``htk=False``,
which the official VITS, HiFi-GAN and Grad-TTS feature code call) places ``n_mels + 2`` points
evenly on this scale between ``fmin`` and ``fmax``; filter ``i`` peaks at point ``i + 1``. The
window labels its spectrogram with the same functions, so this module imports neither torch
nor anything else the studio may not load.
"""

from __future__ import annotations

import numpy as np

# Slaney's auditory toolbox: 3 mels per 200 Hz below 1 kHz, a log step of ln(6.4)/27 above.
_LINEAR_HZ_PER_MEL = 200.0 / 3
_LOG_START_HZ = 1000.0
_LOG_START_MEL = _LOG_START_HZ / _LINEAR_HZ_PER_MEL
_LOG_STEP = np.log(6.4) / 27.0


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    log_part = _LOG_START_MEL + np.log(np.maximum(hz, _LOG_START_HZ) / _LOG_START_HZ) / _LOG_STEP
    return np.where(hz >= _LOG_START_HZ, log_part, hz / _LINEAR_HZ_PER_MEL)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    """The inverse of :func:`hz_to_mel`."""
    mel = np.asarray(mel, dtype=np.float64)
    log_part = _LOG_START_HZ * np.exp(_LOG_STEP * (mel - _LOG_START_MEL))
    return np.where(mel >= _LOG_START_MEL, log_part, _LINEAR_HZ_PER_MEL * mel)


def mel_points(n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """The ``n_mels + 2`` edges and peaks of the filters, in mels; filter ``i`` rises from
    point ``i``, peaks at ``i + 1`` and falls to ``i + 2``."""
    return np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2)


def bin_of_hz(hz: np.ndarray | float, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """The (fractional) filter index that peaks at ``hz``: 0 at the first filter's peak,
    ``n_mels - 1`` at the last's."""
    points = mel_points(n_mels, fmin, fmax)
    step = points[1] - points[0]
    return (hz_to_mel(hz) - points[0]) / step - 1.0


def hz_of_bin(index: np.ndarray | float, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """The frequency at which filter ``index`` (fractional: between two filters) peaks."""
    points = mel_points(n_mels, fmin, fmax)
    step = points[1] - points[0]
    return mel_to_hz(points[0] + (np.asarray(index, dtype=np.float64) + 1.0) * step)
