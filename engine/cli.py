"""The ``glottis`` command line: ``say``, ``phonemes``, ``voices``, ``inspect``, ``dataset``,
``train``, ``export`` and ``studio``.

Errors a user can cause (empty or unsayable text, an unknown voice, a path that cannot be
written, a bad durations file, a control out of range) end with exit code 2 and one line
saying what and where; no partial output file is left behind.

Each command imports what it uses when it runs (PyTorch, ONNX, the text front end), so that
``glottis --help`` and a usage error answer at once.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from engine import schemas
from engine.catalogue import cli as models_cli
from engine.checkpoints.errors import (
    CheckpointError,
    ModelStoreError,
    PiperExportError,
    UnknownVoiceError,
    VoiceImportError,
)
from engine.controls import CONTROL_SPECS
from engine.dataset import cli as dataset_cli
from engine.dataset.errors import DatasetError
from engine.errors import SynthesisError
from engine.families import FAMILY_NAMES
from engine.terminal import shown
from engine.text.encodings import decode_unicode
from engine.text.errors import FrontEndError, TextWarning
from engine.training import cli as train_cli
from engine.user_data import sweep_caches

if TYPE_CHECKING:
    from engine.synthesis import Controls, Synthesizer, Utterance

USAGE_ERROR = 2
# The most an input file read whole (a --text-file, a --durations file) may hold: a few
# books' worth, far beyond any durations file, and read in bounded memory (/dev/zero is not).
MAX_INPUT_BYTES = 16 * 1024 * 1024
USER_ERRORS = (
    CheckpointError,
    ModelStoreError,
    DatasetError,
    FrontEndError,
    PiperExportError,
    SynthesisError,
    UnknownVoiceError,
    VoiceImportError,
)


class UserError(Exception):
    """A problem with what the user asked for; printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse's parser whose usage errors are one line like every other error (argparse
    prints the whole usage first, a dozen lines for ``say``); ``--help`` shows the usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: error: {shown(message)} (see {self.prog} --help)\n")


