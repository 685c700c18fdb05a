"""``glottis models list | get NAME | add FILE``: the official checkpoints, fetched and checked.

``add_parser(subparsers)`` adds the ``models`` command to ``glottis``; ``run(args)`` carries it
out. A kept model is used by its name wherever a checkpoint is asked for
(``glottis say --model glow-tts-ljs --vocoder hifigan-v1``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from engine.checkpoints.errors import ModelStoreError
from engine.terminal import shown


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    models = subparsers.add_parser(
        "models",
        help="list, fetch and add official checkpoints",
        description="The official VITS, Glow-TTS, Grad-TTS, HiFi-GAN and WaveGlow checkpoints: "
        "where they come from, their licence, and which you have. A fetched or added file is "
        "kept only once it is checked (size and SHA-256 where the catalogue knows them) and "
        "opens as the model it should be.",
    )
    commands = models.add_subparsers(dest="models_command", required=True)
    commands.add_parser("list", help="the catalogue and the models you have")
    get = commands.add_parser("get", help="download a catalogue model, check it and keep it")
    get.add_argument("name", help="a name from `glottis models list`")
    add = commands.add_parser("add", help="keep a checkpoint file you already have")
    add.add_argument("file", type=Path, help="the checkpoint file")
    add.add_argument(
        "--name", help="the catalogue name it is (default: found by its SHA-256, else its stem)"
    )
    return models


def run(args: argparse.Namespace) -> None:
    """Carry out ``glottis models ...``; raises ModelStoreError for what the user can fix."""
    if args.models_command == "list":
        _list()
    elif args.models_command == "get":
        _get(args.name)
    else:
        _add(args.file, args.name)


def _list() -> None:
    from engine.catalogue.entries import read_catalogue
    from engine.catalogue.store import installed_models

    entries = read_catalogue()
    kept = {model.name: model for model in installed_models()}
    rows = [("NAME", "MODEL", "SIZE", "LICENCE", "STATUS")]
    for entry in entries:
        model = kept.pop(entry.name, None)
        if model is not None:
            status = f"kept: {model.path}"
        elif entry.url is not None:
            status = "glottis models get " + entry.name
        else:
            status = "download in a browser, then glottis models add"
        size = _megabytes(model.size if model else entry.size)
        rows.append((entry.name, entry.title, size, entry.licence, status))
    for model in kept.values():
        rows.append(
            (
                model.name,
                "added by hand",
                _megabytes(model.size),
                model.licence,
                f"kept: {model.path}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
        print(shown("  ".join([*cells, row[4]])))


def _get(name: str) -> None:
    from engine.catalogue.entries import find_entry
    from engine.catalogue.fetch import fetch
    from engine.catalogue.store import installed

    entry = find_entry(name)
    model = installed(name)
    if model is not None:
        print(shown(f"{name} is already kept: {model.path}"))
        return
    if entry.url is not None:
        print(f"{entry.title}: {entry.licence}; from {entry.url}", file=sys.stderr)
    progress = ProgressLine(name)
    try:
        model = fetch(entry, progress)
    finally:
        progress.close()
    print(
        f"kept {name} ({model.family}, {_megabytes(model.size)}, SHA-256 {model.sha256}): "
        f"{model.path}"
    )


def _add(file: Path, name: str | None) -> None:
    from engine.catalogue.entries import find_entry, read_catalogue
    from engine.catalogue.store import install
    from engine.storage import file_sha256

    if not file.is_file():
        raise ModelStoreError(f"{file} is not a file")
    entries = read_catalogue()
    entry = find_entry(name, entries) if name and name in {e.name for e in entries} else None
    if entry is None:
        digest = file_sha256(file)
        entry = next((e for e in entries if e.sha256 == digest), None)
    if entry is not None and entry.sha256 is not None and file_sha256(file) != entry.sha256:
        raise ModelStoreError(
            f"{file} is not the {entry.name} of the catalogue (its SHA-256 differs); not kept"
        )
    model = install(
        entry.name if entry else (name or file.stem.lower()),
        file,
        entry.file if entry else file.name,
        config=entry.config if entry else None,
        source=f"added from {file.resolve()}",
        licence=entry.licence if entry else "not known (added by hand)",
        family=entry.family if entry else None,
    )
    print(shown(f"kept {model.name} ({model.family}, {_megabytes(model.size)}): {model.path}"))


def _megabytes(count: int | None) -> str:
    return "?" if count is None else f"{count / 1e6:.1f} MB"


class ProgressLine:
    """A download's progress on stderr, one line rewritten: MB done of total, rate, time left."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, done: int, total: int | None) -> None:
        seconds = max(time.monotonic() - self.started, 1e-3)
        rate = done / seconds
        from engine.catalogue.fetch import size_text

        line = f"{self.name}: {size_text(done, total)}"
        if total:
            left = (total - done) / rate if rate > 0 else 0.0
            line += f" of {size_text(total)} ({done / total:.0%}), {left:.0f} s left"
        line += f", {rate / 1e6:.1f} MB/s"
        print(f"\r{line}", end="", file=sys.stderr, flush=True)
        self.shown = True

    def close(self) -> None:
        """End the line (the download ended, one way or another)."""
        if self.shown:
            print(file=sys.stderr, flush=True)
