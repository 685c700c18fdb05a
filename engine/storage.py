"""Writing files a user keeps: modes that honour the umask, atomic replacement."""

from __future__ import annotations

import os


def _read_umask() -> int:
    # os.umask can only be read by setting it; done once, at import, before any worker
    # thread could create a file in the moment it is 0.
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


UMASK = _read_umask()


def new_file_mode() -> int:
    """The mode ``open()`` gives a new file here (tempfile.mkstemp would give 0600)."""
    return 0o666 & ~UMASK


def new_folder_mode() -> int:
    """The mode ``mkdir()`` gives a new folder here (tempfile.mkdtemp would give 0700)."""
    return 0o777 & ~UMASK
