"""The Synthesizer over an official multi-speaker VITS checkpoint with the official front end."""

from __future__ import annotations

import numpy as np
import pytest

from engine.checkpoints.vits_official import load_vits_checkpoint
from engine.checkpoints.voices import Voice
from engine.synthesis import Synthesizer
from tests.parity.discovery import fixtures

MULTI = [f for f in fixtures("vits") if "ms" in f.tag]
pytestmark = pytest.mark.skipif(not MULTI, reason="no multi-speaker VITS fixture")


@pytest.fixture(scope="module", params=["onnxruntime", "torch"])
def synthesizer(request, tmp_path_factory) -> Synthesizer:
    fixture = MULTI[0]
    model, config = load_vits_checkpoint(fixture.checkpoint, fixture.config)
    card = {
        "name": f"official-{fixture.tag}",
        "family": "vits",
        "sample_rate": config["data"]["sampling_rate"],
        "hop_length": config["data"]["hop_length"],
        "config": config,
        "n_vocab": 178,
        "frontend": {"kind": "vits", "add_blank": config["data"]["add_blank"]},
    }
    voice = Voice(card["name"], card, model, tmp_path_factory.mktemp("voice"))
    return Synthesizer(voice, device="cpu", runtime=request.param)


def test_speakers_give_different_takes(synthesizer):
    a = synthesizer.render(synthesizer.prepare("This is a test.", speaker=4))
    b = synthesizer.render(synthesizer.prepare("This is a test.", speaker=17))
    assert synthesizer.prepare("This is a test.").speaker == 0
    assert len(a.audio) != len(b.audio) or not np.allclose(a.audio, b.audio)


def test_unknown_speaker_is_refused(synthesizer):
    with pytest.raises(ValueError, match="speakers 0 to 108; no speaker 109"):
        synthesizer.prepare("This is a test.", speaker=109)
