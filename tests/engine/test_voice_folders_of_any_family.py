"""A voice folder of any family: an official Grad-TTS checkpoint kept as a named voice with
the HiFi-GAN that voices it, spoken by name from the command line and loaded by the engine
with its vocoder; a vocoder gone since gives way to Griffin-Lim with a warning."""

from __future__ import annotations

import json

import torch

from engine.api import LoadRequest
from engine.checkpoints.voices import VOCODER_KEY, list_voices, load_voice
from engine.cli import run
from engine.models.grad_tts import build_grad_tts
from engine.models.hifigan import build_hifigan
from engine.service import EngineService
from tests.training.tiny_configs import tiny_grad_tts, tiny_hifigan


def test_a_grad_tts_checkpoint_kept_as_a_voice_with_its_vocoder(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GLOTTIS_DATA_DIR", str(tmp_path / "data"))
    torch.manual_seed(0)
    params = tiny_grad_tts()
    checkpoint, config = tmp_path / "grad-tts.pt", tmp_path / "params.json"
    torch.save(build_grad_tts(params).state_dict(), checkpoint)
    config.write_text(json.dumps(params), encoding="utf-8")
    generator = tmp_path / "g_tiny"
    torch.save({"generator": build_hifigan(tiny_hifigan()).state_dict()}, generator)

    argv = ["export", str(checkpoint), "--config", str(config), "--as-voice", "tiny-grad"]
    assert run([*argv, "--vocoder", str(generator)]) == 0, capsys.readouterr().err
    assert "tiny-grad" in list_voices()
    voice = load_voice("tiny-grad")
    assert voice.card["family"] == "grad-tts" and voice.card[VOCODER_KEY] == str(generator)

    out = tmp_path / "hi.wav"
    status = run(["say", "Hi there.", "--voice", "tiny-grad", "--steps", "2", "-o", str(out)])
    assert status == 0, capsys.readouterr().err
    assert out.stat().st_size > 1000

    sent: list[dict] = []
    EngineService(sent.append).handle(
        {"op": "load", "job": 1, **_fields(LoadRequest(voice="tiny-grad"))}, lambda: False
    )
    assert sent[-1]["event"] == "result", sent[-1]
    assert sent[-1]["family"] == "grad-tts" and sent[-1]["vocoder_family"] == "hifigan"

    generator.unlink()  # the vocoder moved away since: Griffin-Lim, said once
    sent.clear()
    EngineService(sent.append).handle(
        {"op": "load", "job": 2, **_fields(LoadRequest(voice="tiny-grad"))}, lambda: False
    )
    assert sent[-1]["event"] == "result" and sent[-1]["vocoder_family"] == "griffin-lim"
    assert any("Griffin-Lim voices it instead" in w for w in sent[-1]["warnings"])


def test_vits_takes_no_vocoder_and_a_name_must_be_plain(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GLOTTIS_DATA_DIR", str(tmp_path / "data"))
    generator = tmp_path / "g_tiny"
    torch.save({"generator": build_hifigan(tiny_hifigan()).state_dict()}, generator)
    status = run(["export", "en_US-joe-medium", "--as-voice", "joe2", "--vocoder", str(generator)])
    assert status == 2 and "makes audio itself" in capsys.readouterr().err
    assert run(["export", "en_US-joe-medium", "--as-voice", "../escape"]) == 2
    assert "plain folder name" in capsys.readouterr().err


def _fields(request: LoadRequest) -> dict:
    from dataclasses import asdict

    return asdict(request)
