"""A studio session for test_recovery: render, edit, wait for the autosave, then wait to be
killed. Prints ``AUTOSAVED <text> <durations as JSON>`` once the edit is on disk.

Run as ``python -m tests.studio.autosave_driver TEXT`` with QT_QPA_PLATFORM=offscreen.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QEventLoop

from studio.app import application
from tests.studio.conftest import render, wait_until

AUTOSAVE_MS = 200


def main() -> None:
    application()
    from studio.main_window import MainWindow

    window = MainWindow(autosave_ms=AUTOSAVE_MS, offer_recovery=False)
    window.show()
    wait_until(lambda: window.engine_info, 300, "the voice")
    render(window, sys.argv[1])
    window.move_boundary(2, 1)
    wait_until(lambda: window.current_take.rendered is not None, 60, "the re-render")
    edited = window.current_take.durations
    wait_until(lambda: not window.autosave.busy, 30, "the autosave in progress")
    written = window.write_autosave()  # None when the timer has written this state already
    if written is not None:
        written.result()
    print(
        "AUTOSAVED",
        json.dumps({"text": window.text_edit.toPlainText(), "durations": list(edited)}),
        flush=True,
    )
    QEventLoop().exec()  # until killed


if __name__ == "__main__":
    main()
