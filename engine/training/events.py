"""What a training run reports while it runs, for a progress bar, loss curves and samples.

``train(..., on_event=callback)`` calls the callback in the training thread with one of these
dataclasses at a time; each is plain data (numbers, strings, a float32 array), so the engine
process can forward it over a pipe as is. ``Finished`` always comes last, whatever happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Started:
    """The run is set up: recipe, device, how many clips, where it starts and stops
    (``budget_seconds``: the wall-clock budget, None without one), and the rule that picks
    the best checkpoint, in words."""

    recipe: str
    device: str
    world_size: int
    first_step: int
    max_steps: int
    train_clips: int
    validation_clips: int
    rejected: list[tuple[str, str]] = field(default_factory=list)
    budget_seconds: float | None = None
    best_rule: str = ""
    mode: str | None = None


@dataclass(frozen=True)
class Preparing:
    """Progress of a stage that runs before the first step (e.g. fitting the posterior
    encoder of a Piper voice): ``done`` of ``total`` units, ``loss`` when it has one, and the
    seconds this stage still needs at its pace so far (None before its first unit)."""

    stage: str
    done: int
    total: int
    loss: float | None = None
    eta_seconds: float | None = None


@dataclass(frozen=True)
class StepDone:
    """One optimisation step: its losses by name, learning rate, wall time, and the ETA
    to ``max_steps`` from the mean time of the steps of this session, or to the end of the
    wall-clock budget when that comes first."""

    step: int
    max_steps: int
    epoch: int
    losses: dict[str, float]
    learning_rate: float
    seconds: float
    eta_seconds: float


@dataclass(frozen=True)
class Validated:
    """A validation at a step: the loss and, for a recipe that speaks, a voice check of the
    validation sentences as the model says them now: ``similarity`` to the dataset's own
    recordings (None without the speaker encoder), Whisper's character error rate ``cer``,
    and the 10th-90th percentile band of the voice's pitch beside that of the recordings
    (``pitch_band_hz``, ``person_band_hz``; None without a voice check). ``best`` when
    the run's rule (:attr:`Started.best_rule`) ranks it first so far; step 0 is the starting
    voice, measured before the first step."""

    step: int
    loss: float
    best: bool
    similarity: float | None = None
    cer: float | None = None
    pitch_band_hz: float | None = None
    person_band_hz: float | None = None


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
