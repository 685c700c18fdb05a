"""Measuring each clip of a dataset, so a person sees which takes are bad before training.

Per clip: duration, peak level, the share of clipped samples, an SNR estimate, the share of
silence, and what Whisper tiny.en hears compared with the transcript. The thresholds that
turn a figure into a problem are below, each with its reason; a clip's ``problems`` say
what is wrong in words. The results are plain dataclasses, one row per clip, to be shown
as a table or printed by :func:`summary`.

SNR estimate: the noise is the 5th percentile of the 25 ms frame powers (every take has
some pauses and margins; 5% of them are quiet enough to be noise alone), the signal the
mean power of the speech frames (:mod:`engine.dataset.trim`) less that noise. On speech
rendered by the default voice with white noise added, it reads within 1.5 dB of the true
figure from 10 to 60 dB.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine import asr as recognition
from engine.api.dataset import MAX_CER, ClipCheck, DatasetCheck, PhonemeCoverage, Rejected
from engine.audio.levels import MAX_CLIPPING_SHARE, clipping_share
from engine.dataset.audio_file import UnreadableAudio, read_audio
from engine.dataset.errors import DatasetError
from engine.dataset.layout import METADATA, WAVS, Entry, read_excluded, read_metadata
from engine.dataset.prompts import coverage_for_voice
from engine.dataset.trim import find_speech

# Quieter than this the take needs more gain: 16-bit noise and room noise come up with it.
MIN_PEAK_DBFS = -20.0
# Below 20 dB the noise is plainly audible and a model learns to reproduce it.
MIN_SNR_DB = 20.0
# More than half the take being pauses means long gaps, a false start, or a missed cue.
MAX_SILENCE_SHARE = 0.5
# Shorter than half a second is rarely a whole prompt; longer than 20 s strains a batch.
MIN_SECONDS = 0.5
MAX_SECONDS = 20.0
NOISE_PERCENTILE = 5.0


@dataclass(frozen=True)
class Measurements:
    """The level figures of one mono clip."""

    duration_s: float
    peak_dbfs: float
    clipping_share: float
    snr_db: float
    silence_share: float


def measure(audio: np.ndarray, sample_rate: int) -> Measurements:
    """Duration, peak, clipping share, SNR estimate and silence share of a mono clip."""
    audio = np.asarray(audio, dtype=np.float32).reshape(-1)
    if audio.size == 0:
        return Measurements(0.0, -math.inf, 0.0, 0.0, 1.0)
    magnitude = np.abs(audio)
    peak = float(magnitude.max())
    speech = find_speech(audio, sample_rate)
    return Measurements(
        duration_s=len(audio) / sample_rate,
        peak_dbfs=20.0 * math.log10(peak) if peak > 0 else -math.inf,
        clipping_share=clipping_share(audio),
        snr_db=_snr_db(speech.frame_db, speech.is_speech),
        silence_share=speech.silence_share,
    )


def problems_of(figures: Measurements, cer: float | None = None, heard: str = "") -> list[str]:
    """What is wrong with a clip, in words; empty when nothing is."""
    found = []
    if figures.duration_s < MIN_SECONDS:
        found.append(f"very short ({figures.duration_s:.2f} s)")
    if figures.duration_s > MAX_SECONDS:
        found.append(
            f"long ({figures.duration_s:.1f} s; over {MAX_SECONDS:.0f} s strains training)"
        )
    if figures.clipping_share > MAX_CLIPPING_SHARE:
        found.append(
            f"clipped ({figures.clipping_share:.2%} of samples at full scale); lower the gain"
        )
    if figures.peak_dbfs < MIN_PEAK_DBFS:
        found.append(f"quiet (peak {figures.peak_dbfs:.0f} dBFS); raise the gain or move closer")
    if figures.snr_db < MIN_SNR_DB:
        found.append(f"noisy (SNR about {figures.snr_db:.0f} dB)")
    if figures.silence_share > MAX_SILENCE_SHARE:
        found.append(f"mostly silence ({figures.silence_share:.0%})")
    if cer is not None and cer > MAX_CER:
        found.append(f"likely misread (Whisper heard {heard!r}, CER {cer:.2f})")
    return found


def check_dataset(
    folder: str | Path,
    *,
    asr: bool = True,
    voice_card: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DatasetCheck:
    """Check every clip of an LJSpeech-layout folder; nothing in it makes this raise.

    ``asr`` runs Whisper on each clip (about half of real time on two busy CPU cores); when its
    packages are missing the check goes on without it and says so in ``asr_note``.
    ``voice_card`` is the voice whose sounds the coverage counts (default: the default
    voice). ``progress(done, total)`` is called after each clip; raising in it cancels.
    """
    folder = Path(folder)
    metadata = folder / METADATA
    if not metadata.is_file():
        raise DatasetError(f"{folder} is not a dataset: it has no {METADATA}")
    reading = read_metadata(metadata)
    rejected = list(reading.rejected)
    clips: list[ClipCheck] = []
    rates: dict[int, int] = {}
    asr_note = None if asr else "speech recognition was not asked for"
    for done, entry in enumerate(reading.entries, 1):
        path = folder / WAVS / f"{entry.id}.wav"
        try:
            clip = read_audio(path)
        except UnreadableAudio as error:
            rejected.append(Rejected(f"{WAVS}/{path.name}", str(error)))
        else:
            rates[clip.sample_rate] = rates.get(clip.sample_rate, 0) + 1
            heard = None
            if asr_note is None:
                try:
                    heard = recognition.transcribe(clip.mono, clip.sample_rate)
                except recognition.AsrUnavailable as error:
                    asr_note = str(error)
            clips.append(_clip_check(entry, path, clip.mono, clip.sample_rate, heard))
        if progress is not None:
            progress(done, len(reading.entries))
    coverage = _coverage([clip.text for clip in clips], voice_card)
    return DatasetCheck(
        folder, clips, rejected, coverage, asr_note, rates, frozenset(read_excluded(folder))
    )


def _clip_check(
    entry: Entry, path: Path, audio: np.ndarray, sample_rate: int, heard: str | None
) -> ClipCheck:
    figures = measure(audio, sample_rate)
    cer = None if heard is None else recognition.cer(entry.text, heard)
    return ClipCheck(
        id=entry.id,
        text=entry.text,
        path=path,
        sample_rate=sample_rate,
        duration_s=figures.duration_s,
        peak_dbfs=figures.peak_dbfs,
        clipping_share=figures.clipping_share,
        snr_db=figures.snr_db,
        silence_share=figures.silence_share,
        heard=heard,
        cer=cer,
        problems=tuple(problems_of(figures, cer, heard or "")),
    )


def summary(check: DatasetCheck, *, coverage_at_least: int = 3) -> str:
    """A plain-text report: totals, each flagged clip with its problems, rejections, coverage."""
    minutes, seconds = divmod(check.total_seconds, 60)
    lines = [
        f"{check.folder}: {len(check.clips)} clips, {int(minutes)} min {seconds:.0f} s of audio, "
        f"{len(check.flagged)} flagged, {len(check.rejected)} rejected",
    ]
    if len(check.sample_rates) > 1:
        rates = ", ".join(f"{n} at {rate} Hz" for rate, n in sorted(check.sample_rates.items()))
        lines.append(f"mixed sample rates: {rates}")
    if check.asr_note:
        lines.append(f"no speech recognition: {check.asr_note}")
    for clip in check.flagged:
        lines.append(f"  {clip.id}: {'; '.join(clip.problems)}")
    for item in check.rejected:
        lines.append(f"  rejected {item.source}: {item.reason}")
    coverage = check.coverage
    rarest = ", ".join(f"{sound} {n}" for sound, n in coverage.rarest(5))
    lines.append(
        f"phoneme coverage: {coverage.covered} of {len(coverage.inventory)} sounds; "
        f"rarest: {rarest}"
    )
    missing = coverage.missing(coverage_at_least)
    if missing:
        lines.append(f"fewer than {coverage_at_least} times: {' '.join(missing)}")
    return "\n".join(lines)


def _snr_db(frame_db: np.ndarray, is_speech: np.ndarray) -> float:
    power = 10.0 ** (frame_db / 10.0)
    noise = float(np.percentile(power, NOISE_PERCENTILE))
    signal = float(power[is_speech].mean()) if is_speech.any() else float(power.mean())
    if signal <= noise:
        return 0.0
    return 10.0 * math.log10((signal - noise) / noise)


def _coverage(texts: list[str], card: dict[str, Any] | None) -> PhonemeCoverage:
    if card is None:
        from engine.checkpoints.voices import load_voice

        card = load_voice().card
    return coverage_for_voice(texts, card)
