"""The alignment editor: a take's phonemes as labelled segments with draggable boundaries.

All segments are one graphics item that paints only what is in view (a ten-minute take has
thousands of phonemes; an item each would make every redraw slow). A boundary is picked up
within a few pixels of the cursor; dragging it previews at once (it snaps to frames, the two
neighbouring labels move and the status says their lengths), and the edit itself is reported
on release as ``boundary_moved(boundary, frames)``, which the window turns into an undoable
command and a re-render. A drag cannot take either neighbour below its minimum (one frame
per token).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen, QTransform

from studio import durations as dur

SELECTION_BRUSH = QColor(90, 160, 255, 60)
MISHEARD_COLOR = QColor(230, 60, 60)  # the underline of a word proof-listening did not hear
PICK_PIXELS = 5.0  # how close to a boundary a press picks it up


class SegmentsItem(pg.GraphicsObject):
    """Boundaries and labels of one take, in seconds by 0..1."""

    dragged = Signal(int, int)  # boundary, frame it is at (while dragging)
    released = Signal(int, int)  # boundary, frames moved

    def __init__(self) -> None:
        super().__init__()
        self.setAcceptHoverEvents(True)
        self.frame_seconds = dur.DEFAULT_FRAME_SECONDS
        self.starts = np.zeros(1, dtype=np.int64)  # frame each segment starts on, then the end
        self.labels: list[str] = []
        self.limits: list[tuple[int, int]] = []  # per boundary, the frames it may lie between
        self.text_color = QColor(200, 200, 200)
        self.boundary_color = QColor(90, 160, 255)
        self.active_color = QColor(255, 200, 60)  # the boundary hovered or dragged
        self.active = -1  # the boundary hovered or dragged
        self.drag_frame = -1
        self.marked: list[tuple[int, int]] = []  # segments underlined (first, last)

    def set_segments(
        self,
        starts: Sequence[int],
        labels: Sequence[str],
        limits: Sequence[tuple[int, int]],
        frame_seconds: float,
    ) -> None:
        self.prepareGeometryChange()
        self.starts = np.asarray(starts, dtype=np.int64)
        self.labels = list(labels)
        self.limits = list(limits)
        self.frame_seconds = frame_seconds
        self.active = self.drag_frame = -1
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        return QRectF(0.0, 0.0, max(float(self.starts[-1]) * self.frame_seconds, 1e-3), 1.0)

    def boundary_frame(self, boundary: int) -> int:
        """Where boundary ``boundary`` (before segment ``boundary``) is, or is being dragged."""
        if boundary == self.active and self.drag_frame >= 0:
            return self.drag_frame
        return int(self.starts[boundary])

    def _segment_starts(self) -> np.ndarray:
        starts = self.starts.copy()
        if self.drag_frame >= 0 and self.active > 0:
            starts[self.active] = self.drag_frame
        return starts

    def paint(self, painter: QPainter, *_args) -> None:
        view = self.getViewBox()
        if view is None or len(self.labels) == 0:
            return
        (low, high), _ = view.viewRange()
        device = QTransform(painter.transform())  # item -> device pixels, as painted now
        starts = self._segment_starts() * self.frame_seconds
        first = max(int(np.searchsorted(starts, low)) - 1, 0)
        last = min(int(np.searchsorted(starts, high)) + 1, len(self.labels))
        painter.save()
        painter.resetTransform()
        metrics = QFontMetricsF(painter.font())
        top = device.map(QPointF(0, 1)).y()
        bottom = device.map(QPointF(0, 0)).y()
        middle = (top + bottom) / 2
        for boundary in range(max(first, 1), min(last + 1, len(self.labels))):
            x = device.map(QPointF(starts[boundary], 0)).x()
            color = self.active_color if boundary == self.active else self.boundary_color
            painter.setPen(QPen(color, 3 if boundary == self.active else 2))
            painter.drawLine(QPointF(x, top), QPointF(x, bottom))
        painter.setPen(QPen(self.text_color))
        for index in range(first, last):
            label = self.labels[index]
            if not label.strip():
                continue
            left = device.map(QPointF(starts[index], 0)).x()
            right = device.map(QPointF(starts[index + 1], 0)).x()
            width = metrics.horizontalAdvance(label)
            if right - left >= width + 2:
                painter.drawText(
                    QPointF((left + right - width) / 2, middle + metrics.ascent() / 2), label
                )
        painter.setPen(QPen(MISHEARD_COLOR, 3))
        underline = bottom - 0.2 * (bottom - top)
        for first_marked, last_marked in self.marked:
            left = device.map(QPointF(starts[first_marked], 0)).x()
            right = device.map(QPointF(starts[last_marked + 1], 0)).x()
            painter.drawLine(QPointF(left, underline), QPointF(right, underline))
        painter.restore()

    def _nearest(self, scene_pos: QPointF) -> int:
        """The boundary within PICK_PIXELS of ``scene_pos``, or -1."""
        if len(self.labels) < 2:
            return -1
        x = self.mapFromScene(scene_pos).x()
        view = self.getViewBox()
        (low, high), _ = view.viewRange()
        pixel = (high - low) / max(view.width(), 1.0)
        seconds = self.starts[1:-1] * self.frame_seconds
        index = int(np.argmin(np.abs(seconds - x)))
        return index + 1 if abs(seconds[index] - x) <= PICK_PIXELS * pixel else -1

    def hoverEvent(self, event) -> None:  # noqa: N802 (pyqtgraph's name)
        if self.drag_frame >= 0:
            return
        nearest = -1 if event.isExit() else self._nearest(event.scenePos())
        if nearest >= 0:
            event.acceptDrags(Qt.MouseButton.LeftButton)
            self.setCursor(Qt.CursorShape.SizeHorCursor)
        else:
            self.unsetCursor()
        if nearest != self.active:
            self.active = nearest
            self.update()

    def mouseDragEvent(self, event) -> None:  # noqa: N802 (pyqtgraph's name)
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        if event.isStart():
            boundary = self._nearest(event.buttonDownScenePos())
            if boundary < 0:
                event.ignore()  # not on a boundary: the view pans
                return
            self.active = boundary
        elif self.active < 0:
            event.ignore()
            return
        event.accept()
        boundary = self.active
        low, high = self.limits[boundary - 1]
        frame = round(self.mapFromScene(event.scenePos()).x() / self.frame_seconds)
        self.drag_frame = int(min(max(frame, low), high))
        self.update()
        self.dragged.emit(boundary, self.drag_frame)
        if event.isFinish():
            moved = self.drag_frame - int(self.starts[boundary])
            self.drag_frame = -1
            self.update()
            if moved:
                self.released.emit(boundary, moved)


class AlignmentPlot(pg.PlotItem):
    """Segments of one take, on the shared time axis."""

    boundary_moved = Signal(int, int)  # boundary index (before segment i), frames moved
    boundary_dragged = Signal(str)  # a description of the drag in progress
    segment_clicked = Signal(int, bool, bool)  # segment, extend (shift), word (double click)

    def __init__(self) -> None:
        super().__init__()
        self.setLabel("left", "phonemes")
        self.setMouseEnabled(x=True, y=False)
        self.setYRange(0, 1, padding=0)
        self.getAxis("left").setTicks([[]])
        self.hideButtons()
        self.frame_seconds = dur.DEFAULT_FRAME_SECONDS
        self.durations: list[int] = []
        self.parts: list[dur.Segment] = []
        self.segments = SegmentsItem()
        self.addItem(self.segments)
        self.segments.released.connect(self.boundary_moved)
        self.segments.dragged.connect(self._describe_drag)
        self.selection = pg.LinearRegionItem(
            movable=False, brush=SELECTION_BRUSH, pen=pg.mkPen(None)
        )
        self.selection.setZValue(-10)
        self.selection.hide()
        self.addItem(self.selection, ignoreBounds=True)

    def show_take(
        self,
        tokens: Sequence[str],
        durations: Sequence[int],
        frame_seconds: float,
        keep_view: bool = False,
    ) -> None:
        """Draw the segments of ``tokens`` lasting ``durations`` frames of ``frame_seconds``,
        the whole of them unless ``keep_view`` (the person's zoom stays)."""
        if dur.segments(tokens) != self.parts:
            self.segments.marked = []  # another sentence: what was heard was of the old one
        self.frame_seconds = frame_seconds
        self.durations = list(durations)
        self.parts = dur.segments(tokens)
        starts = dur.starts(self.durations, self.parts)
        limits = [
            dur.boundary_limits(self.durations, self.parts, boundary)
            for boundary in range(1, len(self.parts))
        ]
        self.segments.set_segments(starts, [p.label for p in self.parts], limits, frame_seconds)
        if not keep_view:
            self.setXRange(0, max(starts[-1], 1) * frame_seconds, padding=0)

    def mark(self, spans: Sequence[tuple[int, int]]) -> None:
        """Underline segments ``first`` to ``last`` of each span (words not heard as written)."""
        self.segments.marked = [(first, last) for first, last in spans]
        self.segments.update()

    def boundary_seconds(self, boundary: int) -> float:
        return self.segments.boundary_frame(boundary) * self.frame_seconds

    def set_colors(self, text: QColor, boundary: QColor, active: QColor) -> None:
        """Labels, boundaries and the hovered or dragged boundary in these colours."""
        self.segments.text_color = QColor(text)
        self.segments.boundary_color = QColor(boundary)
        self.segments.active_color = QColor(active)
        self.segments.update()

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
        index = int(np.searchsorted(starts, seconds / self.frame_seconds, side="right")) - 1
        return min(max(index, 0), len(self.parts) - 1)

    def _describe_drag(self, boundary: int, frame: int) -> None:
        starts = dur.starts(self.durations, self.parts)
        left, right = self.parts[boundary - 1], self.parts[boundary]
        self.boundary_dragged.emit(
            f"{left.label or '·'} {frame - starts[boundary - 1]} frames | "
            f"{right.label or '·'} {starts[boundary + 1] - frame} frames"
        )

    def mouseClickEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        seconds = self.vb.mapSceneToView(event.scenePos()).x()
        index = self.segment_at(seconds)
        if index >= 0:
            extend = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self.segment_clicked.emit(index, extend, event.double())
            event.accept()
