"""The log-mel spectrogram of a take, an image placed in seconds by mel bins, labelled in Hz
on the left; the take's pitch (F0) over it, on a Hz axis of its own on the right, as Praat
draws it.

The left axis's ticks sit where the engine's filterbank puts those frequencies: the engine
says its mel scale (:class:`engine.api.MelScale`) and :mod:`engine.audio.mel_scale`, the
formula of the filterbank itself, places them. Row ``i`` of the image is filter ``i``, drawn
from ``i`` to ``i + 1``, so a frequency sits at its fractional filter index plus a half.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from engine.api import MelScale, Tracks
from engine.audio.mel_scale import bin_of_hz, hz_of_bin
from studio.views.time_range import SelectingViewBox
from studio.views.track_axis import TrackAxis

# Decibel-like range shown below the loudest bin (natural-log magnitudes).
DYNAMIC_RANGE = 9.0
# The bundled voice's spectrogram, until the engine says what the loaded model's is.
DEFAULT_SCALE = MelScale(sample_rate=22050, n_mels=80, fmin=0.0, fmax=11025.0)
HZ_TICKS = (100, 200, 500, 1000, 2000, 4000, 8000, 16000)
PITCH_COLOR = (80, 200, 255)


TICK_GAP_PIXELS = 16  # the least distance between two labelled ticks


def hz_label(hz: float) -> str:
    return f"{hz / 1000:g}k" if hz >= 1000 else f"{hz:g}"


class HzAxis(pg.AxisItem):
    """The spectrogram's left axis: round frequencies at the rows where they lie; from the
    top down, a tick too close to the one above it for its label to fit is left out (the
    low ones crowd together on the mel scale when the plot is short)."""

    def __init__(self) -> None:
        super().__init__("left")
        self.enableAutoSIPrefix(False)
        self.ticks: list[tuple[float, str]] = []  # (row, label), every candidate

    def set_ticks(self, ticks: list[tuple[float, str]]) -> None:
        self.ticks = sorted(ticks, reverse=True)
        self.picture = None  # pyqtgraph's cached drawing of the ticks
        self.update()

    def shown(self, low: float, high: float, pixels: float) -> list[tuple[float, str]]:
        """The ticks labelled when rows ``low..high`` span ``pixels``."""
        per_row = pixels / (high - low) if high > low else 0.0
        kept: list[tuple[float, str]] = []
        for row, label in self.ticks:
            fits = not kept or (kept[-1][0] - row) * per_row >= TICK_GAP_PIXELS
            if low <= row <= high and fits:
                kept.append((row, label))
        return kept

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph's names)
        return [(1.0, [row for row, _ in self.shown(minVal, maxVal, size)])]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        labels = dict(self.ticks)
        return [labels.get(value, "") for value in values]


class SpectrogramPlot(pg.PlotItem):
    """Mel bins against seconds, labelled in Hz; ``show_mel`` places the image to span
    ``seconds``, ``show_pitch`` draws the F0 over it."""

    def __init__(self, label: str = "frequency (Hz)") -> None:
        super().__init__(
            viewBox=SelectingViewBox(),
            axisItems={"left": HzAxis(), "right": TrackAxis("right")},
        )
        self.setLabel("left", label)
        self.setMouseEnabled(x=True, y=False)
        self.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("magma"))
        self.addItem(self.image)
        self.scale = DEFAULT_SCALE
        self.hz_axis: HzAxis = self.getAxis("left")
        self.set_mel_scale(DEFAULT_SCALE)
        self.pitch_axis: TrackAxis = self.getAxis("right")
        self.setLabel("right", "F0 (Hz)")
        self.pitch_curve = pg.PlotCurveItem(connect="finite", pen=pg.mkPen(PITCH_COLOR, width=2))
        self.pitch_dots = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(PITCH_COLOR))
        for item in (self.pitch_curve, self.pitch_dots):
            item.setZValue(10)
            self.addItem(item, ignoreBounds=True)
        self.tracks: Tracks | None = None

    def set_mel_scale(self, scale: MelScale) -> None:
        """Label the rows in Hz where ``scale``'s filters put the round frequencies."""
        self.scale = scale
        inside = [hz for hz in HZ_TICKS if scale.fmin <= hz <= scale.fmax]
        rows = self.row_of_hz(np.asarray(inside, dtype=np.float64))
        self.hz_axis.set_ticks(
            [(float(row), hz_label(hz)) for row, hz in zip(rows, inside, strict=True)]
        )

    def row_of_hz(self, hz: np.ndarray) -> np.ndarray:
        """Where ``hz`` lies on the image's rows (the middle of the filter that peaks there)."""
        scale = self.scale
        return bin_of_hz(hz, scale.n_mels, scale.fmin, scale.fmax) + 0.5

    def hz_at(self, row: float) -> float:
        """The frequency at height ``row`` of the image (the inverse of ``row_of_hz``)."""
        scale = self.scale
        return float(hz_of_bin(row - 0.5, scale.n_mels, scale.fmin, scale.fmax))

    def show_mel(self, mel: np.ndarray | None, seconds: float) -> None:
        if mel is None or mel.size == 0 or seconds <= 0:
            self.image.clear()
            return
        mel = np.asarray(mel, dtype=np.float32)
        top = float(np.max(mel))
        self.image.setImage(mel, levels=(top - DYNAMIC_RANGE, top), autoLevels=False)
        self.image.setRect(QRectF(0.0, 0.0, seconds, float(mel.shape[0])))
        self.setYRange(0, mel.shape[0], padding=0)

    def show_pitch(self, tracks: Tracks | None) -> None:
        """The F0 as a line through the voiced frames (a gap where they are unvoiced) and a
        dot on each, on the right axis: the range it was tracked in over the image's height."""
        self.tracks = tracks
        if tracks is None or not len(tracks.times):
            self.pitch_curve.setData([], [])
            self.pitch_dots.setData([], [])
            return
        self.pitch_axis.set_mapping(tracks.floor, tracks.ceiling, 0.0, float(self.scale.n_mels))
        times = np.asarray(tracks.times, dtype=np.float64)
        rows = self.pitch_axis.to_position(tracks.f0)
        self.pitch_curve.setData(times, rows)
        voiced = np.isfinite(rows)
        self.pitch_dots.setData(times[voiced], rows[voiced])

    def set_pitch_shown(self, shown: bool) -> None:
        for item in (self.pitch_curve, self.pitch_dots):
            item.setVisible(shown)
        self.pitch_axis.setStyle(showValues=shown)
        self.pitch_axis.showLabel(shown)
