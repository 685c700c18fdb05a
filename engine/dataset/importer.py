"""Importing someone's recordings as a Glottis dataset.

The source is a folder in LJSpeech layout (``metadata.csv`` and ``wavs/``) or a folder of
WAV files each with a transcript ``.txt`` of the same name beside it (searched through
subfolders). Each clip is read in whatever WAV format it has, downmixed to mono, resampled
with soxr to the model's rate, its leading and trailing silence trimmed
(:mod:`engine.dataset.trim`), and written as 16-bit PCM. What was done to a clip is listed
in its ``notes``; a clip that cannot be used is listed in ``rejected`` with the reason, and
the import goes on. The output folder appears complete or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

from engine.api.dataset import ImportedClip, ImportReport, Rejected
from engine.audio.wav import write_wav
from engine.dataset.audio_file import (
    HIGHEST_RATE,
    LOWEST_RATE,
    AudioFile,
    UnreadableAudio,
    read_audio,
)
from engine.dataset.errors import DatasetError
from engine.dataset.layout import (
    METADATA,
    WAVS,
    Entry,
    clean_text,
    decode_text,
    format_metadata,
    read_metadata,
    safe_id,
    write_text_atomically,
)
from engine.dataset.trim import SILENT_DBFS, trim_silence
from engine.storage import atomic_folder

# Float WAVs may go above full scale; such a clip is scaled down to this peak, not clipped.
FLOAT_PEAK = 0.99


@dataclass(frozen=True)
class Source:
    """One clip to import: its audio file, its transcript, and notes on reading the text."""

    id: str
    text: str
    wav: Path
    notes: tuple[str, ...] = ()


def import_dataset(
    src: str | Path,
    out: str | Path,
    sample_rate: int,
    *,
    trim: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import the recordings in ``src`` into a new dataset folder ``out``.

    Raises :class:`DatasetError` when ``src`` is not a folder or holds no WAV files, or when
    ``out`` exists and is not empty (an import never merges into or overwrites a dataset).
    ``progress(done, total)`` is called after each clip; raising in it cancels the import
    and leaves ``out`` as it was.
    """
    src, out = Path(src), Path(out)
    if not src.is_dir():
        raise DatasetError(f"cannot import {src}: no such folder")
    if out.resolve() == src.resolve():
        raise DatasetError("the output folder must differ from the source folder")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DatasetError(f"{out} already exists and is not empty; choose a new folder")
    if not LOWEST_RATE <= sample_rate <= HIGHEST_RATE:
        raise DatasetError(
            f"the sample rate must be {LOWEST_RATE} to {HIGHEST_RATE} Hz, not {sample_rate}"
        )
    layout = "LJSpeech" if (src / METADATA).is_file() else "WAV+TXT pairs"
    sources, rejected = _ljspeech_sources(src) if layout == "LJSpeech" else _paired_sources(src)
    if not sources and not rejected:
        raise DatasetError(f"{src} holds no WAV files (and no {METADATA})")
    imported: list[ImportedClip] = []
    try:
        with atomic_folder(out) as staging:
            (staging / WAVS).mkdir()
            for done, source in enumerate(sources, 1):
                try:
                    clip, audio = _convert(source, sample_rate, trim)
                except UnreadableAudio as error:
                    rejected.append(Rejected(_shown(source.wav, src), str(error)))
                else:
                    write_wav(staging / WAVS / f"{clip.id}.wav", audio, sample_rate)
                    imported.append(clip)
                if progress is not None:
                    progress(done, len(sources))
            if not imported:
                raise _NothingImported
            entries = [Entry(clip.id, clip.text) for clip in imported]
            write_text_atomically(staging / METADATA, format_metadata(entries))
    except _NothingImported:
        return ImportReport(None, sample_rate, layout, [], rejected)
    return ImportReport(out, sample_rate, layout, imported, rejected)


class _NothingImported(Exception):
    """Raised inside the staging folder so that it is discarded."""


