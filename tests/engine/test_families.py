"""The family descriptions: every part a family names exists and fits, and the knobs' defaults
are the families' official ones, said once."""

from __future__ import annotations

import dataclasses

import pytest

from engine.checkpoints.config_formats import ConfigFormat
from engine.controls import CONTROL_SPECS, Controls
from engine.families import ACOUSTIC, FAMILIES, implementation, inference_settings


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_part_a_family_names_exists(name: str) -> None:
    family = FAMILIES[name]
    assert isinstance(implementation(family.config_format), ConfigFormat)
    if family.builder is not None:
        assert callable(implementation(family.builder))
    if family.role == ACOUSTIC:
        adapter = implementation(family.adapter)
        assert set(adapter.control_names) == set(family.defaults)
        assert implementation(family.config_format).front_end is not None
        assert family.embedding
    assert family.marks, "a family needs the weight prefixes that tell its checkpoints"


def test_each_knob_defaults_to_the_official_value_of_the_family_that_reads_it() -> None:
    defaults = dataclasses.asdict(Controls())
    for family in FAMILIES.values():
        for knob, value in family.defaults.items():
            if family.name == "grad-tts" and knob == "length_scale":
                continue  # VITS's 1.0 is the field's default; Grad-TTS's 0.91 is its own
            assert defaults[knob] == value, (family.name, knob)
    readers = {spec.name: spec.readers for spec in CONTROL_SPECS}
    for family in FAMILIES.values():
        for knob in family.defaults:
            if knob in readers:
                assert family.name in readers[knob], (family.name, knob)


def test_a_card_s_inference_overrides_its_family_s_defaults() -> None:
    settings = inference_settings({"family": "grad-tts", "inference": {"steps": 50}})
    assert settings == {"length_scale": 0.91, "temperature": 1.5, "steps": 50, "stochastic": False}
    assert inference_settings({"family": "vits"})["noise_w"] == 0.8
