"""The waveform of a take: peak-downsampled and clipped to the view, so a ten-minute take
(13 million samples) draws as fast as a short one."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from studio.views.time_range import SelectingViewBox


class WaveformPlot(pg.PlotItem):
    """Amplitude against seconds."""

    def __init__(self) -> None:
        super().__init__(viewBox=SelectingViewBox())
        self.setLabel("left", "amplitude")
        self.getAxis("left").enableAutoSIPrefix(False)
        self.setMouseEnabled(x=True, y=False)
        self.setYRange(-1, 1, padding=0.02)
        self.hideButtons()
        self.curve = self.plot(pen=pg.mkPen(width=1))
        self.curve.setDownsampling(auto=True, method="peak")
        self.curve.setClipToView(True)
        self.curve.setSkipFiniteCheck(True)

    def show_audio(self, audio: np.ndarray | None, sample_rate: int) -> None:
        if audio is None or len(audio) == 0:
            self.curve.setData([], [])
            return
        seconds = np.arange(len(audio), dtype=np.float64) / sample_rate
        self.curve.setData(seconds, np.asarray(audio, dtype=np.float32))
        peak = float(np.max(np.abs(audio))) or 1.0
        self.setYRange(-peak, peak, padding=0.05)
