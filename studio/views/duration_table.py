"""The take's phonemes as a table: each segment's start and duration in milliseconds and in
frames, typed into like a spreadsheet. It follows the alignment editor: the same segments, the
same selection both ways, redrawn after every edit and undo.

A typed duration becomes whole frames of the model (rounded to the nearest), shared among the
segment's tokens as every other duration edit shares them; a segment never goes below its
minimum (a frame per token that has one), and the window says so when it holds one there.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from studio import durations as dur

PHONEME, START, DURATION, FRAMES = range(4)
HEADERS = ("Phoneme", "Start (ms)", "Duration (ms)", "Frames")
EDITABLE = (DURATION, FRAMES)
BREAK_LABEL = "·"
MINIMUM_WIDTH = 340  # how a word break or a silent segment reads in the table


class DurationTable(QTableWidget):
    """One row per segment of the shown take."""

    frames_typed = Signal(int, int)  # segment, the frames it should last
    refused = Signal(str)  # a typed value that is no duration, said in one sentence
    rows_selected = Signal(int, int)  # first, last segment (-1, -1: none)

    def __init__(self, parent=None) -> None:
        super().__init__(0, len(HEADERS), parent)
        self.setHorizontalHeaderLabels(HEADERS)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.setMinimumWidth(MINIMUM_WIDTH)  # the headers whole beside the take's views
        self.verticalHeader().setVisible(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.frame_seconds = dur.DEFAULT_FRAME_SECONDS
        self.parts: list[dur.Segment] = []
        self.durations: list[int] = []
        self.itemChanged.connect(self._on_item_changed)
        self.itemSelectionChanged.connect(self._on_selection_changed)

    def show_take(
        self, tokens: Sequence[str], durations: Sequence[int], frame_seconds: float
    ) -> None:
        """Fill the rows for ``tokens`` lasting ``durations`` frames of ``frame_seconds``.

        Rows that already say so are left as they are: the take is shown again whenever the
        engine answers (a render, its tracks), and refilling them would close the cell a
        person is typing into and lose what they typed."""
        parts = dur.segments(tokens) if tokens else []
        if (parts, list(durations), frame_seconds) == (
            self.parts,
            self.durations,
            self.frame_seconds,
        ) and self.rowCount() == len(parts):
            return
        self.frame_seconds = frame_seconds
        self.parts = parts
        self.durations = list(durations)
        starts = dur.starts(self.durations, self.parts)
        milliseconds = frame_seconds * 1000
        with QSignalBlocker(self):
            self.setRowCount(len(self.parts))
            for row, part in enumerate(self.parts):
                frames = part.frames(self.durations)
                cells = (
                    part.label.strip() or BREAK_LABEL,
                    f"{starts[row] * milliseconds:.0f}",
                    f"{frames * milliseconds:.0f}",
                    str(frames),
                )
                for column, text in enumerate(cells):
                    item = QTableWidgetItem(text)
                    if column not in EDITABLE:
                        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                    if column != PHONEME:
                        item.setTextAlignment(Qt.AlignmentFlag.AlignRight)
                    self.setItem(row, column, item)

    def select(self, first: int, last: int) -> None:
        """Select rows ``first`` to ``last`` (-1: none) without saying so back."""
        with QSignalBlocker(self), QSignalBlocker(self.selectionModel()):
            self.clearSelection()
            if 0 <= first < self.rowCount():
                last = min(last, self.rowCount() - 1)
                rows = QItemSelection(
                    self.model().index(first, 0), self.model().index(last, len(HEADERS) - 1)
                )
                self.selectionModel().select(rows, QItemSelectionModel.SelectionFlag.Select)
                self.scrollTo(self.model().index(first, PHONEME))
        self.viewport().update()

    def _on_selection_changed(self) -> None:
        rows = sorted({index.row() for index in self.selectedIndexes()})
        self.rows_selected.emit(*((rows[0], rows[-1]) if rows else (-1, -1)))

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        row, column = item.row(), item.column()
        text = item.text().strip().replace(",", ".")
        unit = "milliseconds" if column == DURATION else "frames"
        try:
            value = float(text.removesuffix("ms").strip() if column == DURATION else text)
        except ValueError:
            value = -1.0
        # Said once the cell's editor has closed: the edit redraws every row.
        if not value >= 0 or value == float("inf"):
            message = f"Type a duration in {unit} (a number of 0 or more), not {text!r}."
            QTimer.singleShot(0, lambda: self._refuse(message))
            return
        frames = round(value if column == FRAMES else value / (self.frame_seconds * 1000))
        QTimer.singleShot(0, lambda: self.frames_typed.emit(row, frames))

    def _refuse(self, message: str) -> None:
        self.show_take_again()
        self.refused.emit(message)

    def show_take_again(self) -> None:
        """The rows as the take is (a refused or unchanged value typed over is put back)."""
        with QSignalBlocker(self):
            milliseconds = self.frame_seconds * 1000
            for row, part in enumerate(self.parts):
                frames = part.frames(self.durations)
                for column, text in (
                    (DURATION, f"{frames * milliseconds:.0f}"),
                    (FRAMES, str(frames)),
                ):
                    cell = self.item(row, column)
                    if cell is not None:
                        cell.setText(text)
