"""The studio's tests drive the real window, offscreen, with its real engine process.

QSettings are kept in a temporary folder, so no test reads or changes the user's. Waiting is
done with event loops (``wait_until``), never with ``processEvents``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

import pytest
import shiboken6

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QEventLoop, QPoint, QPointF, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from studio.app import application  # noqa: E402

# The engine loads the bundled voice (the first time, converting it) within this.
LOAD_TIMEOUT = 180.0
MOVE_INTERVAL = 0.03  # seconds between the moves of a mouse drag


def wait_until(condition: Callable[[], object], timeout: float = 60.0, what: str = "") -> None:
    """Run the event loop until ``condition()`` is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what or condition}")
        loop = QEventLoop()
        QTimer.singleShot(10, loop.quit)
        loop.exec()


@pytest.fixture(scope="session")
def studio_app(tmp_path_factory: pytest.TempPathFactory):
    """The QApplication, named as the studio names it, with QSettings in a temporary folder."""
    app = application()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat,
        QSettings.Scope.UserScope,
        str(tmp_path_factory.mktemp("qsettings")),
    )
    return app


def open_window(model: dict[str, str] | None = None, **options) -> object:
    """A window that starts as on a first run: the bundled voice (or ``model``: voice, config,
    vocoder, vocoder_config) and the default size (a test that loads another model or resizes
    a window leaves it remembered in QSettings)."""
    from studio.main_window import MainWindow

    settings = QSettings()
    for key in ("model", "geometry", "window_state"):
        settings.remove(key)
    for key, value in (model or {}).items():  # as if this model was the one used last
        settings.setValue(f"model/{key}", value)
    settings.sync()
    options.setdefault("offer_recovery", False)
    window = MainWindow(**options)
    window.show()
    wait_until(lambda: window.engine_info, LOAD_TIMEOUT, "the engine to load the voice")
    return window


def close_window(window) -> None:
    window.undo_stack.setClean()
    window._text_dirty = False
    window.close()
    shiboken6.delete(window)  # now, not at the interpreter's exit (PySide6 crashes there)


@pytest.fixture(scope="module")
def window(studio_app, glottis_data_dir) -> Iterator[object]:
    """One window (and engine process) for a test module."""
    window = open_window()
    yield window
    close_window(window)


def render(window, text: str, timeout: float = 120.0) -> None:
    """Type nothing: set the text, render, and wait until every take has its audio."""
    window.text_edit.setPlainText(text)
    before = window.undo_stack.index()
    window.render_text()
    wait_until(lambda: window.undo_stack.index() > before, timeout, "the text to be prepared")
    rendered(window, timeout)


def rendered(window, timeout: float = 120.0) -> None:
    wait_until(
        lambda: window.project.takes and all(t.rendered for t in window.project.takes),
        timeout,
        "every take to be rendered",
    )


def _mouse(view, kind: QEvent.Type, point: QPoint, buttons: Qt.MouseButton) -> None:
    button = Qt.MouseButton.LeftButton
    event = QMouseEvent(
        kind,
        QPointF(point),
        QPointF(view.viewport().mapToGlobal(point)),
        button,
        buttons,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view.viewport(), event)


def drag(view, plot, start_seconds: float, end_seconds: float, height: float = 0.5) -> None:
    """Press on ``plot`` at ``start_seconds`` (and ``height`` on its vertical axis), move in
    steps to ``end_seconds``, release."""

    def at(seconds: float) -> QPoint:
        scene = plot.vb.mapViewToScene(QPointF(seconds, height))
        return view.mapFromScene(scene)

    left = Qt.MouseButton.LeftButton
    start, end = at(start_seconds), at(end_seconds)
    _mouse(view, QEvent.Type.MouseMove, start, Qt.MouseButton.NoButton)
    _mouse(view, QEvent.Type.MouseButtonPress, start, left)
    for step in range(1, 11):
        time.sleep(MOVE_INTERVAL)  # pyqtgraph drops moves that come faster than a screen's rate
        point = start + (end - start) * (step / 10)
        _mouse(view, QEvent.Type.MouseMove, point, left)
    _mouse(view, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)
