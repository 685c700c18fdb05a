"""The Tacotron 2 mel pipeline (Glow-TTS, WaveGlow) against a by-hand numpy computation.

No official fixture exists for it, so the reference below follows NVIDIA/tacotron2's
``TacotronSTFT`` step by step in float64: reflect-pad by n_fft/2, multiply each hop-spaced
frame by the rows of the DFT matrix windowed with a periodic Hann window zero-padded to n_fft
around the centre (their conv1d), magnitude without epsilon, Slaney mel basis, log of
``clamp(x, 1e-5)``.
"""

import dataclasses

import numpy as np
import pytest
import torch

from engine.audio.mel import (
    HIFIGAN,
    TACOTRON2,
    MelSettings,
    linear_spectrogram,
    log_mel,
    mel_filterbank,
)
from tests.parity.discovery import assert_close


def reference_magnitude(y: np.ndarray, settings: MelSettings) -> np.ndarray:
    n_fft, hop, win = settings.n_fft, settings.hop_length, settings.win_length
    padded = np.pad(y, n_fft // 2, mode="reflect")
    n = np.arange(win)
    window = np.zeros(n_fft)
    start = (n_fft - win) // 2
    window[start : start + win] = 0.5 - 0.5 * np.cos(2 * np.pi * n / win)
    dft = np.fft.fft(np.eye(n_fft))[: n_fft // 2 + 1] * window[None, :]
    count = (len(padded) - n_fft) // hop + 1
    frames = np.stack([padded[i * hop : i * hop + n_fft] for i in range(count)], axis=1)
    spectrum = dft @ frames
    return np.sqrt(spectrum.real**2 + spectrum.imag**2)


def reference_log_mel(y: np.ndarray, settings: MelSettings) -> np.ndarray:
    basis = mel_filterbank(
        settings.sample_rate, settings.n_fft, settings.n_mels, settings.fmin, settings.fmax
    ).double()
    mel = basis.numpy() @ reference_magnitude(y, settings)
    return np.log(np.maximum(mel, 1e-5))


def harmonic_signal(samples: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(samples) / 22050
    y = sum(0.2 / k * np.sin(2 * np.pi * 140 * k * t + k) for k in range(1, 12))
    return (y + 0.01 * rng.standard_normal(samples)).astype(np.float32)


@pytest.mark.parametrize(
    "settings",
    [TACOTRON2, dataclasses.replace(TACOTRON2, hop_length=200, win_length=800)],
    ids=["ljspeech", "win800"],
)
def test_matches_reference(settings):
    y = harmonic_signal(22050)
    magnitude = linear_spectrogram(torch.from_numpy(y), settings)
    expected = torch.from_numpy(reference_magnitude(y.astype(np.float64), settings))
    assert_close(magnitude, expected, rel=1e-5, name="magnitude")
    mel = log_mel(torch.from_numpy(y), settings)
    expected_mel = torch.from_numpy(reference_log_mel(y.astype(np.float64), settings))
    assert_close(mel, expected_mel, rel=1e-4, name="log mel")


@pytest.mark.parametrize("samples", [22050, 22016, 1000])
def test_frame_count_is_centred(samples):
    mel = log_mel(torch.from_numpy(harmonic_signal(samples)), TACOTRON2)
    assert mel.shape == (80, samples // 256 + 1) == (80, TACOTRON2.frames(samples))
    hifigan = log_mel(torch.from_numpy(harmonic_signal(samples)), HIFIGAN)
    assert hifigan.shape[-1] == HIFIGAN.frames(samples) == (samples + 768 - 1024) // 256 + 1


def test_batched_equals_single():
    y = torch.from_numpy(np.stack([harmonic_signal(5000, 1), harmonic_signal(5000, 2)]))
    batched = log_mel(y, TACOTRON2)
    assert torch.equal(batched[1], log_mel(y[1], TACOTRON2))


def test_no_magnitude_epsilon():
    silence = torch.zeros(4096)
    assert torch.count_nonzero(linear_spectrogram(silence, TACOTRON2)) == 0
    assert torch.all(log_mel(silence, TACOTRON2) == torch.log(torch.tensor(1e-5)))


def test_unknown_pipeline_is_refused():
    with pytest.raises(ValueError, match="tacotron2"):
        MelSettings(pipeline="tacotron")
