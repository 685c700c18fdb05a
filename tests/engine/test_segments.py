"""Tokens grouped as a person reads them: phoneme units with their blanks, words without the
punctuation at their ends, and the text's words as written."""

from engine.segments import is_pause, segments, word_at, words, written_words

# Piper's "Hello, o'er." (a made-up apostrophe inside a word, punctuation at its ends).
TOKENS = list("^_h_ə_l_ˈ_o_,_ _o_'_ɜ_ː_._$")


def test_blanks_belong_to_the_phoneme_before_them_and_marks_to_their_phoneme():
    parts = segments(TOKENS)
    labels = [p.label for p in parts]
    assert labels == ["", "h", "ə", "l", "ˈo", ",", " ", "o", "'", "ɜː", ".", ""]
    assert [(p.first, p.stop) for p in parts[:5]] == [(0, 2), (2, 4), (4, 6), (6, 8), (8, 12)]
    assert segments(["<blank>", "@HH", "<blank>"])[0].label == ""  # a leading blank alone


def test_words_leave_the_punctuation_at_their_ends_as_pauses():
    parts = segments(TOKENS)
    assert words(parts) == [(1, 4), (7, 9)]  # "həlˈo" without ",", "o'ɜː" keeps its "'"
    assert word_at(parts, 2) == (1, 4)
    assert word_at(parts, 5) == (5, 5)  # the comma is a pause, a word of its own
    assert word_at(parts, 10) == (10, 10)
    assert is_pause(",") and is_pause("…") and not is_pause("ˈo") and not is_pause("")


def test_written_words_keep_the_signs_said_with_them():
    text = "I paid $42 (50%) for U.S.A. & [[hɛˈloʊ]] 3/4, didn't I?"
    found = [text[a:b] for a, b in written_words(text)]
    assert found == [
        "I", "paid", "$42", "50%", "for", "U.S.A", "&", "[[hɛˈloʊ]]", "3", "/", "4", "didn't", "I"
    ]  # fmt: skip
