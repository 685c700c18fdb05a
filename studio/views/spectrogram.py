"""The log-mel spectrogram of a take, an image placed in seconds by mel bins."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from studio.views.time_range import SelectingViewBox

# Decibel-like range shown below the loudest bin (natural-log magnitudes).
DYNAMIC_RANGE = 9.0


class SpectrogramPlot(pg.PlotItem):
    """Mel bins against seconds; ``show_mel`` places the image to span ``seconds``."""

    def __init__(self, label: str = "mel bin") -> None:
        super().__init__(viewBox=SelectingViewBox())
        self.setLabel("left", label)
        self.setMouseEnabled(x=True, y=False)
        self.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("magma"))
        self.addItem(self.image)

    def show_mel(self, mel: np.ndarray | None, seconds: float) -> None:
        if mel is None or mel.size == 0 or seconds <= 0:
            self.image.clear()
            return
        mel = np.asarray(mel, dtype=np.float32)
        top = float(np.max(mel))
        self.image.setImage(mel, levels=(top - DYNAMIC_RANGE, top), autoLevels=False)
        self.image.setRect(QRectF(0.0, 0.0, seconds, float(mel.shape[0])))
        self.setYRange(0, mel.shape[0], padding=0)
