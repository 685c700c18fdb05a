"""Proof-listening: Whisper tiny.en hears a take and the written words it did not hear as
written are named; the word alignment alone, and through a real take of the bundled voice."""

from __future__ import annotations

import pytest

from engine.proof_listen import missed_words, proof_listen


@pytest.mark.parametrize(
    ("text", "heard", "missed"),
    [
        ("The cat sat on the mat.", "The cat sat on the mat.", []),
        ("The cat sat on the mat.", "The dog sat on the mat.", [1]),
        ("The cat sat on the mat.", "The sat on the mat.", [1]),
        ("I have 42 cats.", "I have forty two cats.", []),
        ("I have 42 cats.", "I have 43 cats.", [2]),
        ("A grey cat, then more.", "A gray cat then more", []),
        ("Say [[təmɑːtoʊ]] please.", "Say tomahto please.", []),
        ("Well, well.", "Well, well, well.", []),
    ],
)
def test_the_words_not_heard_as_written_are_named(text, heard, missed):
    assert missed_words(text, heard) == missed


def test_a_take_that_says_another_word_is_caught(synthesizer):
    """The take says "dog" where the text (as the person meant it) says "cat"."""
    take = synthesizer.render(synthesizer.prepare("The black dog slept on the warm blanket."))
    meant = "The black cat slept on the warm blanket."
    listened = proof_listen(meant, take.audio, take.sample_rate)
    assert "dog" in listened.heard.lower()
    assert listened.missed == [2]
    said = synthesizer.render(synthesizer.prepare(meant))
    assert proof_listen(meant, said.audio, said.sample_rate).missed == []
