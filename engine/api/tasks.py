"""The task process's work (:mod:`engine.tasks`): every job of the window's other than
rendering and training, by name, with the types its requests and answers use.

A request is ``{"op": "task", "job": N, "task": NAME, "args": {...}}``; the answer is the
``result`` event's ``value``. The keyword arguments and answers of each task:

- :data:`VOICE_CARD` ``(voice: VoiceRef)``: the voice's card, a dict;
- :data:`RECORDER_SETUP` ``(voice: VoiceRef, prompts: list[Prompt] | None)``:
  :class:`RecorderSetup` (the prompts file ``en.txt`` when none are given);
- :data:`PHONEME_COUNTS` ``(card: dict, texts: list[str])``: a
  :class:`~engine.api.dataset.SoundCounts`, one progress report per text;
- :data:`OPEN_DATASET` ``(folder: str, sample_rate: int)``: the takes a dataset folder holds
  (:class:`DatasetTakes`), the folder made when missing;
- :data:`SAVE_TAKE` ``(folder, sample_rate, clip_id, text, audio, audio_rate)``: the take
  trimmed, resampled and written with its metadata line; :class:`SavedTake`;
- :data:`DATASET_IMPORT` ``(src: str, out: str, sample_rate: int)``: an
  :class:`~engine.api.dataset.ImportReport`, one progress report per clip;
- :data:`DATASET_CHECK` ``(folder: str, asr: bool, voice: VoiceRef)``: a
  :class:`~engine.api.dataset.DatasetCheck`, one progress report per clip;
- :data:`DATASET_ASSESS` ``(folder: str)``: :class:`Assessment`, what would hold a voice
  back (the training panel asks before a fine-tune);
- :data:`SET_EXCLUDED` ``(folder: str, shown: list[str], excluded: list[str])``: the clips of
  ``shown`` listed in ``excluded.txt`` become ``excluded``; ids not shown are kept;
- :data:`FETCH_MODEL` ``(name: str)``: a catalogue model downloaded, checked and kept
  (:mod:`engine.catalogue.fetch`); the answer is its checkpoint's path, progress is in bytes
  (total 0 when the server does not say); cancelled, the part downloaded is kept to resume.
- :data:`PROOF_LISTEN` ``(text: str, audio: ndarray, sample_rate: int)``: what Whisper tiny.en
  heard in a take and which written words it did not hear as written (:class:`ProofListening`;
  :mod:`engine.proof_listen`).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.api import LoadAnswer
from engine.api.dataset import Prompt

TASK = "task"  # the request's op
TASKS_MODULE = "engine.tasks"

VOICE_CARD = "voice-card"
RECORDER_SETUP = "recorder-setup"
PHONEME_COUNTS = "phoneme-counts"
OPEN_DATASET = "open-dataset"
SAVE_TAKE = "save-take"
DATASET_IMPORT = "dataset-import"
DATASET_CHECK = "dataset-check"
DATASET_ASSESS = "dataset-assess"
SET_EXCLUDED = "set-excluded"
FETCH_MODEL = "fetch-model"
PROOF_LISTEN = "proof-listen"


@dataclass(frozen=True)
class VoiceRef:
    """Which voice a task is about: the folder or file the engine loaded, or a name (None and
    None: the default voice)."""

    path: str | None = None
    name: str | None = None

    @classmethod
    def of(cls, info: LoadAnswer | None) -> VoiceRef:
        """The voice of a render engine's load answer (None: the default voice)."""
        return cls(info.path, info.voice) if info else cls()


@dataclass(frozen=True)
class RecorderSetup:
    """What the recorder needs before it can record: the voice's card and the prompts."""

    card: dict
    prompts: list[Prompt]


@dataclass(frozen=True)
class DatasetTakes:
    """A dataset folder's takes in metadata order: id -> text."""

    folder: str
    takes: dict[str, str]


@dataclass(frozen=True)
class SavedTake:
    """A take written: its id, its length after trimming, and the folder's takes now."""

    clip_id: str
    seconds: float
    dataset: DatasetTakes


@dataclass(frozen=True)
class Assessment:
    """What in a dataset would hold a voice back, one sentence each (empty: nothing)."""

    folder: str
    findings: list[str]
    clips: int
    seconds: float


@dataclass(frozen=True)
class ProofListening:
    """What Whisper heard in a take, and the indexes (into
    :func:`engine.segments.written_words` of its text) of the words it did not hear as
    written."""

    heard: str
    missed: list[int]
