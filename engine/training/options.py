"""The settings of a training run, as the CLI and the studio's training panel give them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SAMPLE_TEXTS = (
    "The quick brown fox jumps over the lazy dog.",
    "She sells sea shells by the sea shore, doesn't she?",
)


@dataclass
class TrainOptions:
    """One training run.

    ``init_from`` ("fine-tune from") takes only the weights of a voice folder or official
    checkpoint; ``resume`` continues the run in ``out`` exactly where its last checkpoint
    left it (optimiser, scheduler, random states, data order) and ignores ``init_from``.
    ``None`` leaves a setting to the recipe (its official value, scaled for fine-tuning).
    ``recipe_options`` holds recipe-specific settings (a model config for training from
    scratch, warm-up lengths); see each recipe's docstring.
    """

    recipe: str
    data: Path
    out: Path
    max_steps: int = 10_000
    resume: bool = False
    init_from: Path | None = None
    batch_size: int | None = None
    device: str | None = None
    seed: int = 1234
    learning_rate: float | None = None
    segment_frames: int | None = None
    validate_every: int = 250
    checkpoint_every: int = 250
    sample_every: int = 500
    log_every: int = 1
    validation_fraction: float = 0.05
    validation_limit: int = 20
    sample_texts: tuple[str, ...] = SAMPLE_TEXTS
    mixed_precision: bool = True
    recipe_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data = Path(self.data)
        self.out = Path(self.out)
        self.init_from = None if self.init_from is None else Path(self.init_from)
        self.sample_texts = tuple(self.sample_texts)
        for name in ("max_steps", "validate_every", "checkpoint_every", "sample_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {self.batch_size}")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready copy (paths as strings)."""
        data = asdict(self)
        for key in ("data", "out", "init_from"):
            data[key] = None if data[key] is None else str(data[key])
        data["sample_texts"] = list(self.sample_texts)
        return data
