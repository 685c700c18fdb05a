"""The ARPAbet front end against each Glow-TTS and Grad-TTS fixture's ``text_frontend`` case.

The case holds the official ``text_to_sequence(text, ['english_cleaners'], CMUDict(...))`` of a
sentence, without and with blanks; our front end, with the official ``cmu_dictionary`` it
ships, must give the same ids from the same text, as one sentence.
"""

import pytest

from engine.text.arpabet_frontend import ArpabetFrontEnd
from engine.text.arpabet_symbols import BLANK_ID, SYMBOLS
from tests.parity.discovery import fixture_params

FIXTURES = fixture_params("glow-tts") + fixture_params("grad-tts")


@pytest.mark.parametrize("fixture", FIXTURES)
def test_symbol_table_matches_the_official(fixture):
    case = fixture.load_cases()["text_frontend"]
    assert len(SYMBOLS) == case["n_symbols"]
    assert BLANK_ID == case["blank_id"]


@pytest.mark.parametrize("fixture", FIXTURES)
@pytest.mark.parametrize("add_blank", [False, True])
def test_text_to_ids_matches_the_official(fixture, add_blank):
    case = fixture.load_cases()["text_frontend"]
    sentences = ArpabetFrontEnd(add_blank=add_blank).sentences(case["text"])
    expected = case["ids_blank"] if add_blank else case["ids"]
    assert [s.ids for s in sentences] == [expected.tolist()]

