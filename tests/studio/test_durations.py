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
