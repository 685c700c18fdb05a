"""A horizontal input meter in dBFS: RMS as a bar, peak as a mark with a short hold.

The scale runs from ``MIN_DBFS`` to 0 dBFS; the zone above the clipping threshold
(-1 dBFS) is drawn red, and the bar turns red while the peak is in it. Colours come from
the palette, so the meter reads in the light and the dark theme alike.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.audio.recording import CLIP_DBFS, SILENT, Level

MIN_DBFS = -60.0
PEAK_HOLD_SECONDS = 1.0
TICKS = (-60, -48, -36, -24, -18, -12, -6, -3, 0)
CLIP_RED = QColor(214, 48, 49)
SPEECH_GREEN = QColor(46, 160, 67)


def _fraction(dbfs: float) -> float:
    return min(max((dbfs - MIN_DBFS) / -MIN_DBFS, 0.0), 1.0)


class LevelMeterView(QWidget):
    """Draws the latest :class:`Level`; :meth:`set_level` is called by the panel's timer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.level: Level = SILENT
        self.held_peak = SILENT.peak_dbfs
        self._held_at = 0.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(
            f"Input level in dBFS: bar = RMS, mark = peak; red above {CLIP_DBFS:g} dBFS (clipping)"
        )

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(320, 3 * self.fontMetrics().height())

    def set_level(self, level: Level) -> None:
        now = time.monotonic()
        self.level = level
        if level.peak_dbfs >= self.held_peak or now - self._held_at > PEAK_HOLD_SECONDS:
            self.held_peak, self._held_at = level.peak_dbfs, now
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt's name)
        palette = self.palette()
        text_color = palette.color(QPalette.ColorRole.WindowText)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        label_height = self.fontMetrics().height()
        bar = QRectF(0, 0, self.width() - 1, self.height() - label_height - 2)
        painter.fillRect(bar, palette.color(QPalette.ColorRole.Base))
        clip_x = bar.width() * _fraction(CLIP_DBFS)
        zone = QColor(CLIP_RED)
        zone.setAlpha(70)
        painter.fillRect(QRectF(clip_x, 0, bar.width() - clip_x, bar.height()), zone)
        rms_width = bar.width() * _fraction(self.level.rms_dbfs)
        fill = CLIP_RED if self.level.clipping else SPEECH_GREEN
        painter.fillRect(QRectF(0, 2, rms_width, bar.height() - 4), fill)
        painter.setPen(text_color)
        for peak, width in ((self.level.peak_dbfs, 2), (self.held_peak, 1)):
            if peak > MIN_DBFS:
                x = bar.width() * _fraction(peak)
                painter.fillRect(QRectF(x - width / 2, 0, width, bar.height()), text_color)
        painter.drawRect(bar)
        for tick in TICKS:
            x = bar.width() * _fraction(tick)
            painter.drawLine(int(x), int(bar.height()), int(x), int(bar.height()) + 3)
            text = f"{tick}"
            width = self.fontMetrics().horizontalAdvance(text)
            left = min(max(x - width / 2, 0), self.width() - width)
            painter.drawText(
                QRectF(left, bar.height() + 2, width, label_height),
                Qt.AlignmentFlag.AlignCenter,
                text,
            )
        painter.end()
