"""The contract between the window and the engine: what crosses the pipes, in types that
import neither torch nor numpy, so the studio reads them without loading the engine.

This package is the contract; the studio imports nothing else of the engine's that computes
(``pyproject.toml``'s import-linter contracts hold it to that):

- here, :class:`Utterance` and :class:`SentencePlan` (a take, everything needed to render it
  again; the engine's :class:`engine.synthesis.Synthesizer` makes and renders them, the
  studio's documents hold them), the render engine's operations (:mod:`engine.service`) and
  :class:`LoadAnswer`, what a ``load`` answers (with the :class:`MelScale` its spectrograms
  are drawn on), and :class:`RenderAnswer`, what a ``render`` answers (with the take's
  :class:`Tracks`, its pitch and intensity);
- :mod:`engine.api.pipe`: starting an engine process and the names every one of them speaks;
- :mod:`engine.api.tasks` and :mod:`engine.api.dataset`: the task process's work (dataset
  import and check, the recorder's takes and phoneme counts, a voice's card) and its answers;
- :mod:`engine.api.training`: the training process's names and a run folder's layout;
- the knobs and their one table of ranges live in :mod:`engine.controls`, the model families
  in :mod:`engine.families`; both are as light as this package.

Audio and mels cross the pipe as numpy arrays inside the answers' dicts; this package names
no array type.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from engine.controls import Controls
from engine.errors import SynthesisError

# The render engine's operations (studio -> engine); the events and the operations every
# engine process shares are in engine.api.pipe.
LOAD, PREPARE, TRANSPLANT, RENDER = "load", "prepare", "transplant", "render"

DEFAULT_SEED = 0
# A sentence's render holds about 0.3 MB a frame at its peak on a CPU, on top of the loaded
# engine's 0.63 GB (the bundled voice on onnxruntime, benchmarks/long_text_memory.py: 1.83 GB
# at 5,000 frames, 3.38 GB at 10,000; `glottis say` of one sentence peaks at 1.51 GB at 4,000
# frames, 1.87 GB at 5,000). So this keeps a render within a 2 GB budget with a quarter to
# spare: 46 s at 22050 Hz with hop 256. The front ends split sentences well below it
# (engine.text.long_sentences).
MAX_SENTENCE_FRAMES = 4_000
MAX_NOISE_GAIN = 10.0  # a token's noise scaled at most this much (the controls' noise range)
MAX_PITCH_SHIFT = 12.0  # semitones a token's F0 may move either way (an octave)


@dataclass(frozen=True)
class SentencePlan:
    """One sentence of an utterance: its tokens (one per id) and their durations in frames.

    ``rolls`` and ``noise_gains`` (one per token, or empty for none) shape each token's noise
    (:mod:`engine.runtime.noise`): a roll above 0 draws that token afresh, a new random take
    of it alone; a gain scales its noise, the noise scale of that token alone.
    ``pitch_shifts`` (semitones) and ``pitch_flatness`` (0 to 1) move each token's F0 on the
    rendered sound (:mod:`engine.audio.pitch_edit`).
    """

    text: str
    phonemes: tuple[str, ...]
    tokens: tuple[str, ...]
    ids: tuple[int, ...]
    predicted: tuple[int, ...]
    durations: tuple[int, ...]
    rolls: tuple[int, ...] = ()
    noise_gains: tuple[float, ...] = ()
    pitch_shifts: tuple[float, ...] = ()
    pitch_flatness: tuple[float, ...] = ()

    @property
    def pitch_edited(self) -> bool:
        return bool(self.pitch_shifts or self.pitch_flatness)


@dataclass(frozen=True)
class Utterance:
    """Everything a take is made of; rendering it twice gives the same samples.

    ``voice`` names the acoustic model, which must render it. ``vocoder`` records the one it
    was prepared with (None for VITS) without binding it: another vocoder may voice the same
    utterance, to compare. ``frame_seconds`` is the model's hop over its sample rate, so the
    durations can move to a model of another frame rate (``Synthesizer.transplant``).
    """

    text: str
    sentences: tuple[SentencePlan, ...]
    seed: int
    controls: Controls
    voice: str
    speaker: int | None = None
    vocoder: str | None = None
    frame_seconds: float | None = None

    @property
    def frame_count(self) -> int:
        return sum(sum(s.durations) for s in self.sentences)

    def with_durations(self, durations: Sequence[Sequence[int]]) -> Utterance:
        """A copy whose durations (one list per sentence, one int per token) are ``durations``."""
        if len(durations) != len(self.sentences):
            raise SynthesisError(
                f"durations has {len(durations)} sentences, the utterance has {len(self.sentences)}"
            )
        plans = []
        for number, (plan, given) in enumerate(zip(self.sentences, durations, strict=True), 1):
            checked = _checked_durations(given, plan, number, self.frame_seconds)
            plans.append(replace(plan, durations=checked))
        return replace(self, sentences=tuple(plans))

    def with_token_noise(
        self, rolls: Sequence[Sequence[int]], gains: Sequence[Sequence[float]]
    ) -> Utterance:
        """A copy whose tokens' rolls and noise gains are these (one list per sentence, each
        empty or one value per token)."""
        return self._shaped(
            "token noise",
            rolls,
            gains,
            lambda plan, rolled, gained, number: replace(
                plan,
                rolls=_checked_rolls(rolled, plan, number),
                noise_gains=_checked_gains(gained, plan, number),
            ),
        )

    def with_pitch(
        self, shifts: Sequence[Sequence[float]], flatness: Sequence[Sequence[float]]
    ) -> Utterance:
        """A copy whose tokens' pitch shifts (semitones) and flatness (0 to 1) are these (one
        list per sentence, each empty or one value per token)."""
        return self._shaped(
            "pitch",
            shifts,
            flatness,
            lambda plan, shifted, flat, number: replace(
                plan,
                pitch_shifts=_checked_range(
                    shifted, plan, number, "pitch shifts", -MAX_PITCH_SHIFT, MAX_PITCH_SHIFT, 0
                ),
                pitch_flatness=_checked_range(flat, plan, number, "pitch flatness", 0, 1, 0),
            ),
        )

    def _shaped(
        self,
        what: str,
        first: Sequence[Sequence[Any]],
        second: Sequence[Sequence[Any]],
        shape: Callable[[SentencePlan, Sequence[Any], Sequence[Any], int], SentencePlan],
    ) -> Utterance:
        """A copy with each sentence's plan made by ``shape`` from its two per-token lists
        (one pair a sentence) and its number."""
        if not len(first) == len(second) == len(self.sentences):
            raise SynthesisError(
                f"{what} is given for {len(first)} and {len(second)} sentences, "
                f"the utterance has {len(self.sentences)}"
            )
        plans = zip(self.sentences, first, second, strict=True)
        return replace(
            self, sentences=tuple(shape(*plan, number) for number, plan in enumerate(plans, 1))
        )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Utterance:
        """The utterance ``to_dict`` wrote; its durations are checked as ``with_durations``
        checks them."""
        plans = tuple(SentencePlan(**_with_tuples(s)) for s in data["sentences"])
        if not plans:
            raise SynthesisError("an utterance needs at least one sentence")
        utterance = cls(
            text=data["text"],
            sentences=plans,
            seed=int(data["seed"]),
            controls=Controls.from_dict(data["controls"]),
            voice=data["voice"],
            speaker=data.get("speaker"),
            vocoder=data.get("vocoder"),
            frame_seconds=data.get("frame_seconds"),
        )
        utterance = utterance.with_durations([plan.durations for plan in plans])
        utterance = utterance.with_token_noise(
            [plan.rolls for plan in plans], [plan.noise_gains for plan in plans]
        )
        return utterance.with_pitch(
            [plan.pitch_shifts for plan in plans], [plan.pitch_flatness for plan in plans]
        )


def is_speakable(symbol: str) -> bool:
    """True for a token that makes sound: not whitespace, punctuation or a pad/boundary mark
    (what the front ends keep a sentence for, and what the editor offers to respell)."""
    return any(not unicodedata.category(c).startswith(("P", "Z", "C")) for c in symbol)


def _checked_durations(
    given: Sequence[int], plan: SentencePlan, number: int, frame_seconds: float | None
) -> tuple[int, ...]:
    if not isinstance(given, Sequence) or isinstance(given, str):
        raise SynthesisError(f"sentence {number}: durations must be a list of frame counts")
    if len(given) != len(plan.tokens):
        raise SynthesisError(
            f"sentence {number} has {len(plan.tokens)} tokens but {len(given)} durations were given"
        )
    values = []
    for value in given:
        whole = isinstance(value, int | float) and not isinstance(value, bool)
        if not (whole and math.isfinite(value) and float(value).is_integer() and value >= 0):
            raise SynthesisError(
                f"sentence {number}: durations must be whole frames >= 0, got {value!r}"
            )
        values.append(int(value))
    check_frame_total(sum(values), number, frame_seconds)
    return tuple(values)


def _checked_rolls(given: Sequence[int], plan: SentencePlan, number: int) -> tuple[int, ...]:
    values = _per_token(given, plan, number, "rolls")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values):
        raise SynthesisError(f"sentence {number}: rolls must be whole numbers >= 0")
    return tuple(int(v) for v in values) if any(values) else ()


def _checked_gains(given: Sequence[float], plan: SentencePlan, number: int) -> tuple[float, ...]:
    return _checked_range(given, plan, number, "noise gains", 0, MAX_NOISE_GAIN, 1)


def _checked_range(
    given: Sequence[float],
    plan: SentencePlan,
    number: int,
    what: str,
    low: float,
    high: float,
    neutral: float,
) -> tuple[float, ...]:
    """Per-token numbers from ``low`` to ``high``; empty when all are ``neutral``."""
    values = _per_token(given, plan, number, what)
    for value in values:
        number_like = isinstance(value, int | float) and not isinstance(value, bool)
        if not (number_like and math.isfinite(value) and low <= value <= high):
            raise SynthesisError(
                f"sentence {number}: {what} must be from {low:g} to {high:g}, got {value!r}"
            )
    return tuple(float(v) for v in values) if any(v != neutral for v in values) else ()


def _per_token(given: Sequence, plan: SentencePlan, number: int, what: str) -> tuple:
    """``given`` as a tuple, checked to be empty or one value per token."""
    if not isinstance(given, Sequence) or isinstance(given, str):
        raise SynthesisError(f"sentence {number}: {what} must be a list, one per token")
    if given and len(given) != len(plan.tokens):
        raise SynthesisError(
            f"sentence {number} has {len(plan.tokens)} tokens but {len(given)} {what} were given"
        )
    return tuple(given)


def check_frame_total(frames: int, number: int, frame_seconds: float | None = None) -> None:
    """Refuse a sentence of no frames, or of more than a render may hold in bounded memory;
    with ``frame_seconds`` (a frame's length, when it is a number) the message says both
    lengths in seconds too."""
    if frames == 0:
        raise SynthesisError(f"sentence {number}: durations add up to zero frames")
    if frames > MAX_SENTENCE_FRAMES:
        lasts, limit = f"{frames} frames", f"{MAX_SENTENCE_FRAMES} frames"
        seconds = frame_seconds if isinstance(frame_seconds, int | float) else math.nan
        if not isinstance(seconds, bool) and math.isfinite(seconds) and seconds > 0:
            lasts += f" ({frames * seconds:.1f} s)"
            limit += f" ({MAX_SENTENCE_FRAMES * seconds:.1f} s)"
        raise SynthesisError(
            f"sentence {number} would last {lasts}, more than the {limit} a sentence may "
            "have to render in bounded memory; shorten it or lower length_scale"
        )


def _with_tuples(saved: dict[str, Any]) -> dict[str, Any]:
    """A saved sentence plan's fields with its JSON lists as the tuples the plan holds."""
    return {key: tuple(value) if isinstance(value, list) else value for key, value in saved.items()}


@dataclass(frozen=True)
class CatalogueModel:
    """An official checkpoint of the catalogue (:mod:`engine.catalogue`) as the window offers
    it: ``path`` is where it is kept (None: not fetched yet), ``url`` its direct download
    (None: only ``source``, a page to download from in a browser), ``size`` in bytes where
    known."""

    name: str
    title: str
    family: str
    role: str
    licence: str
    source: str
    url: str | None = None
    size: int | None = None
    path: str | None = None


@dataclass(frozen=True)
class MelScale:
    """Where the rows of the spectrograms a ``render`` answers lie in frequency: ``n_mels``
    Slaney-scale filters between ``fmin`` and ``fmax`` Hz (:mod:`engine.audio.mel_scale`
    converts), for audio at ``sample_rate``."""

    sample_rate: int
    n_mels: int
    fmin: float
    fmax: float


@dataclass(frozen=True)
class Tracks:
    """A take's pitch and intensity, as Praat measures them (:mod:`engine.audio.prosody`),
    numpy arrays of one value per frame: ``times`` (s, each frame's centre), ``f0`` (Hz, NaN
    where unvoiced) and ``intensity`` (dB, Praat's: the samples read as pascals, re 20 uPa;
    NaN where the frame is out of the analysis). ``floor`` and ``ceiling``: the pitch range
    tracked in (Hz)."""

    times: Any
    f0: Any
    intensity: Any
    floor: float
    ceiling: float

    def to_message(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class LoadAnswer:
    """What the engine says after loading a model: what the window shows and offers."""

    voice: str
    label: str
    path: str
    family: str
    mel_model: bool
    device: str
    runtime: str
    sample_rate: int
    hop_length: int
    phoneme_type: str
    speakers: int
    control_names: tuple[str, ...]
    controls: dict[str, Any]
    voices: list[str] = field(default_factory=list)
    config: str | None = None
    vocoder: str | None = None
    vocoder_config: str | None = None
    vocoder_label: str | None = None
    vocoder_family: str | None = None
    compatible_vocoders: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    catalogue: list[CatalogueModel] = field(default_factory=list)
    mel_scale: MelScale | None = None

    @property
    def frame_seconds(self) -> float:
        return self.hop_length / self.sample_rate

    def to_message(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> LoadAnswer:
        """The answer from an engine event (whose other keys, ``job`` and ``event``, are
        left)."""
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in message.items() if key in known}
        values["control_names"] = tuple(values.get("control_names", ()))
        values["catalogue"] = [CatalogueModel(**m) for m in values.get("catalogue", [])]
        if values.get("mel_scale") is not None:
            values["mel_scale"] = MelScale(**values["mel_scale"])
        return cls(**values)


@dataclass(frozen=True)
class PrepareAnswer:
    """What ``prepare`` and ``transplant`` answer: one single-sentence take per sentence, and
    what the front end warned about (characters it could not say, ...)."""

    takes: list[Utterance]
    warnings: list[str] = field(default_factory=list)

    def to_message(self) -> dict[str, Any]:
        return {"takes": [take.to_dict() for take in self.takes], "warnings": self.warnings}

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> PrepareAnswer:
        return cls(
            [Utterance.from_dict(take) for take in message["takes"]],
            [str(w) for w in message.get("warnings") or []],
        )


@dataclass(frozen=True)
class RenderAnswer:
    """What ``render`` answers: the audio (float32 samples), each token's sample span, the
    log-mel the views draw and the mel model's own mel (None for VITS), as numpy arrays; the
    times the render took, by stage, and its real-time factor; the take's pitch and
    intensity (``tracks``)."""

    audio: Any
    sample_rate: int
    spans: list[tuple[int, int]]
    tokens: list[str]
    mel: Any
    model_mel: Any
    timings: dict[str, float]
    seconds: float
    rtf: float
    tracks: Tracks | None = None

    @property
    def synthesis_seconds(self) -> float:
        return float(self.timings.get("synthesis", 0.0))

    def to_message(self) -> dict[str, Any]:
        message = {f.name: getattr(self, f.name) for f in fields(self)}
        if self.tracks is not None:
            message["tracks"] = self.tracks.to_message()
        return message

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> RenderAnswer:
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in message.items() if key in known}
        values["spans"] = [tuple(span) for span in values["spans"]]
        if values.get("tracks") is not None:
            values["tracks"] = Tracks(**values["tracks"])
        return cls(**values)


@dataclass(frozen=True)
class LoadRequest:
    """Load a voice or official acoustic checkpoint (by name or path; None: the default) with
    its config, and for a mel model a vocoder ("griffin-lim" or a checkpoint) with its config;
    ``vocoder_optional``: a vocoder that does not fit gives way to Griffin-Lim."""

    voice: str | None = None
    config: str | None = None
    vocoder: str | None = None
    vocoder_config: str | None = None
    vocoder_optional: bool = False
    device: str | None = None
    op = LOAD


@dataclass(frozen=True)
class PrepareRequest:
    """Phonemes and predicted durations of ``text``, one take per sentence."""

    text: str
    controls: dict[str, Any] = field(default_factory=dict)
    seed: int = DEFAULT_SEED
    speaker: int | None = None
    op = PREPARE


@dataclass(frozen=True)
class TransplantRequest:
    """Another model's utterance re-prepared on the loaded one with its timing (rendered with
    ``controls``, the loaded model's knobs, where given)."""

    utterance: Utterance
    controls: dict[str, Any] | None = None
    op = TRANSPLANT


@dataclass(frozen=True)
class RenderRequest:
    """An utterance's audio, sentence by sentence."""

    utterance: Utterance
    op = RENDER


Request = LoadRequest | PrepareRequest | TransplantRequest | RenderRequest
REQUESTS: dict[str, Any] = {
    LOAD: LoadRequest,
    PREPARE: PrepareRequest,
    TRANSPLANT: TransplantRequest,
    RENDER: RenderRequest,
}


def request_message(request: Request, job: int) -> dict[str, Any]:
    """A request as the pipe carries it: its fields (an utterance as ``to_dict``), its op
    and its job number."""
    fields_ = {f.name: getattr(request, f.name) for f in fields(request)}
    if "utterance" in fields_:
        fields_["utterance"] = fields_["utterance"].to_dict()
    return {**fields_, "op": request.op, "job": job}


def read_request(message: dict[str, Any]) -> Request:
    """The typed request of a pipe message; KeyError for an unknown op, TypeError or
    SynthesisError for fields that are not the request's."""
    kind = REQUESTS[str(message.get("op"))]
    known = {f.name for f in fields(kind)}
    values = {key: value for key, value in message.items() if key in known}
    if "utterance" in values:
        values["utterance"] = Utterance.from_dict(values["utterance"])
    request: Request = kind(**values)
    return request


ANSWERS: dict[str, Any] = {
    LOAD: LoadAnswer,
    PREPARE: PrepareAnswer,
    TRANSPLANT: PrepareAnswer,
    RENDER: RenderAnswer,
}
"""Each render-engine operation's answer type (``from_message`` reads it off the event)."""
