"""An axis that labels a plot's positions in another unit, mapped linearly: the F0 (Hz) beside
the spectrogram's mel bins, the intensity (dB) beside the waveform's amplitude. The track is
drawn in the plot's own coordinates (``to_position``), so it needs no view box of its own,
and the axis finds round values in its unit the way pyqtgraph's axes do."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg


class TrackAxis(pg.AxisItem):
    """Positions ``low_position..high_position`` labelled ``low..high`` in the axis's unit."""

    def __init__(self, orientation: str = "right") -> None:
        super().__init__(orientation)
        self.enableAutoSIPrefix(False)
        self.low, self.high = 0.0, 1.0
        self.low_position, self.high_position = 0.0, 1.0

    def set_mapping(
        self, low: float, high: float, low_position: float, high_position: float
    ) -> None:
        """Values ``low..high`` drawn between positions ``low_position..high_position``."""
        if high <= low or high_position == low_position:
            return
        self.low, self.high = float(low), float(high)
        self.low_position, self.high_position = float(low_position), float(high_position)
        self.picture = None  # pyqtgraph's cached drawing of the ticks
        self.update()

    @property
    def _ratio(self) -> float:
        return (self.high_position - self.low_position) / (self.high - self.low)

    def to_position(self, values: np.ndarray) -> np.ndarray:
        return self.low_position + (np.asarray(values, dtype=np.float64) - self.low) * self._ratio

    def to_value(self, positions: np.ndarray | float) -> np.ndarray:
        shift = np.asarray(positions, dtype=np.float64) - self.low_position
        return self.low + shift / self._ratio

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph's names)
        """Round values of the unit between ``low`` and ``high``, at their positions."""
        low = max(float(self.to_value(minVal)), self.low)
        high = min(float(self.to_value(maxVal)), self.high)
        if high <= low:
            return []
        levels = super().tickValues(low, high, size)
        return [
            (spacing * abs(self._ratio), [float(self.to_position(v)) for v in values])
            for spacing, values in levels
        ]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        return [f"{float(self.to_value(v)):.0f}" for v in values]
