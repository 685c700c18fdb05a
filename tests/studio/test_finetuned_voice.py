"""A fine-tuned voice in the window: the training panel's "Use this voice" loads the run's
best checkpoint, a voice folder as it stands (engine/training writes model.safetensors and
card.json; tests/training check that such a folder loads and renders). Here a light voice
made by hand stands in for it: the bundled voice's flow and decoder only, its card naming the
bundled voice as the one it was adapted from, as a light run exports it; so only the window's
path is tested: signal, engine load beside the base, render with it."""

from __future__ import annotations

import json

from safetensors.torch import load_file

from tests.studio.conftest import close_window, open_window, render, wait_until


def test_use_this_voice_loads_the_run_folder_and_renders(studio_app, glottis_data_dir, tmp_path):
    from engine.checkpoints.voices import (
        ADAPTED_FROM,
        DEFAULT_VOICE,
        load_voice,
        write_voice_files,
    )
    from engine.storage import file_sha256

    bundled = load_voice().path
    run = tmp_path / "runs" / "my-voice" / "best"
    weights = load_file(bundled / "model.safetensors")
    adapted = {k: v for k, v in weights.items() if k.startswith(("flow.", "dec."))}
    card = json.loads((bundled / "card.json").read_text(encoding="utf-8"))
    base = {"name": DEFAULT_VOICE, "path": str(bundled), "sha256": file_sha256(
        bundled / "model.safetensors"
    )}
    card = {**card, "name": "my-voice", ADAPTED_FROM: base}
    write_voice_files(run, adapted, card)  # as the run's export writes it
    window = open_window()
    try:
        wait_until(lambda: window.engine_info.voice == DEFAULT_VOICE, 120, "the voice")
        training = window.voice_panels.open_training()
        training.use_voice_requested.emit(str(run))
        wait_until(
            lambda: window.engine_info.voice == "my-voice" and not window.engine.busy,
            120,
            "the fine-tuned voice",
        )
        render(window, "My own voice speaks.")
        take = window.current_take
        assert take.voice == "my-voice"
        assert take.rendered is not None and take.rendered.audio.size > 0
    finally:
        training.close()
        close_window(window)
