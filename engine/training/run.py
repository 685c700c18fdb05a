"""The training loop, run in-process as a library: ``train(options, on_event, cancel)``.

Everything around a recipe's steps lives here and is the same for every recipe:

- data: LJSpeech-layout clips through the model's front end, a validation split by id hash,
  a seeded DistributedSampler whose order is a function of (seed, epoch), so a resumed run
  skips exactly the batches already taken;
- devices: CUDA when present (``cuda:LOCAL_RANK`` under torchrun), else the CPU; mixed
  precision (autocast + GradScaler, inside the recipes) on CUDA only;
- checkpoints in ``OUT/checkpoints``: ``last.pt`` (full state, every ``checkpoint_every``
  steps, at the end and on cancel) and ``best.pt`` (weights at the lowest validation loss),
  both written atomically; after each, the model is exported so that ``OUT`` (last) and
  ``OUT/best`` are usable as they stand;
- ``OUT/metrics.jsonl``: one JSON object per step (step, each loss, lr, seconds, and
  ``val_loss`` on validation steps, with ``similarity`` and ``cer`` when the voice was
  checked); a resumed run first drops lines past its checkpoint;
- samples of fixed texts every ``sample_every`` steps as ``OUT/samples/<step>-<n>.wav`` and
  :class:`~engine.training.events.SampleReady` events;
- cancel (a ``threading.Event``, checked between steps and during preparation) writes
  ``last.pt`` and the export at the current step; out-of-memory stops with advice and keeps
  the last complete checkpoint; every ending is a :class:`~engine.training.events.Finished`
  event and a :class:`TrainResult`, never a silent "done";
- a wall-clock budget (``minutes``, preparation included): the step after which the next
  one and a last validation would no longer fit is the last, ended like ``max_steps``;
- for a recipe that speaks, every validation is also a voice check
  (:mod:`engine.training.voice_check`): the starting voice at step 0, then each validation,
  and the best checkpoint is the one :func:`~engine.training.voice_check.ranks_above` puts
  first; without voice checks it is the lowest validation loss.

Validation and sample rendering run under a forked random state with a fixed seed, so they
neither change the training's random draws (resume stays exact) nor vary between steps.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import BatchSampler, DistributedSampler

from engine.api.training import (
    BEST,
    BEST_FOLDER,
    BEST_RULE,
    CHECKPOINTS,
    LAST,
    LOSS_RULE,
    METRICS,
    OPTIONS_FILE,
    SAMPLES,
)
from engine.audio.wav import write_wav
from engine.training import state as checkpoint_io
from engine.training.data import DatasetError, SpeechDataset, load_clips, split_validation
from engine.training.distributed import Distributed
from engine.training.events import (
    CheckpointSaved,
    EventCallback,
    Finished,
    Preparing,
    SampleReady,
    Started,
    StepDone,
    TrainEvent,
    Validated,
)
from engine.training.options import TrainOptions
from engine.training.recipes import recipe_class
from engine.training.recipes.base import Recipe
from engine.training.voice_check import Measured, VoiceJudge, ranks_above

EVAL_SEED = 20240917
# Settings a resumed run may change; the rest come from its checkpoint.
RESUMABLE_CHANGES = (
    "max_steps",
    "device",
    "validate_every",
    "checkpoint_every",
    "minutes",
    "sample_every",
    "log_every",
    "sample_texts",
    "data",
)


class TrainingError(RuntimeError):
    """A run that cannot start or go on; the message says what to do."""


@dataclass(frozen=True)
class TrainResult:
    """How a run ended (see :class:`~engine.training.events.Finished`)."""

    status: str
    step: int
    message: str
    checkpoint: Path | None
    best_validation_loss: float | None


OOM_ADVICE = (
    "Out of memory at step {step} with batch size {batch}: try --batch-size {half}"
    "{segment}. The last complete checkpoint ({checkpoint}) is kept; --resume continues "
    "from it."
)


def train(
    options: TrainOptions,
    on_event: EventCallback | None = None,
    cancel: threading.Event | None = None,
) -> TrainResult:
    """Run (or resume) one training run; returns when it is done, cancelled or failed.

    Raises :class:`TrainingError` or :class:`~engine.training.data.DatasetError` for a run
    that cannot start (nothing to resume, an output folder holding another run, no usable
    clips); once started, every ending is reported as a result.
    """
    distributed = Distributed.from_environment()
    try:
        return _Run(options, on_event, cancel or threading.Event(), distributed).run()
    finally:
        distributed.close()


class _Run:
    def __init__(
        self,
        options: TrainOptions,
        on_event: EventCallback | None,
        cancel: threading.Event,
        distributed: Distributed,
    ) -> None:
        self.distributed = distributed
        self.cancel = cancel
        self._on_event = on_event
        self.saved: dict[str, Any] | None = None
        self.options = self._settle_options(options)
        self.out = self.options.out
        self.device = distributed.device(self.options.device)
        amp = self.options.mixed_precision and self.device.type == "cuda"
        self.recipe: Recipe = recipe_class(self.options.recipe)(self.options, self.device, amp)
        self.step = 0
        self.epoch = 0
        self.batch_in_epoch = 0
        self.best: Measured | None = None
        self.start: Measured | None = None
        self.judge: VoiceJudge | None = None
        self.validation_texts: list[str] = []
        self.last_checkpoint: Path | None = None
        self.saved_step: int | None = None
        self.step_seconds: list[float] = []
        self.began = time.monotonic()
        minutes = self.options.minutes
        self.deadline = None if minutes is None else self.began + minutes * 60
        self.validation_seconds = 0.0
        self._stage: tuple[str, float] | None = None

    # --- set-up ---

    def _settle_options(self, options: TrainOptions) -> TrainOptions:
        last = options.out / CHECKPOINTS / LAST
        if options.resume:
            if not last.is_file():
                raise TrainingError(
                    f"Nothing to resume in {options.out}: it has no {CHECKPOINTS}/{LAST}."
                )
            self.saved = checkpoint_io.read_checkpoint(last)
            stored = self.saved["options"]
            if stored["recipe"] != options.recipe:
                raise TrainingError(
                    f"{options.out} holds a {stored['recipe']!r} run, not {options.recipe!r}."
                )
            changes = {k: getattr(options, k) for k in RESUMABLE_CHANGES}
            base = TrainOptions(**{**stored, "out": options.out, "resume": True})
            return replace(base, **changes)
        if last.is_file():
            raise TrainingError(
                f"{options.out} already holds a training run; resume it with --resume, or "
                "choose another output folder (nothing is overwritten)."
            )
        return options

    def emit(self, event: TrainEvent) -> None:
        if self._on_event is not None and self.distributed.is_main:
            self._on_event(event)

    def _seed(self) -> None:
        seed = self.options.seed + self.distributed.rank
        torch.manual_seed(seed)
        random.seed(seed)
        np.random.seed(seed % 2**32)

    def _load_data(self) -> tuple[SpeechDataset, SpeechDataset, list]:
        recipe = self.recipe
        front_end = recipe.front_end()
        clips, rejected = load_clips(
            self.options.data, front_end, recipe.hop_length, recipe.sample_rate
        )
        if not clips:
            reasons = "; ".join(f"{i}: {why}" for i, why in rejected[:5])
            raise DatasetError(f"{self.options.data} has no usable clip ({reasons}).")
        training, validation = split_validation(
            clips, self.options.validation_fraction, self.options.validation_limit
        )
        peak = getattr(recipe, "audio_peak", None)
        make = lambda c: SpeechDataset(c, recipe.sample_rate, recipe.hop_length, peak)  # noqa: E731
        return make(training), make(validation or training[:1]), rejected

    # --- the run ---

    def run(self) -> TrainResult:
        self._seed()
        recipe = self.recipe
        recipe.build(None if self.saved else self.options.init_from, self._saved_recipe_state())
        train_set, val_set, rejected = self._load_data()
        checks = recipe.speaks and self.options.voice_check and self.distributed.is_main
        if self.distributed.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            checkpoint_io.atomic_write_bytes(
                self.out / OPTIONS_FILE,
                json.dumps(self.options.to_json(), indent=2).encode("utf-8"),
            )
        self.emit(
            Started(
                recipe.name,
                str(self.device),
                self.distributed.world_size,
                self.saved["step"] if self.saved else 0,
                self.options.max_steps,
                len(train_set),
                len(val_set),
                rejected,
                None if self.deadline is None else self.deadline - self.began,
                BEST_RULE if checks else LOSS_RULE,
                recipe.mode,
            )
        )
        try:
            if checks:
                self._listen(train_set, val_set)
            return self._prepare_and_loop(train_set, val_set)
        except torch.OutOfMemoryError:
            return self._out_of_memory()
        except Exception as error:
            self._finish("failed", f"Training stopped at step {self.step}: {error}")
            raise

    def _prepare_and_loop(self, train_set: SpeechDataset, val_set: SpeechDataset) -> TrainResult:
        recipe = self.recipe
        if self.saved is None:
            finished = recipe.prepare(train_set.clips, self._report_preparation, self._cancelled)
            recipe.make_optimizers()
            if not finished:
                return self._stop(
                    "cancelled", "Cancelled while preparing; the model as prepared so far is saved."
                )
        else:
            recipe.make_optimizers()
            self._restore(self.saved)
            self._trim_metrics()
        recipe.distribute(lambda m: self.distributed.wrap(m, self.device))
        return self._loop(train_set, val_set)

    def _listen(self, train_set: SpeechDataset, val_set: SpeechDataset) -> None:
        """Set up the voice checks: the validation sentences and the speaker's embeddings."""
        self.validation_texts = [clip.text for clip in val_set.clips]
        total = len(train_set)

        def recordings() -> Iterator[np.ndarray]:
            for i in range(total):
                yield train_set.audio(i)
                self._report_preparation("listening to the recordings", i + 1, total, None)

        self.judge = VoiceJudge(recordings(), self.recipe.sample_rate)

    def _saved_recipe_state(self) -> dict[str, Any] | None:
        return None if self.saved is None else self.saved["recipe_state"]

    def _report_preparation(self, stage: str, done: int, total: int, loss: float | None) -> None:
        now = time.monotonic()
        if self._stage is None or self._stage[0] != stage:
            self._stage = (stage, now)
        elapsed = now - self._stage[1]
        eta = elapsed / done * (total - done) if done else None
        self.emit(Preparing(stage, done, total, loss, eta))

    def _cancelled(self) -> bool:
        return self.cancel.is_set()

    def _loop(self, train_set: SpeechDataset, val_set: SpeechDataset) -> TrainResult:
        options, recipe = self.options, self.recipe
        sampler = DistributedSampler(
            train_set,
            num_replicas=self.distributed.world_size,
            rank=self.distributed.rank,
            shuffle=True,
            seed=options.seed,
        )
        batch_size = min(recipe.batch_size, len(sampler))
        if self.saved is None and self.judge is not None:
            self.start = self._measure(val_set, 0)
            self.emit(self._validated(self.start, False))
            self._samples(val_set)  # the starting voice's takes, to compare later ones with
        while self.step < options.max_steps:
            if self.step and self._budget_spent():
                return self._stop("done", self._budget_message())
            sampler.set_epoch(self.epoch)
            batches = list(BatchSampler(sampler, batch_size, drop_last=True))
            indices = batches[self.batch_in_epoch]
            if self.distributed.any(self.cancel.is_set(), self.device):
                return self._stop("cancelled", f"Cancelled at step {self.step}.")
            recipe.train_mode(True)
            started = time.perf_counter()
            losses = recipe.train_step(recipe.collate([train_set[i] for i in indices]), self.step)
            self.step += 1
            recipe.step_done = self.step
            self.batch_in_epoch += 1
            if self.batch_in_epoch == len(batches):
                recipe.end_epoch()
                self.epoch += 1
                self.batch_in_epoch = 0
            seconds = time.perf_counter() - started
            last = self._after_step(losses, seconds, val_set)
            if last and self.step < options.max_steps:
                return self._stop("done", self._budget_message())
        return self._stop("done", f"Reached step {self.step}.")

    def _budget_spent(self, step_seconds: float = 0.0) -> bool:
        """Whether another step (of ``step_seconds``) and a last validation no longer fit in
        the wall-clock budget."""
        if self.deadline is None:
            return False
        return time.monotonic() + step_seconds + self.validation_seconds >= self.deadline

    def _budget_message(self) -> str:
        return f"Spent the {self.options.minutes:g}-minute budget at step {self.step}."

    def _after_step(self, losses: dict[str, float], seconds: float, val_set: SpeechDataset) -> bool:
        """Report, validate, sample and save after a step as the options ask; returns True
        when this step is the run's last (``max_steps``, or the budget spent)."""
        options, step = self.options, self.step
        self.step_seconds.append(seconds)
        mean = sum(self.step_seconds) / len(self.step_seconds)
        eta = mean * (options.max_steps - step)
        if self.deadline is not None:
            eta = min(eta, max(0.0, self.deadline - time.monotonic()))
        self.emit(
            StepDone(
                step,
                options.max_steps,
                self.epoch,
                losses,
                self.recipe.learning_rate,
                seconds,
                eta,
            )
        )
        last = step == options.max_steps or self._budget_spent(mean)
        record: dict[str, Any] = {
            "step": step,
            **losses,
            "lr": self.recipe.learning_rate,
            "seconds": round(seconds, 4),
        }
        if step % (options.validate_every or self.recipe.validate_every) == 0 or last:
            measured = self._validate(val_set)
            record["val_loss"] = measured.loss
            if measured.cer is not None:
                record.update(
                    similarity=measured.similarity,
                    cer=measured.cer,
                    pitch_band_hz=measured.pitch_band_hz,
                )
        if self.distributed.is_main and (step % options.log_every == 0 or last):
            self._append_metrics(record)
        if step % options.sample_every == 0 or last:
            self._samples(val_set)
        if step % options.checkpoint_every == 0 or last:
            self._save_last()
        return last

    # --- validation, samples ---

    def _validate(self, val_set: SpeechDataset) -> Measured:
        measured = self._measure(val_set, self.step)
        if self.judge is not None:
            best = self.judge.ranks_above(measured, self.best, self.start)
        else:
            best = ranks_above(measured, self.best, self.start)
        if best:
            self.best = measured
            if self.distributed.is_main:
                self._save_best()
        self.emit(self._validated(measured, best))
        return measured

    def _validated(self, measured: Measured, best: bool) -> Validated:
        person = None if self.judge is None else self.judge.pitch_band_hz
        return Validated(
            measured.step,
            measured.loss,
            best,
            measured.similarity,
            measured.cer,
            measured.pitch_band_hz,
            person,
        )

    def _measure(self, val_set: SpeechDataset, step: int) -> Measured:
        """The validation loss and, with a judge, the voice check, at the model as it is."""
        began = time.monotonic()
        recipe = self.recipe
        recipe.train_mode(False)
        losses = []
        with torch.no_grad(), _forked_rng(self.device):
            for start in range(0, len(val_set), recipe.batch_size):
                stop = min(len(val_set), start + recipe.batch_size)
                items = [val_set[i] for i in range(start, stop)]
                losses.append(recipe.validation_loss(recipe.validation_batch(items)) * len(items))
            renders = recipe.speak(self.validation_texts) if self.judge is not None else []
        recipe.train_mode(True)
        loss = sum(losses) / len(val_set)
        measured = Measured(step, loss)
        if self.judge is not None:
            measured = self.judge.measure(step, loss, renders, self.validation_texts)
        self.validation_seconds = time.monotonic() - began
        return measured

    def _samples(self, val_set: SpeechDataset) -> None:
        if not self.distributed.is_main:
            return
        recipe = self.recipe
        recipe.train_mode(False)
        validation = [val_set[i] for i in range(min(2, len(val_set)))]
        with torch.no_grad(), _forked_rng(self.device):
            rendered = recipe.render_samples(self.options.sample_texts, validation)
        recipe.train_mode(True)
        folder = self.out / SAMPLES
        folder.mkdir(parents=True, exist_ok=True)
        for n, (label, audio) in enumerate(rendered):
            path = write_wav(folder / f"{self.step:08d}-{n}.wav", audio, recipe.sample_rate)
            self.emit(SampleReady(self.step, label, audio, recipe.sample_rate, path))

    # --- checkpoints ---

    def _state(self) -> dict[str, Any]:
        recipe = self.recipe
        return {
            "format": checkpoint_io.FORMAT,
            "version": checkpoint_io.VERSION,
            "options": self.options.to_json(),
            "recipe_state": recipe.recipe_state(),
            "step": self.step,
            "epoch": self.epoch,
            "batch_in_epoch": self.batch_in_epoch,
            "best": None if self.best is None else self.best.to_json(),
            "start": None if self.start is None else self.start.to_json(),
            "modules": {k: m.state_dict() for k, m in recipe.modules().items()},
            "optimizers": {k: o.state_dict() for k, o in recipe.optimizers().items()},
            "schedulers": {k: s.state_dict() for k, s in recipe.schedulers().items()},
            "scaler": recipe.scaler.state_dict(),
            "rng": checkpoint_io.rng_state(),
        }

    def _save_last(self) -> None:
        if not self.distributed.is_main:
            self.saved_step = self.step
            return
        path = self.out / CHECKPOINTS / LAST
        checkpoint_io.atomic_torch_save(self._state(), path)
        self.recipe.export(self.out)
        self.last_checkpoint = path
        self.saved_step = self.step
        self.emit(CheckpointSaved(self.step, "last", path))

    def _save_best(self) -> None:
        recipe = self.recipe
        path = self.out / CHECKPOINTS / BEST
        weights = {
            "format": checkpoint_io.FORMAT,
            "version": checkpoint_io.VERSION,
            "step": self.step,
            "validation_loss": self.best.loss,
            "recipe_state": recipe.recipe_state(),
            "modules": {k: m.state_dict() for k, m in recipe.modules().items()},
        }
        checkpoint_io.atomic_torch_save(weights, path)
        recipe.export(self.out / BEST_FOLDER)
        self.emit(CheckpointSaved(self.step, "best", path))

    def _restore(self, saved: dict[str, Any]) -> None:
        recipe = self.recipe
        for name, module in recipe.modules().items():
            module.load_state_dict(saved["modules"][name])
        for name, optimizer in recipe.optimizers().items():
            optimizer.load_state_dict(saved["optimizers"][name])
        for name, scheduler in recipe.schedulers().items():
            scheduler.load_state_dict(saved["schedulers"][name])
        recipe.scaler.load_state_dict(saved["scaler"])
        self.step, self.epoch = saved["step"], saved["epoch"]
        self.batch_in_epoch = saved["batch_in_epoch"]
        self.best = _measured(saved["best"], self.step)
        self.start = _measured(saved.get("start"), 0)
        recipe.step_done = self.step
        checkpoint_io.set_rng_state(saved["rng"])
        if self.distributed.rank:
            torch.manual_seed(self.options.seed + self.distributed.rank + self.step)
        self.last_checkpoint = self.out / CHECKPOINTS / LAST
        self.saved_step = self.step

    # --- metrics ---

    def _append_metrics(self, record: dict[str, Any]) -> None:
        with (self.out / METRICS).open("a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def _trim_metrics(self) -> None:
        """Drop the lines a cancelled or crashed session wrote past the checkpoint resumed."""
        path = self.out / METRICS
        if not self.distributed.is_main or not path.is_file():
            return
        kept = [
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and json.loads(line)["step"] <= self.step
        ]
        checkpoint_io.atomic_write_bytes(path, "".join(f"{line}\n" for line in kept).encode())

    # --- endings ---

    def _stop(self, status: str, message: str) -> TrainResult:
        """End the run with ``last.pt`` at the current step (written now unless it is)."""
        if self.saved_step != self.step:
            self._save_last()
        return self._finish(status, message)

    def _out_of_memory(self) -> TrainResult:
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
        segment = getattr(self.recipe, "segment_option", None)
        message = OOM_ADVICE.format(
            step=self.step + 1,
            batch=self.recipe.batch_size,
            half=max(1, self.recipe.batch_size // 2),
            segment=f" or a smaller --segment-frames (now {segment})" if segment else "",
            checkpoint=self.last_checkpoint or "none yet: the run starts over",
        )
        return self._finish("out_of_memory", message)

    def _finish(self, status: str, message: str) -> TrainResult:
        self.emit(Finished(status, self.step, message, self.last_checkpoint))
        best = None if self.best is None else self.best.loss
        return TrainResult(status, self.step, message, self.last_checkpoint, best)


def _measured(saved: dict[str, Any] | float | None, step: int) -> Measured | None:
    """A stored validation record; a bare loss is how checkpoints of version 1 kept it."""
    if saved is None:
        return None
    if isinstance(saved, dict):
        return Measured(**saved)
    return Measured(step, float(saved))


class _forked_rng:
    """Run a block from a fixed random state and give the caller's state back after it."""

    def __init__(self, device: torch.device) -> None:
        self.devices: Sequence[int] = [device.index or 0] if device.type == "cuda" else []

    def __enter__(self) -> None:
        self._fork = torch.random.fork_rng(devices=self.devices)
        self._fork.__enter__()
        self._python = random.getstate()
        torch.manual_seed(EVAL_SEED)

    def __exit__(self, *exc: object) -> None:
        random.setstate(self._python)
        self._fork.__exit__(*exc)