def _ljspeech_sources(src: Path) -> tuple[list[Source], list[Rejected]]:
    reading = read_metadata(src / METADATA)
    rejected = list(reading.rejected)
    sources: list[Source] = []
    listed = {f"{name}.wav" for name in reading.named}
    used_ids: set[str] = set()
    for entry in reading.entries:
        if Path(entry.id).name != entry.id or entry.id in (".", ".."):
            rejected.append(Rejected(f"{METADATA} id {entry.id}", "the id is a path, not a name"))
            continue
        wav = src / WAVS / f"{entry.id}.wav"
        if not wav.is_file():
            rejected.append(
                Rejected(f"{METADATA} id {entry.id}", f"{WAVS}/{wav.name} does not exist")
            )
            continue
        note = reading.converted.get(entry.id)
        clip_id = _unique(safe_id(entry.id), used_ids)
        sources.append(Source(clip_id, entry.text, wav, (note,) if note else ()))
    wav_folder = src / WAVS
    if wav_folder.is_dir():
        for wav in sorted(_wav_files(wav_folder)):
            if wav.parent == wav_folder and wav.name not in listed:
                rejected.append(Rejected(_shown(wav, src), f"it is not listed in {METADATA}"))
    return sources, rejected


def _paired_sources(src: Path) -> tuple[list[Source], list[Rejected]]:
    sources: list[Source] = []
    rejected: list[Rejected] = []
    used_ids: set[str] = set()
    wavs = sorted(_wav_files(src))
    for wav in wavs:
        transcript = wav.with_suffix(".txt")
        shown = _shown(wav, src)
        if not transcript.is_file():
            rejected.append(Rejected(shown, f"it has no transcript {transcript.name} beside it"))
            continue
        try:
            text, note = decode_text(transcript.read_bytes())
        except UnicodeDecodeError:
            rejected.append(
                Rejected(shown, f"{transcript.name} is neither UTF-8, UTF-16 nor Windows-1252 text")
            )
            continue
        except OSError as error:
            rejected.append(Rejected(shown, f"{transcript.name} cannot be read ({error})"))
            continue
        text = clean_text(text)
        if not text:
            rejected.append(Rejected(shown, f"its transcript {transcript.name} is empty"))
            continue
        if "|" in text:
            rejected.append(
                Rejected(shown, "its transcript holds '|', which LJSpeech metadata cannot hold")
            )
            continue
        relative = wav.relative_to(src).with_suffix("")
        clip_id = _unique(safe_id("_".join(relative.parts)), used_ids)
        sources.append(Source(clip_id, text, wav, (note,) if note else ()))
    paired = {wav.with_suffix(".txt") for wav in wavs}
    for transcript in sorted(src.rglob("*.txt")):
        if transcript not in paired:
            rejected.append(Rejected(_shown(transcript, src), "it has no WAV file beside it"))
    return sources, rejected


def _convert(source: Source, sample_rate: int, trim: bool) -> tuple[ImportedClip, np.ndarray]:
    clip = read_audio(source.wav)
    notes = list(source.notes) + _format_notes(clip)
    audio = clip.mono
    if clip.samples.shape[1] > 1:
        notes.append(f"downmixed {clip.samples.shape[1]} channels to mono")
    peak = float(np.max(np.abs(audio)))
    if peak > 1.0:
        audio = audio * (FLOAT_PEAK / peak)
        notes.append(f"scaled down {20 * np.log10(peak / FLOAT_PEAK):.1f} dB (above full scale)")
    if clip.sample_rate != sample_rate:
        audio = soxr.resample(audio, clip.sample_rate, sample_rate)
        notes.append(f"resampled from {clip.sample_rate} Hz to {sample_rate} Hz")
    if trim:
        trimmed = trim_silence(audio, sample_rate)
        if trimmed.audio.size == 0:
            raise UnreadableAudio(
                f"the audio is silent (nothing louder than {SILENT_DBFS:.0f} dBFS)"
            )
        audio = trimmed.audio
        if trimmed.leading or trimmed.trailing:
            notes.append(
                f"trimmed {trimmed.leading / sample_rate:.2f} s of silence at the start "
                f"and {trimmed.trailing / sample_rate:.2f} s at the end"
            )
    imported = ImportedClip(
        source.id, source.text, source.wav, len(audio) / sample_rate, tuple(notes)
    )
    return imported, audio.astype(np.float32)


def _format_notes(clip: AudioFile) -> list[str]:
    if clip.subtype == "PCM_16":
        return []
    return [f"converted from {clip.subtype_description} to 16-bit PCM"]


def _wav_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.suffix.lower() == ".wav" and p.is_file()]


def _unique(clip_id: str, used: set[str]) -> str:
    candidate, n = clip_id, 1
    while candidate in used:
        n += 1
        candidate = f"{clip_id}_{n}"
    used.add(candidate)
    return candidate


def _shown(path: Path, src: Path) -> str:
    try:
        return str(path.relative_to(src))
    except ValueError:
        return str(path)
