"""The models a person has fetched or added: ``<data dir>/models/NAME/`` holds the checkpoint
file, its official config (``config.json``, where the loader looks for it) and ``model.json``
(family, size, SHA-256, where it came from, its licence).

A model folder is written whole or not at all (:func:`engine.storage.atomic_folder`), and only
after its file was verified and opened by the safe loaders (:mod:`engine.checkpoints.loader`).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from engine.checkpoints.errors import CheckpointError, ModelStoreError
from engine.package_data import resource
from engine.storage import atomic_folder, file_sha256, sweep_folder
from engine.user_data import data_dir, name_problem

META_FILE = "model.json"
CONFIG_FILE = "config.json"
DOWNLOADS = ".downloads"  # unfinished downloads, kept so they can resume


def models_dir() -> Path:
    return data_dir() / "models"


@dataclass(frozen=True)
class Installed:
    """A kept model: its checkpoint ``path`` and what is known of it."""

    name: str
    family: str
    path: Path
    size: int
    sha256: str
    source: str
    licence: str


def installed_models() -> list[Installed]:
    """Every kept model, by name; a folder whose ``model.json`` cannot be read is left out.
    What killed writers left in the models folder is swept away on the way."""
    found = []
    folder = models_dir()
    if folder.is_dir():
        sweep_folder(folder)
    for meta in sorted(folder.glob(f"*/{META_FILE}")) if folder.is_dir() else []:
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
            model = Installed(**{**data, "path": meta.parent / data["path"]})
        except (OSError, ValueError, TypeError, KeyError):
            continue
        if model.path.is_file():
            found.append(model)
    return found


def installed(name: str) -> Installed | None:
    return next((model for model in installed_models() if model.name == name), None)


def install(
    name: str,
    file: Path,
    file_name: str,
    *,
    config: str | None,
    source: str,
    licence: str,
    family: str | None = None,
    move: bool = False,
) -> Installed:
    """Keep ``file`` as model ``name``: checked by the safe loaders first (it must be a
    ``family`` checkpoint, where given, that loads with ``config``), then written whole into
    ``<data dir>/models/NAME``. ``move``: the file is a download of ours, moved rather than
    copied. ModelStoreError, with nothing kept, when it is not what it should be."""
    from engine.checkpoints.loader import load
    from engine.families import FAMILY_NAMES

    problem = name_problem(name)
    if problem:
        raise ModelStoreError(f"{file.name} was not kept: {problem}; give it one with --name")
    size = file.stat().st_size
    sha256 = file_sha256(file)
    target = models_dir() / name
    with atomic_folder(target) as staging:
        kept = staging / file_name
        if move:
            shutil.move(str(file), kept)
        else:
            shutil.copyfile(file, kept)
        if config is not None:
            shutil.copyfile(resource("configs") / config, staging / CONFIG_FILE)
        try:
            checkpoint = load(kept)
        except CheckpointError as error:
            raise ModelStoreError(f"{file.name} was not kept: {error}") from None
        if family is not None and checkpoint.family != family:
            raise ModelStoreError(
                f"{file.name} was not kept: it is a {FAMILY_NAMES[checkpoint.family]} "
                f"checkpoint, not the {FAMILY_NAMES[family]} one the catalogue names"
            )
        meta = Installed(name, checkpoint.family, Path(file_name), size, sha256, source, licence)
        (staging / META_FILE).write_text(
            json.dumps({**asdict(meta), "path": file_name}, indent=2), encoding="utf-8"
        )
    return Installed(name, checkpoint.family, target / file_name, size, sha256, source, licence)


def resolve_model(value: str) -> Path:
    """A checkpoint named on the command line: a kept model's name, or a path."""
    model = installed(value)
    return model.path if model is not None else Path(value)
