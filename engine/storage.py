"""Writing files a user keeps: modes that honour the umask, atomic replacement.

Each write goes through a hidden sibling (``.NAME.*.tmp`` for a file, ``.NAME.*.partial`` for
a folder, ``.NAME.*.old`` for the one it replaces) that is renamed or removed when the write
ends. A process killed mid-write leaves its sibling behind; the next write of the same name
removes those older than :data:`STALE_SECONDS` (no writer takes that long, so none is in use).
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def _read_umask() -> int:
    # os.umask can only be read by setting it; done once, at import, before any worker
    # thread could create a file in the moment it is 0.
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


UMASK = _read_umask()
STALE_SECONDS = 3600.0


def sweep_leftovers(target: Path) -> list[Path]:
    """Remove the hidden siblings that killed writers of ``target`` left (older than
    :data:`STALE_SECONDS`); returns what was removed."""
    return _sweep(target.parent, f".{glob_escape(target.name)}.*")


def sweep_folder(folder: Path) -> list[Path]:
    """Remove every stale leftover of a killed writer directly in ``folder`` (a folder of
    voices or models, whose entries are rarely written again)."""
    return _sweep(folder, ".*")


def _sweep(folder: Path, pattern: str) -> list[Path]:
    removed: list[Path] = []
    try:
        siblings = list(folder.glob(pattern))
    except OSError:
        return removed
    now = time.time()
    for sibling in siblings:
        if sibling.suffix not in (".tmp", ".partial", ".old"):
            continue
        try:
            if now - sibling.lstat().st_mtime < STALE_SECONDS:
                continue
            if sibling.is_dir() and not sibling.is_symlink():
                shutil.rmtree(sibling)
            else:
                sibling.unlink()
        except OSError:
            continue  # another process's to clean, or gone already
        removed.append(sibling)
    return removed


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters taken literally."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def new_file_mode() -> int:
    """The mode ``open()`` gives a new file here (tempfile.mkstemp would give 0600)."""
    return 0o666 & ~UMASK


def new_folder_mode() -> int:
    """The mode ``mkdir()`` gives a new folder here (tempfile.mkdtemp would give 0700)."""
    return 0o777 & ~UMASK


@contextmanager
def atomic_file(path: str | Path) -> Iterator[BinaryIO]:
    """Yield a binary file to write ``path`` through, so that no reader sees it half-written.

    The file is a temporary one beside ``path`` with the mode ``open()`` would give; when the
    block exits normally it is fsynced and renamed over ``path`` (and the folder's entry
    flushed), and when it raises it is deleted, leaving any old ``path`` as it was.
    """
    path = Path(path)
    sweep_leftovers(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), new_file_mode())
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


@contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Write the folder ``target`` so that no reader ever sees it half-written.

    Yields an empty hidden staging folder beside ``target``; what the caller writes into it
    is given the umask's modes, flushed to disk, and the folder is renamed to ``target``. An
    existing ``target`` is moved aside first and removed after. When the body raises, the
    staging folder is removed and ``target`` stays as it was.

    Writers of the same ``target`` may run at once (threads or processes): each completes
    without error and ``target`` ends up as one writer's complete folder. A reader may find
    ``target`` absent for the moment between the move aside and the rename.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_leftovers(target)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    )
    try:
        yield staging
        _settle(staging)
        _swap_into_place(staging, target)
        _fsync_folder(target.parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _settle(folder: Path) -> None:
    """Give everything under ``folder`` the umask's modes and flush it to disk."""
    for root, folders, files in os.walk(folder):
        for name in files:
            path = Path(root, name)
            os.chmod(path, new_file_mode())
            with path.open("rb") as f:
                os.fsync(f.fileno())
        for name in folders:
            os.chmod(Path(root, name), new_folder_mode())
        _fsync_folder(Path(root))
    os.chmod(folder, new_folder_mode())


def _swap_into_place(staging: Path, target: Path) -> None:
    """Rename ``staging`` to ``target``; if another writer got there first, theirs stays."""
    retired = _move_aside(target)
    try:
        _rename_unless_taken(staging, target)
    except OSError:
        if retired is not None:
            _rename_unless_taken(retired, target)
            shutil.rmtree(retired, ignore_errors=True)
        raise
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def _rename_unless_taken(folder: Path, target: Path) -> None:
    """Rename ``folder`` to ``target``, unless another writer's folder is there already.

    Only writers through :func:`atomic_folder` put folders at ``target``, so one found there
    is complete. (It may be moved aside again at once by a third writer, who then puts its own.)
    """
    try:
        os.rename(folder, target)
    except OSError as e:
        if e.errno not in (errno.EEXIST, errno.ENOTEMPTY):
            raise


def _move_aside(target: Path) -> Path | None:
    """Rename an existing ``target`` to a hidden sibling and return it; None if there is none."""
    retired = target.with_name(f".{target.name}.{uuid.uuid4().hex}.old")
    try:
        os.rename(target, retired)
    except FileNotFoundError:  # there was none, or another writer moved it aside first
        return None
    return retired


def _fsync_folder(folder: Path) -> None:
    """Flush a folder's entries (POSIX only; Windows cannot open a folder for this)."""
    if os.name != "posix":
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
