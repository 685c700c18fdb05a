"""The ``glottis`` command line: ``say``, ``phonemes`` and ``voices``.

Errors a user can cause (empty or unsayable text, an unknown voice, a path that cannot be
written, a bad durations file) end with exit code 2 and one line saying what and where;
no partial output file is left behind.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

from engine.audio.levels import peak_normalize
from engine.audio.playback import output_device_problem, play_blocking
from engine.audio.wav import atomic_wav_writer, read_wav
from engine.checkpoints.voices import UnknownVoiceError, VoiceImportError, list_voices, load_voice
from engine.synthesis import Controls, Synthesizer, Utterance
from engine.text.frontend import FrontEndError, UnsayableWarning

USAGE_ERROR = 2


class UserError(Exception):
    """A problem with what the user asked for; printed as one line, exit code 2."""


def _add_voice_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--voice", help="voice name, voice folder or Piper .onnx (default: joe)")
    parser.add_argument(
        "--device", help="torch device, e.g. cpu or cuda (default: cuda if present)"
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="glottis", description="Glottis voice studio, headless.")
    commands = parser.add_subparsers(dest="command", required=True)

    say = commands.add_parser("say", help="render text to WAV")
    source = say.add_mutually_exclusive_group(required=True)
    source.add_argument("text", nargs="?", help="the text to speak")
    source.add_argument("--text-file", type=Path, help="one utterance per non-empty line")
    say.add_argument("-o", "--out", type=Path, help="output WAV (with text)")
    say.add_argument("--out-dir", type=Path, help="folder for 0001.wav, ... (with --text-file)")
    _add_voice_options(say)
    say.add_argument("--noise-scale", type=float, help="prior temperature")
    say.add_argument("--noise-w", type=float, help="duration-predictor temperature")
    say.add_argument("--length-scale", type=float, help=">1 speaks slower")
    say.add_argument("--seed", type=int, default=0, help="the take's random seed (default 0)")
    say.add_argument("--speaker", type=int, help="speaker id of a multi-speaker voice")
    say.add_argument("--durations", type=Path, help="JSON from `glottis phonemes --json`")
    say.add_argument("--float", action="store_true", help="write 32-bit float (default 16-bit)")
    say.add_argument("--play", action="store_true", help="play the result when a device exists")

    phonemes = commands.add_parser("phonemes", help="show the phonemes (and durations) of text")
    phonemes.add_argument("text")
    _add_voice_options(phonemes)
    phonemes.add_argument("--seed", type=int, default=0)
    phonemes.add_argument(
        "--json", action="store_true", help="tokens and predicted durations, editable for say"
    )

    commands.add_parser("voices", help="list the voices")
    return parser


def _load_synthesizer(args: argparse.Namespace) -> Synthesizer:
    return Synthesizer(load_voice(args.voice), device=args.device)


def _controls(args: argparse.Namespace, synthesizer: Synthesizer) -> Controls:
    defaults = synthesizer.default_controls()
    return Controls(
        noise_scale=defaults.noise_scale if args.noise_scale is None else args.noise_scale,
        noise_w=defaults.noise_w if args.noise_w is None else args.noise_w,
        length_scale=defaults.length_scale if args.length_scale is None else args.length_scale,
    )


def _read_durations(path: Path) -> list[list[int]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UserError(f"cannot read durations file {path}: {error.strerror}") from error
    except (ValueError, UnicodeDecodeError) as error:
        raise UserError(f"durations file {path} is not valid JSON: {error}") from error
    if isinstance(data, dict):
        data = [sentence.get("durations") for sentence in data.get("sentences", [])]
    if not isinstance(data, list) or not all(isinstance(d, list) for d in data):
        raise UserError(
            f"durations file {path} must hold {{'sentences': [{{'durations': [...]}}]}} "
            "or a list of lists of frames"
        )
    return data


def _check_writable_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise UserError(f"cannot write to {folder}: no such folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"cannot write to {folder}: permission denied")


def _read_lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise UserError(
            f"{path} is not UTF-8 text ({error.reason} at byte {error.start})"
        ) from error
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise UserError(f"{path} has no text to speak")
    return lines


def _jobs(args: argparse.Namespace) -> list[tuple[str, Path]]:
    """(text, output path) pairs, with every output location checked before any rendering."""
    if args.text_file is not None:
        if args.out_dir is None or args.out is not None:
            raise UserError("--text-file needs --out-dir (and no -o)")
        if args.durations is not None:
            raise UserError("--durations applies to a single text, not to --text-file")
        lines = _read_lines(args.text_file)
        try:
            args.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UserError(f"cannot create {args.out_dir}: {error.strerror}") from error
        _check_writable_folder(args.out_dir)
        return [(line, args.out_dir / f"{n:04d}.wav") for n, line in enumerate(lines, 1)]
    if args.out is None or args.out_dir is not None:
        raise UserError("say TEXT needs -o OUT.wav (and no --out-dir)")
    if not args.text.strip():
        raise UserError("the text is empty: nothing to say")
    if args.out.is_dir():
        raise UserError(f"cannot write {args.out}: it is a folder")
    _check_writable_folder(args.out.parent if str(args.out.parent) else Path("."))
    return [(args.text, args.out)]


def _say(args: argparse.Namespace) -> None:
    jobs = _jobs(args)
    synthesizer = _load_synthesizer(args)
    controls = _controls(args, synthesizer)
    utterances: list[Utterance] = []
    started = time.perf_counter()
    for number, (text, _) in enumerate(jobs, 1):
        where = f"line {number} of {args.text_file}" if args.text_file else "the text"
        try:
            utterances.append(synthesizer.prepare(text, controls, args.seed, args.speaker))
        except FrontEndError as error:
            raise UserError(f"{where}: {error}") from error
    synthesis_seconds = time.perf_counter() - started
    if args.durations is not None:
        try:
            utterances[0] = utterances[0].with_durations(_read_durations(args.durations))
        except ValueError as error:
            raise UserError(f"durations file {args.durations}: {error}") from error

    audio_seconds = 0.0
    for utterance, (_, out_path) in zip(utterances, jobs, strict=True):
        try:
            with atomic_wav_writer(out_path, synthesizer.sample_rate, args.float) as append:
                for part in synthesizer.render_sentences(utterance):
                    append(peak_normalize(part.audio))
                    audio_seconds += part.seconds
                    synthesis_seconds += part.timings["synthesis"]
        except OSError as error:
            raise UserError(f"cannot write {out_path}: {error.strerror or error}") from error
    rtf = synthesis_seconds / audio_seconds if audio_seconds else float("nan")
    print(
        f"rendered {len(utterances)} utterances: {audio_seconds:.2f} s of audio "
        f"in {synthesis_seconds:.2f} s (RTF {rtf:.3f})"
    )
    if args.play:
        _play_file(jobs[-1][1])


def _play_file(path: Path) -> None:
    problem = output_device_problem()
    if problem:
        print(f"not playing {path}: {problem}", file=sys.stderr)
        return
    audio, sample_rate = read_wav(path)
    play_blocking(audio, sample_rate)


def _phonemes(args: argparse.Namespace) -> None:
    if not args.text.strip():
        raise UserError("the text is empty: nothing to phonemize")
    synthesizer = _load_synthesizer(args)
    try:
        utterance = synthesizer.prepare(args.text, seed=args.seed)
    except FrontEndError as error:
        raise UserError(f"the text: {error}") from error
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
    for name in list_voices():
        print(name)


def run(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status. Warnings meant for the user (characters the
    voice cannot say) are printed once each, as one line, when the command succeeds."""
    args = _build_parser().parse_args(argv)
    handlers = {"say": _say, "phonemes": _phonemes, "voices": _voices}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UnsayableWarning)
        try:
            handlers[args.command](args)
        except (UserError, UnknownVoiceError, VoiceImportError, ValueError) as error:
            print(f"glottis {args.command}: error: {error}", file=sys.stderr)
            return USAGE_ERROR
    notes = [str(w.message) for w in caught if issubclass(w.category, UnsayableWarning)]
    for note in dict.fromkeys(notes):
        print(f"glottis {args.command}: warning: {note}", file=sys.stderr)
    return 0


def main() -> None:
    sys.exit(run())
