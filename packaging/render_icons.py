"""Render the scalable icon into the PNG sizes the freedesktop icon theme spec lists.

The scalable icon is ``studio/resources/io.github.glottis.Studio.svg`` (the window's icon too).
Run after changing it: ``python packaging/render_icons.py`` writes
``icons/hicolor/SIZExSIZE/apps/io.github.glottis.Studio.png``; the PNGs are committed, so
installing needs no renderer.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

APP_ID = "io.github.glottis.Studio"
HERE = Path(__file__).resolve().parent
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(svg: Path, size: int, out: Path) -> None:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not an SVG Qt can draw")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out)):
        raise SystemExit(f"cannot write {out}")


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    svg = HERE.parent / "studio" / "resources" / f"{APP_ID}.svg"
    for size in SIZES:
        render(svg, size, HERE / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
