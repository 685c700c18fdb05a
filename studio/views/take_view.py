"""The views of a take stacked on one time axis, with the playhead over all of them: waveform,
log-mel, (for mel models) the alignment matrix, and the alignment editor.

Clicking any view seeks there; the alignment editor below the spectrogram also selects the
phoneme clicked (shift extends, a double click takes the whole word). A left drag across the
waveform or the spectrogram selects a stretch of time, as in Praat; the selected phonemes
select the time they span. The selected time is shaded on every view and is what Play plays.
With the view focused, Left/Right shorten/lengthen the selected phonemes by one frame and
Ctrl+Left/Right select the previous/next phoneme.

The take's pitch is drawn over the spectrogram and its intensity over the waveform, each on a
right-hand axis of its own (``show_tracks`` shows or hides them); ``readout_changed`` says
what lies under the mouse (:mod:`studio.views.readout`), and "" when it leaves the views.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent

from engine.api import MelScale
from studio import durations as dur
from studio.appearance import PlotColors
from studio.project import Rendered, Take
from studio.views.alignment import AlignmentPlot
from studio.views.matrix import AlignmentMatrixPlot
from studio.views.readout import Readout, phoneme_and_word, segment_at, track_value
from studio.views.spectrogram import SpectrogramPlot
from studio.views.time_range import range_band
from studio.views.waveform import WaveformPlot

MATRIX_ROW = 2  # the alignment matrix's row, between the spectrogram and the editor
ZOOM_STEP = 2.0  # each zoom in halves the time shown, each zoom out doubles it
NARROWEST_FRAMES = 8  # the least time a view shows
AXIS_WIDTH = 60  # pixels of each right-hand axis


class TakeView(pg.GraphicsLayoutWidget):
    """Waveform, log-mel, alignment matrix (mel models) and alignment editor of a take."""

    seek_requested = Signal(float)
    boundary_moved = Signal(int, int)  # boundary, frames
    boundary_dragged = Signal(str)  # what the drag in progress would make
    nudge_requested = Signal(int)  # frames (+ longer, - shorter) for the selection
    selection_changed = Signal(int, int)  # first, last segment (-1, -1: none)
    range_changed = Signal(float, float)  # the selected time in seconds (-1, -1: none)
    readout_changed = Signal(str)  # what lies under the mouse ("" when it is off the views)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.waveform = WaveformPlot()
        self.spectrogram = SpectrogramPlot()
        self.matrix = AlignmentMatrixPlot()
        self.alignment = AlignmentPlot()
        self.addItem(self.waveform, row=0, col=0)
        self.addItem(self.spectrogram, row=1, col=0)
        self.addItem(self.alignment, row=MATRIX_ROW + 1, col=0)
        self.ci.layout.setRowStretchFactor(0, 3)
        self.ci.layout.setRowStretchFactor(1, 4)
        self.ci.layout.setRowStretchFactor(MATRIX_ROW + 1, 1)
        self.plots = (self.waveform, self.spectrogram, self.matrix, self.alignment)
        for plot in self.plots[1:]:
            plot.setXLink(self.waveform)
        for plot in self.plots[:3]:
            plot.getAxis("bottom").setStyle(showValues=False)
        self.alignment.setLabel("bottom", "time", units="s")
        for plot in self.plots:
            plot.getAxis("left").setWidth(60)
            # Every view keeps a right axis as wide as the tracks' own, so that one time
            # lies at one x in all of them.
            plot.showAxis("right")
            plot.getAxis("right").setWidth(AXIS_WIDTH)
        for plot in (self.matrix, self.alignment):
            plot.getAxis("right").setStyle(showValues=False)
        for plot in self.plots:
            # Laid out now: x-linked views map their ranges through their places on screen,
            # so an axis not yet counted would narrow a take opened before the window shows.
            plot.layout.activate()
        # Before the first take: a second of time, the spectrogram's 80 bins, a full-scale
        # waveform (not pyqtgraph's default of -0.5 to 0.5, which it labels "(x0.001)" and
        # scales by a thousand).
        self.waveform.setXRange(0, 1, padding=0)
        self.waveform.setYRange(-1, 1, padding=0)
        self.spectrogram.setYRange(0, 80, padding=0)
        self.matrix_shown = False
        self._take: Take | None = None
        self._frame_seconds = 1.0
        self.playheads = []
        for plot in self.plots:
            line = pg.InfiniteLine(pos=0, movable=False, pen=pg.mkPen((255, 210, 0), width=2))
            line.setZValue(100)
            plot.addItem(line, ignoreBounds=True)
            self.playheads.append(line)
        self.first = self.last = -1
        self.time_range: tuple[float, float] | None = None
        shaded: tuple[pg.PlotItem, ...] = (self.waveform, self.spectrogram, self.matrix)
        self.bands = [range_band() for _ in shaded]
        for plot_item, band in zip(shaded, self.bands, strict=True):
            plot_item.addItem(band, ignoreBounds=True)
        self.waveform.vb.range_dragged.connect(self._on_range_dragged)
        self.spectrogram.vb.range_dragged.connect(self._on_range_dragged)
        self.scene().sigMouseClicked.connect(self._on_click)
        self.alignment.boundary_moved.connect(self.boundary_moved)
        self.alignment.boundary_dragged.connect(self.boundary_dragged)
        self.alignment.segment_clicked.connect(self._on_segment_clicked)
        self.alignment.segments.dragged.connect(self._preview_matrix)

    def show_matrix(self, shown: bool) -> None:
        """Show the alignment matrix (for mel models) or take its row away."""
        if shown == self.matrix_shown:
            return
        self.matrix_shown = shown
        if shown:
            self.addItem(self.matrix, row=MATRIX_ROW, col=0)
            self.ci.layout.setRowStretchFactor(MATRIX_ROW, 3)
            self._draw_matrix()
        else:
            self.removeItem(self.matrix)
            self.ci.layout.setRowStretchFactor(MATRIX_ROW, 0)

    def _draw_matrix(self, durations=None) -> None:
        if not self.matrix_shown:
            return
        take = self._take
        if take is None:
            self.matrix.show_durations([], [], self._frame_seconds)
            return
        durations = take.durations if durations is None else durations
        self.matrix.show_durations(take.tokens, durations, self._frame_seconds)

    def _preview_matrix(self, boundary: int, frame: int) -> None:
        """While a boundary is dragged, the matrix shows the durations it would make."""
        take = self._take
        if take is None or not self.matrix_shown:
            return
        parts = self.alignment.parts
        moved = frame - dur.starts(take.durations, parts)[boundary]
        self._draw_matrix(dur.move_boundary(take.durations, parts, boundary, moved))

    def show_take(self, take: Take | None, rendered: Rendered | None, frame_seconds: float) -> None:
        """Draw ``take`` (its current durations) over ``rendered`` (its latest audio). The zoom
        stays while the same sentence is shown again (after an edit or a render); another
        sentence is shown whole."""
        same = (
            take is not None
            and self._take is not None
            and (take.text, take.tokens) == (self._take.text, self._take.tokens)
        )
        self._take, self._frame_seconds = take, frame_seconds
        self._draw_matrix()
        if take is None:
            self.waveform.show_audio(None, 1)
            self.spectrogram.show_mel(None, 0)
            self.spectrogram.show_pitch(None)
            self.waveform.show_intensity(None)
            self.alignment.clear_take()
            self.set_selection(-1, -1)
            return
        if rendered is not None:
            self.waveform.show_audio(rendered.audio, rendered.sample_rate)
            self.spectrogram.show_mel(rendered.mel, rendered.seconds)
            self.spectrogram.show_pitch(rendered.tracks)
            self.waveform.show_intensity(rendered.tracks)
        self.alignment.show_take(take.tokens, take.durations, frame_seconds, keep_view=same)
        count = len(self.alignment.parts)
        if self.first >= count:
            self.set_selection(-1, -1)
        elif self.first >= 0:
            self.set_selection(self.first, self.last)
        elif self.time_range is not None:
            self.set_time_range(*self.time_range)

    def set_mel_scale(self, scale: MelScale) -> None:
        """Label the spectrogram in Hz as the loaded model's mel filters lie."""
        self.spectrogram.set_mel_scale(scale)

    def show_tracks(self, pitch: bool, intensity: bool) -> None:
        """Show or hide the pitch track (over the spectrogram) and the intensity track (over
        the waveform), each with its axis."""
        self.spectrogram.set_pitch_shown(pitch)
        self.waveform.set_intensity_shown(intensity)

    def readout_at(self, scene_pos: QPointF) -> Readout | None:
        """What lies at ``scene_pos``: None off the plots' data areas or before a take."""
        take = self._take
        if take is None:
            return None
        for plot in self.plots:
            if plot.scene() is not self.scene() or not plot.vb.sceneBoundingRect().contains(
                scene_pos
            ):
                continue
            point = plot.vb.mapSceneToView(scene_pos)
            seconds = float(point.x())
            if not 0.0 <= seconds <= self.take_seconds:
                return None
            parts = self.alignment.parts
            index = segment_at(dur.starts(take.durations, parts), seconds / self._frame_seconds)
            phoneme, word = phoneme_and_word(take.text, parts, index)
            spectrogram = self.spectrogram
            hz = spectrogram.hz_at(float(point.y())) if plot is spectrogram else None
            tracks = spectrogram.tracks
            return Readout(
                seconds,
                hz,
                phoneme,
                word,
                track_value(tracks, "f0", seconds),
                track_value(tracks, "intensity", seconds),
            )
        return None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        """Every move updates the readout (the scene's own move signal drops moves that come
        faster than a screen redraws, which could leave the readout where the mouse was)."""
        super().mouseMoveEvent(event)
        readout = self.readout_at(self.mapToScene(event.position().toPoint()))
        self.readout_changed.emit("" if readout is None else readout.text())

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().leaveEvent(event)
        self.readout_changed.emit("")

    def apply_palette(self, colors: PlotColors) -> None:
        """Plot background, axes, labels and lines in the window's palette colours."""
        self.setBackground(colors.background)
        for plot in self.plots:
            for name in ("left", "bottom", "right"):
                plot.getAxis(name).setPen(colors.foreground)
                plot.getAxis(name).setTextPen(colors.foreground)
        self.alignment.set_colors(colors.foreground, colors.boundary, colors.active)
        self.waveform.curve.setPen(pg.mkPen(colors.foreground, width=1))
        for line in self.playheads:
            line.setPen(pg.mkPen(colors.playhead, width=2))

    def set_playhead(self, seconds: float) -> None:
        for line in self.playheads:
            line.setPos(seconds)

    @property
    def playhead(self) -> float:
        return float(self.playheads[0].value())

    @property
    def take_seconds(self) -> float:
        """The shown take's length (a second before there is one)."""
        if self._take is None:
            return 1.0
        return max(sum(self._take.durations), 1) * self._frame_seconds

    def zoom(self, factor: float) -> None:
        """Show ``factor`` times less time (more for a factor below 1), as Praat zooms: about
        the playhead where it is in view, else about the middle; never past the take's ends
        or narrower than a few frames."""
        low, high = self.waveform.viewRange()[0]
        total = self.take_seconds
        width = min(max((high - low) / factor, NARROWEST_FRAMES * self._frame_seconds), total)
        centre = self.playhead if low <= self.playhead <= high else (low + high) / 2
        share = (centre - low) / (high - low) if high > low else 0.5
        start = min(max(centre - share * width, 0.0), total - width)
        self.waveform.setXRange(start, start + width, padding=0)

    def show_all(self) -> None:
        """The whole take."""
        self.waveform.setXRange(0, self.take_seconds, padding=0)

    def zoom_to_selection(self) -> None:
        """The selected time fills the view (nothing happens without a selection)."""
        if self._take is None or self.time_range is None:
            return
        start, end = self.time_range
        self.waveform.setXRange(start, max(end, start + self._frame_seconds), padding=0)

    def set_selection(self, first: int, last: int) -> None:
        """Select phonemes ``first`` to ``last`` and the time they span (-1: neither)."""
        if first > last:
            first, last = last, first
        self.first, self.last = first, last
        self.alignment.select(first, last)
        if first >= 0 and self._take is not None:
            starts = dur.starts(list(self._take.durations), self.alignment.parts)
            self.set_time_range(
                starts[first] * self._frame_seconds, starts[last + 1] * self._frame_seconds
            )
        else:
            self.set_time_range(None)
        self.selection_changed.emit(first, last)

    def set_time_range(self, start: float | None, end: float | None = None) -> None:
        """Select ``start`` to ``end`` seconds of the take (in either order, kept within it),
        or nothing when ``start`` is None or the two are the same."""
        if start is None or end is None or self._take is None:
            selected = None
        else:
            low, high = sorted((start, end))
            low, high = max(low, 0.0), min(high, self.take_seconds)
            selected = (low, high) if high > low else None
        self.time_range = selected
        for band in self.bands:
            if selected is None:
                band.hide()
            else:
                band.setRegion(selected)
                band.show()
        self.range_changed.emit(*(selected or (-1.0, -1.0)))

    def _on_range_dragged(self, start: float, end: float, _finished: bool) -> None:
        """A drag across the waveform or spectrogram: that time, and no phonemes, selected."""
        if self.first >= 0:
            self.first = self.last = -1
            self.alignment.select(-1, -1)
            self.selection_changed.emit(-1, -1)
        self.set_time_range(start, end)

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        for plot in self.plots:
            if plot.scene() is self.scene() and plot.sceneBoundingRect().contains(event.scenePos()):
                seconds = plot.vb.mapSceneToView(event.scenePos()).x()
                if plot is not self.alignment:
                    self.set_selection(-1, -1)  # a click sets the playhead, as in Praat
                self.seek_requested.emit(max(0.0, float(seconds)))
                return

    def _on_segment_clicked(self, index: int, extend: bool, word: bool) -> None:
        self.setFocus()
        if word:
            self.set_selection(*dur.word_at(self.alignment.parts, index))
        elif extend and self.first >= 0:
            self.set_selection(min(self.first, index), max(self.last, index))
        else:
            self.set_selection(index, index)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        key = event.key()
        count = len(self.alignment.parts)
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and count:
            step = 1 if key == Qt.Key.Key_Right else -1
            if ctrl or self.first < 0:
                index = self.first if step < 0 else self.last
                index = int(np.clip(index + step, 0, count - 1)) if index >= 0 else 0
                self.set_selection(index, index)
            else:
                self.nudge_requested.emit(step)
            event.accept()
            return
        if key == Qt.Key.Key_Escape:
            self.set_selection(-1, -1)
            event.accept()
            return
        super().keyPressEvent(event)
