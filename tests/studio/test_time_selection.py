"""Selecting a stretch of time as in Praat, through the real window: a mouse drag across the
spectrogram or waveform selects it (shaded on every view), phonemes select the time they span,
a click clears it, zoom fits it, and it stays while the take is edited and rendered again."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from studio import durations as dur
from tests.studio.conftest import drag, render, rendered, wait_until
from tests.studio.test_main_window import movable


def pixel_seconds(plot) -> float:
    """How many seconds one pixel of ``plot`` spans (the drag's precision)."""
    low, high = plot.viewRange()[0]
    return (high - low) / plot.vb.width()


def test_a_drag_selects_time_which_phonemes_and_a_click_replace(window):
    render(window, "Select the time you want to hear.")
    window.takes_list.setCurrentRow(0)
    view = window.take_view
    whole = view.take_seconds
    drag(view, view.spectrogram, 0.2 * whole, 0.6 * whole)
    tolerance = 2 * pixel_seconds(view.spectrogram)
    assert view.time_range == pytest.approx((0.2 * whole, 0.6 * whole), abs=tolerance)
    assert all(band.isVisible() for band in view.bands[:2])
    assert view.bands[0].getRegion() == pytest.approx(view.time_range)
    assert "Selected" in window.statusBar().currentMessage()

    # Dragged backwards on the waveform: the same kind of selection, in order.
    drag(view, view.waveform, 0.7 * whole, 0.4 * whole, height=0.0)
    assert view.time_range == pytest.approx((0.4 * whole, 0.7 * whole), abs=tolerance)
    assert view.first == -1

    # Phonemes select the time they span; a drag then drops the phonemes.
    view.set_selection(2, 4)
    starts = dur.starts(list(window.current_take.durations), view.alignment.parts)
    frame = window.frame_seconds
    assert view.time_range == pytest.approx((starts[2] * frame, starts[5] * frame))
    drag(view, view.spectrogram, 0.1 * whole, 0.3 * whole)
    assert view.first == -1 and view.time_range[0] == pytest.approx(0.1 * whole, abs=tolerance)

    # Zoom to the selection fits the dragged time.
    window.activateWindow()
    assert QTest.qWaitForWindowActive(window, 5000)
    view.setFocus()
    QTest.keyClick(
        view, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert tuple(view.waveform.viewRange()[0]) == pytest.approx(view.time_range, abs=1e-6)

    # A click on the waveform sets the playhead and clears the selection, as in Praat.
    QTest.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    scene = view.waveform.vb.mapViewToScene(QPointF(0.8 * whole, 0.0))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(scene))
    wait_until(lambda: view.time_range is None, 5, "the click to clear the selection")
    assert not any(band.isVisible() for band in view.bands)
    assert view.playhead == pytest.approx(0.8 * whole, abs=tolerance)


def test_the_selected_time_stays_while_the_take_is_edited(window):
    render(window, "Keep what I selected.")
    window.takes_list.setCurrentRow(0)
    view = window.take_view
    whole = view.take_seconds
    drag(view, view.spectrogram, 0.3 * whole, 0.5 * whole)
    selected = view.time_range
    assert selected is not None
    window.move_boundary(movable(window.current_take), 1)
    rendered(window)
    assert view.time_range == pytest.approx(selected)
    assert view.bands[0].isVisible()
