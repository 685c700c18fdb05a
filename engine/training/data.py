"""Speech datasets in the LJSpeech layout, read for training.

A dataset folder holds ``metadata.csv``, read as the dataset check reads it
(:func:`engine.dataset.layout.read_metadata`: UTF-8, Windows-1252 or UTF-16, ``id|text`` or
LJSpeech's ``id|text|normalised text``, duplicate ids refused), and ``wavs/<id>.wav``.
Audio is read with soundfile, mixed to mono and resampled with soxr to the model's rate
when it differs. Text goes through the model's own front end, so ids are what the model
was (or will be) trained on; a transcript of several sentences has their ids one after the
other.

Clips that cannot be used (missing or unreadable WAV, empty or unsayable text, fewer audio
frames than tokens, which no monotonic alignment can cover) are listed in
:attr:`SpeechDataset.rejected` with the reason, never fatal unless none is left.

The validation clips are chosen by a hash of their id, so adding clips never moves a clip
between the training and validation sets.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
import torch
from torch.utils.data import Dataset

from engine.audio.wav import read_wav
from engine.dataset.errors import DatasetError
from engine.dataset.layout import METADATA, WAVS, Entry, read_excluded
from engine.dataset.layout import read_metadata as read_metadata_file
from engine.text.frontend import FrontEnd, FrontEndError


@dataclass(frozen=True)
class Clip:
    """One usable clip: its id, transcript, token ids and WAV path."""

    id: str
    text: str
    ids: tuple[int, ...]
    wav: Path
    seconds: float


def read_metadata(folder: Path) -> tuple[list[Entry], list[tuple[str, str]]]:
    """The entries of a dataset folder's ``metadata.csv`` and (where, reason) of each line
    that cannot be used."""
    path = folder / METADATA
    if not path.is_file():
        raise DatasetError(f"{folder} has no {METADATA}: a dataset is in the LJSpeech layout.")
    reading = read_metadata_file(path)
    return reading.entries, [(bad.source, bad.reason) for bad in reading.rejected]


def load_clips(
    folder: Path, front_end: FrontEnd | None, hop_length: int, sample_rate: int
) -> tuple[list[Clip], list[tuple[str, str]]]:
    """The usable clips of a dataset folder and the (id or line, reason) of every rejected
    one. Without a front end (a vocoder's data) the text is not turned into ids. Clips the
    dataset's ``excluded.txt`` lists (excluded in the dataset check) are left out, said so."""
    clips: list[Clip] = []
    entries, rejected = read_metadata(folder)
    excluded = read_excluded(folder)
    for entry in entries:
        clip_id, text = entry.id, entry.text
        wav = folder / WAVS / f"{clip_id}.wav"
        reason = None
        if clip_id in excluded:
            reason = "excluded in the dataset check"
        elif not wav.is_file():
            reason = f"no {WAVS}/{clip_id}.wav"
        if reason:
            rejected.append((clip_id, reason))
            continue
        try:
            info = sf.info(str(wav))
        except (sf.LibsndfileError, RuntimeError) as e:
            rejected.append((clip_id, f"unreadable WAV ({e})"))
            continue
        try:
            ids = _token_ids(front_end, text)
        except FrontEndError as e:
            rejected.append((clip_id, f"transcript cannot be spoken ({e})"))
            continue
        frames = int(info.frames * sample_rate / info.samplerate) // hop_length
        if frames < len(ids):
            rejected.append((clip_id, f"{frames} audio frames for {len(ids)} tokens"))
            continue
        clips.append(Clip(clip_id, text, ids, wav, info.frames / info.samplerate))
    return clips, rejected


def _token_ids(front_end: FrontEnd | None, text: str) -> tuple[int, ...]:
    if front_end is None:
        return ()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sentences = front_end.sentences(text)
    return tuple(i for sentence in sentences for i in sentence.ids)


def split_validation(clips: Sequence[Clip], fraction: float, limit: int) -> tuple[list, list]:
    """(training, validation): the validation clips are those with the smallest id hashes,
    ``fraction`` of them (at least 1 when there are 2 or more clips, at most ``limit``)."""
    if len(clips) < 2:
        return list(clips), []
    count = min(limit, max(1, round(len(clips) * fraction)))
    ranked = sorted(clips, key=lambda c: hashlib.sha1(c.id.encode()).hexdigest())
    validation = {c.id for c in ranked[:count]}
    return [c for c in clips if c.id not in validation], [c for c in clips if c.id in validation]


class SpeechDataset(Dataset):
    """Clips as ``(ids LongTensor [T_x], audio FloatTensor [samples])``, the audio at
    ``sample_rate`` and cut to a whole number of hops. ``peak`` rescales each clip to that
    peak (HiFi-GAN's ``normalize(audio) * 0.95``); None keeps its level."""

    def __init__(
        self, clips: Sequence[Clip], sample_rate: int, hop_length: int, peak: float | None = None
    ) -> None:
        self.clips = list(clips)
        self.sample_rate = sample_rate
        self.hop_length = hop_length
        self.peak = peak

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        clip = self.clips[index]
        return torch.tensor(clip.ids, dtype=torch.long), torch.from_numpy(self.audio(index))

    def audio(self, index: int) -> np.ndarray:
        samples, rate = read_wav(self.clips[index].wav)
        if rate != self.sample_rate:
            samples = soxr.resample(samples, rate, self.sample_rate).astype(np.float32)
        if self.peak is not None:
            samples = samples * (self.peak / max(float(np.abs(samples).max()), 1e-6))
        usable = len(samples) // self.hop_length * self.hop_length
        return np.ascontiguousarray(samples[:usable], dtype=np.float32)


def pad_batch(
    items: Sequence[tuple[torch.Tensor, torch.Tensor]],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(ids [b, T_x], id lengths [b], audio [b, N], audio lengths [b]), zero-padded."""
    ids = torch.nn.utils.rnn.pad_sequence([i for i, _ in items], batch_first=True)
    audio = torch.nn.utils.rnn.pad_sequence([a for _, a in items], batch_first=True)
    id_lengths = torch.tensor([len(i) for i, _ in items])
    audio_lengths = torch.tensor([len(a) for _, a in items])
    return ids, id_lengths, audio, audio_lengths
