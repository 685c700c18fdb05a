"""The LJSpeech layout: ``metadata.csv`` with ``id|text`` lines and ``wavs/<id>.wav``.

Glottis writes two columns, mono 16-bit PCM at the model's sample rate. It reads two or
three columns (LJSpeech's own third column, the normalised text, is preferred when present,
since numbers and abbreviations are spelt out there). Every write is atomic: a take's WAV
through :func:`engine.audio.wav.write_wav`, ``metadata.csv`` through a temporary file renamed
over the old one, WAV first, so the metadata never names a take that is not complete.

Beside them, ``excluded.txt`` lists the clips a person left out of training (one id a line,
``#`` comments; :func:`read_excluded`, :func:`write_excluded`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

from engine.api.dataset import EXCLUDED, METADATA, WAVS, Rejected
from engine.audio.wav import write_wav
from engine.dataset.errors import DatasetError
from engine.dataset.trim import SILENT_DBFS, trim_silence
from engine.storage import atomic_file
from engine.text.encodings import decode_unicode, is_utf16

_EXCLUDED_HEADER = (
    "# Clips of this dataset left out of training, one id (as in metadata.csv) a line.\n"
    "# Lines starting with '#' and blank lines are ignored. Written by Glottis.\n"
)
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_.-]+")
UTF16_NOTE = "the text was UTF-16; read as such"


@dataclass(frozen=True)
class Entry:
    """One line of ``metadata.csv``: the clip ``wavs/<id>.wav`` and what is said in it."""

    id: str
    text: str


@dataclass(frozen=True)
class MetadataReading:
    """What :func:`read_metadata` found: usable entries, notes on lines it had to convert
    (by id), lines it could not use, and every id named on a line, usable or not."""

    entries: list[Entry]
    converted: dict[str, str]
    rejected: list[Rejected]
    named: set[str]


def safe_id(name: str) -> str:
    """``name`` as a clip id usable as a file name on every platform and in metadata.csv."""
    cleaned = _UNSAFE_ID.sub("_", name).strip("._")
    return cleaned or "clip"


def clean_text(text: str) -> str:
    """A transcript on one line with single spaces."""
    return " ".join(text.split())


def decode_text(data: bytes) -> tuple[str, str | None]:
    """Text of some bytes: UTF-8 (a byte-order mark is dropped), UTF-16 with its byte-order
    mark, else Windows-1252, the usual encoding of English text files that are neither.
    Returns the text and a note when it was not UTF-8. Raises ``UnicodeDecodeError`` when it
    is none of them."""
    try:
        text = decode_unicode(data)
    except UnicodeDecodeError:
        return data.decode("cp1252"), "the text was not UTF-8; read as Windows-1252"
    return text, UTF16_NOTE if is_utf16(data) else None


def read_metadata(path: Path) -> MetadataReading:
    """Read a ``metadata.csv``, line by line, so that one bad line costs only that line."""
    entries: list[Entry] = []
    converted: dict[str, str] = {}
    rejected: list[Rejected] = []
    seen: set[str] = set()
    named: set[str] = set()
    for number, (line, note) in enumerate(_metadata_lines(path.read_bytes()), 1):
        where = f"{path.name} line {number}"
        if line is None:
            rejected.append(
                Rejected(where, "the line is neither UTF-8, UTF-16 nor Windows-1252 text")
            )
            continue
        if not line.strip():
            continue
        fields = line.split("|")
        if len(fields) not in (2, 3):
            rejected.append(
                Rejected(
                    where,
                    f"the line has {len(fields)} fields separated by '|'; "
                    "expected id|text or id|text|normalised text",
                )
            )
            continue
        clip_id = fields[0].strip()
        named.add(clip_id)
        text = clean_text(fields[2] if len(fields) == 3 and fields[2].strip() else fields[1])
        if not clip_id:
            rejected.append(Rejected(where, "the line has no id before the first '|'"))
        elif clip_id in seen:
            rejected.append(Rejected(where, f"the id {clip_id!r} appeared on an earlier line"))
        elif not text:
            rejected.append(Rejected(where, f"the transcript of {clip_id!r} is empty"))
        else:
            seen.add(clip_id)
            entries.append(Entry(clip_id, text))
            if note:
                converted[clip_id] = note
    return MetadataReading(entries, converted, rejected, named)


def _metadata_lines(data: bytes) -> list[tuple[str | None, str | None]]:
    """Each line's text (None when undecodable) and a note when it was converted."""
    if is_utf16(data):
        # A line that is not UTF-16 throughout (a byte missing) is that line's loss alone.
        lines = data.decode("utf-16", errors="replace").splitlines()
        return [(None, None) if "\ufffd" in line else (line, UTF16_NOTE) for line in lines]
    lines: list[tuple[str | None, str | None]] = []
    for raw in data.splitlines():
        try:
            lines.append(decode_text(raw))
        except UnicodeDecodeError:
            lines.append((None, None))
    return lines


