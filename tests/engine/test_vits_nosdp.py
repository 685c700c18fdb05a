"""A VITS without the stochastic duration predictor (the official ``ljs_nosdp`` config) read
from an official checkpoint file and rendered step by step on both runtimes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.checkpoints.loader import CONFIGS
from engine.checkpoints.voices import load_checkpoint_voice
from engine.models.vits import build_vits
from engine.synthesis import Synthesizer


@pytest.fixture(scope="module")
def nosdp_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = json.loads((CONFIGS / "vits" / "ljs_nosdp.json").read_text())
    config["model"].update(
        inter_channels=16, hidden_channels=16, filter_channels=64, upsample_initial_channel=64
    )
    torch.manual_seed(0)
    model = build_vits(config, n_vocab=178)
    folder = tmp_path_factory.mktemp("nosdp")
    torch.save({"model": model.state_dict(), "iteration": 1}, folder / "G_1.pth")
    (folder / "config.json").write_text(json.dumps(config))
    return folder / "G_1.pth"


def test_a_model_without_the_stochastic_predictor_renders_on_both_runtimes(nosdp_checkpoint):
    voice = load_checkpoint_voice(nosdp_checkpoint)
    assert not voice.model.use_sdp
    renders = {}
    for runtime in ("torch", "onnxruntime"):
        synthesizer = Synthesizer(voice, device="cpu", runtime=runtime)
        assert synthesizer.runtime == runtime
        utterance = synthesizer.prepare("This is a test. And a second one.", seed=3)
        first, again = synthesizer.render(utterance), synthesizer.render(utterance)
        np.testing.assert_array_equal(first.audio, again.audio)
        renders[runtime] = (utterance, first)
    (torch_plan, torch_take), (onnx_plan, onnx_take) = renders["torch"], renders["onnxruntime"]
    assert [s.durations for s in torch_plan.sentences] == [s.durations for s in onnx_plan.sentences]
    assert torch_take.audio.shape == onnx_take.audio.shape
    np.testing.assert_allclose(onnx_take.audio, torch_take.audio, atol=1e-3)
