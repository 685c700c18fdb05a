"""The onnxruntime stages: same audio as the torch model, exported once, checked, cached."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.checkpoints.vits_official import load_vits_checkpoint
from engine.runtime import onnx_stages
from engine.runtime.onnx_stages import check_against_torch, export_graphs, onnx_stages_for
from engine.synthesis import SynthesisError, Synthesizer
from tests.parity.discovery import fixture_params


def test_onnx_and_torch_runtimes_render_the_same_take(default_voice):
    onnx = Synthesizer(default_voice, device="cpu", runtime="onnxruntime")
    eager = Synthesizer(default_voice, device="cpu", runtime="torch")
    assert (onnx.runtime, eager.runtime) == ("onnxruntime", "torch")
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


@pytest.fixture
def voice_folder(tmp_path) -> Path:
    """A voice folder whose weights file is a stand-in: the cache reads only its size and time."""
    folder = tmp_path / "voice"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"stand-in for the weights file")
    return folder


@pytest.fixture
def exports(monkeypatch) -> list[int]:
    """Counts exports while passing them through."""
    calls: list[int] = []
    real_export = onnx_stages.export_graphs
    monkeypatch.setattr(onnx_stages, "export_graphs", lambda m: calls.append(1) or real_export(m))
    return calls


def hidden(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(".")]


def says_something(stages: onnx_stages.OnnxStages) -> bool:
    """Five tokens of four frames each become audio (joe: 256 samples a frame)."""
    encoding = stages.encode([1, 0, 20, 0, 2], None, np.zeros((2, 5), np.float32), 0.8)
    m, logs = encoding.m_p.repeat(4, axis=1), encoding.logs_p.repeat(4, axis=1)
    audio = stages.decode(m, logs, np.zeros_like(m), 0.667, None)
    return audio.size == 20 * 256 and bool(np.isfinite(audio).all())


def test_stale_cache_is_exported_again(default_voice, voice_folder, exports):
    model, n_vocab = default_voice.model, default_voice.card["n_vocab"]
    onnx_stages_for(model, voice_folder, n_vocab)
    (voice_folder / "model.safetensors").write_bytes(b"new weights, another size")
    onnx_stages_for(model, voice_folder, n_vocab)
    assert exports == [1, 1]
    assert not hidden(voice_folder)


def test_a_cache_that_cannot_be_written_leaves_the_stages_in_memory(
    default_voice, voice_folder, monkeypatch
):
    def disk_full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.warns(RuntimeWarning, match="could not cache the ONNX export"):
        stages = onnx_stages_for(default_voice.model, voice_folder, default_voice.card["n_vocab"])
    assert says_something(stages)
    assert sorted(p.name for p in voice_folder.iterdir()) == ["model.safetensors"]


def test_a_damaged_cache_is_exported_and_written_again(default_voice, voice_folder, exports):
    model, n_vocab = default_voice.model, default_voice.card["n_vocab"]
    onnx_stages_for(model, voice_folder, n_vocab)
    decode = voice_folder / "onnx" / "decode.onnx"
    size = decode.stat().st_size
    decode.write_bytes(b"")
    assert says_something(onnx_stages_for(model, voice_folder, n_vocab))
    assert decode.stat().st_size == size
    onnx_stages_for(model, voice_folder, n_vocab)
    assert exports == [1, 1]
    assert not hidden(voice_folder)


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


def test_auto_falls_back_to_torch_when_the_export_fails(default_voice, monkeypatch):
    def broken(*args, **kwargs):
        raise onnx_stages.ExportError("ONNX export failed: unsupported operator")

    monkeypatch.setattr("engine.acoustic.vits.onnx_stages_for", broken)
    with pytest.warns(RuntimeWarning, match="PyTorch model instead"):
        fallback = Synthesizer(default_voice, device="cpu")
    assert fallback.runtime == "torch"
    with pytest.raises(SynthesisError, match="unsupported operator"):
        Synthesizer(default_voice, device="cpu", runtime="onnxruntime")


def test_an_official_checkpoint_file_is_exported_once(exports):
    from engine.checkpoints.voices import load_voice
    from tests.parity.discovery import fixtures

    found = [f for f in fixtures("vits") if f.tag == "small"]
    if not found:
        pytest.skip("no VITS small fixture")
    for _ in range(2):
        voice = load_voice(found[0].checkpoint, found[0].config)
        synthesizer = Synthesizer(voice, device="cpu", runtime="onnxruntime")
    assert exports == [1]
    assert synthesizer.render(synthesizer.prepare("Hi.")).audio.size > 0
