"""The VITS text front end against each parity fixture's ``text_frontend`` case.

The case holds the official ``cleaned_text_to_sequence`` of an IPA string, with and without
``intersperse(..., 0)``: a check of the 178-symbol table and of the blank layout.
"""

import json

import pytest

from engine.text.frontend import VitsFrontEnd
from engine.text.vits_symbols import SYMBOLS, cleaned_text_to_sequence, intersperse
from tests.parity.discovery import fixture_params


@pytest.mark.parametrize("fixture", fixture_params("vits"))
def test_symbol_ids_match_the_official(fixture):
    case = fixture.load_cases()["text_frontend"]
    assert len(SYMBOLS) == case["n_symbols"]
    ids = cleaned_text_to_sequence(case["ipa"])
    assert ids == case["ids"].tolist()
    assert intersperse(ids, 0) == case["ids_blank"].tolist()


@pytest.mark.parametrize("fixture", fixture_params("vits"))
def test_front_end_matches_the_official_for_the_case_text(fixture):
    """The fixture's own text to ids through our cleaner, with the fixture's ``add_blank``, as
    one sentence (the official inference never splits a text).

    The official run's espeak-ng said the article "a" as ``ə``; espeak-ng 1.52 (espeakng-loader)
    says ``ɐ``. Everything else must match.
    """
    case = fixture.load_cases()["text_frontend"]
    if "text" not in case:
        pytest.skip("this fixture's case does not say which text its IPA came from")
    add_blank = json.loads(fixture.config.read_text())["data"]["add_blank"]
    sentences = VitsFrontEnd(add_blank=add_blank).sentences(case["text"])
    assert len(sentences) == 1
    sentence = sentences[0]
    ipa = "".join(sentence.phonemes)
    assert ipa.replace("ɐ", "ə") == case["ipa"].replace("ɐ", "ə")
    expected = case["ids_blank"] if add_blank else case["ids"]
    a, schwa = SYMBOLS.index("ɐ"), SYMBOLS.index("ə")
    assert [schwa if i == a else i for i in sentence.ids] == expected.tolist()
