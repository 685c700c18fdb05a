"""``glottis train``: a training run from the command line, also under ``torchrun``.

    glottis train --recipe vits-finetune --data DATASET --out OUT [--max-steps N]
                  [--minutes N] [--mode light|full] [--resume] [--from VOICE_OR_CHECKPOINT]
                  [--batch-size N] [--device cpu|cuda]

Progress goes to stderr, one line a step (rank 0 only); ``OUT/metrics.jsonl`` has the same
numbers. Ctrl-C (SIGINT) or SIGTERM cancels between steps and leaves ``OUT/checkpoints/last.pt``
and the exported model at that step; ``--resume`` continues from it. Exit codes: 0 done,
1 out of memory or failure (with what to do), 2 a usage error (bad data, nothing to resume,
an output folder holding another run), 130 cancelled.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from engine import schemas
from engine.api.training import BEST_FOLDER
from engine.dataset.errors import DatasetError
from engine.terminal import shown
from engine.training.events import (
    CheckpointSaved,
    Finished,
    Preparing,
    SampleReady,
    Started,
    StepDone,
    TrainEvent,
    Validated,
)
from engine.training.options import TrainOptions
from engine.training.recipes import RECIPES

EXIT_CODES = {"done": 0, "cancelled": 130, "out_of_memory": 1, "failed": 1}
USAGE_ERROR = 2


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``train`` command to a ``glottis`` parser's subcommands."""
    parser = subparsers.add_parser(
        "train",
        help="train or fine-tune a model on an LJSpeech-layout dataset",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--recipe", required=True, choices=RECIPES)
    parser.add_argument(
        "--data", required=True, type=Path, help="dataset folder: metadata.csv (id|text) and wavs/"
    )
    parser.add_argument("--out", required=True, type=Path, help="output folder of the run")
    parser.add_argument("--max-steps", type=int, default=10_000)
    parser.add_argument(
        "--minutes",
        type=float,
        help="wall-clock budget, preparation included: stop cleanly when it is spent, the "
        "best checkpoint kept as the voice",
    )
    parser.add_argument(
        "--mode",
        choices=("light", "full"),
        help="vits-finetune: light (decoder, flow and posterior against a small "
        "discriminator; the default without a GPU) or full (every part, the official "
        "discriminators; the default with one)",
    )
    start = parser.add_mutually_exclusive_group()
    start.add_argument(
        "--resume", action="store_true", help="continue the run in --out exactly where it stopped"
    )
    start.add_argument(
        "--from",
        dest="init_from",
        type=Path,
        help="start from these weights only (voice folder, .onnx or checkpoint)",
    )
    parser.add_argument("--batch-size", type=int)
    parser.add_argument(
        "--segment-frames",
        type=int,
        help="frames of the decoder window per item (smaller uses less memory)",
    )
    parser.add_argument("--learning-rate", type=float)
    parser.add_argument("--device", help="cpu or cuda (default: cuda if present)")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument(
        "--validate-every", type=int, help="steps between validations (default: the recipe's)"
    )
    parser.add_argument("--checkpoint-every", type=int, default=250)
    parser.add_argument("--sample-every", type=int, default=500)
    parser.add_argument(
        "--no-mixed-precision", action="store_true", help="train in float32 on CUDA too"
    )
    parser.add_argument(
        "--no-voice-check",
        action="store_true",
        help="skip measuring the voice against the recordings at each validation (the "
        "lowest validation loss then picks the best checkpoint)",
    )
    parser.add_argument(
        "--recipe-option",
        action="append",
        default=[],
        metavar="KEY=JSON",
        help="a recipe setting, e.g. posterior_steps=400 (repeatable)",
    )
    parser.set_defaults(run=run)
    return parser


def _recipe_options(pairs: list[str]) -> dict[str, Any]:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"--recipe-option {pair!r} is not KEY=VALUE")
        if value.startswith("@"):
            what = f"--recipe-option {key} file"
            options[key] = schemas.read_json(Path(value[1:]), what, ValueError)
            continue
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value  # a plain word is the string itself
        except RecursionError:
            raise ValueError(f"--recipe-option {key}: its value nests too deeply") from None
    return options


