"""The onnxruntime stages: same audio as the torch model, exported once, checked, cached."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.checkpoints.vits_official import load_vits_checkpoint
from engine.runtime import onnx_stages
from engine.runtime.onnx_stages import check_against_torch, export_graphs, onnx_stages_for
from engine.synthesis import Synthesizer
from tests.parity.discovery import fixture_params


def test_onnx_and_torch_runtimes_render_the_same_take(default_voice):
    onnx = Synthesizer(default_voice, device="cpu", runtime="onnxruntime")
    eager = Synthesizer(default_voice, device="cpu", runtime="torch")
    assert (onnx.stages.name, eager.stages.name) == ("onnxruntime", "torch")
    utterance = onnx.prepare("Both runtimes say the same thing.", seed=11)
    assert eager.prepare("Both runtimes say the same thing.", seed=11) == utterance
    a, b = onnx.render(utterance).audio, eager.render(utterance).audio
    assert a.shape == b.shape
    assert np.abs(a - b).max() <= 1e-3 * np.abs(b).max()


def test_export_is_cached_beside_the_voice_and_reused(default_voice, monkeypatch):
    onnx_stages_for(default_voice.model, default_voice.path, default_voice.card["n_vocab"])
    assert (default_voice.path / "onnx" / "decode.onnx").exists()

    def no_export(model):
        raise AssertionError("exported again although the cache is current")

    monkeypatch.setattr(onnx_stages, "export_graphs", no_export)
    onnx_stages_for(default_voice.model, default_voice.path, default_voice.card["n_vocab"])


def test_stale_cache_is_exported_again(default_voice, tmp_path, monkeypatch):
    folder = tmp_path / "voice"
    folder.mkdir()
    weights = folder / "model.safetensors"
    weights.write_bytes(b"stand-in for the weights file, only its size and time are read")
    model, n_vocab = default_voice.model, default_voice.card["n_vocab"]
    onnx_stages_for(model, folder, n_vocab)
    calls = []
    real_export = onnx_stages.export_graphs
    monkeypatch.setattr(onnx_stages, "export_graphs", lambda m: calls.append(1) or real_export(m))
    weights.write_bytes(b"new weights, another size")
    onnx_stages_for(model, folder, n_vocab)
    assert calls == [1]
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("fixture", fixture_params("vits"))
def test_official_checkpoints_export_with_speakers(fixture):
    model, _ = load_vits_checkpoint(fixture.checkpoint, fixture.config)
    model.fold_weight_norm()
    encode, decode = export_graphs(model)
    stages = onnx_stages.OnnxStages(encode, decode)
    assert check_against_torch(stages, model, n_vocab=178) < 1e-4


def test_the_check_catches_an_export_that_differs():
    fixtures = [p.values[0] for p in fixture_params("vits") if p.values[0] is not None]
    if not fixtures:
        pytest.skip("no VITS fixtures")
    model, _ = load_vits_checkpoint(fixtures[0].checkpoint, fixtures[0].config)
    stages = onnx_stages.OnnxStages(*export_graphs(model))
    with torch.no_grad():
        model.dec.conv_post.weight.mul_(1.5)
        model.enc_p.proj.bias.add_(0.5)
    assert check_against_torch(stages, model, n_vocab=178) > 0.1


def test_unknown_runtime_is_refused(default_voice):
    with pytest.raises(ValueError, match="runtime"):
        Synthesizer(default_voice, runtime="tensorflow")