def _add_voice_options(parser: argparse.ArgumentParser) -> None:
    model = parser.add_mutually_exclusive_group()
    model.add_argument(
        "--voice",
        help="voice name, voice folder or Piper .onnx (default: en_US-joe-medium)",
    )
    model.add_argument(
        "--model",
        help="an official VITS, Glow-TTS or Grad-TTS checkpoint: a file, or a name from "
        "`glottis models list` that you have",
    )
    parser.add_argument("--config", type=Path, help="the --model's config JSON (default: found)")
    parser.add_argument(
        "--vocoder",
        help="HiFi-GAN g_* or WaveGlow checkpoint (a file or a kept model's name), or "
        "griffin-lim (mel models)",
    )
    parser.add_argument("--vocoder-config", type=Path, help="the --vocoder's config JSON")
    parser.add_argument("--device", help="cpu or cuda (default: cuda if present)")
    parser.add_argument("--speaker", type=int, help="speaker id of a multi-speaker voice")
    parser.add_argument("--seed", type=int, default=0, help="the take's random seed (default 0)")
    for spec in CONTROL_SPECS:
        readers = ", ".join(FAMILY_NAMES[name] for name in spec.readers)
        parser.add_argument(
            spec.flag,
            type=int if spec.decimals == 0 else float,
            help=f"{spec.meaning}, {readers}; {spec.low:g} to {spec.high:g} (default: the model's)",
        )
    parser.add_argument(
        "--stochastic", action="store_true", help="Grad-TTS: sample the SDE, not the ODE"
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="glottis", description="Glottis voice studio, headless.")
    commands = parser.add_subparsers(dest="command", required=True)

    say = commands.add_parser("say", help="render text to WAV")
    source = say.add_mutually_exclusive_group(required=True)
    source.add_argument("text", nargs="?", help="the text to speak")
    source.add_argument("--text-file", type=Path, help="one utterance per non-empty line")
    say.add_argument("-o", "--out", type=Path, help="output WAV (with text)")
    say.add_argument("--out-dir", type=Path, help="folder for 0001.wav, ... (with --text-file)")
    _add_voice_options(say)
    say.add_argument("--durations", type=Path, help="JSON from `glottis phonemes --json`")
    say.add_argument(
        "--alignment",
        type=Path,
        metavar="FILE",
        help="also write the word and phoneme timings of the WAV: FILE.TextGrid (Praat), "
        ".json, .srt or .vtt (one subtitle cue per word)",
    )
    say.add_argument("--float", action="store_true", help="write 32-bit float (default 16-bit)")
    say.add_argument("--play", action="store_true", help="play the result when a device exists")

    phonemes = commands.add_parser("phonemes", help="show the phonemes (and durations) of text")
    phonemes.add_argument("text")
    _add_voice_options(phonemes)
    phonemes.add_argument(
        "--json", action="store_true", help="tokens and predicted durations, editable for say"
    )

    commands.add_parser("voices", help="list the voices")

    inspect = commands.add_parser("inspect", help="what an official checkpoint file holds")
    inspect.add_argument("checkpoint", type=Path)
    inspect.add_argument("--config", type=Path, help="its config JSON (default: found)")
    dataset_cli.add_parser(commands)
    models_cli.add_parser(commands)
    train_cli.add_parser(commands)

    studio = commands.add_parser("studio", help="open the studio window (as glottis-studio)")
    studio.add_argument("project", nargs="?", help="a project folder to open")
    studio.add_argument("--text", help="text to put in the editor (rendered once ready)")

    export = commands.add_parser(
        "export",
        help="write a voice as a Piper voice, or keep a voice or checkpoint as a named voice",
    )
    export.add_argument(
        "voice",
        help="voice name or folder (a fine-tuned voice's folder), or an official VITS, "
        "Glow-TTS or Grad-TTS checkpoint (a file or a kept model's name)",
    )
    target = export.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--piper", type=Path, help="the .onnx to write; the .json goes beside it (VITS)"
    )
    target.add_argument(
        "--as-voice",
        metavar="NAME",
        help="keep it as the voice NAME (any family), for --voice NAME and the studio's list",
    )
    export.add_argument("--config", type=Path, help="a checkpoint's config JSON (default: found)")
    export.add_argument(
        "--vocoder",
        help="with --as-voice, for Glow-TTS and Grad-TTS: the vocoder checkpoint (a file or a "
        "kept model's name) that voices it when none is asked for",
    )
    return parser


def _controls(args: argparse.Namespace, synthesizer: Synthesizer) -> Controls:
    """The model's defaults with the options given; an option the model does not read is a
    mistake worth saying (``--steps`` on VITS would silently do nothing)."""
    given = {spec.name: getattr(args, spec.name) for spec in CONTROL_SPECS}
    given = {field: value for field, value in given.items() if value is not None}
    if args.stochastic:
        given["stochastic"] = True
    unread = [field for field in given if field not in synthesizer.control_names]
    if unread:
        flags = ", ".join("--" + field.replace("_", "-") for field in unread)
        reads = ", ".join("--" + field.replace("_", "-") for field in synthesizer.control_names)
        raise UserError(f"{flags}: this model does not use it; it reads {reads}")
    return replace(synthesizer.default_controls(), **given)


def _synthesizer(args: argparse.Namespace) -> Synthesizer:
    """The Synthesizer the voice or model options ask for, with its vocoder."""
    from engine.catalogue.store import resolve_model
    from engine.checkpoints.voices import VOCODER_KEY, load_checkpoint_voice, load_voice
    from engine.runtime.devices import usable_device
    from engine.synthesis import Synthesizer
    from engine.vocoders import GRIFFIN_LIM, load_vocoder

    if args.model is not None:
        voice = load_checkpoint_voice(resolve_model(args.model), args.config)
    elif args.config is not None:
        raise UserError("--config goes with --model")
    else:
        voice = load_voice(args.voice)
    vocoder = args.vocoder or voice.card.get(VOCODER_KEY)  # a voice folder's own, if any
    if vocoder is not None and vocoder != GRIFFIN_LIM:
        vocoder = load_vocoder(
            resolve_model(vocoder), args.vocoder_config, usable_device(args.device)
        )
    elif args.vocoder_config is not None:
        raise UserError("--vocoder-config goes with a --vocoder checkpoint")
    synthesizer = Synthesizer(voice, device=args.device, vocoder=vocoder)
    if synthesizer.pairing_note:
        print(f"glottis {args.command}: note: {synthesizer.pairing_note}", file=sys.stderr)
    return synthesizer


