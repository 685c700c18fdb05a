"""Starting the studio: the Qt application, its identity (for QSettings), the window."""

from __future__ import annotations

import argparse
import sys
from importlib.resources import files
from pathlib import Path
from typing import cast

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

ORGANIZATION = "Glottis"
APPLICATION = "Glottis Studio"
# The freedesktop application id: packaging/'s .desktop file, AppStream metainfo and icons.
APP_ID = "io.github.glottis.Studio"


def application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (made once): named for QSettings, high-DPI without rounding."""
    existing = QApplication.instance()
    if existing is not None:
        return cast(QApplication, existing)  # the studio makes no other kind
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(QIcon(str(files("studio") / "resources" / f"{APP_ID}.svg")))
    return app


def main(argv: list[str] | None = None) -> int:
    """``python -m studio [PROJECT_FOLDER] [--text TEXT]``: open the window."""
    parser = argparse.ArgumentParser(prog="python -m studio", description="The Glottis studio")
    parser.add_argument("project", nargs="?", help="a project folder to open")
    parser.add_argument("--text", help="text to put in the editor (rendered once ready)")
    args = parser.parse_args(argv)
    app = application()
    from studio.main_window import MainWindow

    window = MainWindow()
    if args.project:
        window.open_project(Path(args.project), ask=False)
    if args.text:
        window.text_edit.setPlainText(args.text)
        window.engine.loaded.connect(
            lambda _info: window.render_text() if not window.project.takes else None
        )
    window.show()
    code = app.exec()
    # Delete the window while Qt still runs: left to the interpreter's exit, pyqtgraph's
    # items are torn down after the QApplication, and PySide6 crashes there.
    shiboken6.delete(window)
    return code
