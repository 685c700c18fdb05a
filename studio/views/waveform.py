"""The waveform of a take: peak-downsampled and clipped to the view, so a ten-minute take
(13 million samples) draws as fast as a short one; the take's intensity over it, on a dB axis
of its own on the right (Praat's intensity, :class:`engine.api.Tracks`)."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from engine.api import Tracks
from studio.views.time_range import SelectingViewBox
from studio.views.track_axis import TrackAxis

INTENSITY_COLOR = (240, 200, 40)
INTENSITY_SPAN_DB = 50.0  # shown below the take's loudest frame (rounded up to 10 dB)


class WaveformPlot(pg.PlotItem):
    """Amplitude against seconds; ``show_intensity`` draws the dB over it."""

    def __init__(self) -> None:
        super().__init__(viewBox=SelectingViewBox(), axisItems={"right": TrackAxis("right")})
        self.setLabel("left", "amplitude")
        self.getAxis("left").enableAutoSIPrefix(False)
        self.setMouseEnabled(x=True, y=False)
        self.setYRange(-1, 1, padding=0.02)
        self.hideButtons()
        self.curve = self.plot(pen=pg.mkPen(width=1))
        self.curve.setDownsampling(auto=True, method="peak")
        self.curve.setClipToView(True)
        self.curve.setSkipFiniteCheck(True)
        self.peak = 1.0
        self.intensity_axis: TrackAxis = self.getAxis("right")
        self.setLabel("right", "intensity (dB)")
        self.intensity_curve = pg.PlotCurveItem(
            connect="finite", pen=pg.mkPen(INTENSITY_COLOR, width=2)
        )
        self.intensity_curve.setZValue(10)
        self.addItem(self.intensity_curve, ignoreBounds=True)
        self.tracks: Tracks | None = None

    def show_audio(self, audio: np.ndarray | None, sample_rate: int) -> None:
        if audio is None or len(audio) == 0:
            self.curve.setData([], [])
            return
        seconds = np.arange(len(audio), dtype=np.float64) / sample_rate
        self.curve.setData(seconds, np.asarray(audio, dtype=np.float32))
        self.peak = float(np.max(np.abs(audio))) or 1.0
        self.setYRange(-self.peak, self.peak, padding=0.05)

    def show_intensity(self, tracks: Tracks | None) -> None:
        """The intensity from ``INTENSITY_SPAN_DB`` below the take's loudest frame (rounded
        up to 10 dB) at the bottom of the waveform to that at its top; a gap where silent."""
        self.tracks = tracks
        level = np.asarray([] if tracks is None else tracks.intensity, dtype=np.float64)
        if tracks is None or not np.isfinite(level).any():
            self.intensity_curve.setData([], [])
            return
        top = 10.0 * math.ceil(float(np.nanmax(level)) / 10.0)
        self.intensity_axis.set_mapping(top - INTENSITY_SPAN_DB, top, -self.peak, self.peak)
        rows = self.intensity_axis.to_position(np.maximum(level, top - INTENSITY_SPAN_DB))
        self.intensity_curve.setData(np.asarray(tracks.times, dtype=np.float64), rows)

    def set_intensity_shown(self, shown: bool) -> None:
        self.intensity_curve.setVisible(shown)
        self.intensity_axis.setStyle(showValues=shown)
        self.intensity_axis.showLabel(shown)
