"""Utterances and rendering: the staged synthesis API the CLI and the studio share.

``Synthesizer.prepare(text)`` runs the front end and the duration predictor and returns an
:class:`~engine.api.Utterance` (a type of the torch-free contract, :mod:`engine.api`):
everything needed to re-render the same take (tokens, ids, durations in frames, seed,
controls). ``Synthesizer.render(utterance)`` turns it into audio. Durations on the utterance
are the caller's to edit; the render honours them as given.

The acoustic model is any of VITS, Glow-TTS and Grad-TTS (``engine.acoustic``); the mel
models speak through a vocoder (``engine.vocoders``: HiFi-GAN, WaveGlow or Griffin-Lim), which
must take the mels the model makes (``engine.pairing``).

Random draws are made per token from a generator seeded by ``(seed, sentence, token)``, so
each token's noise is independent of every other token's duration: retiming one phoneme
changes the audio near that phoneme only, and the rest of the take stays as it was.

Mistakes in what a caller asks for (controls out of range, durations that do not fit, a
speaker, device or vocoder the model or machine lacks) raise :class:`SynthesisError`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import torch

from engine.acoustic import AcousticModel, acoustic_model_for
from engine.acoustic.vits import VitsModel
from engine.api import DEFAULT_SEED, SentencePlan, Utterance, check_frame_total
from engine.audio.mel import VITS_EPS, MelSettings, log_mel
from engine.audio.pitch_edit import reshape_pitch
from engine.checkpoints.voices import Voice
from engine.controls import Controls
from engine.errors import SynthesisError
from engine.pairing import compatible_vocoders, mel_differences, pipeline_note
from engine.runtime.devices import device_name, usable_device
from engine.text.frontend import FrontEnd, Sentence, front_end_for
from engine.transplant import transplanted_durations
from engine.vocoders import GRIFFIN_LIM, Vocoder, griffin_lim, load_vocoder

# Streaming (:meth:`Synthesizer.stream`): a VITS sentence's first piece (0.19 s of the bundled
# voice, to be heard soon) and the pieces after it (3 s, each with 64 frames of context).
FIRST_PIECE_FRAMES = 16
PIECE_FRAMES = 256

__all__ = [
    "Controls",
    "Render",
    "SentencePlan",
    "SynthesisError",
    "Synthesizer",
    "Utterance",
]


@dataclass
class Render:
    """Audio of a take; token ``i`` sounds in samples ``spans[i] = (start, end)``.

    ``timings`` hold seconds: ``synthesis`` in all, and for mel models ``acoustic`` and
    ``vocoder``. ``model_mel`` is the mel a mel model made [n_mels, frames] (None for VITS).
    """

    audio: np.ndarray
    sample_rate: int
    spans: list[tuple[int, int]]
    tokens: list[str]
    timings: dict[str, float]
    mel_settings: MelSettings = field(repr=False)
    model_mel: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def joined(cls, parts: Sequence[Render]) -> Render:
        """One take of consecutive renders (the sentences of an utterance): audio, spans,
        tokens and mels end to end, timings summed."""
        spans: list[tuple[int, int]] = []
        tokens: list[str] = []
        offset = 0
        for part in parts:
            spans.extend((start + offset, end + offset) for start, end in part.spans)
            tokens.extend(part.tokens)
            offset += len(part.audio)
        model_mel = None
        if parts[0].model_mel is not None:
            model_mel = np.concatenate([p.model_mel for p in parts], axis=1)
        return cls(
            np.concatenate([p.audio for p in parts]),
            parts[0].sample_rate,
            spans,
            tokens,
            {key: sum(p.timings[key] for p in parts) for key in parts[0].timings},
            parts[0].mel_settings,
            model_mel,
        )

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


class Synthesizer:
    """Text to speech with one acoustic model (and a vocoder for mel models): ``prepare``
    then ``render``.

    ``runtime`` (VITS only): "torch" runs the model itself on ``device``; "onnxruntime" runs
    an ONNX export of it on the CPU, about twice as fast there; "auto" (default) picks
    onnxruntime on a CPU and torch on CUDA.

    ``vocoder`` (mel models only): a loaded :class:`Vocoder`, the path of a HiFi-GAN or
    WaveGlow checkpoint, or "griffin-lim" (the default, which needs no weights).

    A Synthesizer keeps the encoder's output of recent sentences between ``prepare`` and
    ``render``; use one from one thread at a time.
    """

    def __init__(
        self,
        voice: Voice,
        device: str | torch.device | None = None,
        front_end: FrontEnd | None = None,
        runtime: str = "auto",
        vocoder: Vocoder | str | Path | None = None,
    ) -> None:
        self.voice = voice
        self.device = usable_device(device)
        self.acoustic: AcousticModel = acoustic_model_for(voice, self.device, runtime)
        self.front_end = front_end or front_end_for(voice.card)
        self.sample_rate = self.acoustic.sample_rate
        self.hop_length = self.acoustic.hop_length
        self.vocoder = self._vocoder(vocoder)
        self.mel_settings = self.acoustic.mel or MelSettings(
            sample_rate=self.sample_rate, hop_length=self.hop_length, magnitude_eps=VITS_EPS
        )

    def _vocoder(self, vocoder: Vocoder | str | Path | None) -> Vocoder | None:
        """The vocoder to use, checked against the mels the model makes."""
        mel = self.acoustic.mel
        if mel is None:
            if vocoder is not None:
                raise SynthesisError(
                    f"{self.voice.name} is a VITS model, which makes audio itself: "
                    "it takes no vocoder"
                )
            return None
        if vocoder is None or vocoder == GRIFFIN_LIM:
            return griffin_lim(mel)
        if not isinstance(vocoder, Vocoder):
            vocoder = load_vocoder(vocoder, device=self.device)
        differences = mel_differences(mel, vocoder.mel)
        if differences:
            raise SynthesisError(
                f"{vocoder.label} cannot voice this model's mels ({'; '.join(differences)}); "
                f"compatible vocoders: {', '.join(self.compatible_vocoders())}"
            )
        return vocoder

    @property
    def runtime(self) -> str:
        """What runs the acoustic model: "torch" or "onnxruntime"."""
        return self.acoustic.runtime

    @property
    def device_name(self) -> str:
        """The device in a person's words: ``CPU`` or the CUDA device's name."""
        return "CPU" if self.runtime == "onnxruntime" else device_name(self.device)

    @property
    def control_names(self) -> tuple[str, ...]:
        """The fields of :class:`Controls` the model and its vocoder read."""
        vocoder = self.vocoder.control_names if self.vocoder else ()
        return self.acoustic.control_names + vocoder

    @property
    def pairing_note(self) -> str | None:
        """A note when model and vocoder were trained on different (compatible) mels."""
        if self.vocoder is None or self.acoustic.mel is None:
            return None
        return pipeline_note(self.acoustic.mel, self.vocoder.mel)

    def compatible_vocoders(self) -> list[str]:
        """The official vocoders (and Griffin-Lim) that take this model's mels; empty for a
        model that makes audio itself."""
        mel = self.acoustic.mel
        return [] if mel is None else compatible_vocoders(mel)

    def default_controls(self) -> Controls:
        return self.acoustic.default_controls()

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
        speaker = self._checked(seed, speaker)
        plans = [
            self._plan(index, sentence, controls, seed, speaker)
            for index, sentence in enumerate(self.front_end.sentences(text))
        ]
        return self.utterance_of(text, plans, controls, seed, speaker)

    def stream(
        self,
        text: str,
        controls: Controls | None = None,
        seed: int = DEFAULT_SEED,
        speaker: int | None = None,
    ) -> Iterator[tuple[SentencePlan, Iterator[np.ndarray]]]:
        """Each sentence of ``text`` as soon as it is planned: its plan and its audio in pieces
        as they are made, so playback can start long before the text is rendered. A VITS
        sentence comes ``FIRST_PIECE_FRAMES`` first, then ``PIECE_FRAMES`` at a time (decoded
        with context, :meth:`VitsModel.render_chunks`); a mel model's sentence comes whole.
        The pieces joined are ``render(prepare(text))``'s audio (to about 1e-7)."""
        controls = controls or self.default_controls()
        speaker = self._checked(seed, speaker)
        for index, sentence in enumerate(self.front_end.sentences(text)):
            plan = self._plan(index, sentence, controls, seed, speaker)
            yield plan, self._pieces(plan, index, controls, seed, speaker)

    def _pieces(
        self, plan: SentencePlan, index: int, controls: Controls, seed: int, speaker: int | None
    ) -> Iterator[np.ndarray]:
        if isinstance(self.acoustic, VitsModel):
            yield from self.acoustic.render_chunks(
                plan.ids,
                speaker,
                plan.durations,
                controls,
                seed,
                index,
                FIRST_PIECE_FRAMES,
                PIECE_FRAMES,
            )
            return
        utterance = self.utterance_of(plan.text, [plan], controls, seed, speaker)
        yield self._render_sentence(plan, index, utterance).audio

    def _checked(self, seed: int, speaker: int | None) -> int | None:
        """The speaker to use, after checking it and the seed."""
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise SynthesisError(f"the seed must be a whole number >= 0, got {seed!r}")
        return self.check_speaker(speaker)

    def _plan(
        self, index: int, sentence: Sentence, controls: Controls, seed: int, speaker: int | None
    ) -> SentencePlan:
        predicted = self.acoustic.predict_durations(sentence.ids, speaker, controls, seed, index)
        check_frame_total(sum(predicted), index + 1, self.hop_length / self.sample_rate)
        return SentencePlan(
            text=sentence.text,
            phonemes=tuple(sentence.phonemes),
            tokens=tuple(sentence.tokens),
            ids=tuple(sentence.ids),
            predicted=predicted,
            durations=predicted,
        )

    def utterance_of(
        self,
        text: str,
        plans: Sequence[SentencePlan],
        controls: Controls,
        seed: int,
        speaker: int | None,
    ) -> Utterance:
        """The utterance of ``plans``, made for ``text`` with these settings by this model."""
        return Utterance(
            text,
            tuple(plans),
            seed,
            controls,
            self.voice.name,
            speaker,
            self.vocoder.name if self.vocoder else None,
            self.hop_length / self.sample_rate,
        )

    def transplant(self, utterance: Utterance) -> Utterance:
        """``utterance``'s timing on this model: its text prepared here, then every phoneme
        given the time it had there (see ``engine.transplant``). The models' front ends must
        give the same phonemes; raises SynthesisError saying where they differ."""
        speaker = utterance.speaker if self.acoustic.n_speakers > 1 else None
        if speaker is not None and speaker >= self.acoustic.n_speakers:
            speaker = None
        prepared = self.prepare(utterance.text, utterance.controls, utterance.seed, speaker)
        if len(prepared.sentences) != len(utterance.sentences):
            raise SynthesisError(
                f"the text splits into {len(utterance.sentences)} sentences there and "
                f"{len(prepared.sentences)} here"
            )
        if utterance.frame_seconds is None or prepared.frame_seconds is None:
            raise SynthesisError("the utterance does not say how long its frames are")
        durations = [
            transplanted_durations(
                source, target, utterance.frame_seconds, prepared.frame_seconds, number
            )
            for number, (source, target) in enumerate(
                zip(utterance.sentences, prepared.sentences, strict=True), 1
            )
        ]
        return prepared.with_durations(durations)

    def check_speaker(self, speaker: int | None) -> int | None:
        """The speaker id to use: None for a single-speaker model, else 0 by default; raises
        SynthesisError for an id the model does not have."""
        count = self.acoustic.n_speakers
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
        return Render.joined(list(self.render_sentences(utterance)))

    def render_sentences(self, utterance: Utterance) -> Iterator[Render]:
        """One Render per sentence, in order, so long texts never sit in memory whole."""
        if utterance.voice != self.voice.name:
            raise SynthesisError(
                f"this utterance was prepared for voice {utterance.voice}, not {self.voice.name}"
            )
        self.check_speaker(utterance.speaker)
        for index, plan in enumerate(utterance.sentences):
            yield self._render_sentence(plan, index, utterance)

    def _render_sentence(self, plan: SentencePlan, index: int, utterance: Utterance) -> Render:
        started = time.perf_counter()
        output = self.acoustic.render(
            plan.ids,
            utterance.speaker,
            plan.durations,
            utterance.controls,
            utterance.seed,
            index,
            plan.rolls,
            plan.noise_gains,
        )
        timings = {"synthesis": time.perf_counter() - started}
        model_mel = None
        if self.vocoder is not None:
            model_mel = output
            vocoded = time.perf_counter()
            output = self.vocoder.render(
                model_mel, utterance.controls, utterance.seed, index, plan.durations, plan.rolls
            )
            timings["acoustic"] = timings["synthesis"]
            timings["vocoder"] = time.perf_counter() - vocoded
            timings["synthesis"] += timings["vocoder"]
        if plan.pitch_edited:
            reshaped = time.perf_counter()
            output = reshape_pitch(
                output,
                self.sample_rate,
                self.hop_length,
                plan.durations,
                plan.pitch_shifts,
                plan.pitch_flatness,
            )
            timings["pitch"] = time.perf_counter() - reshaped
            timings["synthesis"] += timings["pitch"]
        if not np.isfinite(output).all():
            raise SynthesisError(
                f"sentence {index + 1}: the model made samples that are not numbers; "
                "its weights may be damaged or untrained"
            )
        bounds = np.concatenate([[0], np.cumsum(plan.durations)]) * self.hop_length
        spans = [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        return Render(
            output,
            self.sample_rate,
            spans,
            list(plan.tokens),
            timings,
            self.mel_settings,
            model_mel,
        )
