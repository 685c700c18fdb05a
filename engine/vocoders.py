"""Vocoders: a mel model's frames to audio, behind one interface.

``load_vocoder(path)`` opens an official HiFi-GAN generator (``g_*``) or WaveGlow checkpoint;
``griffin_lim(mel)`` needs no weights and voices any mel, so a mel model is never silent.
Every vocoder returns exactly ``frames · hop`` samples, so token spans stay where the
durations put them.

WaveGlow's noise is drawn per token like the acoustic models' (``engine.runtime.noise``):
retiming one phoneme leaves the rest of the take's samples as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from engine.audio.mel import MelSettings
from engine.checkpoints.loader import CheckpointError
from engine.checkpoints.loader import load as load_checkpoint
from engine.controls import Controls
from engine.errors import SynthesisError
from engine.families import FAMILIES, FAMILY_NAMES, GRIFFIN_LIM
from engine.models.griffin_lim import GriffinLim
from engine.models.waveglow import Denoiser
from engine.runtime.devices import on_device
from engine.runtime.noise import frame_noise

# WaveGlow's draws: one stream per draw, after the acoustic models' streams.
WAVEGLOW_STREAM = 16
# Griffin-Lim exponentiates the log-mel: a ceiling above any recording's (a full-scale sine
# reaches about 5.5 with n_fft 1024) keeps an untrained model's wild mels finite.
MAX_LOG_MEL = 8.0


class Vocoder:
    """A vocoder on a device: ``render(mel [n_mels, frames], ...) -> audio [frames · hop]``.

    ``family`` is "hifigan", "waveglow" or "griffin-lim"; ``mel`` the mels it takes;
    ``control_names`` the fields of :class:`Controls` it reads.
    """

    def __init__(
        self,
        name: str,
        family: str,
        mel: MelSettings,
        model: torch.nn.Module | None,
        device: torch.device,
    ) -> None:
        self.name = name
        self.family = family
        self.mel = mel
        self.device = device
        self.model = model
        known = FAMILIES.get(family)
        self.control_names: tuple[str, ...] = tuple(known.defaults) if known else ()
        self._denoiser: Denoiser | None = None

    @property
    def label(self) -> str:
        """How a person names it: ``HiFi-GAN g_02500000`` or ``Griffin-Lim``."""
        if self.family == GRIFFIN_LIM:
            return "Griffin-Lim"
        return f"{FAMILY_NAMES[self.family]} {Path(self.name).stem}"

    @torch.inference_mode()
    def render(
        self,
        mel: np.ndarray,
        controls: Controls,
        seed: int,
        sentence: int,
        durations: Sequence[int],
        rolls: Sequence[int] = (),
    ) -> np.ndarray:
        """Audio of ``mel``, a sentence whose tokens last ``durations`` frames (for the
        per-token noise of WaveGlow, re-rolled as ``rolls`` says)."""
        frames = mel.shape[1]
        spect = torch.from_numpy(np.ascontiguousarray(mel, dtype=np.float32))[None]
        if self.family == GRIFFIN_LIM:
            audio = GriffinLim(self.mel, seed=seed)(spect.clamp(max=MAX_LOG_MEL))[0, 0]
        elif self.family == "waveglow":
            audio = self._waveglow(
                spect.to(self.device), controls, seed, sentence, durations, rolls
            )
        else:
            audio = self.model(spect.to(self.device))[0, 0]
        return _exactly(audio.float().cpu().numpy(), frames * self.mel.hop_length)

    def _waveglow(
        self,
        spect: torch.Tensor,
        controls: Controls,
        seed: int,
        sentence: int,
        durations: Sequence[int],
        rolls: Sequence[int],
    ) -> torch.Tensor:
        shapes = self.model.noise_shapes(spect)
        per_frame = shapes[0][2] // spect.shape[2]
        noise = [
            torch.from_numpy(
                frame_noise(
                    durations, channels, seed, sentence, WAVEGLOW_STREAM + index, per_frame, rolls
                )
            )[None].to(self.device)
            for index, (_, channels, _) in enumerate(shapes)
        ]
        audio = self.model.infer(spect, sigma=controls.sigma, noise=noise)
        if controls.denoiser_strength > 0:
            audio = self._denoise(audio, controls.denoiser_strength)
        return audio[0]

    def _denoise(self, audio: torch.Tensor, strength: float) -> torch.Tensor:
        if self._denoiser is None:
            self._denoiser = Denoiser(self.model).to(self.device)
        denoised = self._denoiser(audio, strength)
        return denoised[:, : audio.shape[1]]


def _exactly(audio: np.ndarray, samples: int) -> np.ndarray:
    """``audio`` cut or zero-padded to ``samples``."""
    if len(audio) >= samples:
        return audio[:samples]
    return np.pad(audio, (0, samples - len(audio)))


def load_vocoder(
    path: str | Path,
    config: str | Path | None = None,
    device: torch.device | None = None,
) -> Vocoder:
    """The HiFi-GAN or WaveGlow checkpoint at ``path`` as a vocoder on ``device`` (CPU by
    default), prepared for inference as the official scripts do (weight norm folded)."""
    device = device or torch.device("cpu")
    try:
        checkpoint = load_checkpoint(path, config, role="vocoder")
    except CheckpointError as error:
        raise SynthesisError(str(error)) from error
    model = on_device(checkpoint.model, device).eval()
    if checkpoint.family == "waveglow":
        model.remove_weightnorm()
    else:
        model.remove_weight_norm()
    assert checkpoint.mel is not None
    return Vocoder(str(Path(path).resolve()), checkpoint.family, checkpoint.mel, model, device)


def griffin_lim(mel: MelSettings) -> Vocoder:
    """The weight-free vocoder for the mels ``mel`` describes."""
    return Vocoder(GRIFFIN_LIM, GRIFFIN_LIM, mel, None, torch.device("cpu"))
