"""VITS behind the acoustic interface: its two stages (``engine.runtime.stages``) on PyTorch
or onnxruntime, with per-token noise for the duration predictor and the prior."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import torch

from engine.audio.mel import MelSettings
from engine.checkpoints.voices import ADAPTED_FROM, WEIGHTS_FILE, Voice, checkpoint_cache_folder
from engine.controls import Controls
from engine.errors import SynthesisError
from engine.families import FAMILIES
from engine.models.vits import SynthesizerTrn
from engine.runtime.devices import on_device
from engine.runtime.noise import frame_noise, token_draws
from engine.runtime.onnx_stages import ExportError, onnx_stages_for
from engine.runtime.stages import Encoding, TorchStages, VitsStages, expand

from .base import EncodingCache, inference_defaults, model_of, whole_frames

# Independent noise streams of a token: the duration predictor's and the prior's.
DURATION_STREAM, PRIOR_STREAM = 0, 1
RUNTIMES = ("auto", "torch", "onnxruntime")


class VitsModel:
    """A VITS voice. ``runtime``: "torch" runs the model itself on ``device``; "onnxruntime"
    runs an ONNX export of it on the CPU, about twice as fast there; "auto" picks onnxruntime
    on a CPU and torch on CUDA, falling back to torch when the export is not faithful."""

    family = "vits"
    control_names: tuple[str, ...] = tuple(FAMILIES["vits"].defaults)
    mel: MelSettings | None = None

    def __init__(self, voice: Voice, device: torch.device, runtime: str) -> None:
        if runtime not in RUNTIMES:
            raise SynthesisError(f"runtime must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
        self.voice = voice
        self.device = device
        self.model = on_device(model_of(voice.model, SynthesizerTrn, voice.name), device).eval()
        self.sample_rate = int(voice.card["sample_rate"])
        self.hop_length = int(voice.card["hop_length"])
        self.n_speakers = int(self.model.n_speakers)
        self.noise_channels = int(voice.card["config"]["model"]["inter_channels"])
        self.stages = self._stages(runtime)
        self.runtime = self.stages.name
        self._encodings: EncodingCache[Encoding] = EncodingCache()

    def _stages(self, runtime: str) -> VitsStages:
        if runtime == "torch" or (runtime == "auto" and self.device.type != "cpu"):
            return TorchStages(self.model, self.device)
        if self.device.type != "cpu":
            raise SynthesisError("the onnxruntime runtime runs on the CPU only")
        n_vocab = int(self.voice.card["n_vocab"])
        try:
            if self.voice.path.is_file():
                cache = checkpoint_cache_folder(self.voice.path)
                return onnx_stages_for(self.model, cache, n_vocab, weights=self.voice.path)
            if ADAPTED_FROM in self.voice.card:
                # An adapted voice's folder holds only what it changed; its export, which
                # holds every weight, goes to the user data folder instead.
                cache = checkpoint_cache_folder(self.voice.path)
                weights = self.voice.path / WEIGHTS_FILE
                return onnx_stages_for(self.model, cache, n_vocab, weights=weights)
            return onnx_stages_for(self.model, self.voice.path, n_vocab)
        except ExportError as error:
            if runtime != "auto":
                raise SynthesisError(f"voice {self.voice.name}: {error}") from error
            warnings.warn(f"{error}; running the PyTorch model instead", RuntimeWarning, 2)
            return TorchStages(self.model, self.device)

    def default_controls(self) -> Controls:
        return inference_defaults(self.voice.card, self.control_names)

    def _encode(
        self, ids: Sequence[int], speaker: int | None, seed: int, sentence: int, noise_w: float
    ) -> Encoding:
        """Encoder and duration predictor; the prior statistics are kept for ``render``, which
        needs them again (they depend only on ids and speaker)."""
        draws = token_draws(seed, sentence, DURATION_STREAM, [(2,)] * len(ids))
        noise = torch.stack(draws, dim=-1).numpy()
        encoding = self.stages.encode(ids, speaker, noise, noise_w)
        self._encodings.put((tuple(ids), speaker), encoding)
        return encoding

    def predict_durations(
        self,
        ids: Sequence[int],
        speaker: int | None,
        controls: Controls,
        seed: int,
        sentence: int,
    ) -> tuple[int, ...]:
        """Whole frames per token: ``ceil(exp(logw) * length_scale)``, as the official infer."""
        logw = self._encode(ids, speaker, seed, sentence, controls.noise_w).logw
        return whole_frames(np.ceil(np.exp(logw) * np.float32(controls.length_scale)), sentence)

    def render(
        self,
        ids: Sequence[int],
        speaker: int | None,
        durations: Sequence[int],
        controls: Controls,
        seed: int,
        sentence: int,
        rolls: Sequence[int] = (),
        gains: Sequence[float] = (),
    ) -> np.ndarray:
        prior = self._encodings.get((tuple(ids), speaker))
        if prior is None:
            prior = self._encode(ids, speaker, seed, sentence, 0.0)
        return self.stages.decode(
            expand(prior.m_p, durations),
            expand(prior.logs_p, durations),
            frame_noise(
                durations, self.noise_channels, seed, sentence, PRIOR_STREAM, 1, rolls, gains
            ),
            controls.noise_scale,
            speaker,
        )
