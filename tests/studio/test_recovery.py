"""A studio killed with SIGKILL after an edit: the next window offers the work back, whole."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from studio import recovery
from tests.studio.conftest import close_window, open_window, rendered

TEXT = "Recover me after the crash."


def test_sigkill_after_an_edit_loses_nothing_autosaved(studio_app, glottis_data_dir, tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    root = Path(__file__).resolve().parents[2]
    driver = subprocess.Popen(
        [sys.executable, "-m", "tests.studio.autosave_driver", TEXT],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = ""
        for line in driver.stdout:
            if line.startswith("AUTOSAVED"):
                break
        assert line.startswith("AUTOSAVED"), "the studio never autosaved"
        saved = json.loads(line.split(" ", 1)[1])
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.wait(30)
    assert recovery.orphans(), "the killed session left no recovery folder"

    window = open_window(offer_recovery=True)
    try:
        assert "Recover" in window.message_bar.action.text()
        window.message_bar.action.click()
        assert window.text_edit.toPlainText() == saved["text"]
        assert list(window.current_take.durations) == saved["durations"]
        assert window.current_take.durations != window.current_take.predicted
        assert window.modified
        # The edited take comes back with its audio, spectrogram and pitch and intensity.
        recovered = window.current_take.rendered
        assert recovered is not None and recovered.mel is not None
        assert recovered.tracks is not None and len(recovered.tracks.times)
        assert window.take_view.spectrogram.tracks is recovered.tracks
        rendered(window)
        assert not recovery.orphans()
    finally:
        close_window(window)
