"""VitsFrontEnd: the official english_cleaners2 and VITS symbol table."""

import warnings

import pytest
from phonemizer import phonemize

from engine.text.frontend import FrontEndError, UnsayableWarning, VitsFrontEnd
from engine.text.vits_cleaners import collapse_whitespace, expand_abbreviations
from engine.text.vits_symbols import (
    SYMBOL_TO_ID,
    SYMBOLS,
    cleaned_text_to_sequence,
    intersperse,
)


@pytest.fixture(scope="module")
def vits() -> VitsFrontEnd:
    return VitsFrontEnd()


def official_cleaner(text: str) -> str:
    """english_cleaners2 written out with phonemizer's own phonemize() call (no unidecode)."""
    text = expand_abbreviations(text.lower())
    ipa = phonemize(
        text,
        language="en-us",
        backend="espeak",
        strip=True,
        preserve_punctuation=True,
        with_stress=True,
    )
    return collapse_whitespace(ipa)


def test_symbol_table_layout():
    assert len(SYMBOLS) == 178
    assert SYMBOLS[0] == "_" and SYMBOLS[16] == " " and SYMBOLS[17] == "A"
    assert SYMBOL_TO_ID["ð"] == 81 and SYMBOL_TO_ID["ᵻ"] == 177
    assert SYMBOLS[174] == SYMBOLS[176] == "'"
    assert SYMBOL_TO_ID["'"] == 176  # listed twice; the later index wins


def test_intersperse():
    assert intersperse([5, 6], 0) == [0, 5, 0, 6, 0]
    assert intersperse([], 0) == [0]


def test_cleaned_text_to_sequence_refuses_unknown_symbols():
    with pytest.raises(KeyError):
        cleaned_text_to_sequence("a(")


@pytest.mark.parametrize(
    "text",
    [
        "This is a test.",
        "They told US the news.",
        "Mr. Smith and Dr. Jones met at St. Mary's; Gen. Lee was late!",
        "Hello,   world:\n  how are you?",
        "The quick brown fox — jumps… over “the” lazy dog.",
    ],
)
def test_clean_is_the_official_cleaner(vits, text):
    assert vits.clean(text) == official_cleaner(text)


def test_official_abbreviations():
    assert expand_abbreviations("mrs. x, mr. y, dr. z, st. w, capt. v, ft. u") == (
        "misess x, mister y, doctor z, saint w, captain v, fort u"
    )
    assert expand_abbreviations("Dr. Who") == "Doctor Who"


def test_sentences_have_blanks_and_parallel_tokens(vits):
    sentences = vits.sentences("This is a test. Mr. Smith, meet Dr. Jones!")
    assert [s.text for s in sentences] == ["This is a test.", "Mister Smith, meet Doctor Jones!"]
    second = sentences[1]
    assert "".join(second.phonemes) == vits.clean("mister smith, meet doctor jones!")
    assert second.ids == intersperse(cleaned_text_to_sequence("".join(second.phonemes)), 0)
    assert second.tokens == intersperse(second.phonemes, "_")
    assert [SYMBOL_TO_ID[t] for t in second.tokens] == second.ids


def test_without_blanks():
    sentence = VitsFrontEnd(add_blank=False).sentences("This is a test.")[0]
    assert sentence.ids == cleaned_text_to_sequence("".join(sentence.phonemes))
    assert 0 not in sentence.ids


def test_symbols_outside_the_table_are_dropped_with_one_warning(vits):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sentences = vits.sentences("Hello (world). Bye [now].")
    unsayable = [w for w in caught if issubclass(w.category, UnsayableWarning)]
    assert len(unsayable) == 1
    assert unsayable[0].message.symbols == ("(", ")", "[", "]")
    assert not {"(", ")", "[", "]"} & {p for s in sentences for p in s.phonemes}


@pytest.mark.parametrize("text", ["", "  \n ", "...", "“”"])
def test_empty_text_raises(vits, text):
    with pytest.raises(FrontEndError, match="no speakable text"):
        vits.sentences(text)
