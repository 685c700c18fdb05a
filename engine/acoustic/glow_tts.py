"""Glow-TTS (jaywalnut310/glow-tts) behind the acoustic interface: text to a mel.

Predicted durations are the official ``ceil(exp(logw) · length_scale)``, and, as officially,
a sentence's frame count is floored to a multiple of the decoder's squeeze (``n_sqz``), the
frames cut from the last tokens: with them, a render is the official ``infer`` given the same
noise. Durations a person edits may add up to any count; the decoder then runs on the
sentence padded to the squeeze with its last frame and the extra frames are cut off its mel.
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
from engine.models.glow_tts import FlowGenerator
from engine.runtime.devices import on_device
from engine.runtime.noise import frame_noise
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

PRIOR_STREAM = 1


@dataclass(frozen=True)
class GlowEncoding:
    """Per-token prior mean and log-std [n_mels, tokens] and log-durations [tokens]."""

    x_m: np.ndarray
    x_logs: np.ndarray
    logw: np.ndarray


class GlowTtsModel:
    family = "glow-tts"
    control_names: tuple[str, ...] = tuple(FAMILIES["glow-tts"].defaults)

    def __init__(self, voice: Voice, device: torch.device, runtime: str = "torch") -> None:
        self.voice = voice
        self.device = device
        self.runtime = runtime  # PyTorch only (acoustic_model_for refuses onnxruntime)
        self.model = on_device(model_of(voice.model, FlowGenerator, voice.name), device).eval()
        self.model.store_inverse()
        self.mel = MelSettings(**voice.card["mel"])
        self.sample_rate = self.mel.sample_rate
        self.hop_length = self.mel.hop_length
        self.n_speakers = int(self.model.n_speakers)
        self.n_sqz = int(self.model.n_sqz)
        self._encodings: EncodingCache[GlowEncoding] = EncodingCache()

    def default_controls(self) -> Controls:
        return inference_defaults(self.voice.card, self.control_names)

    @torch.inference_mode()
    def _encode(self, ids: Sequence[int], speaker: int | None) -> GlowEncoding:
        key = (tuple(ids), speaker)
        found = self._encodings.get(key)
        if found is not None:
            return found
        x, lengths = token_ids(ids, self.device)
        g = self.model.embed_speaker(speaker_ids(speaker, self.device))
        x_m, x_logs, logw, _ = self.model.encode_text(x, lengths, g)
        encoding = GlowEncoding(
            x_m[0].float().cpu().numpy(),
            x_logs[0].float().cpu().numpy(),
            logw[0, 0].float().cpu().numpy(),
        )
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
        logw = torch.from_numpy(self._encode(ids, speaker).logw)
        frames = whole_frames(torch.ceil(torch.exp(logw) * controls.length_scale), sentence)
        return _floored_to_multiple(frames, self.n_sqz)

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
        encoding = self._encode(ids, speaker)
        frames = sum(durations)
        padding = -frames % self.n_sqz
        z_m = _pad_with_last(expand(encoding.x_m, durations), padding)
        z_logs = _pad_with_last(expand(encoding.x_logs, durations), padding)
        noise = frame_noise(
            durations, self.mel.n_mels, seed, sentence, PRIOR_STREAM, 1, rolls, gains
        )
        noise = np.pad(noise, ((0, 0), (0, padding)))
        z_m_t = batch_of_one(z_m, self.device)
        mask = torch.ones_like(z_m_t[:, :1])
        g = self.model.embed_speaker(speaker_ids(speaker, self.device))
        mel = self.model.decode(
            z_m_t,
            batch_of_one(z_logs, self.device),
            mask,
            batch_of_one(noise, self.device),
            controls.noise_scale,
            g,
        )
        return mel[0, :, :frames].float().cpu().numpy()


def _floored_to_multiple(durations: tuple[int, ...], multiple: int) -> tuple[int, ...]:
    """The durations with frames cut from the end until the total is a multiple (at least
    one multiple, as the official ``clamp_min(1)`` then floor)."""
    total = sum(durations)
    excess = total - max(total // multiple * multiple, min(total, multiple))
    cut = list(durations)
    for index in reversed(range(len(cut))):
        taken = min(excess, cut[index])
        cut[index] -= taken
        excess -= taken
    return tuple(cut)


def _pad_with_last(values: np.ndarray, padding: int) -> np.ndarray:
    if not padding:
        return values
    return np.concatenate([values, np.repeat(values[:, -1:], padding, axis=1)], axis=1)
