"""The rule that keeps the best checkpoint, and the dataset findings shown before a run."""

from __future__ import annotations

import math
from pathlib import Path

from engine.api.dataset import ClipCheck, DatasetCheck, PhonemeCoverage
from engine.training.readiness import findings
from engine.training.voice_check import Measured, cer_limit, ranks_above

START = Measured(0, 1.0, similarity=0.55, cer=0.02)


def test_more_like_the_person_and_still_understood_ranks_first() -> None:
    closer = Measured(100, 0.9, similarity=0.80, cer=0.04)
    assert ranks_above(closer, None, START)
    closer_still = Measured(200, 0.95, similarity=0.86, cer=0.03)
    assert ranks_above(closer_still, closer, START)
    assert not ranks_above(Measured(300, 0.5, similarity=0.84, cer=0.01), closer_still, START)


def test_a_voice_whisper_no_longer_understands_never_ranks() -> None:
    assert cer_limit(START) == 0.05  # max(2 x 0.02, 0.05)
    garbled = Measured(100, 0.5, similarity=0.95, cer=0.06)
    assert not ranks_above(garbled, None, START)
    assert cer_limit(Measured(0, 1.0, 0.5, cer=0.04)) == 0.08


def test_a_voice_whose_pitch_barely_moves_never_ranks() -> None:
    """The person's pitch spans 29 Hz: a voice moving over 10 Hz is a monotone."""
    flat = Measured(100, 0.5, similarity=0.95, cer=0.02, pitch_band_hz=10.0)
    assert not ranks_above(flat, None, START, person_band_hz=29.0)
    moving = Measured(200, 0.5, similarity=0.90, cer=0.02, pitch_band_hz=20.0)
    assert ranks_above(moving, None, START, person_band_hz=29.0)
    unvoiced = Measured(300, 0.5, similarity=0.95, cer=0.02, pitch_band_hz=math.nan)
    assert not ranks_above(unvoiced, None, START, person_band_hz=29.0)
    assert ranks_above(flat, None, START)  # without the tracker, pitch is not judged


def test_nothing_ranks_until_the_voice_moves_towards_the_person() -> None:
    assert not ranks_above(Measured(100, 0.2, similarity=0.54, cer=0.01), None, START)


def test_without_the_speaker_encoder_the_loss_decides() -> None:
    unmeasured = Measured(0, 1.0, similarity=None, cer=0.02)
    assert ranks_above(Measured(100, 0.9, None, 0.5), None, unmeasured)
    assert not ranks_above(Measured(100, 1.1, None, 0.0), Measured(50, 1.0), unmeasured)
    assert ranks_above(Measured(10, 3.0), None, None)
    assert not ranks_above(Measured(10, math.nan), None, None)


def _clip(n: int, seconds: float, silence: float = 0.1, cer: float | None = 0.02) -> ClipCheck:
    return ClipCheck(
        id=f"c{n:03d}",
        text="text",
        path=Path(f"c{n:03d}.wav"),
        sample_rate=22050,
        duration_s=seconds,
        peak_dbfs=-3.0,
        clipping_share=0.0,
        snr_db=40.0,
        silence_share=silence,
        heard="text",
        cer=cer,
    )


def _check(clips: list[ClipCheck], note: str | None = None) -> DatasetCheck:
    coverage = PhonemeCoverage((), {}, {}, {}, 0)
    return DatasetCheck(Path("data"), clips, [], coverage, note)


def test_a_good_dataset_has_no_findings() -> None:
    assert findings(_check([_clip(n, 3.0) for n in range(60)])) == []


def test_findings_name_the_problem_and_what_to_expect() -> None:
    small = findings(_check([_clip(n, 3.0) for n in range(12)]))
    assert len(small) == 1 and "12 clips" in small[0] and "Expect" in small[0]
    clips = [_clip(n, 3.0) for n in range(60)]
    clips[3] = _clip(3, 3.0, silence=0.9)
    clips[7] = _clip(7, 0.2)
    clips[9] = _clip(9, 3.0, cer=0.8)
    found = findings(_check(clips))
    assert any("c003, c007" in line and "silent" in line for line in found)
    assert any("1 clip does not say" in line and "c009" in line for line in found)


def test_most_clips_unheard_suggests_another_language() -> None:
    found = findings(_check([_clip(n, 3.0, cer=0.9) for n in range(60)]))
    assert len(found) == 1 and "another language" in found[0]
    unchecked = findings(_check([_clip(n, 3.0, cer=None) for n in range(60)], "no Whisper"))
    assert unchecked == ["The transcripts were not checked against the speech: no Whisper"]
