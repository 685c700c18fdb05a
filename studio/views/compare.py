"""A/B comparison of two versions of one sentence, both drawn, played in turn with one key.

Every render of a sentence is kept as a *version* for this session: before and after an
edit, another seed, another model (a take moved to it with its timing). The view lists the
versions of the current take's sentence in two selectors, A and B, draws both waveforms on
one time axis with the playhead over them, and says which one is sounding; the window
switches playback between them at the same position (``Switch A/B``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from studio.appearance import PlotColors
from studio.project import Rendered
from studio.views.waveform import WaveformPlot

VERSIONS_KEPT = 12  # per sentence; the oldest go first
MIN_PLOTS_HEIGHT = 180  # pixels: both waveforms readable when the dock opens


@dataclass(eq=False)
class Version:
    """One render of a sentence, named the way the selectors show it."""

    label: str
    text: str
    durations: tuple[int, ...]
    rendered: Rendered


class CompareView(QWidget):
    """Selectors for A and B, their waveforms, and the switch button."""

    switch_requested = Signal()
    changed = Signal()  # A or B picked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.versions: list[Version] = []
        self.a = QComboBox()
        self.b = QComboBox()
        self.a.setToolTip("Version A of this sentence")
        self.b.setToolTip("Version B of this sentence")
        self.switch_button = QPushButton("Switch A/B")
        self.switch_button.setToolTip("Play A, or switch what is playing to the other (Ctrl+B)")
        self.switch_button.clicked.connect(self.switch_requested)
        self.sounding = QLabel("")
        row = QHBoxLayout()
        row.addWidget(QLabel("A"))
        row.addWidget(self.a, 1)
        row.addWidget(QLabel("B"))
        row.addWidget(self.b, 1)
        row.addWidget(self.switch_button)
        row.addWidget(self.sounding)
        self.plots = pg.GraphicsLayoutWidget()
        self.plot_a = WaveformPlot()
        self.plot_b = WaveformPlot()
        self.plot_a.setLabel("left", "A")
        self.plot_b.setLabel("left", "B")
        self.plot_b.setXLink(self.plot_a)
        self.plot_a.getAxis("bottom").setStyle(showValues=False)
        self.plot_b.setLabel("bottom", "time", units="s")
        self.plots.addItem(self.plot_a, row=0, col=0)
        self.plots.addItem(self.plot_b, row=1, col=0)
        self.playheads = []
        for plot in (self.plot_a, self.plot_b):
            plot.getAxis("left").setWidth(60)
            line = pg.InfiniteLine(pos=0, movable=False, pen=pg.mkPen((255, 210, 0), width=2))
            line.hide()
            plot.addItem(line, ignoreBounds=True)
            self.playheads.append(line)
        self.plots.setMinimumHeight(MIN_PLOTS_HEIGHT)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row)
        column.addWidget(self.plots, 1)
        self.a.activated.connect(lambda _: self._draw())
        self.b.activated.connect(lambda _: self._draw())

    def show_versions(self, versions: list[Version], a: Version | None, b: Version | None) -> None:
        """List ``versions`` (of one sentence) in both selectors, with ``a`` and ``b`` picked."""
        self.versions = list(versions)
        for combo, picked in ((self.a, a), (self.b, b)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems([v.label for v in self.versions])
            if picked in self.versions:
                combo.setCurrentIndex(self.versions.index(picked))
            combo.blockSignals(False)
        self._draw()

    def version(self, which: str) -> Version | None:
        """The version picked as ``"A"`` or ``"B"``."""
        index = (self.a if which == "A" else self.b).currentIndex()
        return self.versions[index] if 0 <= index < len(self.versions) else None

    def pick(self, which: str, version: Version) -> None:
        combo = self.a if which == "A" else self.b
        if version in self.versions:
            combo.setCurrentIndex(self.versions.index(version))
            self._draw()

    def set_sounding(self, which: str | None, seconds: float = 0.0) -> None:
        """Mark ``which`` (A, B or None) as playing, its playhead at ``seconds``."""
        self.sounding.setText(f"playing {which}" if which else "")
        for name, line in zip("AB", self.playheads, strict=True):
            line.setVisible(name == which)
            line.setPos(seconds)

    def _draw(self) -> None:
        for which, plot in (("A", self.plot_a), ("B", self.plot_b)):
            version = self.version(which)
            if version is None:
                plot.show_audio(None, 1)
            else:
                plot.show_audio(version.rendered.audio, version.rendered.sample_rate)
        self.changed.emit()

    def apply_palette(self, colors: PlotColors) -> None:
        """Plot background, axes, waveforms and playheads in the window's palette colours."""
        self.plots.setBackground(colors.background)
        for plot in (self.plot_a, self.plot_b):
            for name in ("left", "bottom"):
                plot.getAxis(name).setPen(colors.foreground)
                plot.getAxis(name).setTextPen(colors.foreground)
            plot.curve.setPen(pg.mkPen(colors.foreground, width=1))
        for line in self.playheads:
            line.setPen(pg.mkPen(colors.playhead, width=2))
