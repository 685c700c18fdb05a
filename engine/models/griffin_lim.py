"""Griffin-Lim: a vocoder without weights, so that a mel model is never silent.

A log-mel made by ``engine.audio.mel`` (either pipeline) is turned back into a linear
magnitude spectrogram by non-negative least squares against the mel filterbank, and a phase
is found for it by the fast Griffin-Lim algorithm of Perraudin, Balazs and Søndergaard, "A fast
Griffin-Lim algorithm" (WASPAA 2013): alternate projections between spectrograms of the
wanted magnitude and consistent spectrograms (those of some signal), with an extrapolation
step of weight ``momentum`` after each projection. The STFT here frames the signal exactly as
the mel's pipeline does (its reflect padding and hop), so the frame count and timing line up
with the mel.

Quality is far below a neural vocoder: expect intelligible but metallic speech.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from engine.audio.mel import MelSettings, mel_filterbank

_TINY = 1e-8


def _window(settings: MelSettings, like: Tensor) -> Tensor:
    """The analysis window, a periodic Hann of ``win_length`` centred in ``n_fft``."""
    window = torch.hann_window(settings.win_length, dtype=like.dtype, device=like.device)
    left = (settings.n_fft - settings.win_length) // 2
    return nn.functional.pad(window, (left, settings.n_fft - settings.win_length - left))


def stft(audio: Tensor, settings: MelSettings) -> Tensor:
    """Complex STFT [b, n_fft//2+1, frames] of audio [b, samples], framed as the mel is."""
    pad = settings.padding
    padded = nn.functional.pad(audio.unsqueeze(1), (pad, pad), mode="reflect").squeeze(1)
    return torch.stft(
        padded,
        settings.n_fft,
        hop_length=settings.hop_length,
        window=_window(settings, audio),
        center=False,
        return_complex=True,
    )


class InverseStft:
    """The least-squares inverse of ``stft`` for spectra of ``frames`` frames.

    Overlap-add of the windowed inverse DFTs divided by the summed squared window (computed
    once here), then the padding cut off: ``(frames - 1) * hop + n_fft - 2 * padding`` samples.
    """

    def __init__(self, settings: MelSettings, frames: int, like: Tensor) -> None:
        self.settings = settings
        self.window = _window(settings, like)
        self.length = (frames - 1) * settings.hop_length + settings.n_fft
        envelope = self._overlap_add(self.window.square()[None, :, None].expand(1, -1, frames))
        self.scale = torch.where(envelope > _TINY, envelope, torch.ones_like(envelope)).reciprocal()

    def _overlap_add(self, columns: Tensor) -> Tensor:
        return nn.functional.fold(
            columns,
            output_size=(1, self.length),
            kernel_size=(1, self.settings.n_fft),
            stride=(1, self.settings.hop_length),
        ).flatten(1)

    def __call__(self, spectrum: Tensor) -> Tensor:
        """Audio [b, samples] of a complex STFT [b, bins, frames]."""
        frames = torch.fft.irfft(spectrum, n=self.settings.n_fft, dim=1)
        signal = self._overlap_add(frames * self.window[None, :, None]) * self.scale
        pad = self.settings.padding
        return signal[:, pad : self.length - pad]


def istft(spectrum: Tensor, settings: MelSettings) -> Tensor:
    """The least-squares signal [b, samples] of a complex STFT [b, bins, frames] from ``stft``."""
    return InverseStft(settings, spectrum.shape[-1], spectrum.real)(spectrum)


def mel_to_magnitude(log_mel: Tensor, settings: MelSettings, n_iter: int = 30) -> Tensor:
    """Non-negative linear magnitudes [b, n_fft//2+1, frames] whose mel is ``exp(log_mel)``.

    Starts from the pseudo-inverse of the filterbank, clipped at zero, and refines it with
    multiplicative NNLS updates (Lee and Seung), which keep it non-negative. Bins no filter
    covers (above ``fmax``) stay zero.
    """
    basis = mel_filterbank(
        settings.sample_rate, settings.n_fft, settings.n_mels, settings.fmin, settings.fmax
    ).to(log_mel)
    mel = log_mel.exp()
    magnitude = (torch.linalg.pinv(basis) @ mel).clamp(min=0) + _TINY * (basis.sum(0) > 0)[:, None]
    numerator = basis.T @ mel
    gram = basis.T @ basis
    for _ in range(n_iter):
        magnitude = magnitude * numerator / (gram @ magnitude + _TINY)
    return magnitude


def griffin_lim(
    magnitude: Tensor,
    settings: MelSettings,
    n_iter: int = 60,
    momentum: float = 0.99,
    seed: int = 0,
) -> Tensor:
    """Audio [b, samples] whose STFT magnitude approaches ``magnitude`` [b, bins, frames].

    ``momentum`` 0 is the original Griffin-Lim; the starting phase is drawn from ``seed``.
    A spectrogram too short to reflect-pad its signal (a frame or two) keeps that phase.
    """
    generator = torch.Generator(device="cpu").manual_seed(seed)
    phase = torch.rand(magnitude.shape, generator=generator, dtype=torch.float64)
    spectrum = torch.polar(magnitude, (2 * torch.pi * phase).to(magnitude))
    inverse = InverseStft(settings, magnitude.shape[-1], magnitude)
    if inverse.length - 2 * settings.padding <= settings.padding:
        n_iter = 0
    previous = spectrum
    for _ in range(n_iter):
        projected = torch.polar(magnitude, stft(inverse(spectrum), settings).angle())
        spectrum = (1 + momentum) * projected - momentum * previous
        previous = projected
    return inverse(previous)


class GriffinLim(nn.Module):
    """Mel to audio like a neural vocoder: ``forward(mel [b, n_mels, frames]) -> [b, 1, samples]``.

    ``settings`` must be those that made the mel (sample rate, STFT, filterbank, pipeline).
    """

    def __init__(
        self,
        settings: MelSettings,
        n_iter: int = 60,
        momentum: float = 0.99,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if n_iter < 0:
            raise ValueError(f"n_iter must be at least 0, not {n_iter}")
        self.settings = settings
        self.n_iter = n_iter
        self.momentum = momentum
        self.seed = seed

    def forward(self, mel: Tensor) -> Tensor:
        if mel.dim() != 3 or mel.shape[1] != self.settings.n_mels:
            raise ValueError(
                f"expected a mel of shape [batch, {self.settings.n_mels}, frames], "
                f"not {list(mel.shape)}"
            )
        magnitude = mel_to_magnitude(mel.float(), self.settings)
        audio = griffin_lim(magnitude, self.settings, self.n_iter, self.momentum, self.seed)
        return audio.unsqueeze(1)
