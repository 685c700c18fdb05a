"""The discriminators each recipe trains against, built from the HiFi-GAN modules.

VITS (jaywalnut310/vits ``models.MultiPeriodDiscriminator``) judges with one scale
discriminator on the raw audio followed by the five period discriminators, all in one list
``discriminators`` (so an official ``D_*.pth`` state dict has the same names). HiFi-GAN
(jik876/hifi-gan) trains against its separate MPD and MSD.
"""

from __future__ import annotations

from torch import Tensor, nn

from engine.models.hifigan import (
    DiscriminatorOutputs,
    DiscriminatorP,
    DiscriminatorS,
    MultiPeriodDiscriminator,
    MultiScaleDiscriminator,
)

PERIODS = (2, 3, 5, 7, 11)


class VitsDiscriminator(nn.Module):
    """VITS's ``net_d``: ``discriminators.0`` a scale discriminator (weight norm, or spectral
    norm with ``use_spectral_norm``), ``discriminators.1..5`` the period discriminators."""

    def __init__(self, use_spectral_norm: bool = False) -> None:
        super().__init__()
        self.discriminators = nn.ModuleList(
            [DiscriminatorS(use_spectral_norm), *(DiscriminatorP(p) for p in PERIODS)]
        )

    def forward(self, y: Tensor, y_hat: Tensor) -> DiscriminatorOutputs:
        """Scores and feature maps of the real ``y`` and generated ``y_hat`` [b, 1, t]."""
        y_d_rs, y_d_gs, fmap_rs, fmap_gs = [], [], [], []
        for d in self.discriminators:
            y_d_r, fmap_r = d(y)
            y_d_g, fmap_g = d(y_hat)
            y_d_rs.append(y_d_r)
            y_d_gs.append(y_d_g)
            fmap_rs.append(fmap_r)
            fmap_gs.append(fmap_g)
        return y_d_rs, y_d_gs, fmap_rs, fmap_gs


class HifiGanDiscriminators(nn.Module):
    """HiFi-GAN's two discriminators in one module (``mpd``, ``msd``, the names of an
    official ``do_*`` file), so one optimiser and one DDP wrapper take both."""

    def __init__(self) -> None:
        super().__init__()
        self.mpd = MultiPeriodDiscriminator()
        self.msd = MultiScaleDiscriminator()

    def forward(self, y: Tensor, y_hat: Tensor) -> DiscriminatorOutputs:
        """Both discriminators' outputs, period ones first, as one list each."""
        p = self.mpd(y, y_hat)
        s = self.msd(y, y_hat)
        return tuple(a + b for a, b in zip(p, s, strict=True))
