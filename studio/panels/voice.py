"""Which voice the panels record and check for, and where a dataset goes by default.

The window's render engine has the voice loaded; the panels name it to the task process
(:class:`engine.api.tasks.VoiceRef`), which reads its card there: reading a card may load a
model, seconds of PyTorch the window must not wait for or import.
"""

from __future__ import annotations

from pathlib import Path

from engine.user_data import data_dir

# The QSettings key of the folder the recorder writes takes to; the dataset check and the
# training panel start from it.
DATASET_FOLDER_KEY = "voice/dataset_folder"


def default_dataset_folder() -> Path:
    """Where takes go until the person picks a folder: ``<user data>/datasets/my-voice``."""
    return data_dir() / "datasets" / "my-voice"
