"""Bad inputs of every class through the real command line, each answered in one sentence.

Every case builds its own input in a fresh folder and runs ``python -m engine.cli`` there as a
new process, on a user data folder that holds the converted default voice and its ONNX stages.
Each must end with:

- exit status 2 and exactly one line on stderr, ``glottis COMMAND: error: ...``, that names
  where the problem is (the file, folder or option) and shows no control character raw (an
  escape sequence in a file name or a text must not recolour or clear the terminal); stdout
  holds no raw control character either;
- no traceback, and nothing changed: no file created, changed or removed in the case's folder
  or the data folder (a previous take at the output path keeps its bytes, a FIFO stays a FIFO,
  no ``.tmp`` beside the output, no ``.partial`` folder, no fault log);
- a peak resident size under :data:`BUDGET_KB` (2 GB, the README's budget for a CPU), with
  the address space capped at :data:`ADDRESS_CAP` so that a runaway read ends in an error
  here instead of swapping the machine.

Cases that need no model answer in a fraction of a second; those that load the voice take a
few seconds each. The inputs a person may fairly hand over (a UTF-16 text file with its
byte-order mark, a UTF-16 transcript) are read correctly instead (the tests at the end), and
what killed processes left in the data folder is swept by the next run.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import textwrap
import time
import unicodedata
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from safetensors import safe_open
from safetensors.torch import load_file, save_file

REPO = Path(__file__).resolve().parents[2]
BUDGET_KB = 2 * 1024 * 1024
ADDRESS_CAP = 6 * 1024**3
TAKE = "take.wav"
PREVIOUS_TAKE = b"RIFF, the previous take: it must keep these bytes"
SENTENCE = "Hold this note."
VOICE = "en_US-joe-medium"
# The parent reports its child's peak RSS (RUSAGE_CHILDREN of a fresh parent holds only that
# child) and sets the limits the child inherits: the address space, and with a file size
# limit (a full disk without root), SIGXFSZ ignored so a write fails with EFBIG instead.
PARENT = textwrap.dedent(
    """
    import resource, signal, subprocess, sys
    address_cap, file_cap = int(sys.argv[1]), int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (address_cap, address_cap))
    if file_cap:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_cap, file_cap))
    code = subprocess.call([sys.executable, "-m", "engine.cli", *sys.argv[3:]])
    print("PEAK_KB", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    sys.exit(code)
    """
)

Arg = str | bytes


@dataclass(frozen=True)
class Run:
    """One run of the command line: its status, its two streams, its child's peak RSS."""

    returncode: int
    stdout: str
    stderr: str
    peak_kb: int


def glottis(data: Path, cwd: Path, *args: Arg, file_cap: int = 0, timeout: float = 300) -> Run:
    """Run ``python -m engine.cli ARGS`` in ``cwd`` on the data folder ``data``."""
    env = {
        **os.environ,
        "GLOTTIS_DATA_DIR": str(data),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    command: list[Arg] = [sys.executable, "-c", PARENT, str(ADDRESS_CAP), str(file_cap), *args]
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=timeout)
    stdout, _, peak = done.stdout.decode("utf-8", "replace").rpartition("PEAK_KB")
    return Run(done.returncode, stdout, done.stderr.decode("utf-8", "replace"), int(peak))


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under ``folder`` (not following links): its kind, and for a file its
    identity, size and time of change (a rename over it or a write in place shows), with the
    bytes themselves for a small one."""
    entries: dict[str, tuple] = {}
    for root, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(root, name)
            info = path.lstat()
            key = str(path.relative_to(folder))
            if stat.S_ISREG(info.st_mode):
                small = path.read_bytes() if info.st_size < 1 << 20 else None
                entries[key] = ("file", info.st_ino, info.st_size, info.st_mtime_ns, small)
            else:
                entries[key] = (stat.S_IFMT(info.st_mode), info.st_ino)
    return entries


def raw_controls(text: str) -> list[str]:
    """The characters of ``text`` that a terminal would act on rather than show (line ends
    aside), and lone surrogates."""
    return [c for c in text if c not in "\n\t" and unicodedata.category(c) in ("Cc", "Cs")]


# ---- the data folder the cases share ------------------------------------------------------


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """A user data folder with the default voice converted and its ONNX stages exported."""
    folder = tmp_path_factory.mktemp("cli-inputs-data")
    work = tmp_path_factory.mktemp("cli-inputs-warm")
    done = glottis(folder, work, "say", SENTENCE, "-o", TAKE)
    assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture(scope="module")
def tokens(data, tmp_path_factory) -> int:
    """How many tokens the default voice makes of :data:`SENTENCE`."""
    done = glottis(data, tmp_path_factory.mktemp("tokens"), "phonemes", SENTENCE, "--json")
    assert done.returncode == 0, done.stderr
    (sentence,) = json.loads(done.stdout)["sentences"]
    return len(sentence["tokens"])


# ---- what the cases build -----------------------------------------------------------------


@dataclass
class Setting:
    """What a case may use to build its input: its folder, the data folder, the token count
    of :data:`SENTENCE` with the default voice."""

    work: Path
    data: Path
    tokens: int

    def file(self, name: str, content: bytes | str) -> str:
        path = self.work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return name

    def folder(self, name: str) -> str:
        (self.work / name).mkdir(parents=True)
        return name

    def durations(self, content: object) -> list[Arg]:
        text = content if isinstance(content, str) else json.dumps(content)
        return ["say", SENTENCE, "-o", TAKE, "--durations", self.file("durations.json", text)]

    def voice_copy(self) -> Path:
        """A copy of the default voice's folder (card and weights) to tamper with."""
        source = self.data / "voices" / VOICE
        copy = self.work / "voice"
        copy.mkdir()
        for name in ("card.json", "model.safetensors"):
            shutil.copyfile(source / name, copy / name)
        return copy


Build = Callable[[Setting], tuple[list[Arg], str]]


@dataclass(frozen=True)
class Case:
    """A bad input: ``build`` makes its files and returns the arguments and a fragment the
    error line must hold to say where the problem is."""

    build: Build
    file_cap: int = 0
    needs: Callable[[], str | None] = field(default=lambda: None)


def say(*args: Arg) -> list[Arg]:
    """``say ARGS``, written to the previous take unless ARGS name another output."""
    return ["say", *args, "-o", TAKE] if "-o" not in args else ["say", *args]


def _hifigan(s: Setting) -> str:
    """A tiny HiFi-GAN generator checkpoint that loads: a model the store would keep."""
    import torch

    from engine.models.hifigan import build_hifigan
    from tests.training.tiny_configs import tiny_hifigan

    buffer = io.BytesIO()
    torch.save({"generator": build_hifigan(tiny_hifigan()).state_dict()}, buffer)
    return s.file("g.pth", buffer.getvalue())


def _mkfifo(s: Setting, name: str) -> str:
    os.mkfifo(s.work / name)
    return name


def _device_node(s: Setting) -> tuple[list[Arg], str]:
    try:
        os.mknod(s.work / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("this process may not make a device node")
    return say("Hello.", "-o", "null"), "null"


def _read_only_folder(s: Setting) -> tuple[list[Arg], str]:
    if os.geteuid() == 0:
        pytest.skip("root writes into a read-only folder; the /proc case stands in")
    (s.work / "locked").mkdir(mode=0o555)
    return say("Hello.", "-o", "locked/take.wav"), "locked"


def _cuda_present() -> str | None:
    import torch

    return "this machine has CUDA" if torch.cuda.is_available() else None


def wav_bytes(samples: int, rate: int = 22050) -> bytes:
    """A 16-bit mono WAV of a tone, as bytes."""
    tone = (0.3 * np.sin(np.arange(samples) * 0.05) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(tone.tobytes())
    return buffer.getvalue()


def huge_header_wav() -> bytes:
    """A WAV whose header declares 2 GB of samples and holds a hundred."""
    data = bytearray(wav_bytes(100))
    data[4:8] = (0xFFFFFFF0).to_bytes(4, "little")
    data[40:44] = (0xFFFFFFE0).to_bytes(4, "little")
    return bytes(data)


def ljspeech(s: Setting, metadata: bytes | str, wavs: dict[str, bytes]) -> str:
    """A source folder in LJSpeech layout."""
    s.file("src/metadata.csv", metadata)
    (s.work / "src" / "wavs").mkdir(parents=True, exist_ok=True)
    for name, content in wavs.items():
        s.file(f"src/wavs/{name}", content)
    return "src"


def dataset_import(source: str, rate: str = "22050") -> list[Arg]:
    return ["dataset", "import", source, "--out", "set", "--sample-rate", rate]


def _import(metadata: bytes | str, **wavs: bytes) -> Build:
    """Import of an LJSpeech folder with this metadata and these clips (by id), all unusable:
    the error names the source folder, the reasons are listed on stdout."""
    return lambda s: (
        dataset_import(ljspeech(s, metadata, {f"{clip}.wav": wav for clip, wav in wavs.items()})),
        "src",
    )


def _import_at(rate: str) -> Build:
    return lambda s: (
        dataset_import(ljspeech(s, "a|Hi.\n", {"a.wav": wav_bytes(22050)}), rate),
        "sample rate",
    )


def _import_over(existing: str) -> Build:
    """Import of a good clip into a dataset folder that holds a file (or is one)."""

    def build(s: Setting) -> tuple[list[Arg], str]:
        s.file(existing, "a dataset already here")
        return dataset_import(ljspeech(s, "a|Hello.\n", {"a.wav": wav_bytes(22050)})), "set"

    return build


def _check(folder: str, where: str) -> Build:
    """``dataset check set`` once ``folder`` is made in the case's folder."""

    def build(s: Setting) -> tuple[list[Arg], str]:
        s.folder(folder)
        return ["dataset", "check", "set", "--no-asr"], where

    return build


def _pairs_without_transcripts(s: Setting) -> tuple[list[Arg], str]:
    s.file("src/a.wav", wav_bytes(22050))
    s.file("src/\x1b[31mb.wav", wav_bytes(22050))
    return dataset_import("src"), "src"


def _tampered_weights(s: Setting) -> tuple[list[Arg], str]:
    """Weights of another shape that still carry the card's pairing token."""
    voice = s.voice_copy()
    weights = voice / "model.safetensors"
    with safe_open(str(weights), "pt") as f:
        metadata = f.metadata()
    state = load_file(weights)
    name = next(iter(state))
    state[name] = state[name].new_zeros(3, 7)
    save_file(state, str(weights), metadata=metadata)
    # The loader names the voice by its card's name (not its folder) and the weight.
    return say("Hello.", "--voice", "./voice"), name


def _weights_cut(share: float) -> Build:
    """The voice's weights cut to ``share`` of their length, as a full disk leaves them."""

    def build(s: Setting) -> tuple[list[Arg], str]:
        weights = s.voice_copy() / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[: int(weights.stat().st_size * share)])
        return say("Hello.", "--voice", "./voice"), "model.safetensors"

    return build


def _card(content: bytes | str) -> Build:
    def build(s: Setting) -> tuple[list[Arg], str]:
        voice = s.voice_copy()
        (voice / "card.json").write_bytes(
            content.encode("utf-8") if isinstance(content, str) else content
        )
        return say("Hello.", "--voice", "./voice"), "card.json"

    return build


def _no_card(s: Setting) -> tuple[list[Arg], str]:
    (s.voice_copy() / "card.json").unlink()
    return say("Hello.", "--voice", "./voice"), "voice"


def _second_output_blocked(s: Setting) -> tuple[list[Arg], str]:
    """The second of two takes cannot be written: the first is not left alone either."""
    s.file("lines.txt", "The first line.\nThe second line.\n")
    (s.work / "takes" / "0002.wav").mkdir(parents=True)
    return ["say", "--text-file", "lines.txt", "--out-dir", "takes"], "0002.wav"


CASES: dict[str, Case] = {
    # -- text ------------------------------------------------------------------------------
    "text-invalid-utf8": Case(lambda s: (say(b"caf\xe9 au lait"), "text")),
    "text-invalid-utf8-phonemes": Case(lambda s: (["phonemes", b"\xff\xfe"], "text")),
    "text-empty": Case(lambda s: (say(""), "text")),
    "text-blank": Case(lambda s: (say(" \t\n "), "text")),
    "text-punctuation-only": Case(lambda s: (say("?!... ,; -- ()"), "text")),
    "text-emoji-only": Case(lambda s: (say("\U0001f600\U0001f389\U0001f44d"), "text")),
    "text-control-characters-only": Case(lambda s: (say("\x1b\x07\x08\x7f\x1b"), "text")),
    "text-file-name-with-escapes": Case(
        lambda s: (["say", "--text-file", "\x1b[31mred.txt", "--out-dir", "takes"], "red.txt")
    ),
    "text-voice-name-with-escapes": Case(
        lambda s: (say("Hello.", "--voice", "\x1b]0;title\x07\x1b[2J"), "title")
    ),
    # -- options ---------------------------------------------------------------------------
    "option-noise-scale-negative": Case(lambda s: (say("Hi.", "--noise-scale", "-1"), "noise")),
    "option-noise-scale-nan": Case(lambda s: (say("Hi.", "--noise-scale", "nan"), "noise")),
    "option-noise-w-inf": Case(lambda s: (say("Hi.", "--noise-w", "inf"), "noise")),
    "option-length-scale-zero": Case(lambda s: (say("Hi.", "--length-scale", "0"), "length")),
    "option-length-scale-words": Case(
        lambda s: (say("Hi.", "--length-scale", "slow"), "--length-scale")
    ),
    "option-steps-zero": Case(lambda s: (say("Hi.", "--steps", "0"), "--steps")),
    "option-speaker-out-of-range": Case(lambda s: (say("Hi.", "--speaker", "99"), "speaker")),
    "option-speaker-negative": Case(lambda s: (say("Hi.", "--speaker", "-1"), "speaker")),
    "option-seed-negative": Case(lambda s: (say("Hi.", "--seed", "-5"), "seed")),
    "option-device-tpu": Case(lambda s: (say("Hi.", "--device", "tpu"), "tpu")),
    "option-device-nonsense": Case(lambda s: (say("Hi.", "--device", "cuda:x"), "cuda:x")),
    "option-device-cuda-without-gpu": Case(
        lambda s: (say("Hi.", "--device", "cuda"), "CUDA"), needs=_cuda_present
    ),
    "option-voice-unknown": Case(lambda s: (say("Hi.", "--voice", "nobody-here"), "nobody")),
    "option-model-missing": Case(lambda s: (say("Hi.", "--model", "nothing.pth"), "nothing")),
    "option-model-endless-device": Case(
        lambda s: (say("Hi.", "--model", "/dev/zero"), "/dev/zero")
    ),
    "option-vocoder-endless-device": Case(
        lambda s: (say("Hi.", "--vocoder", "/dev/zero"), "/dev/zero")
    ),
    "option-inspect-endless-device": Case(lambda s: (["inspect", "/dev/zero"], "/dev/zero")),
    "option-config-without-model": Case(
        lambda s: (say("Hi.", "--config", s.file("c.json", "{}")), "--config")
    ),
    "option-unknown-flag": Case(lambda s: (say("Hi.", "--loudness", "11"), "--loudness")),
    "option-text-and-text-file": Case(
        lambda s: (["say", "Hi.", "--text-file", s.file("l.txt", "Hi."), "-o", TAKE], "text")
    ),
    "option-durations-with-text-file": Case(
        lambda s: (
            ["say", "--text-file", s.file("l.txt", "Hi."), "--out-dir", "t", "--durations", "d"],
            "--durations",
        )
    ),
    "option-missing-output": Case(lambda s: (["say", "Hi."], "-o")),
    # -- output paths ----------------------------------------------------------------------
    "output-missing-folder": Case(lambda s: (say("Hi.", "-o", "nowhere/take.wav"), "nowhere")),
    "output-onto-a-folder": Case(lambda s: (say("Hi.", "-o", s.folder("folder")), "folder")),
    "output-of-another-format": Case(lambda s: (say("Hi.", "-o", "take.mp3"), "take.mp3")),
    "output-under-a-file": Case(
        lambda s: (say("Hi.", "-o", s.file("notes.txt", "x") + "/take.wav"), "notes.txt")
    ),
    "output-read-only-folder": Case(_read_only_folder),
    "output-unwritable-filesystem": Case(
        lambda s: (say("Hi.", "-o", "/proc/glottis-take.wav"), "/proc")
    ),
    "output-onto-a-fifo": Case(lambda s: (say("Hi.", "-o", _mkfifo(s, "pipe")), "pipe")),
    "output-onto-a-device-node": Case(_device_node),
    "output-name-too-long": Case(lambda s: (say("Hi.", "-o", "a" * 300 + ".wav"), "aaaa")),
    "output-out-dir-is-a-file": Case(
        lambda s: (
            ["say", "--text-file", s.file("l.txt", "Hi."), "--out-dir", s.file("f", "x")],
            "f",
        )
    ),
    "output-second-take-blocked": Case(_second_output_blocked),
    "output-alignment-onto-a-folder": Case(
        lambda s: (say("Hi.", "--alignment", s.folder("a.json")), "a.json")
    ),
    "output-alignment-unknown-format": Case(
        lambda s: (say("Hi.", "--alignment", "timings.doc"), "--alignment")
    ),
    "output-disk-full": Case(lambda s: (say("Hello there, a take too large."), TAKE), 8000),
    # -- text files ------------------------------------------------------------------------
    "text-file-missing": Case(
        lambda s: (["say", "--text-file", "absent.txt", "--out-dir", "t"], "absent.txt")
    ),
    "text-file-a-folder": Case(
        lambda s: (["say", "--text-file", s.folder("lines"), "--out-dir", "t"], "lines")
    ),
    "text-file-binary": Case(
        lambda s: (
            ["say", "--text-file", s.file("b.txt", bytes(range(256)) * 8), "--out-dir", "t"],
            "b.txt",
        )
    ),
    "text-file-invalid-utf8": Case(
        lambda s: (
            ["say", "--text-file", s.file("l.txt", b"Hello.\ncaf\xe9 \xff\n"), "--out-dir", "t"],
            "l.txt",
        )
    ),
    "text-file-empty": Case(
        lambda s: (["say", "--text-file", s.file("l.txt", ""), "--out-dir", "t"], "l.txt")
    ),
    "text-file-blank-lines": Case(
        lambda s: (["say", "--text-file", s.file("l.txt", "\n \n\t\n"), "--out-dir", "t"], "l.txt")
    ),
    "text-file-unsayable-line": Case(
        lambda s: (
            ["say", "--text-file", s.file("l.txt", "Fine.\n\U0001f600\n"), "--out-dir", "t"],
            "line 2",
        )
    ),
    "text-file-endless": Case(
        lambda s: (["say", "--text-file", "/dev/zero", "--out-dir", "t"], "/dev/zero")
    ),
    # -- durations files -------------------------------------------------------------------
    "durations-missing": Case(
        lambda s: (say(SENTENCE, "--durations", "absent.json"), "absent.json")
    ),
    "durations-not-json": Case(lambda s: (s.durations("{durations: 5"), "durations.json")),
    "durations-empty": Case(lambda s: (s.durations(""), "durations.json")),
    "durations-binary": Case(
        lambda s: (
            say(SENTENCE, "--durations", s.file("durations.json", bytes(range(256)))),
            "durations.json",
        )
    ),
    "durations-deeply-nested": Case(
        lambda s: (s.durations("[" * 100_000 + "]" * 100_000), "durations.json")
    ),
    "durations-endless": Case(lambda s: (say(SENTENCE, "--durations", "/dev/zero"), "/dev/zero")),
    "durations-a-number": Case(lambda s: (s.durations(5), "durations.json")),
    "durations-sentences-not-a-list": Case(
        lambda s: (s.durations({"sentences": 5}), "durations.json")
    ),
    "durations-frames-a-string": Case(
        lambda s: (s.durations({"sentences": [{"durations": "5"}]}), "durations.json")
    ),
    "durations-negative": Case(lambda s: (s.durations([[-1] * s.tokens]), "durations.json")),
    "durations-nan": Case(
        lambda s: (s.durations("[[" + ",".join(["NaN"] * s.tokens) + "]]"), "durations.json")
    ),
    "durations-huge": Case(lambda s: (s.durations([[10**300] * s.tokens]), "durations.json")),
    "durations-fractional": Case(lambda s: (s.durations([[2.5] * s.tokens]), "durations.json")),
    "durations-booleans": Case(lambda s: (s.durations([[True] * s.tokens]), "durations.json")),
    "durations-strings": Case(lambda s: (s.durations([["5"] * s.tokens]), "durations.json")),
    "durations-too-few-tokens": Case(lambda s: (s.durations([[5, 5]]), "durations.json")),
    "durations-too-many-sentences": Case(
        lambda s: (s.durations([[5] * s.tokens] * 3), "durations.json")
    ),
    "durations-other-tokens": Case(
        lambda s: (
            s.durations({"sentences": [{"tokens": ["x"] * s.tokens, "durations": [5] * s.tokens}]}),
            "durations.json",
        )
    ),
    # -- dataset import and check ----------------------------------------------------------
    "dataset-source-missing": Case(lambda s: (dataset_import("absent"), "absent")),
    "dataset-source-a-file": Case(lambda s: (dataset_import(s.file("src", "x")), "src")),
    "dataset-output-not-empty": Case(_import_over("set/kept.txt")),
    "dataset-output-a-file": Case(_import_over("set")),
    "dataset-sample-rate-zero": Case(_import_at("0")),
    "dataset-sample-rate-negative": Case(_import_at("-22050")),
    "dataset-sample-rate-huge": Case(_import_at(str(10**12))),
    "dataset-metadata-wrong-columns": Case(
        _import("a|b|c|d\nonly-one-field\n", a=wav_bytes(22050))
    ),
    "dataset-metadata-broken-utf16": Case(_import(b"\xff\xfea\x00|\x00H")),
    "dataset-metadata-binary": Case(_import(bytes(range(256)) * 4)),
    "dataset-wavs-missing": Case(_import("a|Hello.\nb|Again.\n")),
    "dataset-wav-corrupt": Case(_import("a|Hello.\n", a=os.urandom(4000))),
    "dataset-wav-zero-samples": Case(_import("a|Hello.\n", a=wav_bytes(0))),
    "dataset-wav-is-text": Case(_import("a|Hello.\n", a=b"Hello.\n" * 50)),
    "dataset-wav-absurd-rate": Case(_import("a|Hello.\n", a=wav_bytes(400_000, rate=1))),
    "dataset-ids-with-escapes": Case(_import("\x1b[2Ja|Hello.\n\x07b|Hi.\n")),
    "dataset-pairs-without-transcripts": Case(_pairs_without_transcripts),
    "dataset-check-missing": Case(lambda s: (["dataset", "check", "absent", "--no-asr"], "absent")),
    "dataset-check-no-metadata": Case(_check("set", "set")),
    "dataset-check-metadata-a-folder": Case(_check("set/metadata.csv", "metadata")),
    # -- voice folders tampered ------------------------------------------------------------
    "voice-card-missing": Case(_no_card),
    "voice-card-not-json": Case(_card('{"family": ')),
    "voice-card-empty": Case(_card("")),
    "voice-card-binary": Case(_card(bytes(range(256)))),
    "voice-card-a-list": Case(_card("[1, 2, 3]")),
    "voice-weights-truncated": Case(_weights_cut(0.5)),
    "voice-weights-empty": Case(_weights_cut(0)),
    "voice-weights-other-shape": Case(_tampered_weights),
    "voice-folder-missing": Case(lambda s: (say("Hi.", "--voice", "./gone"), "gone")),
    # -- names of what is kept in the data folder ------------------------------------------
    "name-of-a-model-outside-its-folder": Case(
        lambda s: (["models", "add", s.file("g.pth", "x"), "--name", "../outside"], "../outside")
    ),
    "name-of-a-model-with-an-escape": Case(
        lambda s: (["models", "add", _hifigan(s), "--name", "red\x1b[31m"], "red")
    ),
    "name-of-a-voice-outside-its-folder": Case(
        lambda s: (["export", "en_US-joe-medium", "--as-voice", "../../outside"], "../../outside")
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_a_bad_input_gets_one_sentence_and_changes_nothing(name, data, tokens, tmp_path):
    case = CASES[name]
    reason = case.needs()
    if reason:
        pytest.skip(reason)
    work = tmp_path / "work"
    work.mkdir()
    (work / TAKE).write_bytes(PREVIOUS_TAKE)
    args, where = case.build(Setting(work, data, tokens))
    before = snapshot(work), snapshot(data)

    done = glottis(data, work, *args, file_cap=case.file_cap, timeout=120)

    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and done.stderr.endswith("\n"), done.stderr
    # argparse says unknown options as the whole command line's, without the command.
    assert re.match(rf"glottis( {args[0]})?: error: ", lines[0]), done.stderr
    assert where in lines[0], done.stderr
    assert not raw_controls(done.stderr), ascii(done.stderr)
    assert not raw_controls(done.stdout), ascii(done.stdout)
    assert (snapshot(work), snapshot(data)) == before
    assert done.peak_kb < BUDGET_KB, done.peak_kb


# ---- inputs a person may fairly hand over: read, not refused ------------------------------


def test_a_utf16_text_file_is_read_as_text(data, tmp_path):
    """Windows saves "Unicode" text as UTF-16 with a byte-order mark."""
    (tmp_path / "lines.txt").write_bytes("Good morning.\nGood night.\n".encode("utf-16"))
    done = glottis(data, tmp_path, "say", "--text-file", "lines.txt", "--out-dir", "takes")
    assert done.returncode == 0, done.stderr
    takes = sorted((tmp_path / "takes").iterdir())
    assert [p.name for p in takes] == ["0001.wav", "0002.wav"]
    # Two words each, not a string of unsayable NULs: about a second of speech.
    assert all(0.5 < sf.info(p).duration < 3 for p in takes)


def test_a_utf16_transcript_is_imported_as_text(data, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.wav").write_bytes(wav_bytes(22050))
    (tmp_path / "src" / "a.txt").write_bytes("A naïve take.".encode("utf-16"))
    done = glottis(data, tmp_path, *dataset_import("src"))
    assert done.returncode == 0, done.stderr
    assert "UTF-16" in done.stdout
    metadata = (tmp_path / "set" / "metadata.csv").read_text(encoding="utf-8")
    assert metadata == "a|A naïve take.\n"


def test_a_wav_header_that_overstates_its_length_imports_what_it_holds(data, tmp_path):
    ljspeech(Setting(tmp_path, data, 0), "a|Hello.\n", {"a.wav": huge_header_wav()})
    done = glottis(data, tmp_path, *dataset_import("src"), "--no-trim")
    assert done.returncode == 0, done.stderr
    assert sf.info(tmp_path / "set" / "wavs" / "a.wav").frames == 100
    assert done.peak_kb < BUDGET_KB, done.peak_kb


# ---- what killed processes left -----------------------------------------------------------


def test_what_killed_writers_left_is_swept_and_a_live_writer_s_files_kept(data, tmp_path):
    """A ``say`` killed while it converted a voice, exported its ONNX stages or wrote a take
    leaves a hidden ``.partial`` folder or ``.tmp`` file. The next run removes those old
    enough that no writer can still own them, and leaves a racing writer's fresh ones."""
    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    work = tmp_path / "work"
    work.mkdir()
    voice = copy / "voices" / VOICE
    places = [  # a voice converted, its ONNX stages, its card, a take
        copy / "voices" / f".{VOICE}.{{}}.partial",
        voice / ".onnx.{}.partial",
        voice / ".card.json.{}.tmp",
        work / f".{TAKE}.{{}}.tmp",
    ]
    two_hours_ago = time.time() - 7200
    stale, live = [], []
    for pattern in places:
        for age, kept in (("old", stale), ("new", live)):
            path = Path(str(pattern).format(age))
            if path.suffix == ".partial":
                path.mkdir()
                (path / "model.safetensors").write_bytes(b"half a voice")
            else:
                path.write_bytes(b"half a file")
            if age == "old":
                os.utime(path, (two_hours_ago, two_hours_ago))
            kept.append(path)

    done = glottis(copy, work, "say", "Hello.", "-o", TAKE)

    assert done.returncode == 0, done.stderr
    assert [p for p in stale if p.exists()] == []
    assert [p for p in live if not p.exists()] == []
