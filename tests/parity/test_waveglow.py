"""Parity of engine.models.waveglow with the official WaveGlow (NVIDIA/waveglow @ 8afb643).

Both manifests (with weight norm, as train.py pickles it, and after ``remove_weightnorm``)
must match our state_dict key for key and shape for shape. Every case of every fixture is
replayed with the official noise injected, through the checkpoint read by the restricted
unpickler: the cases under ``wn_active/`` with weight norm as loaded, the others after
``remove_weightnorm`` as in the official inference.py. An unknown case name fails.
"""

from __future__ import annotations

import copy
import json
import sys
import types
from functools import cache
from pathlib import Path

import pytest
import torch
from torch import Tensor, nn

from engine.checkpoints.waveglow_official import load_waveglow_checkpoint
from engine.models.waveglow import Denoiser, WaveGlow, build_waveglow
from engine.package_data import resource
from tests.parity import discovery
from tests.parity.discovery import Fixture, assert_close, fixture_params, manifests

CONFIG = resource("configs", "waveglow", "config.json")
WEIGHT_NORM_ACTIVE = "wn_active/"
METADATA = {"README", "remove_wn_maxdiff", "perturbation", "versions"}


# The fixtures were computed with 2 threads; other counts reorder float reductions.
TORCH_THREADS = 2


@cache
def _waveglow(fixture: Fixture, weight_norm: bool) -> WaveGlow:
    model, _ = load_waveglow_checkpoint(fixture.checkpoint, fixture.config)
    return model if weight_norm else model.remove_weightnorm()


@cache
def _cases(fixture: Fixture) -> dict[str, dict]:
    """Cases by name, ``wn_active/<name>`` for the nested ones; metadata left out."""
    return discovery.flat_cases(fixture, METADATA, WEIGHT_NORM_ACTIVE)


def _run_infer(model: WaveGlow, case: dict) -> dict[str, Tensor]:
    return {"audio": model.infer(case["mel"], sigma=case["sigma"], noise=case["noise"])}


def _run_forward(model: WaveGlow, case: dict) -> dict[str, Tensor]:
    z, log_s, log_det_w = model(case["mel"], case["audio"])
    return {"z": z, "log_s": log_s, "log_det_W": log_det_w}


def _runner(name: str):
    """``infer_*`` cases share one runner (sigma and noise are stored in the case)."""
    base = name.removeprefix(WEIGHT_NORM_ACTIVE)
    if base.startswith("infer_"):
        return _run_infer, {"mel", "sigma", "noise", "noise_names"}
    if base == "forward":
        return _run_forward, {"mel", "audio"}
    pytest.fail(f"unknown WaveGlow case {name!r}: add a runner for it to {__name__}")


def _compare(actual: Tensor | list, expected: Tensor | list, name: str) -> None:
    if isinstance(expected, list):
        assert len(actual) == len(expected), f"{name}: {len(actual)} != {len(expected)} tensors"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_close(a, e, rel=1e-4, name=f"{name}[{i}]")
    else:
        assert_close(actual, expected, rel=1e-4, name=name)


@pytest.mark.parametrize("manifest", manifests("waveglow"), ids=lambda p: p.stem)
def test_state_dict_matches_official_manifest(manifest: Path):
    """The key order differs inside each WN (our ``cond_layer`` comes before ``start`` and
    ``end``), which ``load_state_dict`` ignores; names and shapes must be equal."""

    def build() -> WaveGlow:
        model = build_waveglow(json.loads(CONFIG.read_text()))
        if "removed_weightnorm" in manifest.stem:
            model.remove_weightnorm()
        return model

    discovery.assert_matches_manifest(build, manifest, ordered=False)


@pytest.mark.parametrize(("fixture", "name"), discovery.case_params("waveglow", _cases))
def test_case_matches_official(fixture: Fixture, name: str):
    runner, inputs = _runner(name)
    case = _cases(fixture)[name]
    model = _waveglow(fixture, weight_norm=name.startswith(WEIGHT_NORM_ACTIVE))
    with torch.inference_mode():
        actual = runner(model, case)
    stored = set(case) - inputs - {"call"}
    assert stored, f"{name}: no stored output"
    assert stored <= actual.keys(), f"{name}: not reproduced: {sorted(stored - actual.keys())}"
    for key in sorted(stored):
        _compare(actual[key], case[key], name=f"{fixture.id}/{name}.{key}")


@pytest.mark.parametrize("fixture", fixture_params("waveglow"))
def test_loader_deduces_the_config(fixture: Fixture):
    _, deduced = load_waveglow_checkpoint(fixture.checkpoint)
    assert deduced == json.loads(fixture.config.read_text())["waveglow_config"]


@pytest.mark.parametrize("fixture", fixture_params("waveglow"))
def test_loader_names_config_mismatch(fixture: Fixture):
    config = json.loads(fixture.config.read_text())
    config["waveglow_config"]["WN_config"]["n_layers"] += 1
    with pytest.raises(ValueError, match=r"checkpoint has n_layers=\d+, config says \d+"):
        load_waveglow_checkpoint(fixture.checkpoint, config)