def _prepare(
    synthesizer: Synthesizer, text: str, args: argparse.Namespace, where: str
) -> Utterance:
    try:
        return synthesizer.prepare(text, _controls(args, synthesizer), args.seed, args.speaker)
    except FrontEndError as error:
        raise UserError(f"{where}: {error}") from error


def _read_input(path: Path, what: str) -> str:
    """The text of the input file ``path`` (``what``: "text file", ...) read whole: UTF-8, or
    UTF-16 with its byte-order mark (as Windows saves "Unicode" text); at most
    :data:`MAX_INPUT_BYTES`."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        raise UserError(f"cannot read {what} {path}: {error.strerror}") from error
    if len(data) > MAX_INPUT_BYTES:
        raise UserError(
            f"{what} {path} is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB; "
            "split it into smaller files"
        )
    try:
        return decode_unicode(data)
    except UnicodeDecodeError as error:
        raise UserError(
            f"{what} {path} is not UTF-8 text ({error.reason} at byte {error.start})"
        ) from error


def _read_durations(path: Path) -> list[dict]:
    """The sentences of a durations file: ``{"sentences": [{"durations": [...]}, ...]}`` as
    ``glottis phonemes --json`` writes it (``tokens`` optional), or a list of lists; read as
    every input file is (:func:`_read_input`) and checked against
    ``engine/resources/schemas/durations.json``."""
    text = _read_input(path, "durations file")
    data = schemas.parse(text, f"the durations file {path}", UserError)
    schemas.check(data, "durations", f"the durations file {path.name}", UserError)
    sentences = data["sentences"] if isinstance(data, dict) else data
    return [s if isinstance(s, dict) else {"durations": s} for s in sentences]


def _apply_durations(utterance: Utterance, sentences: list[dict], path: Path) -> Utterance:
    """The utterance with the durations read from ``path`` (:func:`_read_durations`)."""
    for number, (given, plan) in enumerate(zip(sentences, utterance.sentences, strict=False), 1):
        tokens = given.get("tokens")
        if tokens is not None and list(tokens) != list(plan.tokens):
            raise UserError(
                f"durations file {path}: sentence {number} has other tokens than this text "
                "(was it written for another text or voice?)"
            )
    try:
        return utterance.with_durations([s["durations"] for s in sentences])
    except SynthesisError as error:
        raise UserError(f"durations file {path}: {error}") from error


def _mode(path: Path) -> int | None:
    """The file type and mode bits of ``path``; None when nothing is there. A path that
    cannot be looked at (a name too long, a file where a folder should be) is a user error."""
    try:
        return path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror}") from error


def _check_writable_folder(folder: Path) -> None:
    mode = _mode(folder)
    if mode is None or not stat.S_ISDIR(mode):
        raise UserError(f"cannot write to {folder}: no such folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"cannot write to {folder}: permission denied")


def _check_writable_file(path: Path) -> None:
    mode = _mode(path)
    if mode is not None and stat.S_ISDIR(mode):
        raise UserError(f"cannot write {path}: it is a folder")
    if mode is not None and not stat.S_ISREG(mode):
        # The WAV is written beside the path and renamed over it: that would replace a
        # device or a pipe (as root, /dev/null) with a regular file.
        raise UserError(f"cannot write {path}: it is a device or a pipe, not a file")
    _check_writable_folder(path.parent)
    if mode is not None and not os.access(path, os.W_OK):
        raise UserError(f"cannot write {path}: the file is read-only")


def _check_out_dir(folder: Path) -> None:
    """``--out-dir`` is a folder that can be written, or one that can be made: it is made
    only when the first take is written, so that a mistake found before leaves nothing."""
    mode = _mode(folder)
    if mode is not None:
        _check_writable_folder(folder)
        return
    parent = folder.parent
    while _mode(parent) is None:
        parent = parent.parent
    _check_writable_folder(parent)


def _check_utf8(text: str, where: str) -> None:
    """A command-line argument with a byte that is no UTF-8 arrives with a lone surrogate."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise UserError(
            f"{where} is not UTF-8 text (a stray byte at character {error.start + 1})"
        ) from error


