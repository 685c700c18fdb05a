"""How close a voice is to a speaker: speaker similarity, pitch, and intelligibility.

- **Speaker similarity** is the cosine between the mean utterance embeddings of two sets of
  speech, from Resemblyzer's speaker encoder (Wan et al. 2018, "Generalized end-to-end loss
  for speaker verification"; resemble-ai/Resemblyzer), whose pretrained weights ship inside
  its wheel: nothing is downloaded. It is the optional extra ``glottis[quality]``.
- **Pitch** is Praat's autocorrelation F0 (Boersma 1993) through ``praat-parselmouth``
  (:mod:`engine.audio.prosody`, which the studio's pitch track uses too): per voiced 10 ms
  frame, summarised as a median and a 10th-90th percentile band (how much the voice moves).
  The tracking range is the speaker's, found in two passes (:func:`pitch_range`, Hirst's rule
  in :func:`engine.audio.prosody.speaker_range`), so that octave jumps (a frame read at half
  its pitch) do not pass for a voice that moves. A voice meant to be someone's is tracked
  in that person's range (``PitchSummary.of(clips, pitch_range(theirs))``): a render that
  keeps falling an octave below them then shows as unvoiced frames and a narrow band.
- **Intelligibility** is Whisper tiny.en's character error rate (:mod:`engine.asr`).

Resemblyzer is imported when similarity is first asked for; without it
:class:`QualityUnavailable` says what to install.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from engine.api.training import QUALITY_INSTALL_HINT
from engine.audio.prosody import PITCH_CEILING_HZ, PITCH_FLOOR_HZ, pitch_track, speaker_range

INSTALL_HINT = QUALITY_INSTALL_HINT


class QualityUnavailable(RuntimeError):
    """A measure's package is not installed; the message says how to install it."""


@lru_cache(maxsize=1)
def speaker_encoder() -> Any:
    """Resemblyzer's pretrained speaker encoder on the CPU, loaded once per process."""
    try:
        with warnings.catch_warnings():
            # webrtcvad, which resemblyzer imports, still imports pkg_resources.
            warnings.simplefilter("ignore")
            from resemblyzer import VoiceEncoder
    except ImportError as error:
        raise QualityUnavailable(
            f"Speaker similarity needs the package resemblyzer ({error.name} is missing): "
            f"{INSTALL_HINT}."
        ) from error
    return VoiceEncoder("cpu", verbose=False)


def speaker_embedding(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """The unit-length speaker embedding [256] of one utterance (mono, any rate). Resemblyzer
    resamples to 16 kHz, normalises the level and drops long pauses first."""
    encoder = speaker_encoder()
    from resemblyzer import preprocess_wav

    samples = np.asarray(audio, dtype=np.float32).reshape(-1)
    return encoder.embed_utterance(preprocess_wav(samples, source_sr=sample_rate))


def similarity(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> float:
    """Cosine between the means of two sets of utterance embeddings: 1 for one speaker's
    identical sets; about 0.75 separates speakers for this encoder."""
    mean_a, mean_b = np.mean(a, axis=0), np.mean(b, axis=0)
    return float(mean_a @ mean_b / (np.linalg.norm(mean_a) * np.linalg.norm(mean_b)))


def voiced_f0(
    audio: np.ndarray,
    sample_rate: int,
    floor: float = PITCH_FLOOR_HZ,
    ceiling: float = PITCH_CEILING_HZ,
) -> np.ndarray:
    """F0 in Hz of every voiced 10 ms frame of ``audio`` (Praat's autocorrelation method;
    60-500 Hz by default, which covers low male to high female voices)."""
    f0 = pitch_track(audio, sample_rate, floor, ceiling)[1]
    return f0[f0 > 0]


@dataclass(frozen=True)
class PitchSummary:
    """Median F0 and its 10th-90th percentile band over the voiced frames of some speech."""

    median_hz: float
    p10_hz: float
    p90_hz: float

    @property
    def spread_hz(self) -> float:
        return self.p90_hz - self.p10_hz

    @classmethod
    def of(
        cls, clips: Sequence[tuple[np.ndarray, int]], within: tuple[float, float] | None = None
    ) -> PitchSummary:
        """Over all voiced frames of (audio, sample rate) clips, tracked ``within`` a pitch
        range (default: their own, :func:`pitch_range`); NaN where none is voiced."""
        floor, ceiling = within or pitch_range(clips)
        f0 = _pooled_f0(clips, floor, ceiling)
        if not f0.size:
            return cls(float("nan"), float("nan"), float("nan"))
        p10, median, p90 = np.percentile(f0, [10, 50, 90])
        return cls(float(median), float(p10), float(p90))


def pitch_range(clips: Sequence[tuple[np.ndarray, int]]) -> tuple[float, float]:
    """The pitch floor and ceiling of a speaker's clips (the module docstring's first pass);
    the full 60-500 Hz when nothing in them is voiced."""
    return speaker_range(_pooled_f0(clips, PITCH_FLOOR_HZ, PITCH_CEILING_HZ))


def _pooled_f0(clips: Sequence[tuple[np.ndarray, int]], floor: float, ceiling: float) -> np.ndarray:
    tracks = [voiced_f0(audio, rate, floor, ceiling) for audio, rate in clips]
    return np.concatenate(tracks or [np.zeros(0)])
