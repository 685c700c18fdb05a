"""Proof-listening through the real window: Take > Proof-listen (Ctrl+Shift+L) has Whisper
tiny.en hear the take in the task process and underlines the words it did not hear as
written. With seed 0 the bundled voice says "sat" in "The cat sat quietly on the mat." so that
Whisper hears "sack": a real slip of the voice, found."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio import durations as dur
from studio.words import spoken_words
from tests.studio.conftest import render, wait_until


def listen(window) -> None:
    window.activateWindow()
    assert QTest.qWaitForWindowActive(window, 5000)
    window.take_view.setFocus()
    QTest.keyClick(
        window.take_view,
        Qt.Key.Key_L,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    wait_until(lambda: "Whisper heard" in window.message_bar.text(), 120, "Whisper's verdict")


def test_a_word_the_voice_slurs_is_underlined(window):
    window.panel.seed.setValue(0)
    window.panel.seed_lock.setChecked(True)
    render(window, "The cat sat quietly on the mat.")
    assert window.current_take.seed == 0
    listen(window)
    assert "not as written: sat" in window.message_bar.text()
    parts = dur.segments(window.current_take.tokens)
    assert window.take_view.alignment.segments.marked == [spoken_words(parts)[2]]


def test_a_take_heard_as_written_is_said_so(window):
    render(window, "The black cat slept on the warm blanket.")
    listen(window)
    assert "heard every word as written" in window.message_bar.text()
    assert window.take_view.alignment.segments.marked == []
