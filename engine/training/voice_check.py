"""How close a voice in training is to the person, measured while it trains.

At each validation a recipe that speaks (``Recipe.speak``) renders the validation sentences,
whose recordings training never sees, and this module measures them: speaker similarity to
the person's own training recordings and how much the pitch moves, tracked in the person's
pitch range (:mod:`engine.voice_quality`), and Whisper tiny.en's character error rate
against the sentences (:mod:`engine.asr`). The starting voice is
measured the same way before the first step, and :func:`ranks_above` is the rule that
keeps the best checkpoint (:data:`engine.api.training.BEST_RULE` says it in words, for the
panel and the log).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from engine import voice_quality
from engine.api.training import CER_FACTOR, CER_FLOOR, PITCH_MOVES
from engine.asr import corpus_cer, transcribe
from engine.audio.levels import peak_normalize


@dataclass(frozen=True)
class Measured:
    """One validation: ``loss`` always; ``similarity``, ``cer`` and the 10th-90th percentile
    band of the pitch ``pitch_band_hz`` when the voice was checked (``similarity`` None
    without the speaker encoder)."""

    step: int
    loss: float
    similarity: float | None = None
    cer: float | None = None
    pitch_band_hz: float | None = None

    def to_json(self) -> dict:
        return asdict(self)


class VoiceJudge:
    """Measures renders against the person's recordings and the sentences they should say."""

    def __init__(self, recordings: Iterable[np.ndarray], sample_rate: int) -> None:
        clips = list(recordings)
        self.sample_rate = sample_rate
        self.reference: list[np.ndarray] | None = None
        try:
            self.reference = [voice_quality.speaker_embedding(a, sample_rate) for a in clips]
        except voice_quality.QualityUnavailable:
            pass
        timed = [(audio, sample_rate) for audio in clips]
        self.pitch_range = voice_quality.pitch_range(timed)
        self.pitch_band_hz = voice_quality.PitchSummary.of(
            timed, self.pitch_range
        ).spread_hz

    def measure(
        self, step: int, loss: float, renders: Sequence[np.ndarray], texts: Sequence[str]
    ) -> Measured:
        rate = self.sample_rate
        heard = [transcribe(peak_normalize(audio), rate) for audio in renders]
        similarity = None
        if self.reference is not None:
            embeddings = [voice_quality.speaker_embedding(a, rate) for a in renders]
            similarity = voice_quality.similarity(embeddings, self.reference)
        timed = [(audio, rate) for audio in renders]
        band = voice_quality.PitchSummary.of(timed, self.pitch_range).spread_hz
        return Measured(step, loss, similarity, corpus_cer(list(texts), heard), band)

    def ranks_above(
        self, candidate: Measured, incumbent: Measured | None, start: Measured | None
    ) -> bool:
        """:func:`ranks_above`, with the person's pitch band as the bar for moving."""
        return ranks_above(candidate, incumbent, start, self.pitch_band_hz)


def cer_limit(start: Measured) -> float:
    """The highest error rate a checkpoint may have to count as intelligible."""
    return max(CER_FACTOR * (start.cer or 0.0), CER_FLOOR)


def ranks_above(
    candidate: Measured,
    incumbent: Measured | None,
    start: Measured | None,
    person_band_hz: float | None = None,
) -> bool:
    """Whether ``candidate`` is a better checkpoint than ``incumbent`` (the best so far, or
    None), by :data:`engine.api.training.BEST_RULE`; ``person_band_hz`` is the pitch band of
    the person's own recordings (None: pitch is not judged). With voice checks, a checkpoint
    must also beat the starting voice's similarity: a run that has not yet moved towards the
    person has no best."""
    checked = (
        start is not None and candidate.similarity is not None and start.similarity is not None
    )
    if not checked:
        finite = bool(np.isfinite(candidate.loss))
        return finite and (incumbent is None or candidate.loss < incumbent.loss)
    if candidate.cer is None or candidate.cer > cer_limit(start):
        return False
    band = candidate.pitch_band_hz
    if person_band_hz and (band is None or not band >= PITCH_MOVES * person_band_hz):
        return False
    bar = start if incumbent is None else incumbent
    return candidate.similarity > (bar.similarity or -1.0)