def format_metadata(entries: list[Entry]) -> str:
    """The text of ``metadata.csv`` for ``entries``, one ``id|text`` line each."""
    for entry in entries:
        if "|" in entry.text or "\n" in entry.text or entry.id != safe_id(entry.id):
            raise DatasetError(
                f"clip {entry.id!r} cannot be written to {METADATA}: ids must be letters, "
                "digits, '.', '_' or '-', and texts must not hold '|' or line breaks"
            )
    return "".join(f"{entry.id}|{entry.text}\n" for entry in entries)


def write_text_atomically(path: Path, text: str) -> None:
    """Write UTF-8 text to ``path`` through a flushed temporary file renamed over it."""
    with atomic_file(path) as handle:
        handle.write(text.encode("utf-8"))


def read_excluded(folder: str | Path) -> set[str]:
    """The ids listed in a dataset's ``excluded.txt`` (empty when there is none).

    The file is UTF-8, one clip id a line; blank lines and lines starting with ``#`` are
    ignored. Training leaves these clips out; they stay in ``metadata.csv`` and ``wavs/``,
    so excluding is undone by removing the line.
    """
    path = Path(folder) / EXCLUDED
    if not path.is_file():
        return set()
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def write_excluded(folder: str | Path, ids: Iterable[str]) -> Path:
    """Write ``excluded.txt`` (sorted ids, atomically); with no ids the file is removed."""
    path = Path(folder) / EXCLUDED
    wanted = sorted({clip_id.strip() for clip_id in ids if clip_id.strip()})
    if not wanted:
        path.unlink(missing_ok=True)
        return path
    for clip_id in wanted:
        if "\n" in clip_id or clip_id.startswith("#"):
            raise DatasetError(f"{clip_id!r} cannot be written to {EXCLUDED} as a clip id")
    write_text_atomically(path, _EXCLUDED_HEADER + "".join(f"{i}\n" for i in wanted))
    return path


class DatasetWriter:
    """Adds, replaces and removes takes of a dataset folder, each change complete on disk.

    ``sample_rate`` is the model's: audio at another rate is resampled (soxr) on the way in.
    An existing folder's metadata is read first, so takes can be added to it across sessions.
    """

    def __init__(self, folder: str | Path, sample_rate: int) -> None:
        self.folder = Path(folder)
        self.sample_rate = sample_rate
        (self.folder / WAVS).mkdir(parents=True, exist_ok=True)
        metadata = self.folder / METADATA
        self._entries: dict[str, Entry] = {}
        if metadata.exists():
            reading = read_metadata(metadata)
            if reading.rejected:
                problem = reading.rejected[0]
                raise DatasetError(
                    f"{metadata} has lines Glottis cannot read ({problem.source}: "
                    f"{problem.reason}); fix or import the folder instead"
                )
            self._entries = {entry.id: entry for entry in reading.entries}

    @property
    def entries(self) -> list[Entry]:
        """The takes in metadata order."""
        return list(self._entries.values())

    def wav_path(self, clip_id: str) -> Path:
        """Where the take ``clip_id`` lives."""
        return self.folder / WAVS / f"{clip_id}.wav"

    def add(
        self, clip_id: str, text: str, audio: np.ndarray, sample_rate: int, *, trim: bool = False
    ) -> Path:
        """Write a take (mono float in [-1, 1]) and its line; a take of the same id is replaced.

        With ``trim``, leading and trailing silence are cut first (:mod:`engine.dataset.trim`)
        and a take without speech is refused, as a recorded take should be.
        """
        entry = Entry(safe_id(clip_id), clean_text(text))
        if not entry.text:
            raise DatasetError(f"take {clip_id!r} has no text")
        samples = np.asarray(audio, dtype=np.float32).reshape(-1)
        if sample_rate != self.sample_rate:
            samples = soxr.resample(samples, sample_rate, self.sample_rate)
        if trim:
            samples = trim_silence(samples, self.sample_rate).audio
            if samples.size == 0:
                raise DatasetError(
                    f"take {clip_id!r} is silent (nothing louder than {SILENT_DBFS:.0f} dBFS); "
                    "check the input device and its level"
                )
        entries = {**self._entries, entry.id: entry}
        text_out = format_metadata(list(entries.values()))
        path = write_wav(self.wav_path(entry.id), samples, self.sample_rate)
        write_text_atomically(self.folder / METADATA, text_out)
        self._entries = entries
        return path

    def remove(self, clip_id: str) -> None:
        """Drop a take: its line first, then its WAV."""
        if clip_id not in self._entries:
            return
        entries = {k: v for k, v in self._entries.items() if k != clip_id}
        write_text_atomically(self.folder / METADATA, format_metadata(list(entries.values())))
        self._entries = entries
        self.wav_path(clip_id).unlink(missing_ok=True)
