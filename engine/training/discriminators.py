"""The discriminators each recipe trains against, built from the HiFi-GAN modules.

VITS (jaywalnut310/vits ``models.MultiPeriodDiscriminator``) judges with one scale
discriminator on the raw audio followed by the five period discriminators, all in one list
``discriminators`` (so an official ``D_*.pth`` state dict has the same names). HiFi-GAN
(jik876/hifi-gan) trains against its separate MPD and MSD.

The light fine-tune of a VITS voice (``vits-finetune --mode light``) trains against
:func:`light_discriminator`: the five period discriminators alone, with a quarter of the
official channels in their deeper layers (2.7M weights instead of 51M; a step's
discriminator work on a CPU falls from about 8.6 s to 0.7 s for 8 windows of 8192 samples).
Without any discriminator a mel-only fine-tune loses the voice's pitch within a few hundred
steps: the decoder falls back to one pitch pulse per frame (see the recipe's docstring).
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
LIGHT_PERIOD_WIDTHS = (32, 64, 128, 256)


def light_discriminator() -> MultiPeriodDiscriminator:
    """The narrow period discriminators of the light VITS fine-tune (module docstring)."""
    return MultiPeriodDiscriminator(widths=LIGHT_PERIOD_WIDTHS)


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
