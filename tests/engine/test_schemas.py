"""The schemas themselves: valid JSON Schema, met by every official config shipped and every
parity fixture's config, and their refusals said in one sentence naming the entry."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from engine import schemas
from engine.checkpoints.loader import CONFIGS
from tests.parity.discovery import fixtures

FAMILY_OF_FOLDER = {
    "vits": "vits",
    "glow-tts": "glow-tts",
    "grad-tts": "grad-tts",
    "hifi-gan": "hifigan",
}
SHIPPED = sorted(CONFIGS.glob("*/*.json"))


@pytest.mark.parametrize("path", sorted(schemas.SCHEMAS.glob("*.json")), ids=lambda p: p.stem)
def test_each_schema_is_valid_json_schema(path):
    Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


def _schema_of(folder: str, config: dict) -> tuple[str, dict]:
    if folder == "waveglow":
        return "config-waveglow", config["waveglow_config"]
    return f"config-{FAMILY_OF_FOLDER[folder]}", config


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_official_config_meets_its_schema(path):
    schema, config = _schema_of(path.parent.name, json.loads(path.read_text(encoding="utf-8")))
    schemas.check(config, schema, path.name, AssertionError)


FIXTURES = [(folder, f) for folder in FAMILY_OF_FOLDER for f in fixtures(folder) if f.config]


@pytest.mark.skipif(not FIXTURES, reason="no parity fixtures ($GLOTTIS_PARITY_DIR)")
@pytest.mark.parametrize("folder, fixture", FIXTURES, ids=[f.id for _, f in FIXTURES])
def test_every_parity_fixture_config_meets_its_schema(folder, fixture):
    schema, config = _schema_of(folder, json.loads(fixture.config.read_text(encoding="utf-8")))
    schemas.check(config, schema, fixture.id, AssertionError)


@pytest.mark.parametrize(
    "change, said",
    [
        (("data", "sampling_rate", "fast"), 'data.sampling_rate is "fast"; it should be a whole'),
        (("model", "resblock", 1), 'model.resblock is 1; it should be one of "1", "2"'),
        (("model", "upsample_rates", [8, 8, 2, -2]), "model.upsample_rates[3] is -2"),
        (("data", "mel_fmax", "high"), 'is "high"; it should be a frequency in Hz'),
        (("model", "p_dropout", 2), "model.p_dropout is 2; it should be a number from 0 to 1"),
        (("data", "sampling_rate", "\x1b[31m"), 'is "\\u001b[31m"'),
    ],
)
def test_a_wrong_entry_is_named_with_what_it_should_be(change, said):
    config = json.loads((CONFIGS / "vits/ljs_base.json").read_text(encoding="utf-8"))
    section, key, value = change
    config[section][key] = value
    with pytest.raises(ValueError) as caught:
        schemas.check(config, "config-vits", "the config x.json", ValueError)
    message = str(caught.value)
    assert message.startswith("the config x.json: ") and said in message, message
    assert "\n" not in message and "\x1b" not in message


def test_a_missing_entry_and_a_document_of_another_type_are_named():
    with pytest.raises(ValueError, match=r"^the config x.json: model lacks the entry 'n_heads'$"):
        config = json.loads((CONFIGS / "vits/ljs_base.json").read_text(encoding="utf-8"))
        del config["model"]["n_heads"]
        schemas.check(config, "config-vits", "the config x.json", ValueError)
    with pytest.raises(ValueError, match=r"^the config x.json is a list of 2; it should be an"):
        schemas.check([1, 2], "config-vits", "the config x.json", ValueError)


@pytest.mark.parametrize(
    "text, said",
    [
        ("{", "is not valid JSON: Expecting property name"),
        ('{"a": NaN}', "holds NaN, which JSON does not allow"),
        ('{"a": -Infinity}', "holds -Infinity, which JSON does not allow"),
        ("[" * 100_000, "nests its lists or objects too deeply"),
    ],
)
def test_text_that_is_no_json_is_one_sentence(tmp_path, text, said):
    path = tmp_path / "doc.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=f"^the document {path} {said}"):
        schemas.read_json(path, "document", ValueError)


def test_a_byte_order_mark_is_read_and_other_encodings_are_named(tmp_path):
    path = tmp_path / "doc.json"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"a": 1}')
    assert schemas.read_json(path, "document", ValueError) == {"a": 1}
    path.write_text('{"a": "caf\u00e9"}', encoding="utf-16")
    with pytest.raises(ValueError, match=f"^the document {path} is not UTF-8 text$"):
        schemas.read_json(path, "document", ValueError)
    with pytest.raises(ValueError, match=f"^the document {tmp_path} is a folder, not a file$"):
        schemas.read_json(tmp_path, "document", ValueError)
