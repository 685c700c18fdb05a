"""Monotonic alignment search and duration helpers (numba)."""

from engine.align.mas import (
    durations_from_path,
    maximum_path,
    maximum_path_torch,
)

__all__ = ["durations_from_path", "maximum_path", "maximum_path_torch"]
