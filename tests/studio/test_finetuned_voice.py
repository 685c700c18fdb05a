"""A fine-tuned voice in the window: the training panel's "Use this voice" loads the run's
output folder, which is a voice folder as it stands (engine/training writes model.safetensors
and card.json; tests/training check that such a folder loads and renders). Here a copy of the
bundled voice's folder at a run's path, renamed on its card as the export names it (after
its folder), stands in for it, so only the window's path is tested: signal, engine load,
render with it."""

from __future__ import annotations

import json
import shutil

from tests.studio.conftest import close_window, open_window, render, wait_until


def test_use_this_voice_loads_the_run_folder_and_renders(studio_app, glottis_data_dir, tmp_path):
    from engine.checkpoints.voices import DEFAULT_VOICE, load_voice

    bundled = load_voice().path
    run = tmp_path / "runs" / "my-voice"
    shutil.copytree(bundled, run)
    card = json.loads((run / "card.json").read_text(encoding="utf-8"))
    (run / "card.json").write_text(json.dumps({**card, "name": run.name}), encoding="utf-8")
    window = open_window()
    try:
        wait_until(lambda: window.engine_info.get("voice") == DEFAULT_VOICE, 120, "the voice")
        training = window.voice_panels.open_training()
        training.use_voice_requested.emit(str(run))
        wait_until(
            lambda: window.engine_info.get("voice") == run.name and not window.engine.busy,
            120,
            "the fine-tuned voice",
        )
        render(window, "My own voice speaks.")
        take = window.current_take
        assert take.voice == run.name
        assert take.rendered is not None and take.rendered.audio.size > 0
    finally:
        training.close()
        close_window(window)