def _read_lines(path: Path) -> list[str]:
    text = _read_input(path, "text file")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise UserError(f"{path} has no text to speak")
    return lines


def _make_folder(folder: Path) -> None:
    """Make the folder of a take about to be written: the ``--out-dir`` that
    :func:`_check_out_dir` found missing but possible."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot create {folder}: {error.strerror}") from error


def _jobs(args: argparse.Namespace) -> list[tuple[str, Path, str]]:
    """(text, output path, where the text came from), every output location checked first."""
    if args.text_file is not None:
        if args.out_dir is None or args.out is not None:
            raise UserError("--text-file needs --out-dir (and no -o)")
        if args.durations is not None:
            raise UserError("--durations applies to a single text, not to --text-file")
        lines = _read_lines(args.text_file)
        _check_out_dir(args.out_dir)
        jobs = [
            (line, args.out_dir / f"{n:04d}.wav", f"line {n} of {args.text_file}")
            for n, line in enumerate(lines, 1)
        ]
        if _mode(args.out_dir) is not None:
            for _, path, _ in jobs:
                _check_writable_file(path)
        return jobs
    if args.out is None or args.out_dir is not None:
        raise UserError("say TEXT needs -o OUT.wav (and no --out-dir)")
    if not args.text.strip():
        raise UserError("the text is empty: nothing to say")
    _check_utf8(args.text, "the text")
    out = args.out.resolve()
    if out.suffix and out.suffix.lower() != ".wav":
        # soundfile would write WAV data under any name: a take.mp3 that no MP3 player reads
        raise UserError(f"-o {args.out}: glottis writes WAV files; name it {out.stem}.wav")
    _check_writable_file(out)
    return [(args.text, out, "the text")]


def _alignment_path(args: argparse.Namespace) -> Path | None:
    """Where ``--alignment`` goes, its format and folder checked before any synthesis."""
    from engine.alignment_export import AlignmentFormatError, format_of

    if args.alignment is None:
        return None
    if args.text_file is not None:
        raise UserError("--alignment applies to a single text, not to --text-file")
    try:
        format_of(args.alignment)
    except AlignmentFormatError as error:
        raise UserError(f"--alignment {error}") from error
    path = args.alignment.resolve()
    _check_writable_file(path)
    return path


def _write_alignment(utterance: Utterance, path: Path) -> None:
    from engine.alignment_export import alignment, write_alignment

    try:
        write_alignment(alignment([utterance]), path)
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror or error}") from error


def _say(args: argparse.Namespace) -> None:
    from engine.audio.levels import peak_normalize
    from engine.audio.wav import atomic_wav_writer

    alignment_path = _alignment_path(args)
    jobs = _jobs(args)
    # Read before the model is loaded, so that a file that is no durations file is said at once.
    durations = None if args.durations is None else _read_durations(args.durations)
    synthesizer = _synthesizer(args)
    for text, _, where in jobs:
        try:
            synthesizer.front_end.sentences(text)
        except FrontEndError as error:
            raise UserError(f"{where}: {error}") from error

    if args.play and len(jobs) == 1 and args.durations is None:
        from engine.audio.playback import output_device_problem

        if output_device_problem() is None:
            _say_streaming(synthesizer, args, jobs[0], alignment_path)
            return
    audio_seconds = synthesis_seconds = 0.0
    for text, out_path, where in jobs:
        started = time.perf_counter()
        utterance = _prepare(synthesizer, text, args, where)
        synthesis_seconds += time.perf_counter() - started
        if durations is not None:
            utterance = _apply_durations(utterance, durations, args.durations)
        _make_folder(out_path.parent)
        try:
            with atomic_wav_writer(out_path, synthesizer.sample_rate, args.float) as append:
                for part in synthesizer.render_sentences(utterance):
                    append(peak_normalize(part.audio))
                    audio_seconds += part.seconds
                    synthesis_seconds += part.timings["synthesis"]
                # The sentences follow one another with nothing between or trimmed, so the
                # timings are the durations' end to end. Written inside the WAV's write: when
                # it fails, the WAV is not left either.
                if alignment_path is not None:
                    _write_alignment(utterance, alignment_path)
        except OSError as error:
            raise UserError(f"cannot write {out_path}: {error.strerror or error}") from error
    rtf = synthesis_seconds / audio_seconds if audio_seconds else float("nan")
    print(
        f"rendered {len(jobs)} utterance{'' if len(jobs) == 1 else 's'}: "
        f"{audio_seconds:.2f} s of audio "
        f"in {synthesis_seconds:.2f} s (RTF {rtf:.3f})"
    )
    if args.play:
        _play_file(jobs[-1][1])


def _say_streaming(
    synthesizer: Synthesizer,
    args: argparse.Namespace,
    job: tuple[str, Path, str],
    alignment_path: Path | None,
) -> None:
    """``say --play`` with a sound device: each piece is played as soon as it is made (the
    first after a fraction of the first sentence, :meth:`Synthesizer.stream`) while the
    sentences are written to the WAV as ``say`` writes them. What is heard is the model's own
    level; the file is scaled to full level sentence by sentence."""
    import numpy as np

    from engine.audio.levels import peak_normalize
    from engine.audio.playback import PlaybackError, StreamPlayer
    from engine.audio.wav import atomic_wav_writer

    text, out_path, where = job
    started = time.perf_counter()
    controls = _controls(args, synthesizer)
    plans = []
    try:
        player = StreamPlayer(synthesizer.sample_rate)
    except PlaybackError as error:
        raise UserError(f"cannot play: {error}") from error
    _make_folder(out_path.parent)
    try:
        with atomic_wav_writer(out_path, synthesizer.sample_rate, args.float) as append:
            for plan, pieces in synthesizer.stream(text, controls, args.seed, args.speaker):
                made = []
                for piece in pieces:
                    player.feed(piece)
                    made.append(piece)
                append(peak_normalize(np.concatenate(made)))
                plans.append(plan)
            if alignment_path is not None:
                _write_alignment(
                    synthesizer.utterance_of(text, plans, controls, args.seed, args.speaker),
                    alignment_path,
                )
    except FrontEndError as error:
        raise UserError(f"{where}: {error}") from error
    except OSError as error:
        raise UserError(f"cannot write {out_path}: {error.strerror or error}") from error
    finally:
        player.finish()
    seconds = sum(sum(plan.durations) for plan in plans) * synthesizer.hop_length
    seconds /= synthesizer.sample_rate
    print(
        f"rendered 1 utterance: {seconds:.2f} s of audio, played as it was made "
        f"(all made in {time.perf_counter() - started:.2f} s)"
    )


def _play_file(path: Path) -> None:
    from engine.audio.playback import PlaybackError, output_device_problem, play_blocking
    from engine.audio.wav import read_wav

    problem = output_device_problem()
    if problem is None:
        audio, sample_rate = read_wav(path)
        try:
            play_blocking(audio, sample_rate)
        except PlaybackError as error:
            problem = f"playback failed ({error})"
    if problem:
        print(f"not playing {path}: {problem}", file=sys.stderr)


def _phonemes(args: argparse.Namespace) -> None:
    if not args.text.strip():
        raise UserError("the text is empty: nothing to phonemize")
    _check_utf8(args.text, "the text")
    synthesizer = _synthesizer(args)
    utterance = _prepare(synthesizer, args.text, args, "the text")
    if args.json:
        sentences = [
            {"text": s.text, "tokens": list(s.tokens), "durations": list(s.durations)}
            for s in utterance.sentences
        ]
        print(json.dumps({"voice": utterance.voice, "sentences": sentences}, ensure_ascii=False))
        return
    for sentence in utterance.sentences:
        print("".join(sentence.phonemes))


def _voices(_: argparse.Namespace) -> None:
    from engine.checkpoints.voices import list_voices

    for name in list_voices():
        print(name)


def _inspect(args: argparse.Namespace) -> None:
    from engine.checkpoints.loader import load as load_checkpoint
    from engine.pairing import compatible_acoustic_models, compatible_vocoders, describe

    checkpoint = load_checkpoint(args.checkpoint, args.config)
    role = "acoustic model" if checkpoint.role == "acoustic" else "vocoder"
    print(f"file: {checkpoint.path}")
    print(f"family: {FAMILY_NAMES[checkpoint.family]} ({role})")
    print(f"config: {checkpoint.config_source}")
    print(f"speakers: {checkpoint.speakers}")
    print(f"sample rate: {checkpoint.sample_rate} Hz")
    count = checkpoint.parameter_count
    print(f"parameters: {count:,} ({count / 1e6:.2f} M)")
    if checkpoint.mel is None:
        print("mels: none (VITS makes audio itself; no vocoder needed)")
        return
    print(f"mels: {describe(checkpoint.mel)}")
    if checkpoint.role == "acoustic":
        print(f"compatible vocoders: {', '.join(compatible_vocoders(checkpoint.mel))}")
        return
    pairs = compatible_acoustic_models(checkpoint.mel)
    print(f"compatible acoustic models: {', '.join(pairs) or 'none of the official ones'}")


def _export(args: argparse.Namespace) -> None:
    from engine.catalogue.store import installed, resolve_model
    from engine.checkpoints.piper_export import export_piper
    from engine.checkpoints.voices import load_checkpoint_voice, load_voice, save_voice

    kept = installed(args.voice)
    if kept is not None or args.config is not None:
        voice = load_checkpoint_voice(resolve_model(args.voice), args.config)
    else:
        voice = load_voice(args.voice)
    if args.as_voice is not None:
        vocoder = None
        if args.vocoder is not None:
            vocoder = resolve_model(args.vocoder)
            if not vocoder.is_file():
                raise UserError(f"--vocoder {args.vocoder}: no such file or kept model")
        folder = save_voice(voice, args.as_voice, vocoder)
        print(f"kept {voice.card['family']} voice {args.as_voice}: {folder}")
        return
    if args.vocoder is not None:
        raise UserError("--vocoder goes with --as-voice")
    out = args.piper.resolve()
    if out.suffix != ".onnx":
        raise UserError(f"--piper {args.piper}: a Piper voice file ends in .onnx")
    _check_writable_file(out)
    onnx_path, json_path = export_piper(voice, out)
    print(f"wrote {onnx_path} and {json_path}")


def _studio(args: argparse.Namespace) -> int:
    """The window runs as its own program (the engine never imports the studio)."""
    import subprocess

    command = [sys.executable, "-m", "studio"]
    if args.project:
        command.append(args.project)
    if args.text is not None:
        command += ["--text", args.text]
    return subprocess.call(command)


def run(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status. What killed runs left in the caches is swept
    first. What the front end says about the text (the characters the voice cannot say,
    sentences split for length) is reported once each, as a line, when the command succeeds;
    other warnings are shown as usual."""
    args = _build_parser().parse_args(argv)
    sweep_caches()
    handlers = {
        "say": _say,
        "phonemes": _phonemes,
        "voices": _voices,
        "inspect": _inspect,
        "dataset": dataset_cli.run,
        "models": models_cli.run,
        "train": train_cli.run,
        "export": _export,
        "studio": _studio,
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TextWarning)
        try:
            status = handlers[args.command](args) or 0
        except (UserError, *USER_ERRORS) as error:
            print(shown(f"glottis {args.command}: error: {error}"), file=sys.stderr)
            return USAGE_ERROR
    notes = []
    for warning in caught:
        if issubclass(warning.category, TextWarning):
            notes.append(str(warning.message))
        else:
            warnings.showwarning(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    for note in dict.fromkeys(notes):
        print(shown(f"glottis {args.command}: warning: {note}"), file=sys.stderr)
    return status


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":  # `python -m engine.cli`
    main()
