"""Selecting a stretch of time, as in Praat's sound window: a left drag across the waveform or
the spectrogram selects the time it covers (the wheel still zooms), and the selection is drawn
as a shaded band on every view of the take."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor

RANGE_BRUSH = QColor(90, 160, 255, 50)


class SelectingViewBox(pg.ViewBox):
    """A view box whose left drag selects a time range instead of panning.

    ``range_dragged(start, end, finished)`` follows the drag in seconds (``start`` where the
    button went down, so ``end`` may lie before it); other buttons keep pyqtgraph's handling.
    """

    range_dragged = Signal(float, float, bool)

    def mouseDragEvent(self, event, axis=None) -> None:  # noqa: N802 (pyqtgraph's name)
        if event.button() != Qt.MouseButton.LeftButton:
            super().mouseDragEvent(event, axis)
            return
        event.accept()
        start = self.mapSceneToView(event.buttonDownScenePos()).x()
        end = self.mapSceneToView(event.scenePos()).x()
        self.range_dragged.emit(float(start), float(end), bool(event.isFinish()))


def range_band() -> pg.LinearRegionItem:
    """The shaded band that shows the selected time on one view (hidden until there is one)."""
    band = pg.LinearRegionItem(movable=False, brush=RANGE_BRUSH, pen=pg.mkPen(None))
    band.setZValue(50)
    band.hide()
    return band
