"""Finding the speech in a clip by frame energy, and trimming the silence around it.

The clip is cut into 25 ms frames every 10 ms and each frame's RMS level is taken in dBFS
(full scale 1.0). A frame is speech when its level is above a threshold set per clip:

* ``RANGE_DB`` (40 dB) below the loudest frame: quieter than that is silence even in a
  studio-clean take (the rule of most TTS data tools, e.g. ``top_db=40``);
* but at least ``NOISE_MARGIN_DB`` (6 dB) above the clip's noise floor, the 10th
  percentile of frame levels, so room noise louder than -40 dB re. the peak is not speech;
* and never more than ``MAX_THRESHOLD_DB`` (20 dB) below the loudest frame: in a take so
  noisy that the floor is that close to the speech, the rule cannot tell them apart, and
  keeping too much is better than cutting words.

A clip whose loudest frame is under ``SILENT_DBFS`` (-60 dBFS) has no speech at all.
Trimming keeps ``MARGIN_SECONDS`` (0.1 s) before the first and after the last speech frame,
so the soft onsets and releases of /f/, /h/ or /s/ that sit below the threshold survive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FRAME_SECONDS = 0.025
HOP_SECONDS = 0.010
RANGE_DB = 40.0
NOISE_MARGIN_DB = 6.0
MAX_THRESHOLD_DB = 20.0
NOISE_PERCENTILE = 10.0
SILENT_DBFS = -60.0
MARGIN_SECONDS = 0.1
FLOOR_DBFS = -120.0


@dataclass(frozen=True)
class Speech:
    """Where the speech of a clip is: frame levels, the threshold, and the speech frames."""

    frame_db: np.ndarray
    threshold_db: float
    is_speech: np.ndarray
    hop: int
    frame: int

    @property
    def found(self) -> bool:
        return bool(self.is_speech.any())

    @property
    def noise_floor_db(self) -> float:
        return float(np.percentile(self.frame_db, NOISE_PERCENTILE))

    @property
    def silence_share(self) -> float:
        """The share of frames that are not speech."""
        return 1.0 - float(self.is_speech.mean())


@dataclass(frozen=True)
class Trimmed:
    """A trimmed clip and the sample range of the original it keeps."""

    audio: np.ndarray
    start: int
    end: int
    original_length: int

    @property
    def leading(self) -> int:
        """Samples removed at the start."""
        return self.start

    @property
    def trailing(self) -> int:
        """Samples removed at the end."""
        return self.original_length - self.end


def frame_levels(audio: np.ndarray, sample_rate: int) -> tuple[np.ndarray, int, int]:
    """RMS level in dBFS of each frame, with the hop and frame length in samples.

    The end is zero-padded to a whole frame; a clip shorter than a frame is one frame.
    """
    audio = np.asarray(audio, dtype=np.float32).reshape(-1)
    hop = max(1, round(HOP_SECONDS * sample_rate))
    frame = max(hop, round(FRAME_SECONDS * sample_rate))
    count = max(1, int(np.ceil(max(len(audio) - frame, 0) / hop)) + 1)
    padded = np.zeros((count - 1) * hop + frame, dtype=np.float64)
    padded[: len(audio)] = audio
    frames = np.lib.stride_tricks.sliding_window_view(padded, frame)[::hop]
    power = np.mean(frames**2, axis=1)
    return power_to_db(power), hop, frame


def power_to_db(power: np.ndarray) -> np.ndarray:
    """Mean-square values as dBFS, floored at ``FLOOR_DBFS`` (digital silence)."""
    floor = 10.0 ** (FLOOR_DBFS / 10.0)
    return 10.0 * np.log10(np.maximum(power, floor))


def find_speech(audio: np.ndarray, sample_rate: int) -> Speech:
    """Classify each frame of a mono clip as speech or silence (see the module docstring)."""
    frame_db, hop, frame = frame_levels(audio, sample_rate)
    loudest = float(frame_db.max())
    floor = float(np.percentile(frame_db, NOISE_PERCENTILE))
    threshold = min(max(floor + NOISE_MARGIN_DB, loudest - RANGE_DB), loudest - MAX_THRESHOLD_DB)
    if loudest < SILENT_DBFS:
        is_speech = np.zeros(len(frame_db), dtype=bool)
    else:
        is_speech = frame_db > threshold
    return Speech(frame_db, threshold, is_speech, hop, frame)


def trim_silence(audio: np.ndarray, sample_rate: int) -> Trimmed:
    """The clip from ``MARGIN_SECONDS`` before its first speech frame to as long after its
    last; an empty clip when it holds no speech."""
    audio = np.asarray(audio, dtype=np.float32).reshape(-1)
    speech = find_speech(audio, sample_rate)
    if not speech.found:
        return Trimmed(audio[:0], 0, 0, len(audio))
    frames = np.flatnonzero(speech.is_speech)
    margin = round(MARGIN_SECONDS * sample_rate)
    start = max(0, int(frames[0]) * speech.hop - margin)
    end = min(len(audio), int(frames[-1]) * speech.hop + speech.frame + margin)
    return Trimmed(audio[start:end], start, end, len(audio))
