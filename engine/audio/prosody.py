"""Pitch and intensity of speech, by Praat's own algorithms (``praat-parselmouth``).

- **Pitch**: Praat's autocorrelation F0 (Boersma 1993, "Accurate short-term analysis of the
  fundamental frequency and the harmonics-to-noise ratio of a sampled sound"), one frame per
  10 ms, 0 Hz where a frame is unvoiced. A take is tracked in its speaker's range, found in
  two passes (Hirst 2011, "The analysis by synthesis of speech melody"; De Looze & Hirst
  2008): a first pass over 60-500 Hz gives the quartiles of F0, the second tracks between 0.75
  times the first and 1.5 times the third, so that octave jumps (a frame read at half or twice
  its pitch) are not drawn as melody. :mod:`engine.voice_quality` measures voices with the
  same two functions.
- **Intensity**: Praat's ``To Intensity`` (the mean-subtracted signal squared, through a
  Kaiser window 3.2 periods of the pitch floor long), in dB re 20 uPa with the samples read as
  pascals, as Praat reads a sound file. Digital silence, which Praat gives as -300 dB, and
  anything below 0 dB (a tenth of a 16-bit step) is NaN: there is nothing to hear.

``benchmarks/pitch_tracks.py`` measures this pitch against librosa's pYIN on tones with a
known contour and says why Praat's is the one used. The studio draws both tracks
(:class:`engine.api.Tracks`, made here by :func:`take_tracks` when the render engine renders
a take).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.api import Tracks

PITCH_FLOOR_HZ = 60.0
PITCH_CEILING_HZ = 500.0
PITCH_STEP_S = 0.01
SILENT_DB = 0.0  # intensities at or below this are silence (NaN)


def pitch_track(
    audio: np.ndarray,
    sample_rate: int,
    floor: float = PITCH_FLOOR_HZ,
    ceiling: float = PITCH_CEILING_HZ,
    step: float = PITCH_STEP_S,
) -> tuple[np.ndarray, np.ndarray]:
    """Frame times (s) and F0 (Hz, 0 where unvoiced) of ``audio``, a frame every ``step``
    seconds, tracked between ``floor`` and ``ceiling``; both empty for a sound shorter than
    the analysis window (three periods of the floor)."""
    sound = _sound(audio, sample_rate)
    if sound.duration < 3.0 / floor:
        return np.zeros(0), np.zeros(0)
    pitch = sound.to_pitch_ac(time_step=step, pitch_floor=floor, pitch_ceiling=ceiling)
    return np.asarray(pitch.xs()), np.asarray(pitch.selected_array["frequency"])


def speaker_range(first_pass_f0: np.ndarray) -> tuple[float, float]:
    """The pitch floor and ceiling for a second pass, from the voiced F0 of a first pass over
    60-500 Hz (the module docstring's rule); 60-500 Hz when nothing was voiced."""
    voiced = first_pass_f0[first_pass_f0 > 0]
    if not voiced.size:
        return PITCH_FLOOR_HZ, PITCH_CEILING_HZ
    q1, q3 = np.percentile(voiced, [25, 75])
    return max(0.75 * float(q1), PITCH_FLOOR_HZ / 2), 1.5 * float(q3)


def take_tracks(audio: np.ndarray, sample_rate: int) -> Tracks:
    """A take's pitch, in its own range, and its intensity at the pitch frames' times."""
    floor, ceiling = speaker_range(pitch_track(audio, sample_rate)[1])
    times, f0 = pitch_track(audio, sample_rate, floor, ceiling)
    sound = _sound(audio, sample_rate)
    level = np.full(times.shape, np.nan)
    if times.size and sound.duration >= 6.4 / floor:  # Praat's window: 6.4 periods of the floor
        intensity = sound.to_intensity(minimum_pitch=floor, time_step=PITCH_STEP_S)
        db = np.asarray(intensity.values[0], dtype=np.float64)
        db[db <= SILENT_DB] = np.nan
        level = np.interp(times, intensity.xs(), db, left=np.nan, right=np.nan)
    return Tracks(
        times=times.astype(np.float32),
        f0=np.where(f0 > 0, f0, np.nan).astype(np.float32),
        intensity=level.astype(np.float32),
        floor=floor,
        ceiling=ceiling,
    )


def _sound(audio: np.ndarray, sample_rate: int) -> Any:
    """``audio`` as Praat's Sound (parselmouth is imported here, when a track is first asked
    for: every ``glottis say`` imports this module through the pitch edits)."""
    import parselmouth

    return parselmouth.Sound(np.asarray(audio, dtype=np.float64).reshape(-1), sample_rate)
