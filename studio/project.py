"""The document: text, takes (one utterance per sentence), settings; saving and opening it.

A project is a folder::

    project.json   text, settings (voice, vocoder and their configs, speaker, controls,
                   seed), and per take the
                   utterance (phonemes, ids, predicted and edited durations, seed, controls)
    takes/NNN.wav  the audio of each take as last rendered
    takes/NNN.mel.npy  its spectrogram, as the views show it
    takes/NNN.tracks.npz  its pitch and intensity tracks (:class:`engine.api.Tracks`)

``project.json`` is written last and atomically (temporary file, fsync, rename), so a crash
while saving leaves the previous project readable. Utterances are stored as the engine's
``Utterance.to_dict`` writes them and read back as :class:`engine.api.Utterance`.
"""

from __future__ import annotations

import json
import zipfile
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from engine import schemas
from engine.api import RenderAnswer, SentencePlan, Tracks, Utterance
from engine.errors import SynthesisError
from engine.storage import atomic_file

FORMAT = "glottis-project"
VERSION = 1
PROJECT_FILE = "project.json"
TAKES_DIR = "takes"
MEL_SUFFIX = ".mel.npy"  # beside NNN.wav: the take's spectrogram, so a reopened take shows it
TRACKS_SUFFIX = ".tracks.npz"  # and its pitch and intensity, for the same reason
# Renders kept per take, keyed by durations, so undo and A/B give their audio back at once.
RENDERS_KEPT = 8


class ProjectError(ValueError):
    """A project folder that cannot be read, said in words a user can act on."""


@dataclass
class Rendered:
    """A take's audio as the engine rendered it, with what the views draw."""

    audio: np.ndarray
    sample_rate: int
    spans: list[tuple[int, int]]
    mel: np.ndarray | None
    synthesis_seconds: float = 0.0
    model_mel: np.ndarray | None = None
    tracks: Tracks | None = None

    @property
    def seconds(self) -> float:
        return len(self.audio) / self.sample_rate

    @classmethod
    def from_answer(cls, answer: RenderAnswer) -> Rendered:
        return cls(
            audio=np.asarray(answer.audio, dtype=np.float32),
            sample_rate=answer.sample_rate,
            spans=list(answer.spans),
            mel=answer.mel,
            synthesis_seconds=answer.synthesis_seconds,
            model_mel=answer.model_mel,
            tracks=answer.tracks,
        )


@dataclass
class Take:
    """One sentence: the utterance the engine renders (one sentence plan), and the renders
    made of it."""

    utterance: Utterance
    renders: OrderedDict[tuple[int, ...], Rendered] = field(default_factory=OrderedDict)

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> Take:
        """A take from an utterance as the engine or a project file writes it."""
        return cls(Utterance.from_dict(message))

    @property
    def plan(self) -> SentencePlan:
        return self.utterance.sentences[0]

    @property
    def text(self) -> str:
        return self.plan.text

    @property
    def tokens(self) -> list[str]:
        return list(self.plan.tokens)

    @property
    def durations(self) -> tuple[int, ...]:
        return self.plan.durations

    @property
    def predicted(self) -> tuple[int, ...]:
        return self.plan.predicted

    @property
    def seed(self) -> int:
        return self.utterance.seed

    @property
    def edited(self) -> bool:
        """Whether the person shaped it: durations, a re-roll, a noise scale or a pitch of
        its own."""
        plan = self.plan
        shaped = plan.rolls or plan.noise_gains or plan.pitch_edited
        return plan.durations != plan.predicted or bool(shaped)

    @property
    def voice(self) -> str:
        """The acoustic model the take was prepared for (only it can render the take)."""
        return self.utterance.voice

    @property
    def rendered(self) -> Rendered | None:
        """The render that matches the current durations, if there is one yet."""
        return self.renders.get(self.durations)

    @property
    def latest(self) -> Rendered | None:
        """The most recent render, whatever its durations (what the views show meanwhile)."""
        return next(reversed(self.renders.values()), None)

    def with_durations(self, durations: Sequence[int]) -> Take:
        """A take of the same sentence with other durations; it shares the renders kept."""
        if len(durations) != len(self.plan.tokens):
            raise ProjectError("durations do not fit the take's tokens")
        try:
            return Take(self.utterance.with_durations([list(durations)]), self.renders)
        except SynthesisError as error:
            raise ProjectError(str(error)) from error

    def remember(self, durations: Sequence[int], rendered: Rendered) -> None:
        key = tuple(int(d) for d in durations)
        self.renders[key] = rendered
        self.renders.move_to_end(key)
        while len(self.renders) > RENDERS_KEPT:
            self.renders.popitem(last=False)


