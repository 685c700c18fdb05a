"""A studio for test_races: the window loads the voice used last (on a fresh data folder the
bundled one, converted then), renders TEXT through its engine process, prints ``RENDERED
<voice> <seconds>`` (or ``REFUSED <message>`` when the voice does not load) and closes.

Run as ``python -m tests.robustness.studio_driver TEXT`` with QT_QPA_PLATFORM=offscreen.
"""

from __future__ import annotations

import sys

from studio.app import application
from tests.studio.conftest import close_window, render, wait_until

LOAD_TIMEOUT = 600


def main() -> int:
    application()
    from studio.main_window import MainWindow

    window = MainWindow(offer_recovery=False)
    window.show()
    wait_until(
        lambda: window.engine_info or "Could not load" in window.message_bar.text(),
        LOAD_TIMEOUT,
        "the voice",
    )
    if window.engine_info is None:
        print("REFUSED", window.message_bar.text(), flush=True)
        close_window(window)
        return 1
    render(window, sys.argv[1], LOAD_TIMEOUT)
    rendered = window.current_take.rendered
    print("RENDERED", window.engine_info.voice, f"{rendered.seconds:.2f}", flush=True)
    close_window(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
