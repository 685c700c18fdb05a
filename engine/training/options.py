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

    ``voice_check`` (recipes that speak): measure the voice at each validation against the
    dataset's recordings (:mod:`engine.training.voice_check`), which then picks the best
    checkpoint; off, the lowest validation loss does.

    ``minutes`` is a wall-clock budget from the moment the run starts, preparation included:
    the run stops cleanly when it is spent (a last validation, a checkpoint), as it would at
    ``max_steps``. ``mode`` picks how much a recipe trains (``vits-finetune``: "light", the
    default without a GPU, or "full"); None leaves it to the recipe.
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
    validate_every: int | None = None
    checkpoint_every: int = 250
    sample_every: int = 500
    log_every: int = 1
    validation_fraction: float = 0.05
    validation_limit: int = 20
    sample_texts: tuple[str, ...] = SAMPLE_TEXTS
    mixed_precision: bool = True
    minutes: float | None = None
    mode: str | None = None
    voice_check: bool = True
    recipe_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data = Path(self.data)
        self.out = Path(self.out)
        self.init_from = None if self.init_from is None else Path(self.init_from)
        self.sample_texts = tuple(self.sample_texts)
        for name in ("max_steps", "validate_every", "checkpoint_every", "sample_every"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {self.batch_size}")
        if self.minutes is not None and not self.minutes > 0:
            raise ValueError(f"minutes must be more than 0, got {self.minutes}")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready copy (paths as strings)."""
        data = asdict(self)
        for key in ("data", "out", "init_from"):
            data[key] = None if data[key] is None else str(data[key])
        data["sample_texts"] = list(self.sample_texts)
        return data
