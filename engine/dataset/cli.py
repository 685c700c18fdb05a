"""``glottis dataset import SRC --out DIR`` and ``glottis dataset check DIR``.

``add_parser(subparsers)`` adds the ``dataset`` command to the ``glottis`` parser and
``run(args)`` carries it out; user mistakes raise :class:`DatasetError` (one line to print,
exit status 2, like the other commands' user errors).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.api.dataset import nothing_imported
from engine.dataset.errors import DatasetError
from engine.terminal import shown

__all__ = ["DatasetError", "add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``dataset`` with its ``import`` and ``check`` commands to ``glottis``'s subparsers."""
    dataset = subparsers.add_parser("dataset", help="import and check recordings for training")
    commands = dataset.add_subparsers(dest="dataset_command", required=True)

    importing = commands.add_parser(
        "import",
        help="bring a folder of recordings in (LJSpeech layout or WAV+TXT pairs)",
        description="Read every clip of SRC (LJSpeech layout, or WAV files each with a .txt "
        "transcript beside it), convert it to mono 16-bit at the model's sample rate, trim "
        "its leading and trailing silence and write a new dataset folder. Clips that cannot "
        "be used are listed with the reason.",
    )
    importing.add_argument("src", type=Path, help="the folder to import")
    importing.add_argument("--out", type=Path, required=True, help="new dataset folder")
    importing.add_argument(
        "--sample-rate", type=int, help="sample rate to write (default: the default voice's)"
    )
    importing.add_argument(
        "--no-trim", action="store_true", help="keep leading and trailing silence"
    )

    checking = commands.add_parser(
        "check",
        help="measure every clip of a dataset and list the bad ones",
        description="Per clip: duration, peak, clipping, SNR, silence, and whether Whisper "
        "tiny.en hears the transcript; then totals and phoneme coverage.",
    )
    checking.add_argument("folder", type=Path, help="a dataset folder (metadata.csv, wavs/)")
    checking.add_argument(
        "--no-asr", action="store_true", help="skip speech recognition (much faster)"
    )
    checking.add_argument("--all", action="store_true", help="print every clip's figures")
    return dataset


def run(args: argparse.Namespace) -> None:
    """Carry out ``glottis dataset ...``; raises :class:`DatasetError` for user mistakes."""
    if args.dataset_command == "import":
        _import(args)
    else:
        _check(args)


def _import(args: argparse.Namespace) -> None:
    from engine.dataset.importer import import_dataset

    sample_rate = _default_sample_rate() if args.sample_rate is None else args.sample_rate
    report = import_dataset(
        args.src, args.out, sample_rate, trim=not args.no_trim, progress=_progress("import")
    )
    for clip in report.imported:
        if clip.notes:
            print(shown(f"{clip.id}: {'; '.join(clip.notes)}"))
    for rejected in report.rejected:
        print(shown(f"rejected {rejected.source}: {rejected.reason}"))
    if report.out is None:
        raise DatasetError(nothing_imported(args.src))
    minutes, seconds = divmod(sum(clip.duration_s for clip in report.imported), 60)
    print(
        shown(
            f"imported {len(report.imported)} clips ({int(minutes)} min {seconds:.0f} s, "
            f"{report.layout}) into {report.out} at {sample_rate} Hz; "
            f"{len(report.rejected)} rejected"
        )
    )


def _check(args: argparse.Namespace) -> None:
    from engine.dataset.check import check_dataset, summary

    result = check_dataset(args.folder, asr=not args.no_asr, progress=_progress("check"))
    if args.all:
        print("id\tseconds\tpeak_dBFS\tclipped\tSNR_dB\tsilence\tCER")
        for clip in result.clips:
            cer = "-" if clip.cer is None else f"{clip.cer:.2f}"
            print(
                f"{shown(clip.id)}\t{clip.duration_s:.2f}\t{clip.peak_dbfs:.1f}\t"
                f"{clip.clipping_share:.4f}\t{clip.snr_db:.1f}\t{clip.silence_share:.2f}\t{cer}"
            )
    for line in summary(result).splitlines():
        print(shown(line))


def _progress(what: str):
    """A progress line on stderr when it is a terminal, nothing otherwise."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        print(f"\r{what}: {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def _default_sample_rate() -> int:
    from engine.checkpoints.voices import load_voice

    return int(load_voice().card["sample_rate"])
