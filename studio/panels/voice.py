"""Which voice the panels record for: its sample rate and its card (for phoneme coverage).

The window's engine process has the voice loaded; the panels need only its card, so they read
``card.json`` from the voice folder the engine reports rather than load the model again.
A voice that is not a folder (an official checkpoint file) is loaded for its card.

Everything here runs on the panels' worker threads: the engine's voice and text modules
import PyTorch and inflect, seconds of work the window must not wait for.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.api import LoadAnswer
from engine.user_data import data_dir

CardSource = Callable[[], dict[str, Any]]
# The QSettings key of the folder the recorder writes takes to; the dataset check and the
# training panel start from it.
DATASET_FOLDER_KEY = "voice/dataset_folder"


def card_source(info: LoadAnswer | None = None) -> CardSource:
    """A function giving the card of the voice the engine loaded (``info`` is the engine's
    load answer; None: the default voice). Call it off the UI thread."""
    path, voice = (info.path, info.voice) if info else (None, None)

    def card() -> dict[str, Any]:
        from engine.checkpoints.voices import CARD_FILE, load_voice

        if path and (Path(path) / CARD_FILE).is_file():
            return json.loads((Path(path) / CARD_FILE).read_text(encoding="utf-8"))
        return load_voice(path or voice or None).card

    return card


def default_dataset_folder() -> Path:
    """Where takes go until the person picks a folder: ``<user data>/datasets/my-voice``."""
    return data_dir() / "datasets" / "my-voice"
