"""A guard against a reference-counting fault of PySide6 6.12.0 on Python 3.11.

Under Python 3.11, shiboken6 6.12.0 returns ``None`` from every void C++ method (``setEnabled``,
``setValue``, ``processEvents``, ...) without taking a reference to it, and a ``Signal(bool)``
emit drops one reference to ``True``. Each call leaves the singleton one reference short; a
few thousand calls later Python frees ``None`` (or ``True``) and aborts with "deallocating
None". Python 3.12 made these singletons immortal, so the fault is harmless there, and
PySide6 6.11 does not have it.

Where both conditions hold, the singletons are given a large reserve of references, which is
what Python 3.12 does for them; elsewhere nothing is touched.
"""

from __future__ import annotations

import ctypes
import sys
from importlib import metadata

AFFECTED_SHIBOKEN = ("6.12.0",)
RESERVE = 1 << 40  # far more void calls than a session makes


def affected() -> bool:
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    try:
        return metadata.version("shiboken6") in AFFECTED_SHIBOKEN
    except metadata.PackageNotFoundError:
        return False


def protect_singletons() -> bool:
    """Give None, True and False the reserve of references when this PySide6 needs it."""
    if not affected():
        return False
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += RESERVE
    return True
