"""The alignment editor: a take's phonemes as labelled segments with draggable boundaries.

Dragging a boundary previews at once (the boundary snaps to frames, the two neighbouring
labels move and say their lengths); the edit itself is reported on release, as
``boundary_moved(boundary, frames)``, and the window turns it into an undoable command and a
re-render. The drag cannot take either neighbour below its minimum (one frame per token).
"""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor

from studio import durations as dur

BOUNDARY_PEN = pg.mkPen((90, 160, 255), width=2)
BOUNDARY_HOVER_PEN = pg.mkPen((255, 200, 60), width=3)
SELECTION_BRUSH = QColor(90, 160, 255, 60)


class AlignmentPlot(pg.PlotItem):
    """Segments of one take, on the shared time axis."""

    boundary_moved = Signal(int, int)  # boundary index (before segment i), frames moved
    segment_clicked = Signal(int, bool, bool)  # segment, extend (shift), word (double click)

    def __init__(self) -> None:
        super().__init__()
        self.setLabel("left", "phonemes")
        self.setMouseEnabled(x=True, y=False)
        self.setYRange(0, 1, padding=0)
        self.getAxis("left").setTicks([[]])
        self.hideButtons()
        self.frame_seconds = 256 / 22050
        self.durations: list[int] = []
        self.parts: list[dur.Segment] = []
        self.labels: list[pg.TextItem] = []
        self.lines: list[pg.InfiniteLine] = []
        self.selection = pg.LinearRegionItem(
            movable=False, brush=SELECTION_BRUSH, pen=pg.mkPen(None)
        )
        self.text_color = QColor(200, 200, 200)
        self.selection.setZValue(-10)
        self.selection.hide()
        self.addItem(self.selection, ignoreBounds=True)

    def show_take(
        self, tokens: Sequence[str], durations: Sequence[int], frame_seconds: float
    ) -> None:
        """Draw the segments of ``tokens`` lasting ``durations`` frames of ``frame_seconds``."""
        for item in self.labels + self.lines:
            self.removeItem(item)
        self.labels, self.lines = [], []
        self.frame_seconds = frame_seconds
        self.durations = list(durations)
        self.parts = dur.segments(tokens)
        starts = dur.starts(self.durations, self.parts)
        for index, segment in enumerate(self.parts):
            label = pg.TextItem(segment.label, anchor=(0.5, 0.5), color=self.text_color)
            label.setToolTip(f"{segment.label!r}: {segment.frames(self.durations)} frames")
            self.addItem(label, ignoreBounds=True)
            self.labels.append(label)
            self._place_label(index, starts[index], starts[index + 1])
        for boundary in range(1, len(self.parts)):
            low, high = dur.boundary_limits(self.durations, self.parts, boundary)
            line = pg.InfiniteLine(
                pos=starts[boundary] * frame_seconds,
                movable=True,
                pen=BOUNDARY_PEN,
                hoverPen=BOUNDARY_HOVER_PEN,
                bounds=(low * frame_seconds, high * frame_seconds),
            )
            line.boundary = boundary
            line.start_frame = starts[boundary]
            line.sigDragged.connect(self._preview)
            line.sigPositionChangeFinished.connect(self._commit)
            self.addItem(line, ignoreBounds=True)
            self.lines.append(line)
        self.setXRange(0, max(starts[-1], 1) * frame_seconds, padding=0)

    def set_text_color(self, color: QColor) -> None:
        self.text_color = QColor(color)
        for label in self.labels:
            label.setColor(self.text_color)

    def clear_take(self) -> None:
        self.show_take([], [], self.frame_seconds)
        self.selection.hide()

    def select(self, first: int, last: int) -> None:
        """Highlight segments ``first`` to ``last`` (inclusive); -1 hides the highlight."""
        if first < 0 or not self.parts:
            self.selection.hide()
            return
        starts = dur.starts(self.durations, self.parts)
        self.selection.setRegion(
            (starts[first] * self.frame_seconds, starts[last + 1] * self.frame_seconds)
        )
        self.selection.show()

    def segment_at(self, seconds: float) -> int:
        """The segment sounding at ``seconds`` (the last one past the end; -1 if none)."""
        if not self.parts:
            return -1
        starts = dur.starts(self.durations, self.parts)
        frame = seconds / self.frame_seconds
        for index in range(len(self.parts)):
            if frame < starts[index + 1]:
                return index
        return len(self.parts) - 1

    def _place_label(self, index: int, start: int, stop: int) -> None:
        self.labels[index].setPos((start + stop) / 2 * self.frame_seconds, 0.5)

    def _snapped_frame(self, line: pg.InfiniteLine) -> int:
        return round(line.value() / self.frame_seconds)

    def _preview(self, line: pg.InfiniteLine) -> None:
        """Snap to a frame and move the two neighbours' labels; no engine work."""
        frame = self._snapped_frame(line)
        line.setPos(frame * self.frame_seconds)
        boundary = line.boundary
        starts = dur.starts(self.durations, self.parts)
        self._place_label(boundary - 1, starts[boundary - 1], frame)
        self._place_label(boundary, frame, starts[boundary + 1])
        left = frame - starts[boundary - 1]
        right = starts[boundary + 1] - frame
        line.setToolTip(f"{left} | {right} frames")

    def _commit(self, line: pg.InfiniteLine) -> None:
        delta = self._snapped_frame(line) - line.start_frame
        if delta:
            self.boundary_moved.emit(line.boundary, delta)

    def mouseClickEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        seconds = self.vb.mapSceneToView(event.scenePos()).x()
        index = self.segment_at(seconds)
        if index >= 0:
            extend = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self.segment_clicked.emit(index, extend, event.double())
            event.accept()
