"""The durations table through the real window: shown with Ctrl+D, one row per phoneme of the
strip, selection shared both ways, a duration typed in milliseconds or frames retimes the take
(undoable, re-rendered), and a value that is no duration is refused in a sentence."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from studio import durations as dur
from studio.views.duration_table import DURATION, FRAMES, PHONEME
from tests.studio.conftest import render, rendered, wait_until


def type_into(table, row: int, column: int, text: str) -> None:
    """Click the cell, type over it and press Enter, as a person does."""
    table.setFocus()
    rect = table.visualRect(table.model().index(row, column))
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.keyClicks(table, text[0])  # the first key opens the cell's editor
    editor = QApplication.focusWidget()
    assert editor is not table, "typing did not open the cell"
    QTest.keyClicks(editor, text[1:])
    QTest.keyClick(editor, Qt.Key.Key_Return)


def test_the_table_follows_the_strip_and_takes_typed_durations(window):
    render(window, "Type the length you want.")
    window.takes_list.setCurrentRow(0)
    window.activateWindow()
    assert QTest.qWaitForWindowActive(window, 5000)
    window.take_view.setFocus()
    QTest.keyClick(window.take_view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert window.durations_dock.isVisible()
    table = window.duration_table
    take = window.current_take
    parts = dur.segments(take.tokens)
    frame_ms = window.frame_seconds * 1000
    assert table.rowCount() == len(parts)
    row = next(i for i, p in enumerate(parts) if p.label.strip() and p.frames(take.durations) > 2)
    assert table.item(row, PHONEME).text() == parts[row].label
    assert table.item(row, FRAMES).text() == str(parts[row].frames(take.durations))
    assert float(table.item(row, DURATION).text()) == pytest.approx(
        parts[row].frames(take.durations) * frame_ms, abs=0.5
    )

    # Selection both ways.
    window.take_view.set_selection(row, row + 1)
    assert sorted({i.row() for i in table.selectedIndexes()}) == [row, row + 1]
    rect = table.visualRect(table.model().index(row + 2, PHONEME))
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert (window.take_view.first, window.take_view.last) == (row + 2, row + 2)

    # A duration typed in milliseconds: whole frames, the take retimed and rendered again.
    wanted_ms = 250
    before = window.current_take.durations
    type_into(table, row, DURATION, str(wanted_ms))
    wait_until(lambda: window.current_take.durations != before, 10, "the typed duration")
    frames = parts[row].frames(window.current_take.durations)
    assert frames == round(wanted_ms / frame_ms)
    assert table.item(row, FRAMES).text() == str(frames)
    rendered(window)
    assert window.current_take.rendered is not None

    # Frames typed, then undone: a few, but not fewer than the phoneme's tokens (each keeps a
    # frame; "ˈa" with its stress mark and Piper's blanks is several).
    few = parts[row].stop - parts[row].first + 1
    type_into(table, row, FRAMES, str(few))
    wait_until(lambda: parts[row].frames(window.current_take.durations) == few, 10, "a few frames")
    window.undo_stack.undo()
    assert parts[row].frames(window.current_take.durations) == frames
    assert table.item(row, FRAMES).text() == str(frames)

    # Not a duration: one sentence, the value put back, the take as it was.
    kept = window.current_take.durations
    type_into(table, row, DURATION, "abc")
    wait_until(
        lambda: "Type a duration in milliseconds" in window.message_bar.text(), 5, "the refusal"
    )
    assert window.current_take.durations == kept
    assert table.item(row, FRAMES).text() == str(frames)


def test_a_value_being_typed_survives_an_answer_that_shows_the_take_again(window):
    """A render or its tracks arriving while a person types into a cell redraws the take; the
    cell they are typing into stays open and takes what they type."""
    render(window, "Keep typing.")
    window.takes_list.setCurrentRow(0)
    window.activateWindow()
    assert QTest.qWaitForWindowActive(window, 5000)
    window.durations_dock.show()
    table = window.duration_table
    parts = table.parts
    row = next(i for i, p in enumerate(parts) if p.label.strip() and p.frames(table.durations) > 2)
    table.setFocus()
    rect = table.visualRect(table.model().index(row, FRAMES))
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.keyClicks(table, "1")
    editor = QApplication.focusWidget()
    assert editor is not table, "typing did not open the cell"
    window._show_current()  # what an answer from the engine does
    QTest.keyClicks(QApplication.focusWidget(), "2")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    wait_until(lambda: parts[row].frames(window.current_take.durations) == 12, 10, "12 frames")
