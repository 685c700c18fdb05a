"""The restricted unpickler refuses every name off its family's allowlist before calling
anything, and still reads the official WaveGlow and Glow-TTS containers."""

from __future__ import annotations

import builtins
import collections
import io
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.checkpoints import safe_pickle
from engine.checkpoints.safe_pickle import PickledModule, RefusedPickleError
from tests.parity.discovery import parity_dir


class _Payload:
    """Pickles as a call of ``function(*args)``: unpickling it with a plain unpickler runs
    the call."""

    def __init__(self, function, *args) -> None:
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


def _payloads(marker: Path) -> dict[str, _Payload]:
    return {
        "os.system": _Payload(os.system, f"touch {marker}"),
        "builtins.eval": _Payload(builtins.eval, f"open({str(marker)!r}, 'w').close()"),
        "builtins.exec": _Payload(builtins.exec, f"open({str(marker)!r}, 'w').close()"),
    }


@pytest.mark.parametrize("family", sorted(safe_pickle.ALLOWED))
@pytest.mark.parametrize("zipped", [True, False], ids=["zip", "legacy"])
@pytest.mark.parametrize("payload", ["os.system", "builtins.eval", "builtins.exec"])
def test_code_in_a_checkpoint_is_refused_and_never_runs(
    tmp_path: Path, family: str, zipped: bool, payload: str
):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pth"
    evil = {"model": {"w": torch.zeros(2)}, "iteration": _payloads(marker)[payload]}
    torch.save(evil, path, _use_new_zipfile_serialization=zipped)
    with pytest.raises(RefusedPickleError, match="refusing to load") as error:
        safe_pickle.load(path, family)
    assert not marker.exists()
    module = "posix" if payload == "os.system" else "builtins"
    assert f"it asks for {module}.{payload.split('.')[1]}, which a {family}" in str(error.value)
    assert str(path) in str(error.value)


def test_a_plain_pickle_asking_for_posix_system_is_refused(tmp_path: Path):
    marker = tmp_path / "ran"
    data = pickle.dumps(_Payload(os.system, f"touch {marker}"), protocol=2)
    assert b"posix" in data
    unpickler = safe_pickle.pickle_module("WaveGlow", "evil.pkl").Unpickler
    with pytest.raises(RefusedPickleError, match=r"posix\.system"):
        unpickler(io.BytesIO(data)).load()
    assert not marker.exists()


def test_families_do_not_share_their_classes(tmp_path: Path):
    """A numpy scalar is fine in a Glow-TTS file and foreign in a WaveGlow one."""
    path = tmp_path / "G_0.pth"
    torch.save({"learning_rate": np.float64(2e-4)}, path)
    assert safe_pickle.load(path, "Glow-TTS")["learning_rate"] == 2e-4
    with pytest.raises(RefusedPickleError, match="which a WaveGlow checkpoint never contains"):
        safe_pickle.load(path, "WaveGlow")


def test_unknown_family():
    with pytest.raises(ValueError, match="no allowlist"):
        safe_pickle.pickle_module("Tacotron", "x.pt")


def test_glow_tts_style_checkpoint_with_numpy_scalars_loads(tmp_path: Path):
    """commons.Adam keeps its lr as numpy.float64 in the optimizer state; arrays and
    protocol-2 bytes must come through too."""
    weights = collections.OrderedDict(w=torch.randn(3, 4), b=torch.zeros(3))
    container = {
        "model": weights,
        "iteration": 7,
        "optimizer": {"param_groups": [{"lr": np.float64(1e-4), "betas": (0.9, 0.98)}]},
        "learning_rate": np.float32(1e-4),
        "extra": np.arange(4),
    }
    path = tmp_path / "G_7.pth"
    torch.save(container, path, pickle_protocol=2)
    loaded = safe_pickle.load(path, "Glow-TTS")
    assert torch.equal(loaded["model"]["w"], weights["w"])
    lr = loaded["optimizer"]["param_groups"][0]["lr"]
    assert isinstance(lr, np.float64) and lr == np.float64(1e-4)
    assert np.array_equal(loaded["extra"], np.arange(4))


@pytest.mark.skipif(
    not (parity_dir() / "glow-tts" / "ckpt_small.pth").is_file(), reason="no Glow-TTS fixture"
)
def test_official_glow_tts_fixture_loads():
    loaded = safe_pickle.load(parity_dir() / "glow-tts" / "ckpt_small.pth", "Glow-TTS")
    assert isinstance(loaded["optimizer"]["param_groups"][0]["lr"], np.floating)
    assert all(isinstance(v, torch.Tensor) for v in loaded["model"].values())


@pytest.mark.skipif(
    not (parity_dir() / "waveglow" / "ckpt_small.pth").is_file(), reason="no WaveGlow fixture"
)
def test_official_waveglow_fixture_loads_as_inert_modules():
    loaded = safe_pickle.load(parity_dir() / "waveglow" / "ckpt_small.pth", "WaveGlow")
    model = loaded["model"]
    assert isinstance(model, PickledModule) and model.pickled_class == "glow.WaveGlow"
    assert not isinstance(model, torch.nn.Module)
    state_dict = safe_pickle.pickled_state_dict(model)
    assert "WN.0.start.weight_g" in state_dict and "WN.0.start.weight_v" in state_dict
    assert "WN.0.start.weight" not in state_dict, "the stale computed weight must be ignored"
    assert "convinv.0.conv.weight" in state_dict


def test_pickled_state_dict_skips_non_persistent_buffers():
    conv = PickledModule()
    conv.__setstate__(
        {
            "_parameters": {"weight": torch.ones(1), "bias": None},
            "_buffers": {"kept": torch.zeros(1), "scratch": torch.zeros(1)},
            "_non_persistent_buffers_set": {"scratch"},
            "_modules": {},
        }
    )
    parent = PickledModule()
    parent.__setstate__({"_parameters": {}, "_modules": {"conv": conv}})
    assert sorted(safe_pickle.pickled_state_dict(parent)) == ["conv.kept", "conv.weight"]
