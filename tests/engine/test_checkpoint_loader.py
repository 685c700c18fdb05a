"""checkpoints.load: every official container recognised, configs found or deduced, and
every wrong file refused with one sentence."""

from __future__ import annotations

import json
import pickle
import struct

import pytest
import torch

from engine.checkpoints.config_formats import deduce_hifigan_config
from engine.checkpoints.loader import CheckpointError, load
from tests.parity.discovery import Fixture, fixtures, parity_dir

FAMILIES = {"vits": "vits", "glow-tts": "glow-tts", "grad-tts": "grad-tts", "hifi-gan": "hifigan"}
CASES = [(folder, f) for folder in FAMILIES for f in fixtures(folder)]


@pytest.mark.parametrize("folder, fixture", CASES, ids=[f.id for _, f in CASES])
def test_official_fixture_loads_with_its_config(folder, fixture):
    checkpoint = load(fixture.checkpoint, fixture.config)
    assert checkpoint.family == FAMILIES[folder]
    assert checkpoint.role == ("vocoder" if folder == "hifi-gan" else "acoustic")
    assert checkpoint.config_source == "given"
    assert not checkpoint.model.training
    config = json.loads(fixture.config.read_text())
    speakers = config.get("data", {}).get("n_speakers") or config.get("n_spks") or 1
    assert checkpoint.speakers == max(1, speakers)


def test_waveglow_loads_through_the_restricted_unpickler():
    found = fixtures("waveglow")
    if not found:
        pytest.skip("no WaveGlow fixture")
    checkpoint = load(found[0].checkpoint)
    assert checkpoint.family == "waveglow" and checkpoint.role == "vocoder"
    assert checkpoint.config_source == "deduced from the weights"


@pytest.mark.parametrize("fixture", fixtures("hifi-gan"), ids=lambda f: f.id)
def test_hifigan_config_is_deduced_from_the_weights(fixture):
    generator = torch.load(fixture.checkpoint, weights_only=True)["generator"]
    official = json.loads(fixture.config.read_text())
    deduced = deduce_hifigan_config(generator)
    for key in (
        "resblock",
        "upsample_rates",
        "upsample_kernel_sizes",
        "upsample_initial_channel",
        "resblock_kernel_sizes",
        "resblock_dilation_sizes",
    ):
        assert deduced[key] == official[key], key
    assert load(fixture.checkpoint).config_source == "deduced from the weights"


def _vits_fixture(tag: str = "") -> Fixture:
    """The first VITS parity fixture (whose tag holds ``tag``); the test is skipped, saying
    so, where the fixtures are not beside the repository."""
    found = [f for f in fixtures("vits") if tag in f.tag]
    if not found:
        pytest.skip(f"no VITS parity fixture{' ' + tag if tag else ''} in {parity_dir()}")
    return found[0]


def test_a_shrunk_model_does_not_fit_the_official_config():
    fixture = _vits_fixture()
    with pytest.raises(CheckpointError, match="does not fit the VITS model.*official"):
        load(fixture.checkpoint)


def test_speaker_mismatch_is_named(tmp_path):
    multi = _vits_fixture("ms")
    single = json.loads(multi.config.read_text())
    single["data"]["n_speakers"] = 0
    with pytest.raises(CheckpointError, match="checkpoint has 109 speakers, config says 1"):
        load(multi.checkpoint, single)


def test_discriminator_file_is_refused(tmp_path):
    path = tmp_path / "do_02500000"
    torch.save({"mpd": {}, "msd": {}, "steps": 1}, path)
    with pytest.raises(CheckpointError, match="discriminators.*g_\\* file"):
        load(path)


def test_unknown_weights_are_refused(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"fc.weight": torch.zeros(2, 2)}, path)
    with pytest.raises(CheckpointError, match="not a checkpoint of VITS, Glow-TTS"):
        load(path)


def test_damaged_and_missing_files(tmp_path):
    fixture = _vits_fixture()
    truncated = tmp_path / "G_cut.pth"
    truncated.write_bytes(fixture.checkpoint.read_bytes()[:5000])
    with pytest.raises(CheckpointError, match="damaged or not a PyTorch checkpoint"):
        load(truncated)
    with pytest.raises(CheckpointError, match="no checkpoint file"):
        load(tmp_path / "absent.pth")


@pytest.mark.parametrize(
    "content",
    [
        b"hello " * 1000,  # text: the weights-only unpickler fails with a KeyError
        b"\x80\x02}q\x00",  # a pickle cut short
        bytes(range(256)) * 64,
        b"\x80\x02" + b"(" * 5000,  # marks nested deeper than the unpickler goes
    ],
    ids=["text", "cut-pickle", "bytes", "deep"],
)
def test_a_file_that_is_no_checkpoint_is_said_in_one_sentence(tmp_path, content):
    path = tmp_path / "notes.pth"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match="damaged or not a PyTorch checkpoint"):
        load(path)


class _Payload:
    def __reduce__(self):
        return (exec, ("open(__import__('sys').argv[0] + '.pwned', 'w')",))


def test_a_pickle_that_runs_code_is_refused_before_it_runs(tmp_path):
    path = tmp_path / "evil.pth"
    with open(path, "wb") as handle:
        pickle.dump({"model": _Payload()}, handle, protocol=2)
    with pytest.raises(CheckpointError, match="refusing"):
        load(path)
    assert not list(tmp_path.glob("*.pwned"))


@pytest.mark.parametrize("target", ["torch._utils\n_rebuild_tensor_v2", "glow\nWaveGlow"])
def test_a_pickle_that_would_change_an_allowed_function_or_class_is_refused(tmp_path, target):
    """BUILD on an allowed global itself (not on an object the file made) would set its
    attributes for every later load in the process, though the file is refused after."""
    import torch._utils

    name = "__defaults__"
    payload = (
        b"\x80\x02c"
        + target.encode()
        + b"\nN}X"
        + struct.pack("<I", len(name))
        + name.encode()
        + b"K\x01\x85s\x86b."
    )  # GLOBAL target; (None, {name: (1,)}); BUILD: setattr(target, name, (1,))
    path = tmp_path / "evil.pth"
    path.write_bytes(payload)
    before = torch._utils._rebuild_tensor_v2.__defaults__
    try:
        with pytest.raises(CheckpointError, match="refusing"):
            load(path)
        assert torch._utils._rebuild_tensor_v2.__defaults__ == before
    finally:
        torch._utils._rebuild_tensor_v2.__defaults__ = before
