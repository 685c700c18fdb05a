"""The user data folder, where voices, training runs, datasets and recovery files live:
``$GLOTTIS_DATA_DIR`` when set, else the platform's convention (platformdirs). Light to import,
so that the window can name its folders without loading the engine's PyTorch."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "GLOTTIS_DATA_DIR"


def data_dir() -> Path:
    """The user data folder: ``$GLOTTIS_DATA_DIR`` if set, else the platform's convention."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_data_dir("glottis"))


def voices_dir() -> Path:
    """The folder of converted and hand-made voices, one folder each: ``<data dir>/voices``."""
    return data_dir() / "voices"
