"""The user data folder, where voices, training runs, datasets and recovery files live:
``$GLOTTIS_DATA_DIR`` when set, else the platform's convention (platformdirs). Light to import,
so that the window can name its folders without loading the engine's PyTorch.

A process killed while it wrote a voice or a checkpoint's ONNX stages leaves a hidden
``.partial`` folder or ``.tmp`` file beside them; :func:`sweep_caches`, run when a command or
the engine process starts, removes those old enough that no live writer owns them."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from engine.storage import sweep_folder

DATA_DIR_ENV = "GLOTTIS_DATA_DIR"


def data_dir() -> Path:
    """The user data folder: ``$GLOTTIS_DATA_DIR`` if set, else the platform's convention."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_data_dir("glottis"))


def voices_dir() -> Path:
    """The folder of converted and hand-made voices, one folder each: ``<data dir>/voices``."""
    return data_dir() / "voices"


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a folder of the user data folder (a voice, a kept model), or
    None: it must be one plain folder name, not hidden, with nothing a terminal acts on (it is
    printed back in every listing)."""
    if not name or Path(name).name != name or name.startswith(".") or not name.isprintable():
        return f"{name!r} cannot name it: use a plain folder name (no slash, no leading dot)"
    return None


def checkpoints_dir() -> Path:
    """What is derived from checkpoints read where they lie: ``<data dir>/checkpoints``."""
    return data_dir() / "checkpoints"


def sweep_caches() -> None:
    """Remove what killed writers left in the voice and checkpoint caches: in the folders of
    voices and checkpoints and in each one's own folder (its card, weights and ONNX stages),
    only leftovers older than :data:`engine.storage.STALE_SECONDS`."""
    for cache in (voices_dir(), checkpoints_dir()):
        try:
            entries = [p for p in cache.iterdir() if p.is_dir() and not p.name.startswith(".")]
        except OSError:
            continue  # no cache yet
        for folder in (cache, *entries):
            sweep_folder(folder)