@dataclass
class Project:
    """What the window edits and a project folder holds."""

    text: str = ""
    takes: list[Take] = field(default_factory=list)
    voice: str | None = None
    vocoder: str | None = None
    controls: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    seed_locked: bool = False
    voice_config: str | None = None  # an imported checkpoint's own config, if it was given one
    vocoder_config: str | None = None
    speaker: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "text": self.text,
            "voice": self.voice,
            "vocoder": self.vocoder,
            "voice_config": self.voice_config,
            "vocoder_config": self.vocoder_config,
            "speaker": self.speaker,
            "controls": self.controls,
            "seed": self.seed,
            "seed_locked": self.seed_locked,
            "takes": [
                {"utterance": take.utterance.to_dict(), "wav": f"{TAKES_DIR}/{n:03d}.wav"}
                for n, take in enumerate(self.takes, 1)
            ],
        }

    @classmethod
    def from_json(cls, data: Any, where: str = PROJECT_FILE) -> Project:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ProjectError(f"{where} is not a Glottis project")
        version = data.get("version", 0)
        if isinstance(version, int) and version > VERSION:
            raise ProjectError(f"{where} was written by a newer Glottis; update to open it")
        schemas.check(data, "project", where, ProjectError)
        try:
            takes = [Take.from_message(entry["utterance"]) for entry in data.get("takes", [])]
            return cls(
                text=str(data.get("text", "")),
                takes=takes,
                voice=data.get("voice"),
                vocoder=data.get("vocoder"),
                controls=dict(data.get("controls") or {}),
                seed=int(data.get("seed", 0)),
                seed_locked=bool(data.get("seed_locked", False)),
                voice_config=data.get("voice_config"),
                vocoder_config=data.get("vocoder_config"),
                speaker=None if data.get("speaker") is None else int(data["speaker"]),
            )
        except SynthesisError as error:  # a take's durations that do not fit its tokens, ...
            raise ProjectError(f"{where}: a take's durations do not fit it ({error})") from error
        except (KeyError, IndexError, TypeError, ValueError) as error:
            if isinstance(error, ProjectError):
                raise
            raise ProjectError(f"{where} is damaged: {error!r}") from error


def snapshot(project: Project) -> Project:
    """A copy to save from another thread: the takes with their current audio, nothing the
    window goes on changing (utterances are frozen: edits replace them)."""
    takes = []
    for take in project.takes:
        copy = Take(take.utterance)
        rendered = take.rendered or take.latest
        if rendered is not None:
            copy.remember(take.durations, rendered)
        takes.append(copy)
    return Project(
        text=project.text,
        takes=takes,
        voice=project.voice,
        vocoder=project.vocoder,
        controls=dict(project.controls),
        seed=project.seed,
        seed_locked=project.seed_locked,
        voice_config=project.voice_config,
        vocoder_config=project.vocoder_config,
        speaker=project.speaker,
    )


