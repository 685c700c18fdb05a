"""Autosave and crash recovery.

While a window is open its project is autosaved, every few seconds when it has changed, into
a folder of its own under ``<data dir>/recovery/`` (the same layout as a saved project, plus
``owner.json`` naming the process). A clean close removes the folder; a folder whose process
is gone is what a crash left, and the next window offers to recover it.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from engine.user_data import data_dir
from studio import project as projects

OWNER_FILE = "owner.json"


def recovery_dir() -> Path:
    """``<data dir>/recovery``, in the engine's user data folder."""
    return data_dir() / "recovery"


class Autosave:
    """This process's recovery folder, written on a worker thread: encoding the takes and
    flushing them to disk takes long enough to be felt on the UI thread."""

    def __init__(self) -> None:
        self.folder = recovery_dir() / f"{os.getpid()}-{time.time_ns()}"
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="autosave")
        self._pending: Future | None = None

    @property
    def busy(self) -> bool:
        return self._pending is not None and not self._pending.done()

    def write(self, project: projects.Project, saved_as: Path | None) -> Future:
        """Start writing a snapshot of ``project``; the future says when it is on disk (and
        raises what went wrong). The caller skips a write while one is running."""
        copy = projects.snapshot(project)
        self._pending = self._writer.submit(self._write, copy, saved_as)
        return self._pending

    def _write(self, project: projects.Project, saved_as: Path | None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        projects.save(project, self.folder)
        owner = {
            "pid": os.getpid(),
            "project": str(saved_as) if saved_as else None,
            "time": time.time(),
        }
        projects.atomic_write(
            self.folder / OWNER_FILE, lambda f: f.write(json.dumps(owner).encode("utf-8"))
        )

    def discard(self) -> None:
        """Wait for a write in progress, then remove the folder (the window closed cleanly)."""
        self._writer.shutdown(wait=True)
        discard(self.folder)


def discard(folder: Path) -> None:
    """Remove a recovery folder once its work is recovered (or declined)."""
    shutil.rmtree(folder, ignore_errors=True)


def orphans() -> list[Path]:
    """Recovery folders left by processes that no longer run, newest first."""
    found = []
    root = recovery_dir()
    if not root.is_dir():
        return []
    for folder in root.iterdir():
        owner = _owner(folder)
        if owner is None or _alive(int(owner.get("pid", 0))):
            continue
        if (folder / projects.PROJECT_FILE).exists():
            found.append((float(owner.get("time", 0)), folder))
    return [folder for _, folder in sorted(found, reverse=True)]


def saved_as(folder: Path) -> Path | None:
    """Where the recovered project had been saved, if it had been."""
    owner = _owner(folder) or {}
    return Path(owner["project"]) if owner.get("project") else None


def _owner(folder: Path) -> dict | None:
    try:
        return json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    if pid <= 0 or pid == os.getpid():
        return pid == os.getpid()
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
