"""Speaker similarity and pitch (engine.voice_quality) on real speech and known tones."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
import soundfile as sf

from engine import voice_quality

SENTENCES = (
    "The river was quiet after the long winter rain.",
    "Please bring the green chair into the kitchen.",
    "My sister painted a picture of the mountain village.",
    "We walked along the beach and watched the ships go by.",
)


def _flite(text: str, path) -> tuple[np.ndarray, int]:
    subprocess.run(["flite", "-voice", "slt", "-t", text, "-o", str(path)], check=True)
    audio, rate = sf.read(path, dtype="float32")
    return audio, rate


@pytest.fixture(scope="module")
def bundled_takes(synthesizer) -> list[tuple[np.ndarray, int]]:
    takes = []
    for seed, text in enumerate(SENTENCES):
        render = synthesizer.render(synthesizer.prepare(text, seed=seed))
        takes.append((render.audio, render.sample_rate))
    return takes


@pytest.mark.skipif(shutil.which("flite") is None, reason="flite is not installed")
def test_similarity_tells_one_speaker_from_another(bundled_takes, tmp_path) -> None:
    other = [_flite(text, tmp_path / f"{n}.wav") for n, text in enumerate(SENTENCES)]
    joe = [voice_quality.speaker_embedding(a, rate) for a, rate in bundled_takes]
    slt = [voice_quality.speaker_embedding(a, rate) for a, rate in other]
    for embedding in joe + slt:
        assert embedding.shape == (256,)
        assert np.linalg.norm(embedding) == pytest.approx(1.0, abs=1e-4)
    same = voice_quality.similarity(joe[:2], joe[2:])
    across = voice_quality.similarity(joe, slt)
    assert same > 0.9 and across < 0.75, (same, across)
    assert voice_quality.similarity(slt[:2], slt[2:]) > 0.9


def _tone(f0: np.ndarray, rate: int) -> np.ndarray:
    """A harmonic tone following ``f0`` (Hz per sample): a pulse train's first 10 partials."""
    phase = 2 * np.pi * np.cumsum(f0) / rate
    return sum(np.sin(k * phase) / k for k in range(1, 11)).astype(np.float32) * 0.2


def test_pitch_of_a_steady_and_a_gliding_tone() -> None:
    rate = 16000
    steady = _tone(np.full(rate * 2, 150.0), rate)
    summary = voice_quality.PitchSummary.of([(steady, rate)])
    assert summary.median_hz == pytest.approx(150, rel=0.01)
    assert summary.spread_hz < 2
    glide = _tone(np.linspace(120, 240, rate * 2), rate)
    summary = voice_quality.PitchSummary.of([(glide, rate)])
    assert summary.median_hz == pytest.approx(180, rel=0.03)
    # 10th to 90th percentile of a linear glide from 120 to 240 Hz: 132 to 228 Hz
    assert summary.spread_hz == pytest.approx(96, rel=0.05)


def test_the_second_pass_ignores_octave_jumps() -> None:
    """A 200 Hz voice whose every fifth half-second the tracker could read an octave low
    (the period doubled by alternate pulse heights) keeps its median and a narrow band."""
    rate = 16000
    pieces = []
    for n in range(10):
        tone = _tone(np.full(rate // 2, 200.0), rate)
        if n % 5 == 4:
            tone = tone * np.where(np.arange(tone.size) // (rate // 200) % 2, 1.0, 0.35)
        pieces.append(tone)
    summary = voice_quality.PitchSummary.of([(np.concatenate(pieces).astype(np.float32), rate)])
    assert summary.median_hz == pytest.approx(200, rel=0.02)
    assert summary.p10_hz > 150


def test_silence_has_no_pitch() -> None:
    summary = voice_quality.PitchSummary.of([(np.zeros(16000, np.float32), 16000)])
    assert np.isnan(summary.median_hz)
