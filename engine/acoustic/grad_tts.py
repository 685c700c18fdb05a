"""Grad-TTS (huawei-noah/Speech-Backbones) behind the acoustic interface: text to a mel.

Predicted durations follow the official rule, length scale after the ceil: token i lasts
``ceil(exp(logw_i)) · length_scale`` frames, fractional, and owns the frames below the
cumulative sum up to it; the sentence has ``floor(total)`` frames. As whole frames, token i
ends at ``min(ceil(cum_i), floor(total))``: with those durations a render is the official
``forward`` given the same noise. The decoder runs on the sentence padded to a multiple of
four frames (its U-Net halves time twice), masked as officially.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from engine.audio.mel import MelSettings
from engine.checkpoints.voices import Voice
from engine.controls import Controls
from engine.families import FAMILIES
from engine.models.grad_tts import GradTTS, fix_len_compatibility
from engine.runtime.devices import on_device
from engine.runtime.noise import frame_noise, frame_step_noise
from engine.runtime.stages import expand

from .base import (
    EncodingCache,
    batch_of_one,
    inference_defaults,
    model_of,
    speaker_ids,
    token_ids,
    whole_frames,
)

TERMINAL_STREAM, STEP_STREAM = 1, 2


@dataclass(frozen=True)
class GradEncoding:
    """Per-token encoder output mu_x [n_feats, tokens] and log-durations [tokens]."""

    mu_x: np.ndarray
    logw: np.ndarray


class GradTtsModel:
    family = "grad-tts"
    control_names: tuple[str, ...] = tuple(FAMILIES["grad-tts"].defaults)

    def __init__(self, voice: Voice, device: torch.device, runtime: str = "torch") -> None:
        self.voice = voice
        self.device = device
        self.runtime = runtime  # PyTorch only (acoustic_model_for refuses onnxruntime)
        self.model = on_device(model_of(voice.model, GradTTS, voice.name), device).eval()
        self.mel = MelSettings(**voice.card["mel"])
        self.sample_rate = self.mel.sample_rate
        self.hop_length = self.mel.hop_length
        self.n_speakers = int(self.model.n_spks)
        self._encodings: EncodingCache[GradEncoding] = EncodingCache()

    def default_controls(self) -> Controls:
        return inference_defaults(self.voice.card, self.control_names)

    @torch.inference_mode()
    def _encode(self, ids: Sequence[int]) -> GradEncoding:
        """The text encoder; Grad-TTS conditions only its decoder on the speaker."""
        key = tuple(ids)
        found = self._encodings.get(key)
        if found is not None:
            return found
        x, lengths = token_ids(ids, self.device)
        mu_x, logw, _ = self.model.encode_text(x, lengths)
        encoding = GradEncoding(mu_x[0].float().cpu().numpy(), logw[0, 0].float().cpu().numpy())
        self._encodings.put(key, encoding)
        return encoding

    def predict_durations(
        self,
        ids: Sequence[int],
        speaker: int | None,
        controls: Controls,
        seed: int,
        sentence: int,
    ) -> tuple[int, ...]:
        logw = torch.from_numpy(self._encode(ids).logw)
        scaled = torch.ceil(torch.exp(logw)) * controls.length_scale
        ends = torch.ceil(torch.cumsum(scaled, dim=0))
        total = torch.clamp_min(scaled.sum(), 1).floor()
        ends = torch.minimum(ends, total)
        starts = torch.cat([ends.new_zeros(1), ends[:-1]])
        return whole_frames(ends - starts, sentence)

    @torch.inference_mode()
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
        frames = sum(durations)
        padding = fix_len_compatibility(frames) - frames
        mu_y = np.pad(expand(self._encode(ids).mu_x, durations), ((0, 0), (0, padding)))
        n_feats = mu_y.shape[0]
        noise = frame_noise(durations, n_feats, seed, sentence, TERMINAL_STREAM, 1, rolls, gains)
        noise = np.pad(noise, ((0, 0), (0, padding)))
        step_noise = None
        if controls.stochastic:
            steps = frame_step_noise(
                durations, n_feats, controls.steps, seed, sentence, STEP_STREAM, rolls
            )
            steps = np.pad(steps, ((0, 0), (0, 0), (0, padding)))
            step_noise = [batch_of_one(step, self.device) for step in steps]
        mask = torch.zeros(1, 1, frames + padding, device=self.device)
        mask[..., :frames] = 1
        mel = self.model.decode(
            batch_of_one(mu_y, self.device),
            mask,
            batch_of_one(noise, self.device),
            controls.steps,
            controls.temperature,
            controls.stochastic,
            speaker_ids(speaker, self.device),
            step_noise,
        )
        return mel[0, :, :frames].float().cpu().numpy()
