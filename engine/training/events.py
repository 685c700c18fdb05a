"""What a training run reports while it runs, for a progress bar, loss curves and samples.

``train(..., on_event=callback)`` calls the callback in the training thread with one of these
dataclasses at a time; each is plain data (numbers, strings, a float32 array), so the engine
process can forward it over a pipe as is. ``Finished`` always comes last, whatever happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Started:
    """The run is set up: recipe, device, how many clips, where it starts and stops."""

    recipe: str
    device: str
    world_size: int
    first_step: int
    max_steps: int
    train_clips: int
    validation_clips: int
    rejected: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Preparing:
    """Progress of a stage that runs before the first step (e.g. fitting the posterior
    encoder of a Piper voice): ``done`` of ``total`` units, ``loss`` when it has one."""

    stage: str
    done: int
    total: int
    loss: float | None = None


@dataclass(frozen=True)
class StepDone:
    """One optimisation step: its losses by name, learning rate, wall time, and the ETA
    to ``max_steps`` from the mean time of the steps of this session."""

    step: int
    max_steps: int
    epoch: int
    losses: dict[str, float]
    learning_rate: float
    seconds: float
    eta_seconds: float


@dataclass(frozen=True)
class Validated:
    """Validation loss at a step; ``best`` when it is the lowest so far."""

    step: int
    loss: float
    best: bool


@dataclass(frozen=True)
class SampleReady:
    """Audio of one fixed test sentence rendered at a step (also written as a WAV)."""

    step: int
    text: str
    audio: np.ndarray
    sample_rate: int
    path: Path | None


@dataclass(frozen=True)
class CheckpointSaved:
    """A checkpoint (``tag`` "last" or "best") was written completely at ``path``."""

    step: int
    tag: str
    path: Path


@dataclass(frozen=True)
class Finished:
    """The run ended. ``status``: "done" (reached ``max_steps``), "cancelled",
    "out_of_memory" or "failed"; ``message`` says what happened and, for a failure, what to do.
    ``checkpoint`` is the last complete checkpoint (None when none was written)."""

    status: str
    step: int
    message: str
    checkpoint: Path | None


TrainEvent = Started | Preparing | StepDone | Validated | SampleReady | CheckpointSaved | Finished
EventCallback = Callable[[TrainEvent], None]
