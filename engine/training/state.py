"""Training checkpoints: the complete state of a run, written so no reader sees half a file.

``last.pt`` holds everything resume needs (weights, optimisers, schedulers, gradient scaler,
step and position in the epoch, every random generator); ``best.pt`` holds the weights at
the lowest validation loss only, since it is kept for use, not to continue from. Both are
written to a temporary file in the same folder, flushed, and renamed over the old one.
They hold only tensors and plain containers, so they load with ``weights_only=True``.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine.storage import atomic_file

FORMAT = "glottis-training"
VERSION = 1


def atomic_torch_save(obj: Any, path: Path) -> None:
    """``torch.save`` to ``path`` through a fsynced temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as handle:
        torch.save(obj, handle)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a fsynced temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as handle:
        handle.write(data)


def rng_state() -> dict[str, Any]:
    """Every random generator training draws from, as tensors and plain values."""
    numpy_state = np.random.get_state()
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "python": random.getstate(),
        "numpy": (
            numpy_state[0],
            torch.from_numpy(numpy_state[1].astype(np.int64)),
            *numpy_state[2:],
        ),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` saved."""
    torch.set_rng_state(state["torch"])
    python = state["python"]
    random.setstate((python[0], tuple(python[1]), python[2]))
    kind, keys, *rest = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), *rest))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def read_checkpoint(path: Path) -> dict[str, Any]:
    """A checkpoint this module wrote; ValueError naming the file when it is not one."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # a damaged zip raises RuntimeError, pickle errors, EOFError...
        raise ValueError(f"{path} is not a readable training checkpoint ({e})") from e
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"{path} is not a Glottis training checkpoint")
    if state.get("version") != VERSION:
        raise ValueError(f"{path} has checkpoint version {state.get('version')}, not {VERSION}")
    return state
