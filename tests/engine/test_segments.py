"""Tokens grouped as a person reads them: phonemes with their blanks, words without the
punctuation at their ends."""

from engine.segments import is_pause, segments, word_at, words

# Piper's "Hello, o'er." (a made-up apostrophe inside a word, punctuation at its ends).
TOKENS = list("^_h_ə_l_o_,_ _o_'_ɜ_ː_._$")


def test_blanks_belong_to_the_phoneme_before_them():
    parts = segments(TOKENS)
    assert [p.label for p in parts] == [
        "",
        "h",
        "ə",
        "l",
        "o",
        ",",
        " ",
        "o",
        "'",
        "ɜ",
        "ː",
        ".",
        "",
    ]
    assert all(p.stop - p.first == 2 for p in parts[:-1]) and parts[-1].stop == len(TOKENS)
    assert segments(["<blank>", "@HH", "<blank>"])[0].label == ""  # a leading blank alone


def test_words_leave_the_punctuation_at_their_ends_as_pauses():
    parts = segments(TOKENS)
    assert words(parts) == [(1, 4), (7, 10)]  # "həlo" without ",", "o'ɜː" keeps its "'"
    assert word_at(parts, 2) == (1, 4)
    assert word_at(parts, 5) == (5, 5)  # the comma is a pause, a word of its own
    assert word_at(parts, 11) == (11, 11)
    assert is_pause(",") and is_pause("…") and not is_pause("ˈ") and not is_pause("")
