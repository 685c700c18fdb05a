"""Getting a catalogue model from the window's model list, against a local HTTP server on
127.0.0.1: the list offers it with its licence and size, the window asks, downloads it in the
task process with a progress dialog, keeps it checked and loads it; a model published only on
a web page is pointed to, not fetched."""

from __future__ import annotations

import hashlib
import io
import json

import torch

from engine.catalogue.store import models_dir
from engine.models.grad_tts import build_grad_tts
from engine.package_data import resource
from studio.tasks import task_client
from tests.local_http import LocalServer
from tests.studio.conftest import close_window, open_window, wait_until

LOAD_TIMEOUT = 180.0


def _grad_tts_checkpoint() -> bytes:
    """A Grad-TTS of the official LJSpeech configuration, untrained, saved as train.py saves
    it (the state dict itself)."""
    params = json.loads((resource("configs") / "grad-tts" / "params_ljspeech.json").read_text())
    torch.manual_seed(0)
    buffer = io.BytesIO()
    torch.save(build_grad_tts(params).state_dict(), buffer)
    return buffer.getvalue()


def _choose(combo, starting: str) -> None:
    index = next(i for i in range(combo.count()) if combo.itemText(i).startswith(starting))
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_a_catalogue_model_is_fetched_from_the_list_and_loaded(
    studio_app, glottis_data_dir, tmp_path, monkeypatch
):
    checkpoint = _grad_tts_checkpoint()
    with LocalServer({"/grad-tts.pt": checkpoint}) as server:
        entries = [
            {
                "name": "grad-tts-fetch-test",
                "title": "Grad-TTS served here",
                "family": "grad-tts",
                "file": "grad-tts.pt",
                "config": "grad-tts/params_ljspeech.json",
                "source": f"{server.base}/",
                "url": f"{server.base}/grad-tts.pt",
                "sha256": hashlib.sha256(checkpoint).hexdigest(),
                "licence": "MIT (test)",
            },
            {
                "name": "page-only-test",
                "title": "Glow-TTS on a page",
                "family": "glow-tts",
                "file": "pretrained.pth",
                "source": "https://example.org/glow",
                "licence": "MIT (test)",
            },
        ]
        catalogue = tmp_path / "catalogue.json"
        catalogue.write_text(json.dumps({"models": entries}), encoding="utf-8")
        monkeypatch.setenv("GLOTTIS_CATALOGUE", str(catalogue))
        task_client().shutdown()  # the next task starts a task process that reads it
        window = open_window()
        try:
            wait_until(lambda: window.engine_info is not None, LOAD_TIMEOUT, "the voice")
            offered = [window.panel.model.itemText(i) for i in range(window.panel.model.count())]
            assert "Get Grad-TTS served here... (MIT (test), size not published)" in offered
            pointed = []
            window.fetcher.point_to_page = pointed.append
            _choose(window.panel.model, "Get Glow-TTS on a page")
            assert [m.name for m in pointed] == ["page-only-test"]
            asked = []
            window.fetcher.confirm = lambda model: asked.append(model) or True
            _choose(window.panel.model, "Get Grad-TTS served here")
            assert [m.name for m in asked] == ["grad-tts-fetch-test"]
            wait_until(
                lambda: window.engine_info.family == "grad-tts" and not window.engine.busy,
                LOAD_TIMEOUT,
                "the fetched model to load",
            )
            kept = models_dir() / "grad-tts-fetch-test" / "grad-tts.pt"
            assert kept.read_bytes() == checkpoint
            assert window.engine_info.voice == str(kept.resolve())
            assert "checked and kept" in window.message_bar.text()
            offered = [window.panel.model.itemText(i) for i in range(window.panel.model.count())]
            assert not any(text.startswith("Get Grad-TTS") for text in offered), offered
        finally:
            close_window(window)
            task_client().shutdown()
