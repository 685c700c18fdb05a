"""The dataset check: level figures on known signals, and Whisper on clips the voice renders."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import asr
from engine.api.dataset import MAX_CER
from engine.dataset.check import (
    MIN_SNR_DB,
    check_dataset,
    measure,
    summary,
)
from engine.dataset.errors import DatasetError
from engine.dataset.layout import METADATA, WAVS, DatasetWriter
from engine.dataset.prompts import voice_inventory
from engine.dataset.trim import find_speech

RATE = 22050
SAID = "A cold wind howled through the valley all night long."
OTHER = "Please write your name clearly at the top of the page."
SHORT = "Breathe slowly and let your shoulders relax."


def tone(seconds: float, amplitude: float, rate: int = RATE) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


@pytest.fixture(scope="module")
def rendered(synthesizer):
    """Two sentences in the default voice, peak-normalised to -3 dBFS as a good take is."""
    takes = {}
    for text in (SAID, SHORT):
        take = synthesizer.render(synthesizer.prepare(text))
        audio = np.asarray(take.audio, dtype=np.float32)
        takes[text] = (audio * (10 ** (-3 / 20) / np.abs(audio).max()), take.sample_rate)
    return takes


def test_cer_compares_words_not_case_punctuation_or_digits():
    assert asr.cer("Twelve cats, please!", "twelve cats please") == 0.0
    assert asr.cer("There are twelve months.", "There are 12 months.") == 0.0
    reference = asr.normalise("The red hat.")
    assert asr.cer("The red hat.", "The bed hat.") == pytest.approx(1 / len(reference))
    assert asr.cer("The red hat.", "") == 1.0
    assert asr.cer("", "") == 0.0 and asr.cer("...", "words") == 1.0


def test_peak_and_duration_of_a_tone():
    figures = measure(tone(1.5, 0.25), RATE)
    assert figures.duration_s == pytest.approx(1.5)
    assert figures.peak_dbfs == pytest.approx(20 * math.log10(0.25), abs=0.01)
    assert figures.clipping_share == 0.0


def test_clipping_share_counts_full_scale_samples():
    audio = tone(2.0, 0.5)
    audio[1000:1441] = 1.0
    audio[5000:5100] = -1.0
    figures = measure(audio, RATE)
    assert figures.clipping_share == pytest.approx(541 / len(audio))


def test_silence_share_of_tone_then_silence():
    audio = np.concatenate([tone(1.0, 0.5), np.zeros(3 * RATE, np.float32)])
    assert measure(audio, RATE).silence_share == pytest.approx(0.75, abs=0.02)


@pytest.mark.parametrize("snr", [15.0, 25.0, 40.0])
def test_snr_estimate_of_speech_in_white_noise(rendered, snr):
    audio, rate = rendered[SAID]
    pause = np.zeros(round(0.3 * rate), np.float32)
    clean = np.concatenate([pause, audio, pause])
    speech = find_speech(clean, rate)
    speech_power = float(np.mean(10 ** (speech.frame_db[speech.is_speech] / 10)))
    noise = np.random.default_rng(7).normal(
        0, math.sqrt(speech_power / 10 ** (snr / 10)), len(clean)
    )
    estimate = measure((clean + noise).astype(np.float32), rate).snr_db
    assert estimate == pytest.approx(snr, abs=2.5)


def test_check_flags_bad_takes_and_rejects_unreadable_files(rendered, default_voice, tmp_path):
    folder = tmp_path / "set"
    writer = DatasetWriter(folder, RATE)
    said, rate = rendered[SAID]
    short, _ = rendered[SHORT]
    writer.add("good", SAID, said, rate)
    writer.add("misread", OTHER, short, rate)
    writer.add("clipped", SHORT, np.clip(short * 6.0, -1, 1), rate)
    writer.add("quiet_noisy", SAID, said * 0.03 + _noise(len(said), 0.004), rate)
    writer.add("broken", "Nothing here.", tone(0.5, 0.5), RATE)
    (folder / WAVS / "broken.wav").write_bytes(b"not a wav file at all")
    with (folder / METADATA).open("a", encoding="utf-8") as handle:
        handle.write("absent|This take was never recorded.\n")

    result = check_dataset(folder, voice_card=default_voice.card)
    clips = {clip.id: clip for clip in result.clips}
    assert set(clips) == {"good", "misread", "clipped", "quiet_noisy"}
    assert {r.source for r in result.rejected} == {f"{WAVS}/broken.wav", f"{WAVS}/absent.wav"}
    assert result.asr_note is None

    good = clips["good"]
    assert good.ok, good.problems
    assert good.cer is not None and good.cer < MAX_CER
    assert good.peak_dbfs == pytest.approx(-3, abs=0.2)
    assert good.snr_db > 40

    assert clips["misread"].likely_misread
    assert any("misread" in p for p in clips["misread"].problems)
    assert asr.normalise(clips["misread"].heard) != asr.normalise(OTHER)
    assert any(p.startswith("clipped") for p in clips["clipped"].problems)
    assert clips["clipped"].clipping_share > 0.001
    quiet = " ".join(clips["quiet_noisy"].problems)
    assert "quiet" in quiet and "noisy" in quiet
    assert clips["quiet_noisy"].snr_db < MIN_SNR_DB

    assert result.total_seconds == pytest.approx(sum(c.duration_s for c in result.clips))
    assert result.sample_rates == {RATE: 4}
    assert set(result.coverage.inventory) == voice_inventory(default_voice.card)
    assert 0 < result.coverage.covered < len(result.coverage.inventory)

    text = summary(result)
    for clip_id in ("misread", "clipped", "quiet_noisy"):
        assert f"  {clip_id}: " in text
    assert "  good: " not in text
    assert "rejected wavs/broken.wav: not a readable audio file" in text
    assert "phoneme coverage:" in text


def test_check_goes_on_without_speech_recognition(rendered, default_voice, tmp_path, monkeypatch):
    def unavailable():
        raise asr.AsrUnavailable("faster-whisper is missing")

    monkeypatch.setattr(asr, "whisper_model", unavailable)
    writer = DatasetWriter(tmp_path / "set", RATE)
    audio, rate = rendered[SHORT]
    writer.add("a", SHORT, audio, rate)
    writer.add("b", SHORT, audio, rate)
    result = check_dataset(tmp_path / "set", voice_card=default_voice.card)
    assert result.asr_note == "faster-whisper is missing"
    assert [(c.heard, c.cer) for c in result.clips] == [(None, None), (None, None)]
    assert "no speech recognition: faster-whisper is missing" in summary(result)


def test_check_of_a_folder_that_is_no_dataset(tmp_path):
    with pytest.raises(DatasetError, match="no metadata.csv"):
        check_dataset(tmp_path, asr=False)


def _noise(n: int, rms: float) -> np.ndarray:
    return np.random.default_rng(3).normal(0, rms, n).astype(np.float32)


def test_the_recorder_and_the_check_call_the_same_takes_clipped():
    """One rule (engine.audio.levels.is_clipped): a hot peak that lights the meter is not a
    clipped take; many samples at full scale are, for the recorder and the check alike."""
    from engine.audio.levels import is_clipped
    from engine.dataset.check import measure, problems_of

    rate = 22050
    t = np.arange(rate) / rate
    hot = (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    hot[rate // 2] = 10 ** (-0.5 / 20)  # above the meter's -1 dBFS light
    clipped = np.clip(1.5 * np.sin(2 * np.pi * 220 * t), -1, 1).astype(np.float32)
    for audio, expected in ((hot, False), (clipped, True)):
        said = any("clipped" in p for p in problems_of(measure(audio, rate)))
        assert is_clipped(audio) == said == expected
