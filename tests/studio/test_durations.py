"""Duration edits as the alignment editor makes them: totals kept, minimums held."""

import pytest

from studio import durations as dur

TOKENS = ["^", "_", "h", "_", "ə", "_", " ", "_", "l", "_", "$"]
DURATIONS = [2, 1, 1, 3, 1, 2, 4, 2, 5, 2, 6]


def test_segments_group_each_phoneme_with_its_blanks():
    parts = dur.segments(TOKENS)
    assert [p.label for p in parts] == ["", "h", "ə", " ", "l", ""]
    assert [(p.first, p.stop) for p in parts][:3] == [(0, 2), (2, 4), (4, 6)]


def test_moving_a_boundary_moves_time_between_neighbours_only():
    parts = dur.segments(TOKENS)
    after = dur.move_boundary(DURATIONS, parts, 2, 1)
    assert sum(after) == sum(DURATIONS)
    assert parts[1].frames(after) == parts[1].frames(DURATIONS) + 1
    assert parts[2].frames(after) == parts[2].frames(DURATIONS) - 1
    assert after[:2] == DURATIONS[:2] and after[6:] == DURATIONS[6:]


def test_a_boundary_never_takes_a_token_below_one_frame():
    parts = dur.segments(TOKENS)
    after = dur.move_boundary(DURATIONS, parts, 2, 100)
    assert min(after) >= 1
    assert parts[2].frames(after) == 2  # two tokens, one frame each
    assert dur.move_boundary(DURATIONS, parts, 2, -100)[2:4] == [1, 1]


def test_nudge_stretch_and_reset():
    parts = dur.segments(TOKENS)
    longer = dur.nudge(DURATIONS, parts[4], 1)
    assert sum(longer) == sum(DURATIONS) + 1
    stretched = dur.stretch(DURATIONS, parts, 1, 2, 2.0)
    assert parts[1].frames(stretched) == 8 and parts[2].frames(stretched) == 6
    assert dur.reset(stretched, DURATIONS, parts, 1, 2) == DURATIONS
    with pytest.raises(dur.DurationEditError):
        dur.stretch(DURATIONS, parts, 1, 2, 50)


def test_words_are_the_segments_between_breaks():
    parts = dur.segments(TOKENS)
    assert dur.word_at(parts, 2) == (1, 2)
    assert dur.word_at(parts, 4) == (4, 4)


def test_a_respelled_word_keeps_its_stretch_and_the_others_their_frames():
    """"hə l" with "hə" (tokens 2-5) said as "hɪə": the marker and "l" keep the frames the
    person gave them; the new word gets its prediction scaled as the old word was (x2)."""
    predicted = [1, 1, 1, 2, 1, 1, 4, 2, 5, 2, 6]
    edited = dur.stretch(predicted, dur.segments(TOKENS), 1, 2, 2.0)
    edited[8] = 9  # "l" retimed by hand
    new_tokens = ["^", "_", "h", "_", "ɪ", "_", "ə", "_", " ", "_", "l", "_", "$"]
    new_predicted = [3, 1, 1, 1, 2, 1, 2, 1, 4, 2, 5, 2, 6]
    kept = dur.carry_over(TOKENS, edited, predicted, new_tokens, new_predicted, (2, 6))
    assert kept[:2] == edited[:2] and kept[-5:] == edited[-5:]
    assert sum(kept[2:8]) == 2 * sum(new_predicted[2:8])
    assert min(kept[2:8]) >= 1


def test_without_the_word_given_the_tokens_that_differ_are_the_word():
    new_tokens = ["^", "_", "h", "_", "ɪ", "_", " ", "_", "l", "_", "$"]
    kept = dur.carry_over(TOKENS, DURATIONS, DURATIONS, new_tokens, [9] * 11, (11, 0))
    assert kept == DURATIONS[:4] + [9] + DURATIONS[5:]


def test_a_vowel_with_its_stress_and_length_marks_is_one_segment():
    """espeak-ng's ˈ belongs to the phoneme after it, ː (and diacritics) to the one before."""
    tokens = ["^", "_", "p", "_", "ˈ", "_", "i", "_", "ː", "_", "t", "_", " ", "_", "ˌ", "_"]
    tokens += ["ɑ", "_", "̃", "_", "$"]
    parts = dur.segments(tokens)
    assert [p.label for p in parts] == ["", "p", "ˈiː", "t", " ", "ˌɑ̃", ""]
    unit = parts[2]
    assert (unit.first, unit.stop) == (4, 10)
    durations = [1] * len(tokens)
    longer = dur.nudge(durations, unit, 6)  # the unit's six tokens share the frames
    assert longer[4:10] == [2] * 6 and sum(longer) == sum(durations) + 6
    assert dur.word_at(parts, 2) == (1, 3)
