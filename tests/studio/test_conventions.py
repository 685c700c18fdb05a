"""Desktop conventions that need no engine answer: both palettes readable (WCAG contrast of
every text role on its background), and the window's geometry, layout and theme remembered
in QSettings from one window to the next; the application id and icon the desktop files name."""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QPalette

from studio import appearance

Role, Group = QPalette.ColorRole, QPalette.ColorGroup
# Text on its background: WCAG AA asks 4.5 for text; disabled text is exempt there, but a
# disabled knob's value should still be read, so 3; lines on the plots (boundaries,
# playhead) are graphics, which WCAG asks 3 of.
TEXT, DISABLED, GRAPHICS = 4.5, 3.0, 3.0
TEXT_ROLES = (
    (Role.Text, Role.Base),
    (Role.Text, Role.AlternateBase),
    (Role.WindowText, Role.Window),
    (Role.ButtonText, Role.Button),
    (Role.HighlightedText, Role.Highlight),
    (Role.ToolTipText, Role.ToolTipBase),
    (Role.Link, Role.Base),
)


def _luminance(color: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(color.redF())
        + 0.7152 * channel(color.greenF())
        + 0.0722 * channel(color.blueF())
    )


def contrast(foreground: QColor, background: QColor) -> float:
    """WCAG 2 contrast ratio of ``foreground`` (composited by its alpha) on ``background``."""
    alpha = foreground.alphaF()
    seen = QColor.fromRgbF(
        *(
            alpha * f + (1 - alpha) * b
            for f, b in zip(
                (foreground.redF(), foreground.greenF(), foreground.blueF()),
                (background.redF(), background.greenF(), background.blueF()),
                strict=True,
            )
        )
    )
    lighter, darker = sorted((_luminance(seen), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_is_measured_as_wcag_does():
    assert contrast(QColor("black"), QColor("white")) == pytest.approx(21.0)
    assert contrast(QColor("#767676"), QColor("white")) == pytest.approx(4.54, abs=0.01)
    assert contrast(QColor(0, 0, 0, 0), QColor("white")) == pytest.approx(1.0)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_both_palettes_are_readable(studio_app, theme):
    try:
        appearance.apply_theme(studio_app, theme)
        palette = studio_app.palette()
        low = []
        for group in (Group.Active, Group.Inactive):
            for text, background in TEXT_ROLES:
                ratio = contrast(palette.color(group, text), palette.color(group, background))
                if ratio < TEXT:
                    low.append(f"{group.name} {text.name} on {background.name}: {ratio:.2f}")
            placeholder = contrast(
                palette.color(group, Role.PlaceholderText), palette.color(group, Role.Base)
            )
            if placeholder < DISABLED:
                low.append(f"{group.name} placeholder: {placeholder:.2f}")
        for text, background in TEXT_ROLES[:4]:
            ratio = contrast(
                palette.color(Group.Disabled, text), palette.color(Group.Disabled, background)
            )
            if ratio < DISABLED:
                low.append(f"disabled {text.name} on {background.name}: {ratio:.2f}")
        colors = appearance.plot_colors(studio_app)
        if contrast(colors.foreground, colors.background) < TEXT:
            low.append("plot labels")
        for name in ("boundary", "active", "playhead"):
            if contrast(getattr(colors, name), colors.background) < GRAPHICS:
                low.append(f"plot {name}: {contrast(getattr(colors, name), colors.background):.2f}")
        assert not low, f"{theme} palette: too little contrast: {'; '.join(low)}"
    finally:
        appearance.apply_theme(studio_app, "system")


def test_geometry_layout_and_theme_are_remembered(studio_app, glottis_data_dir):
    """Two windows one after the other (their engines are not waited for): what the first
    leaves is what the second opens with."""
    from studio.main_window import MainWindow

    first = MainWindow(offer_recovery=False)
    try:
        first.show()
        screen = first.screen().availableGeometry()  # restoreGeometry keeps a window on it
        first.resize(int(screen.width() * 0.8), int(screen.height() * 0.7))
        first.compare_dock.show()
        first.set_theme("dark")
        size = first.size()
        first.close()
    finally:
        shiboken6.delete(first)
    settings = QSettings()
    assert settings.value("theme") == "dark"
    assert settings.value("geometry") is not None and settings.value("window_state") is not None

    second = MainWindow(offer_recovery=False)
    try:
        second.show()
        assert second.size() == size
        assert second.compare_dock.isVisible()
        assert second.theme_actions["dark"].isChecked()
        assert studio_app.palette().color(Role.Window) == QColor("#2b2b2b")
        second.compare_dock.hide()
        second.set_theme("system")
        second.close()
    finally:
        shiboken6.delete(second)
    assert QSettings().value("theme") == "system"


def test_the_application_has_the_desktop_id_and_icon(studio_app) -> None:
    from studio.app import APP_ID

    assert studio_app.desktopFileName() == APP_ID
    icon = studio_app.windowIcon()
    assert not icon.isNull() and not icon.pixmap(64, 64).isNull()
