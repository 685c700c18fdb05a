"""The error of dataset work that a user caused and can fix."""

from __future__ import annotations


class DatasetError(ValueError):
    """A dataset request that cannot be honoured (a missing source folder, an output folder
    that already holds files, ...), in one sentence a user can act on."""
