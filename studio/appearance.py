"""Light and dark palettes (Fusion style, so both read the same on every platform).

Text stands out from its background by WCAG's contrast ratio of at least 4.5 (disabled text,
which WCAG exempts, at least 3, so a disabled knob's value still reads); the plots' lines
(boundaries, playhead) by at least 3, in both themes.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")

_DARK = {
    QPalette.ColorRole.Window: "#2b2b2b",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1e1e1e",
    QPalette.ColorRole.AlternateBase: "#333333",
    QPalette.ColorRole.ToolTipBase: "#1e1e1e",
    QPalette.ColorRole.ToolTipText: "#e6e6e6",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#3a3a3a",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Link: "#6cb6ff",
    QPalette.ColorRole.Highlight: "#2f6bc9",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.PlaceholderText: "#8c8c8c",
}
_DARK_DISABLED = "#999999"
# Fusion's light palette, with a highlight white text reads on and darker disabled text.
_LIGHT = {
    QPalette.ColorRole.Highlight: "#2a6cb3",
    QPalette.ColorRole.HighlightedText: "#ffffff",
}
_LIGHT_DISABLED = "#707070"
_DISABLED_ROLES = (
    QPalette.ColorRole.Text,
    QPalette.ColorRole.ButtonText,
    QPalette.ColorRole.WindowText,
)


@dataclass(frozen=True)
class PlotColors:
    """The plots' colours for the palette in use."""

    background: QColor
    foreground: QColor
    boundary: QColor  # phoneme boundaries
    active: QColor  # the boundary hovered or dragged
    playhead: QColor


def apply_theme(app: QApplication, theme: str) -> None:
    """Set the application palette for ``theme`` ("system", "light" or "dark")."""
    app.setStyle("Fusion")
    if theme in ("dark", "light"):
        palette = QPalette() if theme == "dark" else app.style().standardPalette()
        for role, color in (_DARK if theme == "dark" else _LIGHT).items():
            palette.setColor(role, QColor(color))
        disabled = QColor(_DARK_DISABLED if theme == "dark" else _LIGHT_DISABLED)
        for role in _DISABLED_ROLES:
            palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    else:
        palette = QPalette()
    app.setPalette(palette)


def plot_colors(app: QApplication) -> PlotColors:
    """The plots' colours: background and text from the palette in use, lines that stand out
    on that background (light blue and yellow on dark, deep blue and orange on light)."""
    palette = app.palette()
    background = palette.color(QPalette.ColorRole.Base)
    foreground = palette.color(QPalette.ColorRole.Text)
    if background.lightnessF() < 0.5:
        return PlotColors(
            background, foreground, QColor(90, 160, 255), QColor(255, 200, 60), QColor(255, 210, 0)
        )
    return PlotColors(
        background, foreground, QColor("#1f5fbf"), QColor("#b34700"), QColor("#c05000")
    )
