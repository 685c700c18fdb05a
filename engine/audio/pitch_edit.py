"""Pitch edits on a rendered sentence: the F0 of chosen tokens raised, lowered or flattened.

VITS, Glow-TTS and Grad-TTS take no pitch input, so the edit is made on the sound: the stretch
about the edited tokens is analysed and made again with WORLD (Morise, Yokomori and Ozawa,
"WORLD: a vocoder-based high-quality speech synthesis system for real-time applications",
IEICE 2016; ``pyworld``): the spectral envelope by CheapTrick and the aperiodicity by D4C, on
frames of the model's own hop, so WORLD frame ``k`` is model frame ``k``. The F0 comes from
Praat's autocorrelation tracker in the sentence's own range (:mod:`engine.audio.prosody`, as
the studio's pitch track is made): WORLD's DIO and Harvest read the bundled voice's low,
creaky F0 (about 80 Hz) an octave high or not at all. The F0 of the edited frames is changed
in the log domain,

    log f0' = (1 - flatness) · log f0 + flatness · log mean + shift · ln 2 / 12,

``mean`` being the geometric mean of the voiced frames of that stretch of edited tokens, and
the stretch is synthesised again and spliced in with raised-cosine crossfades. The edit eases in
and out over ``RAMP_FRAMES`` so the contour does not jump. Everything outside the analysed
window is the model's audio, sample for sample.

Limits: unvoiced frames keep their (zero) F0; WORLD's resynthesis is a little buzzier than the
model's own audio, and shifts beyond about half an octave sound processed (the envelope stays,
so formants do not move with the pitch). ``benchmarks/pitch_edit.py`` measures the F0 reached
against the F0 asked and what Whisper still understands.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.audio.prosody import pitch_track, speaker_range

RAMP_FRAMES = 4  # frames over which an edit eases in and out
CONTEXT_FRAMES = 12  # frames analysed either side of the edit, for WORLD's windows
FADE_FRAMES = 2  # the crossfade of the splice at each end


def f0_per_frame(audio: np.ndarray, sample_rate: int, hop_length: int) -> np.ndarray:
    """F0 in Hz at the centre of each frame of ``hop_length`` (0 where unvoiced), tracked by
    Praat in the audio's own range (:mod:`engine.audio.prosody`'s two passes)."""
    step = hop_length / sample_rate
    floor, ceiling = speaker_range(pitch_track(audio, sample_rate)[1])
    times, f0 = pitch_track(audio, sample_rate, floor, ceiling, step)
    frames = len(audio) // hop_length
    if not times.size:
        return np.zeros(frames)
    centres = (np.arange(frames) + 0.5) * step
    nearest = np.clip(np.round((centres - times[0]) / step).astype(int), 0, len(f0) - 1)
    return f0[nearest]


def frame_values(durations: Sequence[int], per_token: Sequence[float]) -> np.ndarray:
    """``per_token`` spread over the frames each token lasts (zeros where it is empty)."""
    values = np.asarray(per_token, dtype=np.float64) if len(per_token) else None
    if values is None:
        return np.zeros(int(sum(durations)))
    return np.repeat(values, np.asarray(durations, dtype=np.int64))


def _eased(values: np.ndarray) -> np.ndarray:
    """``values`` with each change spread over ``RAMP_FRAMES`` (a moving average)."""
    if RAMP_FRAMES <= 1 or not values.any():
        return values
    kernel = np.ones(RAMP_FRAMES) / RAMP_FRAMES
    padded = np.pad(values, (RAMP_FRAMES, RAMP_FRAMES), mode="edge")
    return np.convolve(padded, kernel, mode="same")[RAMP_FRAMES:-RAMP_FRAMES]


def reshape_pitch(
    audio: np.ndarray,
    sample_rate: int,
    hop_length: int,
    durations: Sequence[int],
    shifts: Sequence[float] = (),
    flatness: Sequence[float] = (),
) -> np.ndarray:
    """``audio`` (a sentence whose tokens last ``durations`` frames of ``hop_length``) with
    each token's F0 shifted by ``shifts`` semitones and pulled towards its stretch's mean by
    ``flatness`` (0: as it was, 1: flat); tokens without an edit keep their samples."""
    frames = int(sum(durations))
    shift = frame_values(durations, shifts)
    flat = frame_values(durations, flatness)
    edited = (shift != 0) | (flat != 0)
    if frames == 0 or not edited.any():
        return audio
    first = max(int(np.argmax(edited)) - RAMP_FRAMES, 0)
    last = min(frames - int(np.argmax(edited[::-1])) + RAMP_FRAMES, frames)
    start = max(first - CONTEXT_FRAMES, 0)
    stop = min(last + CONTEXT_FRAMES, frames)
    import pyworld as pw

    period = 1000.0 * hop_length / sample_rate
    window = np.ascontiguousarray(audio[start * hop_length : stop * hop_length], dtype=np.float64)
    f0 = f0_per_frame(window, sample_rate, hop_length)
    times = np.arange(len(f0)) * period / 1000.0
    envelope = pw.cheaptrick(window, f0, times, sample_rate)
    aperiodicity = pw.d4c(window, f0, times, sample_rate)
    count = min(len(f0), stop - start)
    shift_w = _eased(shift[start:stop])[:count]
    flat_w = np.clip(_eased(flat[start:stop]), 0.0, 1.0)[:count]
    voiced = f0[:count] > 0
    inside = edited[start:stop][:count] & voiced
    mean = np.exp(np.mean(np.log(f0[:count][inside]))) if inside.any() else 0.0
    new_f0 = f0.copy()
    log_f0 = np.log(np.where(voiced, f0[:count], 1.0))
    target = (1 - flat_w) * log_f0 + flat_w * (np.log(mean) if mean > 0 else log_f0)
    new_f0[:count] = np.where(voiced, np.exp(target + shift_w * np.log(2) / 12), 0.0)
    made = pw.synthesize(new_f0, envelope, aperiodicity, sample_rate, frame_period=period)
    return _splice(
        audio, made, start * hop_length, first * hop_length, last * hop_length, hop_length
    )


def _splice(
    audio: np.ndarray, made: np.ndarray, offset: int, begin: int, end: int, hop_length: int
) -> np.ndarray:
    """``audio`` with samples ``begin`` to ``end`` taken from ``made`` (which starts at
    sample ``offset`` of ``audio``), crossfaded over ``FADE_FRAMES`` at each end."""
    result = np.array(audio, dtype=np.float32, copy=True)
    fade = FADE_FRAMES * hop_length
    begin, end = max(begin - fade, offset), min(end + fade, offset + len(made), len(audio))
    weight = np.ones(end - begin)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, min(fade, (end - begin) // 2)))
    weight[: len(ramp)] = ramp
    weight[len(weight) - len(ramp) :] = ramp[::-1]
    ours = made[begin - offset : end - offset]
    result[begin:end] = (1 - weight) * result[begin:end] + weight * ours
    return result
