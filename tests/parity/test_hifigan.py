"""Parity of engine.models.hifigan with the official HiFi-GAN (jik876/hifi-gan @ 4769534).

Every manifest must match our generator's state_dict key for key and shape for shape, and
every case of every fixture (those under ``wn_active/`` with weight norm as loaded, the
others after ``remove_weight_norm`` as in the official inference.py) is replayed and
compared with what the official code stored. An unknown case name fails.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

import pytest
import torch
from torch import Tensor

from engine.models.hifigan import (
    Generator,
    MultiPeriodDiscriminator,
    MultiScaleDiscriminator,
    build_hifigan,
)
from engine.package_data import resource
from tests.parity import discovery
from tests.parity.discovery import Fixture, assert_close, fixture_params, manifests

CONFIGS = resource("configs", "hifi-gan")
WEIGHT_NORM_ACTIVE = "wn_active/"
METADATA = {"README", "remove_wn_maxdiff", "perturbation", "versions"}


# The fixtures were computed with 2 threads; other counts reorder float reductions.
TORCH_THREADS = 2


@cache
def _generator(fixture: Fixture, weight_norm: bool) -> Generator:
    model = build_hifigan(json.loads(fixture.config.read_text()))
    container = torch.load(fixture.checkpoint, map_location="cpu", weights_only=True)
    model.load_state_dict(container["generator"], strict=True)
    if not weight_norm:
        model.remove_weight_norm()
    return model


@cache
def _cases(fixture: Fixture) -> dict[str, dict]:
    """Cases by name, ``wn_active/<name>`` for the nested ones; metadata left out."""
    return discovery.flat_cases(fixture, METADATA, WEIGHT_NORM_ACTIVE)


def _run_mel2wav(model: Generator, case: dict) -> dict[str, Tensor]:
    return {"wav": model(case["mel"])}


def _runner(name: str):
    """``mel2wav`` and its ``mel2wav_*`` variants run the generator on the stored mel."""
    base = name.removeprefix(WEIGHT_NORM_ACTIVE)
    if base == "mel2wav" or base.startswith("mel2wav_"):
        return _run_mel2wav
    pytest.fail(f"unknown HiFi-GAN case {name!r}: add a runner for it to {__name__}")


@pytest.mark.parametrize("manifest", manifests("hifi-gan"), ids=lambda p: p.stem)
def test_state_dict_matches_official_manifest(manifest: Path):
    config = discovery.official_config(CONFIGS, manifest)
    discovery.assert_matches_manifest(lambda: Generator(config), manifest)


@pytest.mark.parametrize(("fixture", "name"), discovery.case_params("hifi-gan", _cases))
def test_case_matches_official(fixture: Fixture, name: str):
    runner = _runner(name)
    case = _cases(fixture)[name]
    model = _generator(fixture, weight_norm=name.startswith(WEIGHT_NORM_ACTIVE))
    with torch.inference_mode():
        actual = runner(model, case)
    discovery.assert_outputs_match(actual, case, {"mel"}, 1e-4, f"{fixture.id}/{name}")


@pytest.mark.parametrize("fixture", fixture_params("hifi-gan"))
def test_remove_weight_norm_keeps_output(fixture: Fixture):
    model = copy.deepcopy(_generator(fixture, weight_norm=True))
    mel = torch.randn(1, 80, 7, generator=torch.Generator().manual_seed(3))
    with torch.inference_mode():
        before = model(mel)
        model.remove_weight_norm()
        after = model(mel)
    assert not [k for k in model.state_dict() if k.endswith(("weight_g", "weight_v"))]
    assert after.shape == (1, 1, 7 * model.hop_length)
    assert_close(after, before, rel=1e-6, name="wav")


def test_generator_takes_attribute_config():
    """The official code passes an ``AttrDict``; any object with the keys as attributes does."""

    class Config:
        def __init__(self, values: dict) -> None:
            self.__dict__.update(values)

    config = json.loads((CONFIGS / "config_v3.json").read_text())
    with torch.device("meta"):
        by_attributes = Generator(Config(config))
        by_keys = Generator(config)
    assert by_attributes.state_dict().keys() == by_keys.state_dict().keys()


def _official_discriminator_keys() -> tuple[list[str], list[str]]:
    """The state_dict keys of the official ``mpd`` and ``msd``: weight norm gives
    ``bias, weight_g, weight_v``; spectral norm ``bias, weight_orig`` and the buffers
    ``weight_u, weight_v``."""
    weight_norm = ("bias", "weight_g", "weight_v")
    spectral = ("bias", "weight_orig", "weight_u", "weight_v")

    def layers(prefix: str, names: tuple[str, ...], n_convs: int) -> list[str]:
        convs = [f"{prefix}.convs.{j}" for j in range(n_convs)] + [f"{prefix}.conv_post"]
        return [f"{conv}.{name}" for conv in convs for name in names]

    mpd = [k for i in range(5) for k in layers(f"discriminators.{i}", weight_norm, 5)]
    msd = layers("discriminators.0", spectral, 7) + [
        k for i in (1, 2) for k in layers(f"discriminators.{i}", weight_norm, 7)
    ]
    return mpd, msd


def test_discriminators_have_official_names():
    mpd_keys, msd_keys = _official_discriminator_keys()
    mpd, msd = MultiPeriodDiscriminator(), MultiScaleDiscriminator()
    assert sorted(mpd.state_dict()) == sorted(mpd_keys)
    assert sorted(msd.state_dict()) == sorted(msd_keys)
    assert mpd.state_dict()["discriminators.0.convs.0.weight_g"].shape == (32, 1, 1, 1)
    assert msd.state_dict()["discriminators.0.convs.1.weight_orig"].shape == (128, 32, 41)


def test_discriminators_judge_real_and_generated():
    generator = torch.Generator().manual_seed(0)
    y, y_hat = torch.randn(2, 1, 1000, generator=generator), torch.randn(2, 1, 1000)
    for discriminator, n_maps in ((MultiPeriodDiscriminator(), 6), (MultiScaleDiscriminator(), 8)):
        y_d_rs, y_d_gs, fmap_rs, fmap_gs = discriminator.eval()(y, y_hat)
        assert len(y_d_rs) == len(y_d_gs) == len(discriminator.discriminators)
        assert all(score.dim() == 2 and score.size(0) == 2 for score in y_d_rs + y_d_gs)
        assert all(len(fmap) == n_maps for fmap in fmap_rs + fmap_gs)
