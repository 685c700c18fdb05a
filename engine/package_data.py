"""Files Glottis ships inside the ``engine`` package (``engine/resources/``): the official
model configs, the recording prompts and the official repositories' CMUdict. Read through
:mod:`importlib.resources`, so they are found in a wheel installed anywhere, not only in a
clone."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def resource(*parts: str) -> Path:
    """The path of a shipped file or folder, e.g. ``resource("configs", "vits")``."""
    return Path(str(files("engine").joinpath("resources", *parts)))
