"""Utterances and rendering: the staged synthesis API the CLI and the studio share.

``Synthesizer.prepare(text)`` runs the front end and the duration predictor and returns an
:class:`Utterance`: everything needed to re-render the same take (tokens, ids, durations in
frames, seed, controls). ``Synthesizer.render(utterance)`` turns it into audio. Durations on
the utterance are the caller's to edit; the render honours them as given.

Random draws are made per token from a generator seeded by ``(seed, sentence, token)``, so
each token's noise is independent of every other token's duration: retiming one phoneme
changes the audio near that phoneme only, and the rest of the take stays as it was.

Mistakes in what a caller asks for (controls out of range, durations that do not fit, a
speaker or device the voice or machine lacks) raise :class:`SynthesisError`.
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property

import numpy as np
import torch

from engine.audio.mel import VITS_EPS, MelSettings, log_mel
from engine.checkpoints.voices import Voice
from engine.runtime.onnx_stages import ExportError, onnx_stages_for
from engine.runtime.stages import Encoding, TorchStages, VitsStages, expand
from engine.text.frontend import FrontEnd, front_end_for

DEFAULT_SEED = 0
RUNTIMES = ("auto", "torch", "onnxruntime")
# Prior statistics kept between prepare and render (a studio document's worth of sentences).
ENCODING_CACHE_SIZE = 256
# Independent noise streams of a token: the duration predictor's and the prior's.
DURATION_STREAM, PRIOR_STREAM = 0, 1
# Upper bounds that keep a take within memory and numbers within float range.
MAX_TEMPERATURE = 10.0
MAX_LENGTH_SCALE = 20.0
MAX_SENTENCE_FRAMES = 60_000  # about 11 minutes at 22050 Hz with hop 256


class SynthesisError(ValueError):
    """A request the Synthesizer cannot honour, in words a user can act on."""


@dataclass(frozen=True)
class Controls:
    """The knobs of a VITS render.

    noise_scale: temperature of the prior (0 gives the mean voice, flat and buzzy).
    noise_w: temperature of the stochastic duration predictor (0: the most likely rhythm).
    length_scale: multiplies predicted durations (>1 speaks slower).
    """

    noise_scale: float = 0.667
    noise_w: float = 0.8
    length_scale: float = 1.0

    def __post_init__(self) -> None:
        limits = {
            "noise_scale": MAX_TEMPERATURE,
            "noise_w": MAX_TEMPERATURE,
            "length_scale": MAX_LENGTH_SCALE,
        }
        for name, limit in limits.items():
            value = getattr(self, name)
            if not (
                isinstance(value, int | float) and math.isfinite(value) and 0 <= value <= limit
            ):
                raise SynthesisError(f"{name} must be a number from 0 to {limit:g}, got {value}")
        if self.length_scale == 0:
            raise SynthesisError("length_scale must be greater than 0")


@dataclass(frozen=True)
class SentencePlan:
    """One sentence of an utterance: its tokens (one per id) and their durations in frames."""

    text: str
    phonemes: tuple[str, ...]
    tokens: tuple[str, ...]
    ids: tuple[int, ...]
    predicted: tuple[int, ...]
    durations: tuple[int, ...]


@dataclass(frozen=True)
class Utterance:
    """Everything a take is made of; rendering it twice gives the same samples."""

    text: str
    sentences: tuple[SentencePlan, ...]
    seed: int
    controls: Controls
    voice: str
    speaker: int | None = None

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
            plans.append(replace(plan, durations=_checked_durations(given, plan, number)))
        return replace(self, sentences=tuple(plans))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Utterance:
        """The utterance ``to_dict`` wrote; its durations are checked as ``with_durations``
        checks them."""
        plans = tuple(
            SentencePlan(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in s.items()})
            for s in data["sentences"]
        )
        if not plans:
            raise SynthesisError("an utterance needs at least one sentence")
        utterance = cls(
            text=data["text"],
            sentences=plans,
            seed=int(data["seed"]),
            controls=Controls(**data["controls"]),
            voice=data["voice"],
            speaker=data.get("speaker"),
        )
        return utterance.with_durations([plan.durations for plan in plans])


def _checked_durations(given: Sequence[int], plan: SentencePlan, number: int) -> tuple[int, ...]:
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
    _check_frame_total(sum(values), number)
    return tuple(values)


def _check_frame_total(frames: int, number: int) -> None:
    if frames == 0:
        raise SynthesisError(f"sentence {number}: durations add up to zero frames")
    if frames > MAX_SENTENCE_FRAMES:
        raise SynthesisError(
            f"sentence {number} would last {frames} frames, more than the {MAX_SENTENCE_FRAMES} "
            "a sentence may have; shorten it or lower length_scale"
        )


@dataclass
class Render:
    """Audio of a take; token ``i`` sounds in samples ``spans[i] = (start, end)``."""

    audio: np.ndarray
    sample_rate: int
    spans: list[tuple[int, int]]
    tokens: list[str]
    timings: dict[str, float]
    mel_settings: MelSettings = field(repr=False)

    @property
    def seconds(self) -> float:
        return len(self.audio) / self.sample_rate

    @property
    def rtf(self) -> float:
        return self.timings["synthesis"] / self.seconds if self.seconds else float("nan")

    @cached_property
    def mel(self) -> np.ndarray:
        """Log-mel spectrogram [n_mels, frames] for display, computed on first use. A take
        shorter than one window is zero-padded to one."""
        audio = np.ascontiguousarray(self.audio, dtype=np.float32)
        shortfall = self.mel_settings.n_fft - len(audio)
        if shortfall > 0:
            audio = np.pad(audio, (0, shortfall))
        return log_mel(torch.from_numpy(audio), self.mel_settings).numpy()


def _token_draws(
    seed: int, sentence: int, stream: int, shapes: Sequence[tuple[int, ...]]
) -> list[torch.Tensor]:
    """Standard-normal draws, one tensor per token of a sentence, each from its own stream.

    The streams are seeded from ``SeedSequence([seed, sentence, stream])``, whose i-th output
    word does not depend on how many words are asked for: token i's draws depend on nothing
    but (seed, sentence, stream, i) and their own shape.
    """
    entropy = [seed, sentence, stream]
    words = np.random.SeedSequence(entropy).generate_state(len(shapes), np.uint64)
    generator = torch.Generator()
    draws = []
    for word, shape in zip(words, shapes, strict=True):
        generator.manual_seed(int(word >> np.uint64(1)))
        draws.append(torch.randn(shape, generator=generator))
    return draws


def _on_device(model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    """The model itself when it is on ``device`` already, else a copy there: a voice's model
    is shared, and moving it would pull it from under other users."""
    current = next(model.parameters()).device
    same = current.type == device.type and (device.index is None or current.index == device.index)
    return model if same else copy.deepcopy(model).to(device)


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def usable_device(device: str | torch.device | None) -> torch.device:
    """The torch device asked for (default: CUDA if present, else CPU), if this machine has it."""
    if device is None:
        return default_device()
    try:
        chosen = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise SynthesisError(f"unknown device {device!r}: use cpu or cuda") from error
    if chosen.type == "cpu":
        return chosen
    if chosen.type != "cuda":
        raise SynthesisError(f"device {device!r} is not supported: use cpu or cuda")
    if not torch.cuda.is_available():
        raise SynthesisError("CUDA was asked for, but this machine has no usable CUDA device")
    if chosen.index is not None and chosen.index >= torch.cuda.device_count():
        raise SynthesisError(f"there is no {chosen}: this machine has {torch.cuda.device_count()}")
    return chosen


class Synthesizer:
    """Text to speech with one voice: ``prepare`` then ``render``.

    ``runtime``: "torch" runs the model itself on ``device``; "onnxruntime" runs an ONNX export
    of it on the CPU, about twice as fast there; "auto" (default) picks onnxruntime on a CPU and
    torch on CUDA.

    A Synthesizer keeps the encoder's output of recent sentences between ``prepare`` and
    ``render``; use one from one thread at a time.
    """

    def __init__(
        self,
        voice: Voice,
        device: str | torch.device | None = None,
        front_end: FrontEnd | None = None,
        runtime: str = "auto",
    ) -> None:
        if runtime not in RUNTIMES:
            raise SynthesisError(f"runtime must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
        self.voice = voice
        self.device = usable_device(device)
        self.model = _on_device(voice.model, self.device).eval()
        self.front_end = front_end or front_end_for(voice.card)
        self.sample_rate = int(voice.card["sample_rate"])
        self.hop_length = int(voice.card["hop_length"])
        self.noise_channels = int(voice.card["config"]["model"]["inter_channels"])
        self.mel_settings = MelSettings(
            sample_rate=self.sample_rate, hop_length=self.hop_length, magnitude_eps=VITS_EPS
        )
        self.stages = self._stages(runtime)
        self._encodings: OrderedDict[tuple, Encoding] = OrderedDict()

    def _stages(self, runtime: str) -> VitsStages:
        """The runtime asked for; "auto" falls back to torch, with a warning, when the model
        cannot be exported faithfully."""
        if runtime == "torch" or (runtime == "auto" and self.device.type != "cpu"):
            return TorchStages(self.model, self.device)
        if self.device.type != "cpu":
            raise SynthesisError("the onnxruntime runtime runs on the CPU only")
        n_vocab = int(self.voice.card["n_vocab"])
        try:
            return onnx_stages_for(self.model, self.voice.path, n_vocab)
        except ExportError as error:
            if runtime != "auto":
                raise SynthesisError(f"voice {self.voice.name}: {error}") from error
            warnings.warn(f"{error}; running the PyTorch model instead", RuntimeWarning, 2)
            return TorchStages(self.model, self.device)

    def default_controls(self) -> Controls:
        inference = self.voice.card.get("inference", {})
        return Controls(
            noise_scale=float(inference.get("noise_scale", Controls.noise_scale)),
            noise_w=float(inference.get("noise_w", Controls.noise_w)),
            length_scale=float(inference.get("length_scale", Controls.length_scale)),
        )

    def prepare(
        self,
        text: str,
        controls: Controls | None = None,
        seed: int = DEFAULT_SEED,
        speaker: int | None = None,
    ) -> Utterance:
        """Phonemes, ids and predicted durations for ``text``; raises FrontEndError if unsayable.

        ``speaker`` picks a voice of a multi-speaker model (default 0, as Piper does).
        """
        controls = controls or self.default_controls()
        speaker = self.check_speaker(speaker)
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise SynthesisError(f"the seed must be a whole number >= 0, got {seed!r}")
        sentences = self.front_end.sentences(text)
        plans = []
        for index, sentence in enumerate(sentences):
            predicted = self._predict_durations(sentence.ids, index, seed, controls, speaker)
            plans.append(
                SentencePlan(
                    text=sentence.text,
                    phonemes=tuple(sentence.phonemes),
                    tokens=tuple(sentence.tokens),
                    ids=tuple(sentence.ids),
                    predicted=predicted,
                    durations=predicted,
                )
            )
        return Utterance(text, tuple(plans), seed, controls, self.voice.name, speaker)

    def check_speaker(self, speaker: int | None) -> int | None:
        """The speaker id to use: None for a single-speaker model, else 0 by default; raises
        SynthesisError for an id the model does not have."""
        count = self.model.n_speakers
        if count <= 1:
            if speaker not in (None, 0):
                raise SynthesisError(
                    f"voice {self.voice.name} has one speaker; no speaker {speaker}"
                )
            return None
        if speaker is None:
            return 0
        if not 0 <= speaker < count:
            raise SynthesisError(
                f"voice {self.voice.name} has speakers 0 to {count - 1}; no speaker {speaker}"
            )
        return speaker

    def render(self, utterance: Utterance) -> Render:
        """The whole utterance as one take."""
        parts = list(self.render_sentences(utterance))
        audio = np.concatenate([p.audio for p in parts])
        spans: list[tuple[int, int]] = []
        tokens: list[str] = []
        offset = 0
        for part in parts:
            spans.extend((start + offset, end + offset) for start, end in part.spans)
            tokens.extend(part.tokens)
            offset += len(part.audio)
        timings = {key: sum(p.timings[key] for p in parts) for key in parts[0].timings}
        return Render(audio, self.sample_rate, spans, tokens, timings, self.mel_settings)

    def render_sentences(self, utterance: Utterance) -> Iterator[Render]:
        """One Render per sentence, in order, so long texts never sit in memory whole."""
        if utterance.voice != self.voice.name:
            raise SynthesisError(
                f"this utterance was prepared for voice {utterance.voice}, not {self.voice.name}"
            )
        self.check_speaker(utterance.speaker)
        for index, plan in enumerate(utterance.sentences):
            yield self._render_sentence(plan, index, utterance)

    def _encode(
        self, ids: Sequence[int], speaker: int | None, seed: int, sentence: int, noise_w: float
    ) -> Encoding:
        """Encoder and duration predictor; the prior statistics are kept for ``render``, which
        needs them again (they depend only on ids and speaker)."""
        noise = torch.stack(
            _token_draws(seed, sentence, DURATION_STREAM, [(2,)] * len(ids)), dim=-1
        )
        encoding = self.stages.encode(ids, speaker, noise.numpy(), noise_w)
        self._remember((tuple(ids), speaker), encoding)
        return encoding

    def _remember(self, key: tuple, encoding: Encoding) -> None:
        self._encodings[key] = encoding
        self._encodings.move_to_end(key)
        while len(self._encodings) > ENCODING_CACHE_SIZE:
            self._encodings.popitem(last=False)

    def _prior(self, ids: Sequence[int], speaker: int | None) -> Encoding:
        key = (tuple(ids), speaker)
        if key in self._encodings:
            self._encodings.move_to_end(key)
            return self._encodings[key]
        return self._encode(ids, speaker, DEFAULT_SEED, 0, 0.0)

    def _predict_durations(
        self,
        ids: Sequence[int],
        sentence: int,
        seed: int,
        controls: Controls,
        speaker: int | None,
    ) -> tuple[int, ...]:
        """Whole frames per token: ``ceil(exp(logw) * length_scale)``, as the official infer."""
        logw = self._encode(ids, speaker, seed, sentence, controls.noise_w).logw
        frames = np.ceil(np.exp(logw) * np.float32(controls.length_scale))
        if not np.isfinite(frames).all():
            raise SynthesisError(f"sentence {sentence + 1}: the predicted durations overflow")
        durations = tuple(int(v) for v in frames)
        _check_frame_total(sum(durations), sentence + 1)
        return durations

    def _prior_noise(self, durations: Sequence[int], seed: int, sentence: int) -> np.ndarray:
        """Standard-normal noise [channels, frames]; each token's frames come from its own seed.

        Frames are drawn frame-major, so lengthening a token keeps the noise of its first frames.
        """
        shapes = [(frames, self.noise_channels) for frames in durations]
        return (
            torch.cat(_token_draws(seed, sentence, PRIOR_STREAM, shapes), dim=0)
            .T.contiguous()
            .numpy()
        )

    def _render_sentence(self, plan: SentencePlan, index: int, utterance: Utterance) -> Render:
        started = time.perf_counter()
        prior = self._prior(plan.ids, utterance.speaker)
        samples = self.stages.decode(
            expand(prior.m_p, plan.durations),
            expand(prior.logs_p, plan.durations),
            self._prior_noise(plan.durations, utterance.seed, index),
            utterance.controls.noise_scale,
            utterance.speaker,
        )
        elapsed = time.perf_counter() - started
        bounds = np.concatenate([[0], np.cumsum(plan.durations)]) * self.hop_length
        spans = [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        return Render(
            samples,
            self.sample_rate,
            spans,
            list(plan.tokens),
            {"synthesis": elapsed},
            self.mel_settings,
        )
