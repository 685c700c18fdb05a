"""Official-compatible spectrogram and log-mel features.

Two pipelines, named by ``MelSettings.pipeline``:

- ``"hifigan"``: HiFi-GAN's ``meldataset.mel_spectrogram`` (jik876/hifi-gan), which Grad-TTS
  copies, and VITS's ``mel_processing`` (jaywalnut310/vits): reflect-pad by
  ``(n_fft - hop) / 2`` on each side and take a non-centred STFT, ``N // hop`` frames for a
  multiple of the hop. HiFi-GAN and VITS differ only in ``eps`` (1e-9, 1e-6) and ``fmax``.
- ``"tacotron2"``: ``TacotronSTFT.mel_spectrogram`` of NVIDIA/tacotron2 (``layers.py``,
  ``stft.py``), on which Glow-TTS and WaveGlow were trained: a centred STFT, reflect-padded by
  ``n_fft / 2`` on each side, ``N // hop + 1`` frames, and a magnitude with no epsilon. Its
  STFT is a strided convolution with the windowed rows of the DFT matrix (scipy's periodic
  Hann window, zero-padded to ``n_fft`` around the centre), which is ``torch.stft`` up to
  float rounding; ``fmax`` is 8000 in the official configs.

Both then use a periodic Hann window, a Slaney mel filterbank and ``ln(clamp(x, 1e-5))``
(Tacotron 2's ``dynamic_range_compression`` with C = 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from engine.audio.mel_scale import mel_points, mel_to_hz

HIFIGAN_EPS = 1e-9
VITS_EPS = 1e-6
TACOTRON2_EPS = 0.0
LOG_FLOOR = 1e-5
PIPELINES = ("hifigan", "tacotron2")


@dataclass(frozen=True)
class MelSettings:
    """How a mel was made; a mel model and its vocoder must agree on all of it."""

    sample_rate: int = 22050
    n_fft: int = 1024
    hop_length: int = 256
    win_length: int = 1024
    n_mels: int = 80
    fmin: float = 0.0
    fmax: float | None = None
    magnitude_eps: float = VITS_EPS
    pipeline: str = "hifigan"

    def __post_init__(self) -> None:
        if self.pipeline not in PIPELINES:
            raise ValueError(
                f"unknown mel pipeline {self.pipeline!r}; expected one of {', '.join(PIPELINES)}"
            )

    @property
    def padding(self) -> int:
        """Reflect padding on each side of the signal before the non-centred STFT."""
        if self.pipeline == "tacotron2":
            return self.n_fft // 2
        return (self.n_fft - self.hop_length) // 2

    def frames(self, samples: int) -> int:
        """Number of mel frames for ``samples`` samples."""
        return (samples + 2 * self.padding - self.n_fft) // self.hop_length + 1


# The features of the official LJSpeech checkpoints at 22050 Hz.
HIFIGAN = MelSettings(fmax=8000.0, magnitude_eps=HIFIGAN_EPS)
TACOTRON2 = MelSettings(fmax=8000.0, magnitude_eps=TACOTRON2_EPS, pipeline="tacotron2")


@lru_cache(maxsize=16)
def mel_filterbank(
    sample_rate: int, n_fft: int, n_mels: int, fmin: float, fmax: float | None
) -> torch.Tensor:
    """Triangular Slaney-scale filters (:mod:`engine.audio.mel_scale`) with Slaney area
    normalisation, [n_mels, n_fft//2+1].

    Matches ``librosa.filters.mel`` defaults (htk=False, norm="slaney"), which the official
    VITS, HiFi-GAN and Grad-TTS feature code call.
    """
    fmax = sample_rate / 2.0 if fmax is None else float(fmax)
    fft_freqs = np.linspace(0.0, sample_rate / 2.0, n_fft // 2 + 1)
    hz_points = mel_to_hz(mel_points(n_mels, fmin, fmax))
    widths = np.diff(hz_points)
    ramps = hz_points[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (hz_points[2:] - hz_points[:-2]))[:, None]
    return torch.from_numpy(weights.astype(np.float32))


def linear_spectrogram(audio: torch.Tensor, settings: MelSettings) -> torch.Tensor:
    """Magnitude spectrogram [..., n_fft//2+1, frames] of audio [..., samples]."""
    pad = settings.padding
    lead = audio.shape[:-1]
    flat = audio.reshape(-1, 1, audio.shape[-1])
    flat = torch.nn.functional.pad(flat, (pad, pad), mode="reflect").squeeze(1)
    window = torch.hann_window(settings.win_length, device=audio.device, dtype=audio.dtype)
    spec = torch.stft(
        flat,
        settings.n_fft,
        hop_length=settings.hop_length,
        win_length=settings.win_length,
        window=window,
        center=False,
        normalized=False,
        onesided=True,
        return_complex=True,
    )
    spec = torch.view_as_real(spec)
    mag = torch.sqrt(spec.pow(2).sum(-1) + settings.magnitude_eps)
    return mag.reshape(*lead, *mag.shape[-2:])


def spectrogram_to_log_mel(spec: torch.Tensor, settings: MelSettings) -> torch.Tensor:
    basis = mel_filterbank(
        settings.sample_rate, settings.n_fft, settings.n_mels, settings.fmin, settings.fmax
    ).to(spec)
    return torch.log(torch.clamp(torch.matmul(basis, spec), min=LOG_FLOOR))


def log_mel(audio: torch.Tensor, settings: MelSettings) -> torch.Tensor:
    """Natural-log mel spectrogram [..., n_mels, frames]; ``settings.frames(N)`` frames."""
    return spectrogram_to_log_mel(linear_spectrogram(audio, settings), settings)
