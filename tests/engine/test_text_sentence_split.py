"""Sentence splitting used to label sentences with their text (engine.text.sentence_split)."""

import pytest

from engine.text.sentence_split import split_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("One. Two? Three!", ["One.", "Two?", "Three!"]),
        ("No end", ["No end"]),
        ("Really?! Yes.", ["Really?!", "Yes."]),
        ('He said "Stop." Then left', ['He said "Stop."', "Then left"]),
        ("(Go home.) Now.", ["(Go home.)", "Now."]),
        ("I saw him. then left", ["I saw him. then left"]),
        ("Wait... What?", ["Wait... What?"]),
        ("Pi is 3.14 today.", ["Pi is 3.14 today."]),
        ("Ready?No.", ["Ready?No."]),
        ("It was 5. 6 came next", ["It was 5.", "6 came next"]),
        ("Hello\n\nWorld", ["Hello", "World"]),
        ("Hello\nWorld", ["Hello\nWorld"]),
        ("Say [[a. b]] now. Done", ["Say [[a. b]] now.", "Done"]),
        ("Hi. ... !", ["Hi."]),
        ("你好。世界！", ["你好。", "世界！"]),
        ("", []),
    ],
)
def test_split(text, sentences):
    assert split_sentences(text) == sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "The U.S. Army came at 5 p.m. on Jan. 3rd.",
            ["The U.S. Army came at 5 p.m. on Jan. 3rd."],
        ),
        ("Ask Prof. Xu, Ms. Lee etc. Then go.", ["Ask Prof. Xu, Ms. Lee etc. Then go."]),
        (
            "It rained. Then it stopped! Did it? Yes.",
            ["It rained.", "Then it stopped!", "Did it?", "Yes."],
        ),
        ("We won. 6 came next", ["We won.", "6 came next"]),
    ],
)
def test_split_keeping_abbreviations_inside_sentences(text, sentences):
    """For the official checkpoints' front ends, which never split a text."""
    assert split_sentences(text, keep_abbreviations=True) == sentences
