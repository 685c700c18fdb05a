"""Mel models and vocoders: which pairs agree, and what the others disagree on."""

from dataclasses import replace

from engine.audio.mel import HIFIGAN, TACOTRON2
from engine.pairing import describe, mel_differences, pipeline_note


def test_official_settings_agree_across_pipelines():
    assert mel_differences(TACOTRON2, HIFIGAN) == []
    assert "tacotron2" in pipeline_note(TACOTRON2, HIFIGAN)
    assert pipeline_note(HIFIGAN, HIFIGAN) is None


def test_each_difference_is_named():
    vocoder = replace(HIFIGAN, sample_rate=16000, n_mels=100, fmax=None)
    found = mel_differences(HIFIGAN, vocoder)
    assert "sample rate: model 22050 Hz, vocoder 16000 Hz" in found
    assert "mel bands: model 80, vocoder 100" in found
    assert "highest mel frequency: model 8000 Hz, vocoder 8000 Hz" not in found
    assert len(found) == 2  # fmax None at 16 kHz is 8000 Hz, the same as the model's


def test_description_reads_as_settings():
    assert describe(TACOTRON2) == "22050 Hz, hop 256, FFT 1024, 80 mels 0-8000 Hz (tacotron2)"
