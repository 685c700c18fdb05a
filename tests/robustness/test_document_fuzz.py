"""The readers of JSON documents fuzzed. A config or voice card with entries changed to any
JSON value (a string, null, a negative, fractional or huge number, a list, an object) or
removed, at any depth, gives a model or one sentence (CheckpointError, VoiceImportError); no
other exception, no warning, nothing allocated for a model the weights do not have. Any JSON
given as a durations file gives durations the utterance takes or one sentence.

``GLOTTIS_FUZZ_EXAMPLES`` sets the examples per strategy (``tests/robustness/fuzzing.py``).
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import given, seed
from hypothesis import strategies as st
from safetensors.torch import save_file

from engine.checkpoints.errors import CheckpointError, VoiceImportError
from engine.checkpoints.loader import load
from engine.checkpoints.voices import CARD_FILE, WEIGHTS_FILE, load_voice
from engine.cli import UserError, _apply_durations, _read_durations
from engine.families import implementation
from tests.robustness.fuzzing import FUZZ, SEED
from tests.training.tiny_configs import tiny_glow_tts, tiny_grad_tts, tiny_hifigan

TINY = {"hifigan": tiny_hifigan(), "glow-tts": tiny_glow_tts(), "grad-tts": tiny_grad_tts()}
BUILDERS = {
    "hifigan": "engine.models.hifigan:build_hifigan",
    "glow-tts": "engine.models.glow_tts:build_glow_tts",
    "grad-tts": "engine.models.grad_tts:build_grad_tts",
}
CONTAINERS = {
    "hifigan": lambda weights: {"generator": weights},
    "glow-tts": lambda weights: {"model": weights, "iteration": 1},
    "grad-tts": lambda weights: weights,
}

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.sampled_from([0, -1, 1, 2, 3, 7, 16, 256, 4096, 10**6, 10**12]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.lists(st.integers(-4, 300), max_size=5),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def _paths(document: Any, prefix: tuple = ()) -> list[tuple]:
    """Every entry's path in a JSON document (keys and list indices)."""
    if isinstance(document, dict):
        items: list = list(document.items())
    elif isinstance(document, list):
        items = list(enumerate(document))
    else:
        return []
    found = []
    for key, value in items:
        found.append((*prefix, key))
        found.extend(_paths(value, (*prefix, key)))
    return found


@st.composite
def changed(draw, document: dict) -> dict:
    """``document`` with one to three entries set to another value or removed."""
    document = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(document)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.integers(0, 4)) == 0:
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(values)
    return document


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tiny")
    made = {}
    for family, config in TINY.items():
        torch.manual_seed(0)
        weights = implementation(BUILDERS[family])(config).state_dict()
        made[family] = folder / f"{family}.pth"
        torch.save(CONTAINERS[family](weights), made[family])
    return made


def _loads_or_refuses(call, refusal: type[Exception]) -> None:
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        try:
            call()
        except refusal as error:
            assert str(error) and "\n" not in str(error), str(error)
    assert [str(w.message) for w in said] == []


@pytest.mark.parametrize("family", sorted(TINY))
def test_the_unchanged_tiny_configs_load(checkpoints, tmp_path, family):
    """The fuzzing starts from configs that load, so a refusal is the change's doing."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps(TINY[family]))
    assert load(checkpoints[family], config).family == family


@pytest.mark.parametrize("family", sorted(TINY))
def test_a_config_with_entries_changed_loads_or_is_refused(checkpoints, tmp_path, family):
    config = tmp_path / "config.json"

    @seed(SEED)
    @FUZZ
    @given(document=changed(TINY[family]))
    def fuzz(document):
        config.write_text(json.dumps(document))
        _loads_or_refuses(lambda: load(checkpoints[family], config), CheckpointError)

    fuzz()


@pytest.fixture(scope="module")
def joe_card() -> dict[str, Any]:
    return load_voice().card


def test_a_voice_card_with_entries_changed_loads_or_is_refused(joe_card, tmp_path):
    """The card and its config are read before the weights: a card that passes them meets
    weights that cannot fit (one tensor), and is refused for that, in one sentence too."""
    folder = tmp_path / "voice"
    folder.mkdir()
    save_file({"x": torch.zeros(1)}, folder / WEIGHTS_FILE)
    card = {k: v for k, v in joe_card.items() if k != "weights_pair"}

    @seed(SEED)
    @FUZZ
    @given(document=changed(card))
    def fuzz(document):
        (folder / CARD_FILE).write_text(json.dumps(document))
        _loads_or_refuses(lambda: load_voice(folder), VoiceImportError)

    fuzz()


def test_a_config_in_range_that_asks_for_a_huge_model_allocates_nothing(checkpoints, tmp_path):
    """4096 channels everywhere: about 60 GB of weights, which the meta device's shapes
    refuse before a byte is allocated (the refusal names the shapes)."""
    config = copy.deepcopy(TINY["glow-tts"])
    config["model"].update(
        hidden_channels=4096,
        hidden_channels_enc=4096,
        hidden_channels_dec=4096,
        filter_channels=4096,
        n_blocks_dec=64,
    )
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="does not fit the Glow-TTS model of its config"):
        load(checkpoints["glow-tts"], path)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5000) | st.floats(-10, 10) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
durations_like = st.one_of(
    json_values,
    st.lists(st.lists(json_values, max_size=8), max_size=3),
    st.fixed_dictionaries(
        {"sentences": st.lists(st.fixed_dictionaries({"durations": json_values}), max_size=3)}
    ),
    st.fixed_dictionaries(
        {
            "sentences": st.lists(
                st.fixed_dictionaries({"durations": st.lists(st.integers(-2, 5000), max_size=12)}),
                min_size=1,
                max_size=2,
            )
        }
    ),
)


def test_any_json_as_a_durations_file_is_taken_or_refused(tmp_path):
    from engine.synthesis import Synthesizer

    utterance = Synthesizer(load_voice()).prepare("Hi there.")
    path = tmp_path / "durations.json"

    @seed(SEED)
    @FUZZ
    @given(document=durations_like)
    def fuzz(document):
        path.write_text(json.dumps(document))
        _loads_or_refuses(
            lambda: _apply_durations(utterance, _read_durations(path), path), UserError
        )

    fuzz()