def save(project: Project, folder: Path) -> None:
    """Write ``project`` into ``folder``: the takes' audio first, ``project.json`` last."""
    folder = Path(folder)
    takes_dir = folder / TAKES_DIR
    takes_dir.mkdir(parents=True, exist_ok=True)
    written = set()
    for number, take in enumerate(project.takes, 1):
        rendered = take.rendered or take.latest
        if rendered is None:
            continue
        name = f"{number:03d}.wav"
        atomic_write(
            takes_dir / name,
            lambda f, r=rendered: sf.write(
                f, r.audio, r.sample_rate, format="WAV", subtype="FLOAT"
            ),
        )
        written.add(name)
        if rendered.mel is not None:  # the spectrogram the views show, as the engine made it
            mel_name = f"{number:03d}{MEL_SUFFIX}"
            mel = np.asarray(rendered.mel, dtype=np.float32)
            atomic_write(takes_dir / mel_name, lambda f, m=mel: np.save(f, m))
            written.add(mel_name)
        if rendered.tracks is not None:
            tracks_name = f"{number:03d}{TRACKS_SUFFIX}"
            arrays = rendered.tracks.to_message()
            atomic_write(takes_dir / tracks_name, lambda f, a=arrays: np.savez(f, **a))
            written.add(tracks_name)
    text = json.dumps(project.to_json(), ensure_ascii=False, indent=1)
    atomic_write(folder / PROJECT_FILE, lambda f: f.write(text.encode("utf-8")))
    kept = ("*.wav", f"*{MEL_SUFFIX}", f"*{TRACKS_SUFFIX}")
    for stale in [path for pattern in kept for path in takes_dir.glob(pattern)]:
        if stale.name not in written:
            stale.unlink(missing_ok=True)


def load(folder: Path) -> Project:
    """The project in ``folder``, with each take's saved audio where it still fits."""
    folder = Path(folder)
    path = folder / PROJECT_FILE
    if not path.exists():
        raise ProjectError(f"{folder} holds no {PROJECT_FILE}; it is not a project")
    data = schemas.read_json(path, "project file", ProjectError)
    project = Project.from_json(data, str(path))
    for number, take in enumerate(project.takes, 1):
        wav = folder / TAKES_DIR / f"{number:03d}.wav"
        if wav.exists():
            audio, rate = _saved_audio(wav)
            spans = _spans(take.durations, len(audio))
            if spans is not None:
                mel = _saved_mel(wav.with_name(f"{number:03d}{MEL_SUFFIX}"))
                tracks = _saved_tracks(wav.with_name(f"{number:03d}{TRACKS_SUFFIX}"))
                take.remember(take.durations, Rendered(audio, rate, spans, mel, tracks=tracks))
    return project


def _saved_audio(wav: Path) -> tuple[np.ndarray, int]:
    """A take's saved audio. A damaged file refuses the project rather than dropping the
    take's audio unsaid; the sentence says how to open it all the same."""
    try:
        return sf.read(wav, dtype="float32")
    except (sf.SoundFileError, OSError) as error:
        raise ProjectError(
            f"{wav} is damaged or not a WAV file; remove it to open the project "
            "(its take is rendered again)"
        ) from error


def _saved_mel(path: Path) -> np.ndarray | None:
    """A take's saved spectrogram [mels, frames], written with its audio, when it is there
    and readable (a project saved before spectrograms were kept has none)."""
    try:
        mel = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    return mel if mel.ndim == 2 and mel.size else None


def _saved_tracks(path: Path) -> Tracks | None:
    """A take's saved pitch and intensity, when they are there and whole (a project saved
    before tracks were kept has none until an edit renders the take again)."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            values = {name: saved[name] for name in saved.files}
        tracks = Tracks(
            times=values["times"],
            f0=values["f0"],
            intensity=values["intensity"],
            floor=float(values["floor"]),
            ceiling=float(values["ceiling"]),
        )
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None
    lengths = {len(tracks.times), len(tracks.f0), len(tracks.intensity)}
    return tracks if len(lengths) == 1 else None


def _spans(durations: Sequence[int], samples: int) -> list[tuple[int, int]] | None:
    """Token spans in samples from durations, when the audio is as long as they say."""
    total = sum(durations)
    if total <= 0 or samples % total:
        return None
    hop = samples // total
    bounds = np.concatenate([[0], np.cumsum(durations)]) * hop
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def atomic_write(path: Path, write: Any) -> None:
    """Write through ``write(file)`` to a temporary file beside ``path``, fsync, rename."""
    with atomic_file(path) as handle:
        write(handle)
