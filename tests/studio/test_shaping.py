"""More to shape than duration, through the real window: a word re-rolled (a new random take
of it alone), a pause at a word break, a word emphasized; each undoable, saved and reopened."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio import durations as dur
from studio.words import spoken_words
from tests.studio.conftest import render, rendered, wait_until

REACH_FRAMES = 32  # frames either side an edit can reach (tests/engine/test_synthesis.py)


def press(window, key: Qt.Key, modifiers: Qt.KeyboardModifier) -> None:
    window.activateWindow()
    assert QTest.qWaitForWindowActive(window, 5000)
    window.take_view.setFocus()
    QTest.keyClick(window.take_view, key, modifiers)


def select_word(window, number: int) -> tuple[int, int]:
    """Select the ``number``-th spoken word of the current take; its first and last token."""
    parts = dur.segments(window.current_take.tokens)
    first, last = spoken_words(parts)[number]
    window.take_view.set_selection(first, last)
    return parts[first].first, parts[last].stop


def test_a_re_rolled_word_changes_alone_and_undo_gives_it_back(window, tmp_path):
    render(window, "Roll this word again and keep the rest of the sentence.")
    before = window.current_take
    audio = before.rendered.audio
    first, stop = select_word(window, 2)  # "word"
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    press(window, Qt.Key.Key_N, ctrl_shift)
    wait_until(lambda: window.current_take is not before, 5, "the re-roll")
    rendered(window)
    take = window.current_take
    assert take.durations == before.durations and take.edited
    assert all(take.plan.rolls[i] == 1 for i in range(first, stop))
    assert not any(take.plan.rolls[:first]) and not any(take.plan.rolls[stop:])
    hop = len(audio) // sum(before.durations)
    start, end = sum(before.durations[:first]) * hop, sum(before.durations[:stop]) * hop
    after = take.rendered.audio
    assert np.abs(after[start:end] - audio[start:end]).max() > 0.01
    reach = REACH_FRAMES * hop
    assert np.abs(after[: start - reach] - audio[: start - reach]).max() < 1e-6
    assert np.abs(after[end + reach :] - audio[end + reach :]).max() < 1e-6
    assert (window.take_view.first, window.take_view.last) != (-1, -1), "the selection went"
    press(window, Qt.Key.Key_N, ctrl_shift)  # again: another take of the word
    wait_until(lambda: window.current_take.plan.rolls[first] == 2, 5, "the second re-roll")
    rendered(window)
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert window.current_take is before and window.current_take.rendered.audio is audio

    window.undo_stack.redo()
    assert window.save_to(tmp_path / "rolled")
    window.new_project()
    assert window.open_project(tmp_path / "rolled", ask=False)
    assert window.current_take.plan.rolls[first] == 1


def test_a_pause_at_a_word_break_is_silence_of_the_length_asked(window, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    render(window, "Wait for it and then go on.")
    take = window.current_take
    select_word(window, 2)  # "it"; the pause goes at the break after it
    monkeypatch.setattr(QInputDialog, "getInt", lambda *_a, **_k: (400, True))
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    press(window, Qt.Key.Key_Space, ctrl_shift)
    wait_until(lambda: window.current_take.durations != take.durations, 5, "the pause")
    rendered(window)
    parts = dur.segments(take.tokens)
    words = spoken_words(parts)
    pause = words[2][1] + 1
    assert parts[pause].label == dur.WORD_BREAK
    frames = parts[pause].frames(window.current_take.durations)
    frame_ms = window.frame_seconds * 1000
    assert frames == round(400 / frame_ms)
    audio = window.current_take.rendered.audio
    hop = len(audio) // sum(window.current_take.durations)
    start = dur.starts(window.current_take.durations, parts)[pause] * hop
    inside = audio[start + 4 * hop : start + (frames - 4) * hop]
    level = 20 * np.log10(np.sqrt(np.mean(inside**2)) / np.sqrt(np.mean(audio**2)))
    assert level < -15, f"the pause is {level:.1f} dB below the take, not silent"
    window.remove_pause()
    assert window.current_take.durations == take.durations


def test_an_emphasized_word_is_longer_and_livelier(window):
    render(window, "This is the important word here.")
    take = window.current_take
    first, stop = select_word(window, 3)  # "important"
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    press(window, Qt.Key.Key_U, ctrl_shift)
    wait_until(lambda: window.current_take is not take, 5, "the emphasis")
    emphasized = window.current_take
    assert sum(emphasized.durations[first:stop]) == pytest.approx(
        1.25 * sum(take.durations[first:stop]), abs=len(dur.segments(take.tokens)) / 2
    )
    assert emphasized.plan.noise_gains[first:stop] == (1.5,) * (stop - first)
    assert set(emphasized.plan.noise_gains[:first] + emphasized.plan.noise_gains[stop:]) == {1.0}
    rendered(window)
    window.undo_stack.undo()
    assert window.current_take is take


def test_a_question_s_last_word_raised_with_the_keys(window):
    """Ctrl+Shift+Up raises the selected word a semitone a press; the take heard has its F0
    that much higher there (measured by Praat); undo brings the take back."""
    import parselmouth

    render(window, "Are you coming home tonight?")
    take = window.current_take
    first, stop = select_word(window, 4)  # "tonight"
    for presses in range(1, 4):
        press(
            window,
            Qt.Key.Key_Up,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
        wait_until(
            lambda n=presses: window.current_take.plan.pitch_shifts[first] == n, 5, "a press"
        )
    rendered(window)
    raised = window.current_take
    assert raised.plan.pitch_shifts[first:stop] == (3.0,) * (stop - first)
    assert not any(raised.plan.pitch_shifts[:first]) and raised.edited

    def median_f0(audio) -> float:
        frame = window.frame_seconds
        start, end = sum(take.durations[:first]) * frame, sum(take.durations[:stop]) * frame
        pitch = parselmouth.Sound(audio.astype(np.float64), take.rendered.sample_rate)
        track = pitch.to_pitch_ac(time_step=0.01, pitch_floor=50, pitch_ceiling=400)
        f0, times = track.selected_array["frequency"], track.xs()
        return float(np.median(f0[(times >= start) & (times < end) & (f0 > 0)]))

    cents = 1200 * np.log2(median_f0(raised.rendered.audio) / median_f0(take.rendered.audio))
    assert cents == pytest.approx(300, abs=60)
    for _ in range(3):
        window.undo_stack.undo()
    assert window.current_take is take


def test_one_take_rendered_again_alone_with_the_panel_s_seed(window):
    """Take > Render this take again (Ctrl+Alt+R): only the current take is made again, with
    the seed on the left; a retimed take keeps its timing; undo gives the take back."""
    render(window, "The first take stays. The second one is made again.")
    first, second = window.project.takes
    window.takes_list.setCurrentRow(1)
    window.panel.seed.setValue(second.seed + 1)
    window.panel.seed_lock.setChecked(True)
    press(
        window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    )
    wait_until(lambda: window.project.takes[1] is not second, 30, "the take made again")
    rendered(window)
    again = window.project.takes[1]
    assert window.project.takes[0] is first
    assert again.seed == second.seed + 1 and again.text == second.text
    assert not np.array_equal(again.rendered.audio[:2000], second.rendered.audio[:2000])

    parts = dur.segments(again.tokens)
    window.take_view.set_selection(2, 2)
    window.nudge_selection(3)
    retimed = window.current_take
    window.panel.seed.setValue(again.seed + 1)
    press(
        window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    )
    wait_until(lambda: window.project.takes[1].seed == again.seed + 1, 30, "the second time")
    assert window.project.takes[1].durations == retimed.durations
    assert parts[2].frames(window.project.takes[1].durations) == parts[2].frames(retimed.durations)
    window.undo_stack.undo()
    assert window.project.takes[1] is retimed
