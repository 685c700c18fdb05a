"""Training losses of the official repositories, written over plain tensors.

- Adversarial (least-squares GAN, Mao et al. 2017) and feature matching, as HiFi-GAN
  (jik876/hifi-gan ``models.py``) defines them and VITS (jaywalnut310/vits ``losses.py``)
  reuses them: discriminator ``E[(1 - D(y))^2] + E[D(G(z))^2]``, generator
  ``E[(1 - D(G(z)))^2]``, feature matching ``2 * sum_l mean|D_l(y) - D_l(G(z))|``.
- VITS's KL between the posterior sample's flow image and the aligned prior (``kl_loss``).
- Glow-TTS's maximum likelihood of the flow (``mle_loss``) and the log-duration MSE that
  Glow-TTS and Grad-TTS share (``duration_loss``), from their ``commons.py``/``model/utils``.
- A multi-resolution STFT loss (``log_stft_loss``, after Yamamoto et al. 2020, Parallel
  WaveGAN, with the log-magnitude term only): its 2048-point resolution resolves the
  harmonics of a voice, which 80 mel bands blur above a few hundred hertz.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def discriminator_loss(real: list[Tensor], fake: list[Tensor]) -> Tensor:
    """Least-squares discriminator loss summed over discriminators (scores in float32)."""
    loss = real[0].new_zeros((), dtype=torch.float32)
    for d_real, d_fake in zip(real, fake, strict=True):
        loss = loss + torch.mean((1 - d_real.float()) ** 2) + torch.mean(d_fake.float() ** 2)
    return loss


def generator_loss(fake: list[Tensor]) -> Tensor:
    """Least-squares generator loss summed over discriminators."""
    loss = fake[0].new_zeros((), dtype=torch.float32)
    for d_fake in fake:
        loss = loss + torch.mean((1 - d_fake.float()) ** 2)
    return loss


def feature_loss(fmap_real: list[list[Tensor]], fmap_fake: list[list[Tensor]]) -> Tensor:
    """Feature matching: twice the summed L1 distances of every discriminator layer's output,
    the real side detached."""
    loss = fmap_fake[0][0].new_zeros((), dtype=torch.float32)
    for layers_real, layers_fake in zip(fmap_real, fmap_fake, strict=True):
        for real, fake in zip(layers_real, layers_fake, strict=True):
            loss = loss + torch.mean(torch.abs(real.float().detach() - fake.float()))
    return 2 * loss


def kl_loss(z_p: Tensor, logs_q: Tensor, m_p: Tensor, logs_p: Tensor, mask: Tensor) -> Tensor:
    """VITS's KL(q(z|x) || p(z|c)) estimated at the posterior sample mapped by the flow,
    ``z_p``, against the aligned prior (m_p, logs_p); mean over valid frames and channels
    summed (the official normalises by ``sum(mask)`` only)."""
    z_p, logs_q, m_p, logs_p = (t.float() for t in (z_p, logs_q, m_p, logs_p))
    kl = logs_p - logs_q - 0.5 + 0.5 * (z_p - m_p) ** 2 * torch.exp(-2.0 * logs_p)
    return torch.sum(kl * mask) / torch.sum(mask)


def mle_loss(z: Tensor, m: Tensor, logs: Tensor, logdet: Tensor, mask: Tensor) -> Tensor:
    """Glow-TTS's negative log-likelihood per dimension: Gaussian prior (m, logs) at the flow
    output ``z`` minus the flow's log-determinant, averaged over every valid element."""
    nll = torch.sum(logs) + 0.5 * torch.sum(torch.exp(-2 * logs) * (z - m) ** 2)
    nll = nll - torch.sum(logdet)
    return nll / torch.sum(torch.ones_like(z) * mask) + 0.5 * math.log(2 * math.pi)


def duration_loss(logw: Tensor, logw_target: Tensor, lengths: Tensor) -> Tensor:
    """Squared error of log-durations per token (Glow-TTS, Grad-TTS)."""
    return torch.sum((logw - logw_target) ** 2) / torch.sum(lengths)


STFT_RESOLUTIONS = (512, 1024, 2048)


def log_stft_loss(
    audio: Tensor, audio_hat: Tensor, resolutions: tuple[int, ...] = STFT_RESOLUTIONS
) -> Tensor:
    """Mean L1 distance of log STFT magnitudes [b, t] at each FFT size (Hann window, hop a
    quarter of it), averaged over the resolutions."""
    loss = audio.new_zeros((), dtype=torch.float32)
    for n_fft in resolutions:
        window = torch.hann_window(n_fft, device=audio.device)
        spectra = [
            torch.stft(a.float(), n_fft, n_fft // 4, window=window, return_complex=True)
            .abs()
            .clamp_min(1e-5)
            .log()
            for a in (audio, audio_hat)
        ]
        loss = loss + torch.mean(torch.abs(spectra[0] - spectra[1]))
    return loss / len(resolutions)