@pytest.mark.parametrize("fixture", fixture_params("waveglow"))
def test_loader_reads_a_state_dict_without_weight_norm(fixture: Fixture, tmp_path: Path):
    folded = _waveglow(fixture, weight_norm=False)
    path = tmp_path / "waveglow.pt"
    torch.save({"model": folded.state_dict()}, path)
    model, _ = load_waveglow_checkpoint(path)
    assert model.state_dict().keys() == folded.state_dict().keys()


def _infer_case(fixture: Fixture) -> dict:
    return next(c for n, c in _cases(fixture).items() if n.startswith("infer_") and c["sigma"])


@pytest.mark.parametrize("fixture", fixture_params("waveglow"))
def test_infer_draws_noise_of_the_documented_shapes(fixture: Fixture):
    model, case = _waveglow(fixture, weight_norm=False), _infer_case(fixture)
    assert model.noise_shapes(case["mel"]) == [tuple(n.shape) for n in case["noise"]]
    with torch.inference_mode():
        first = model.infer(case["mel"], 0.6, generator=torch.Generator().manual_seed(1))
        again = model.infer(case["mel"], 0.6, generator=torch.Generator().manual_seed(1))
        with pytest.raises(ValueError, match="noise for this mel has shapes"):
            model.infer(case["mel"], 0.6, noise=case["noise"][:1])
    assert torch.equal(first, again)


@pytest.mark.parametrize("fixture", fixture_params("waveglow"))
def test_denoiser(fixture: Fixture):
    """Strength 0 only resynthesises; the bias audio (zero mel, sigma 0) is mostly removed."""
    model, case = _waveglow(fixture, weight_norm=False), _infer_case(fixture)
    with torch.inference_mode():
        denoiser = Denoiser(model)
        audio = model.infer(case["mel"], 0.6, noise=case["noise"])
        assert_close(denoiser(audio, strength=0.0), audio, rel=1e-5, name="strength 0")
        zero_mel = torch.zeros(1, model.n_mel_channels, 88)
        noise = [torch.zeros(s) for s in model.noise_shapes(zero_mel)]
        bias = model.infer(zero_mel, 0.0, noise=noise)
        cleaned = denoiser(bias, strength=1.0)
    assert denoiser.bias_spec.shape == (1, 513, 1)
    assert cleaned.shape == bias.shape
    assert cleaned.abs().max() < 0.5 * bias.abs().max()


def _as_noise(model: WaveGlow, z: Tensor) -> list[Tensor]:
    """The training-direction ``z`` (early outputs first) as ``infer``'s draws, in draw order."""
    early, final = z[:, : -model.n_remaining_channels], z[:, -model.n_remaining_channels :]
    return [final, *reversed(early.split(model.n_early_size, dim=1))]


@pytest.mark.parametrize("fixture", fixture_params("waveglow"))
@pytest.mark.parametrize("alternate_halves", [False, True])
def test_forward_inverts_infer(fixture: Fixture, alternate_halves: bool):
    model = copy.deepcopy(_waveglow(fixture, weight_norm=False))
    model.alternate_halves = alternate_halves
    case = _infer_case(fixture)
    with torch.inference_mode():
        audio = model.infer(case["mel"], sigma=1.0, noise=case["noise"])
        z, _, _ = model(case["mel"], audio)
    for i, (got, drawn) in enumerate(zip(_as_noise(model, z), case["noise"], strict=True)):
        assert_close(got, drawn, rel=1e-3, name=f"noise {i}")


def _legacy_state_dict(model: WaveGlow, split_residual: bool) -> dict[str, Tensor]:
    """The model's weights in the older layouts: per-layer ``cond_layers`` and, with
    ``split_residual``, glow_old's ``res_layers``/``skip_layers``."""
    legacy = {}
    n_layers = model.WN[0].n_layers
    for key, tensor in model.state_dict().items():
        wn, _, rest = key.partition(".cond_layer.")
        if rest:
            for i, part in enumerate(tensor.chunk(n_layers)):
                legacy[f"{wn}.cond_layers.{i}.{rest}"] = part
            continue
        wn, _, rest = key.partition(".res_skip_layers.")
        if rest and split_residual:
            i, name = rest.split(".")
            channels = model.WN[0].n_channels
            if tensor.size(0) == 2 * channels:
                legacy[f"{wn}.res_layers.{i}.{name}"] = tensor[:channels]
            legacy[f"{wn}.skip_layers.{i}.{name}"] = tensor[-channels:]
            continue
        legacy[key] = tensor
    return legacy


