"""A voice exported for Piper (engine.checkpoints.piper_export) speaks in piper-tts as it
speaks in Glottis, and a voice Piper cannot read is refused with a sentence."""

from __future__ import annotations

import json

import numpy as np
import pytest
from piper import PiperVoice, SynthesisConfig

from engine.checkpoints.piper_export import PiperExportError, export_piper
from engine.checkpoints.voices import Voice
from engine.cli import run
from engine.controls import Controls
from engine.synthesis import Synthesizer

TEXT = "The lighthouse keeper climbed the winding stairs."


def test_piper_renders_the_export_as_glottis_renders_the_voice(default_voice, tmp_path) -> None:
    """With both noises at zero the take is deterministic, so piper-tts's render of the
    exported graph and ours of the voice must agree sample for sample (to float rounding)."""
    onnx_path, json_path = export_piper(default_voice, tmp_path / "joe.onnx")
    config = json.loads(json_path.read_text(encoding="utf-8"))
    assert config["audio"]["sample_rate"] == default_voice.card["sample_rate"]
    assert config["phoneme_id_map"] == default_voice.card["frontend"]["phoneme_id_map"]
    piper = PiperVoice.load(onnx_path, json_path)
    quiet = SynthesisConfig(
        noise_scale=0.0, noise_w_scale=0.0, length_scale=1.0, normalize_audio=False
    )
    theirs = np.concatenate([c.audio_float_array for c in piper.synthesize(TEXT, quiet)])

    synthesizer = Synthesizer(default_voice, device="cpu", runtime="torch")
    still = Controls(noise_scale=0.0, noise_w=0.0, length_scale=1.0)
    ours = synthesizer.render(synthesizer.prepare(TEXT, still)).audio
    assert theirs.size == ours.size
    assert np.abs(theirs - ours).max() < 1e-3 * np.abs(ours).max()


def test_noise_reaches_the_graph(default_voice, tmp_path) -> None:
    onnx_path, json_path = export_piper(default_voice, tmp_path / "joe.onnx")
    piper = PiperVoice.load(onnx_path, json_path)
    takes = [
        np.concatenate([c.audio_float_array for c in piper.synthesize(TEXT)]) for _ in range(2)
    ]
    assert takes[0].size != takes[1].size or not np.allclose(takes[0], takes[1])


def test_a_voice_without_piper_phonemes_is_refused(default_voice, tmp_path) -> None:
    card = {**default_voice.card, "frontend": {"kind": "vits", "add_blank": True}}
    voice = Voice(default_voice.name, card, default_voice.model, default_voice.path)
    with pytest.raises(PiperExportError, match="only voices that speak Piper's"):
        export_piper(voice, tmp_path / "x.onnx")
    assert not (tmp_path / "x.onnx").exists()


def test_export_command(tmp_path, capsys) -> None:
    out = tmp_path / "voice.onnx"
    assert run(["export", "en_US-joe-medium", "--piper", str(out)]) == 0
    assert out.is_file() and (tmp_path / "voice.onnx.json").is_file()
    assert run(["export", "en_US-joe-medium", "--piper", str(tmp_path / "v.wav")]) == 2
    assert "ends in .onnx" in capsys.readouterr().err
