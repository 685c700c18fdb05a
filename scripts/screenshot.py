"""Render a sentence in the studio and save the window as docs/screenshot.png.

Run under a display server, e.g. ``xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python
scripts/screenshot.py``, so the picture is what a person sees (the offscreen platform draws
without the window decorations and system fonts' hinting).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEventLoop, QTimer

from studio.app import application

SENTENCE = "Drag a boundary under the spectrogram, and hear the same take, retimed."
OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshot.png"


def wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the studio")
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)
        loop.exec()


def main() -> int:
    application()
    from studio.main_window import MainWindow

    window = MainWindow(offer_recovery=False)
    window.set_theme(sys.argv[1] if len(sys.argv) > 1 else "light")
    window.resize(1440, 860)
    window.show()
    wait_until(lambda: window.engine_info, 300)
    window.panel.seed_lock.setChecked(True)
    window.panel.seed.setValue(7)
    window.text_edit.setPlainText(SENTENCE)
    window.render_text()
    wait_until(lambda: window.project.takes and window.current_take.rendered, 120)
    view = window.take_view
    view.waveform.setXRange(0, 2.2, padding=0)
    view.set_selection(6, 8)
    view.set_playhead(0.9)
    loop = QEventLoop()
    QTimer.singleShot(500, loop.quit)
    loop.exec()
    OUT.parent.mkdir(exist_ok=True)
    window.grab().save(str(OUT))
    print(f"saved {OUT}")
    window.undo_stack.setClean()
    window._text_dirty = False
    window.close()
    shiboken6.delete(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