@pytest.mark.parametrize("fixture", fixture_params("waveglow"))
@pytest.mark.parametrize("glow_old", [False, True], ids=["cond_layers", "glow_old"])
def test_older_layouts_are_converted(fixture: Fixture, glow_old: bool, tmp_path: Path):
    reference = copy.deepcopy(_waveglow(fixture, weight_norm=True))
    reference.alternate_halves = glow_old
    path = tmp_path / "waveglow_old.pt"
    torch.save({"model": _legacy_state_dict(reference, split_residual=glow_old)}, path)
    model, config = load_waveglow_checkpoint(path)
    assert model.alternate_halves is glow_old
    assert config.get("alternate_halves", False) is glow_old
    case = _infer_case(fixture)
    with torch.inference_mode():
        expected = reference.infer(case["mel"], case["sigma"], noise=case["noise"])
        actual = model.infer(case["mel"], case["sigma"], noise=case["noise"])
    assert_close(actual, expected, rel=1e-6, name="audio")


def _pickled_module(monkeypatch, qualified_name: str, modules: dict, **attributes) -> nn.Module:
    """A module that pickles as ``qualified_name`` (a class made up in a made-up module)."""
    module_name, name = qualified_name.rsplit(".", 1)
    module = sys.modules.get(module_name) or types.ModuleType(module_name)
    monkeypatch.setitem(sys.modules, module_name, module)
    if not hasattr(module, name):
        setattr(module, name, type(name, (nn.Module,), {"__module__": module_name}))
    obj = getattr(module, name)()
    for key, value in {**modules, **attributes}.items():
        setattr(obj, key, value)
    return obj


def _conv(weights: dict[str, Tensor], prefix: str, transposed: bool = False) -> nn.Module:
    weight = weights[f"{prefix}.weight"]
    cls = nn.ConvTranspose1d if transposed else nn.Conv1d
    c_in, c_out = (weight.shape[0], weight.shape[1]) if transposed else weight.shape[1::-1]
    conv = cls(c_in, c_out, weight.shape[2], bias=f"{prefix}.bias" in weights)
    conv.load_state_dict(
        {k.removeprefix(prefix + "."): v for k, v in weights.items() if k.startswith(prefix + ".")}
    )
    return conv


def _convs(weights: dict[str, Tensor], prefix: str) -> nn.ModuleList:
    count = len({k for k in weights if k.startswith(prefix + ".") and k.endswith(".weight")})
    return nn.ModuleList(_conv(weights, f"{prefix}.{i}") for i in range(count))


@pytest.mark.parametrize("fixture", fixture_params("waveglow"))
def test_pickled_glow_old_module_loads(fixture: Fixture, tmp_path: Path, monkeypatch):
    """A pre-2019 file pickles ``glow_old.WaveGlow`` and ``glow_old.WN`` (with
    ``glow.Invertible1x1Conv``); it loads with alternating halves."""
    reference = copy.deepcopy(_waveglow(fixture, weight_norm=False))
    reference.alternate_halves = True
    weights = _legacy_state_dict(reference, split_residual=True)
    flows, inverses = nn.ModuleList(), nn.ModuleList()
    for k in range(reference.n_flows):
        parts = {"start": _conv(weights, f"WN.{k}.start"), "end": _conv(weights, f"WN.{k}.end")}
        for group in ("in_layers", "res_layers", "skip_layers", "cond_layers"):
            parts[group] = _convs(weights, f"WN.{k}.{group}")
        flows.append(_pickled_module(monkeypatch, "glow_old.WN", parts, n_layers=8))
        conv = {"conv": _conv(weights, f"convinv.{k}.conv")}
        inverses.append(_pickled_module(monkeypatch, "glow.Invertible1x1Conv", conv))
    upsample = _conv(weights, "upsample", transposed=True)
    modules = {"upsample": upsample, "WN": flows, "convinv": inverses}
    old = _pickled_module(monkeypatch, "glow_old.WaveGlow", modules, n_flows=reference.n_flows)
    path = tmp_path / "waveglow_old.pt"
    torch.save({"model": old}, path)
    model, _ = load_waveglow_checkpoint(path)
    assert model.alternate_halves
    case = _infer_case(fixture)
    with torch.inference_mode():
        expected = reference.infer(case["mel"], case["sigma"], noise=case["noise"])
        actual = model.infer(case["mel"], case["sigma"], noise=case["noise"])
    assert_close(actual, expected, rel=1e-6, name="audio")


def test_a_model_built_in_inference_mode_infers():
    settings = {
        "n_mel_channels": 12,
        "n_flows": 4,
        "n_group": 8,
        "n_early_every": 2,
        "n_early_size": 2,
        "WN_config": {"n_layers": 2, "n_channels": 8, "kernel_size": 3},
    }
    torch.manual_seed(0)
    reference = WaveGlow(**settings).eval()
    with torch.inference_mode():
        built_here = WaveGlow(**settings).eval()
        built_here.load_state_dict(reference.state_dict())
        mel = torch.randn(1, 12, 5)
        expected = reference.infer(mel, sigma=0.5, generator=torch.Generator().manual_seed(1))
        actual = built_here.infer(mel, sigma=0.5, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(actual, expected)
