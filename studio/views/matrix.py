"""The alignment matrix of a mel model's take: tokens (vertical) against time (seconds).

Glow-TTS and Grad-TTS expand each encoder token over the frames its duration gives, so at
inference their attention is a hard monotonic path: token ``i`` owns frames ``start_i`` to
``start_i + duration_i``. This view draws that path as an image on the take's time axis, built
from the durations being edited, so it moves with every edit (and with a drag's preview)
before any re-render.

A very long take is binned along time (a bin is lit where its token speaks in any of its
frames) so the image stays within ``MAX_CELLS``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from studio import durations as dur

MAX_CELLS = 4_000_000  # tokens x time bins of the image at most (4 MB of uint8)
MAX_TICKS = 60  # tokens labelled on the vertical axis at most


def path_matrix(durations: Sequence[int], step: int = 1) -> np.ndarray:
    """The hard alignment [tokens, ceil(frames / step)]: 1 where token ``i`` owns the frame
    (or any frame of the bin of ``step`` frames), else 0."""
    lengths = np.asarray(durations, dtype=np.int64)
    frames = int(lengths.sum())
    matrix = np.zeros((len(lengths), max(math.ceil(frames / step), 1)), dtype=np.uint8)
    owner = np.repeat(np.arange(len(lengths)), lengths)
    matrix[owner, np.arange(frames) // step] = 1
    return matrix


class AlignmentMatrixPlot(pg.PlotItem):
    """The token x frame path of one take; ``matrix`` is the image shown, ``step`` its bin."""

    def __init__(self) -> None:
        super().__init__()
        self.setLabel("left", "token")
        self.setMouseEnabled(x=True, y=False)
        self.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.addItem(self.image)
        self.matrix = np.zeros((0, 0), dtype=np.uint8)
        self.step = 1

    def show_durations(
        self, tokens: Sequence[str], durations: Sequence[int], frame_seconds: float
    ) -> None:
        """Draw the path of ``tokens`` lasting ``durations`` frames of ``frame_seconds``."""
        frames = int(sum(durations))
        if not tokens or frames <= 0:
            self.matrix = np.zeros((0, 0), dtype=np.uint8)
            self.image.clear()
            self.getAxis("left").setTicks(None)
            return
        self.step = max(1, math.ceil(len(tokens) * frames / MAX_CELLS))
        self.matrix = path_matrix(durations, self.step)
        self.image.setImage(self.matrix, levels=(0, 1), autoLevels=False)
        self.image.setRect(QRectF(0.0, 0.0, frames * frame_seconds, float(len(tokens))))
        self.setYRange(0, len(tokens), padding=0)
        labelled = [(i + 0.5, dur.label(t)) for i, t in enumerate(tokens) if dur.label(t).strip()]
        if len(labelled) <= MAX_TICKS:
            self.getAxis("left").setTicks([labelled])
        else:
            self.getAxis("left").setTicks(None)

    def token_frames(self, token: int) -> int:
        """How many frames (bins) of the image ``token`` owns: what a test reads back."""
        return int(self.matrix[token].sum()) if len(self.matrix) else 0
