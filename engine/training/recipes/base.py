"""What every recipe provides to the training loop (:mod:`engine.training.run`).

A recipe owns its models, optimisers and schedulers and knows one step of its official
training script; the loop owns everything around the steps (data order, devices, DDP,
checkpoints, validation schedule, samples, cancel, out-of-memory) and is the same for all.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from engine.text.frontend import FrontEnd
from engine.training.data import Clip
from engine.training.options import TrainOptions

Wrap = Callable[[nn.Module], nn.Module]
Report = Callable[[str, int, int, float | None], None]
Batch = dict[str, Any]


class Recipe(ABC):
    """One model family's training. Subclasses set ``name`` and ``default_batch_size``.

    A recipe that ``speaks`` (its model turns text into audio by itself) is checked at each
    validation by :mod:`engine.training.voice_check` through :meth:`speak`.
    """

    name: ClassVar[str]
    default_batch_size: ClassVar[int]
    speaks: ClassVar[bool] = False
    validate_every: int = 250
    """Steps between validations when the options leave it open."""
    mode: str | None = None
    """How much of the model the recipe trains, for recipes that offer a choice."""
    step_done: int
    """Steps taken so far (kept by the loop), for what the exports record."""

    def __init__(self, options: TrainOptions, device: torch.device, amp: bool) -> None:
        self.step_done = 0
        self.options = options
        self.device = device
        self.amp = amp
        self.scaler = torch.amp.GradScaler(device.type, enabled=amp)

    # --- set-up ---

    @abstractmethod
    def build(self, init_from: Path | None, saved: dict[str, Any] | None) -> None:
        """Build the models on the device. ``saved`` is :meth:`recipe_state` of a checkpoint
        being resumed (architecture only; the loop loads the weights); otherwise
        ``init_from`` names weights to start from (None: the recipe's default)."""

    @property
    @abstractmethod
    def sample_rate(self) -> int: ...

    @property
    @abstractmethod
    def hop_length(self) -> int: ...

    @abstractmethod
    def front_end(self) -> FrontEnd | None:
        """The text front end of the model; None for a vocoder, which needs no text."""

    def prepare(self, clips: Sequence[Clip], report: Report, cancelled: Callable[[], bool]) -> bool:
        """Work before the first step of a fresh run (none by default). Returns False when
        ``cancelled()`` stopped it early."""
        return True

    @abstractmethod
    def modules(self) -> dict[str, nn.Module]:
        """Every trained module, unwrapped, by the name its weights are saved under."""

    @abstractmethod
    def make_optimizers(self) -> None:
        """Create the optimisers and schedulers (after :meth:`prepare`)."""

    @abstractmethod
    def optimizers(self) -> dict[str, torch.optim.Optimizer]: ...

    @abstractmethod
    def schedulers(self) -> dict[str, Any]: ...

    @abstractmethod
    def distribute(self, wrap: Wrap) -> None:
        """Wrap the modules whose forward runs the training pass (DistributedDataParallel)."""

    def recipe_state(self) -> dict[str, Any]:
        """What :meth:`build` needs to rebuild the architecture on resume (JSON-like)."""
        return {}

    # --- steps ---

    @property
    def batch_size(self) -> int:
        return self.options.batch_size or self.default_batch_size

    @abstractmethod
    def collate(self, items: Sequence[tuple[torch.Tensor, torch.Tensor]]) -> Batch:
        """A batch from dataset items (token ids, audio)."""

    @abstractmethod
    def train_step(self, batch: Batch, step: int) -> dict[str, float]:
        """One optimisation step of every optimiser; returns the losses by name."""

    def end_epoch(self) -> None:  # noqa: B027 (most recipes have nothing to do here)
        """Called after the last batch of each epoch (per-epoch schedulers step here)."""

    @property
    def learning_rate(self) -> float:
        return float(next(iter(self.optimizers().values())).param_groups[0]["lr"])

    def validation_batch(self, items: Sequence[tuple[torch.Tensor, torch.Tensor]]) -> Batch:
        """The batch :meth:`validation_loss` takes (by default the training batch)."""
        return self.collate(items)

    @abstractmethod
    def validation_loss(self, batch: Batch) -> float:
        """The loss that picks the best checkpoint, on one batch (no grad, eval mode)."""

    @abstractmethod
    def render_samples(
        self, texts: Sequence[str], validation: Sequence[tuple[torch.Tensor, torch.Tensor]]
    ) -> list[tuple[str, np.ndarray]]:
        """(label, audio) pairs to listen to: the fixed texts, or, for a vocoder, the
        validation clips re-synthesised from their mels."""

    def speak(self, texts: Sequence[str]) -> list[np.ndarray]:
        """The model's audio for each text, with its inference settings (recipes that
        ``speak`` only); called in eval mode under a fixed random state."""
        raise NotImplementedError(f"{self.name} does not speak")

    @abstractmethod
    def export(self, folder: Path) -> Path:
        """Write the model as a usable voice or official checkpoint into ``folder`` (each file
        atomically); returns the file or folder a user opens."""

    def train_mode(self, training: bool) -> None:
        for module in self.modules().values():
            module.train(training)
