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


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's auditory-toolbox mel scale: linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    log_part = min_log_mel + np.log(np.maximum(hz, min_log_hz) / min_log_hz) / logstep
    return np.where(hz >= min_log_hz, log_part, hz / f_sp)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    log_part = min_log_hz * np.exp(logstep * (mel - min_log_mel))
    return np.where(mel >= min_log_mel, log_part, f_sp * mel)


@lru_cache(maxsize=16)
def mel_filterbank(
    sample_rate: int, n_fft: int, n_mels: int, fmin: float, fmax: float | None
) -> torch.Tensor:
    """Triangular Slaney-scale filters with Slaney area normalisation, [n_mels, n_fft//2+1].

    Matches ``librosa.filters.mel`` defaults (htk=False, norm="slaney"), which the official
    VITS, HiFi-GAN and Grad-TTS feature code call.
    """
    fmax = sample_rate / 2.0 if fmax is None else float(fmax)
    fft_freqs = np.linspace(0.0, sample_rate / 2.0, n_fft // 2 + 1)
    mel_points = np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), n_mels + 2)
    hz_points = _mel_to_hz(mel_points)
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