def options_from_args(args: argparse.Namespace) -> TrainOptions:
    """The :class:`TrainOptions` a parsed command line asks for."""
    return TrainOptions(
        recipe=args.recipe,
        data=args.data,
        out=args.out,
        max_steps=args.max_steps,
        resume=args.resume,
        init_from=args.init_from,
        batch_size=args.batch_size,
        device=args.device,
        seed=args.seed,
        learning_rate=args.learning_rate,
        segment_frames=args.segment_frames,
        validate_every=args.validate_every,
        checkpoint_every=args.checkpoint_every,
        sample_every=args.sample_every,
        mixed_precision=not args.no_mixed_precision,
        minutes=args.minutes,
        mode=args.mode,
        voice_check=not args.no_voice_check,
        recipe_options=_recipe_options(args.recipe_option),
    )


def run(args: argparse.Namespace) -> int:
    """Run ``glottis train``; returns the exit code."""
    from engine.training.run import TrainingError, train

    try:
        options = options_from_args(args)
    except ValueError as e:
        print(shown(f"glottis train: {e}"), file=sys.stderr)
        return USAGE_ERROR
    cancel = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: cancel.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        result = train(options, _print_event, cancel)
    except (TrainingError, DatasetError, ValueError, FileNotFoundError) as e:
        print(shown(f"glottis train: {e}"), file=sys.stderr)
        return USAGE_ERROR
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    best = options.out / BEST_FOLDER
    if options.recipe == "vits-finetune" and (best / "card.json").is_file():
        print(
            shown(f"the best checkpoint is a voice: glottis say --voice {best} ..."),
            file=sys.stderr,
        )
    return EXIT_CODES.get(result.status, 1)


def _print_event(event: TrainEvent) -> None:
    line = _describe(event)
    if line:
        print(shown(line), file=sys.stderr, flush=True)


def _describe(event: TrainEvent) -> str | None:
    if isinstance(event, Started):
        rejected = f", {len(event.rejected)} clips rejected" if event.rejected else ""
        for clip_id, reason in event.rejected:
            print(shown(f"rejected {clip_id}: {reason}"), file=sys.stderr)
        mode = f" ({event.mode} mode)" if event.mode else ""
        budget = (
            f" or {_duration(event.budget_seconds)}" if event.budget_seconds is not None else ""
        )
        return (
            f"{event.recipe}{mode} on {event.device} (x{event.world_size}): "
            f"{event.train_clips} training and {event.validation_clips} validation clips"
            f"{rejected}; steps {event.first_step}..{event.max_steps}{budget}\n{event.best_rule}"
        )
    if isinstance(event, Preparing):
        if event.done == event.total or event.done % 50 == 0:
            loss = "" if event.loss is None else f" loss {event.loss:.4f}"
            eta = "" if event.eta_seconds is None else f" ETA {_duration(event.eta_seconds)}"
            return f"{event.stage}: {event.done}/{event.total}{loss}{eta}"
        return None
    if isinstance(event, StepDone):
        losses = " ".join(f"{k} {v:.4f}" for k, v in event.losses.items())
        return (
            f"step {event.step}/{event.max_steps} {losses} lr {event.learning_rate:.3g} "
            f"{event.seconds:.2f}s ETA {_duration(event.eta_seconds)}"
        )
    if isinstance(event, Validated):
        check = ""
        if event.similarity is not None:
            check += f", speaker similarity {event.similarity:.3f}"
        if event.cer is not None:
            check += f", Whisper CER {event.cer:.3f}"
        if event.pitch_band_hz is not None:
            check += f", pitch band {event.pitch_band_hz:.0f} Hz"
            if event.person_band_hz is not None:
                check += f" (the recordings' {event.person_band_hz:.0f})"
        what = "the starting voice" if event.step == 0 else f"step {event.step}"
        best = " (best)" if event.best else ""
        return f"validation of {what}: loss {event.loss:.4f}{check}{best}"
    if isinstance(event, SampleReady):
        return f"sample: {event.path}"
    if isinstance(event, CheckpointSaved):
        return f"checkpoint {event.tag} at step {event.step}: {event.path}"
    if isinstance(event, Finished):
        return f"{event.status}: {event.message}"
    return None


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def main(argv: list[str] | None = None) -> int:
    """``python -m engine.training.cli ...``: the train command alone (what torchrun runs)."""
    parser = argparse.ArgumentParser(prog="glottis")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["train", *(sys.argv[1:] if argv is None else argv)])
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
