"""HiFi-GAN vocoder (Kong et al. 2020, "HiFi-GAN: Generative Adversarial Networks for
Efficient and High Fidelity Speech Synthesis"; github.com/jik876/hifi-gan @ 4769534).

:class:`Generator` takes the official config ``h`` (``config_v1.json``, ``config_v2.json``,
``config_v3.json`` or a fine-tuned variant) and has the official parameter names and shapes,
so a ``g_*`` file's ``['generator']`` state dict loads with ``strict=True``. The
discriminators, :class:`MultiPeriodDiscriminator` and :class:`MultiScaleDiscriminator`, are
here for training; their names match the ``['mpd']`` and ``['msd']`` entries of an official
``do_*`` file.

Mel settings (sample rate, n_fft, hop, fmin, fmax) live in the config but are not the
model's business: the generator maps any ``[b, 80, frames]`` log-mel to
``[b, 1, frames * prod(upsample_rates)]`` audio in [-1, 1].
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch.nn.utils import spectral_norm

from engine.models import layers
from engine.models.channels_last import conv1d_rows, conv_transpose1d_rows, from_rows, to_rows
from engine.models.layers import (
    LRELU_SLOPE,
    WNConv1d,
    WNConv2d,
    conv_weight,
    fold_weight_norm,
    get_padding,
)

N_MELS = 80
"""The official ``conv_pre`` takes 80 channels whatever ``num_mels`` says."""


class Generator(layers.Generator):
    """The official HiFi-GAN generator built from its config ``h`` (a dict or an object with
    the config's keys as attributes, such as the official ``AttrDict``).

    Unlike the VITS decoder it is built from, ``conv_pre`` and ``conv_post`` are weight-normed
    and ``conv_post`` has a bias.
    """

    def __init__(self, h: Mapping[str, Any] | Any) -> None:
        h = _as_mapping(h)
        super().__init__(
            N_MELS,
            str(h["resblock"]),
            h["resblock_kernel_sizes"],
            h["resblock_dilation_sizes"],
            h["upsample_rates"],
            h["upsample_initial_channel"],
            h["upsample_kernel_sizes"],
            hifigan_io=True,
        )
        self.hop_length = math.prod(h["upsample_rates"])

    def forward(self, mel: Tensor) -> Tensor:
        """``[b, 80, frames]`` log-mel to ``[b, 1, frames * hop_length]`` audio.

        The official computation, on channels-last rows (:mod:`engine.models.channels_last`:
        the same arithmetic, 1.5-2x faster on a CPU) with the upsampling in polyphase form.
        Activations of tensors no other branch reads are computed in place."""
        x = _conv(self.conv_pre, to_rows(mel))
        n = self.num_kernels
        for i, up in enumerate(self.ups):
            x = F.leaky_relu_(x, LRELU_SLOPE)
            x = conv_transpose1d_rows(
                x, conv_weight(up), up.bias, up.stride[0], up.padding[0]
            )
            total = None
            for block in self.resblocks[i * n : (i + 1) * n]:
                y = _resblock(block, x)
                total = y if total is None else total.add_(y)
            x = total.div_(n)
        x = _conv(self.conv_post, F.leaky_relu_(x))
        return from_rows(torch.tanh_(x))

    def remove_weight_norm(self) -> None:
        """Fold weight norm into plain weights, as the official ``inference.py`` does after
        loading; the output is unchanged (the official fixtures differ by exactly 0)."""
        fold_weight_norm(self)


def _conv(conv: nn.Conv1d, x: Tensor) -> Tensor:
    return conv1d_rows(x, conv_weight(conv), conv.bias, conv.padding[0], conv.dilation[0])


def _resblock(block: nn.Module, x: Tensor) -> Tensor:
    """``block(x)`` on channels-last rows. ``x`` is left unchanged (the other blocks of its
    stage read it too); each residual sum is added into the fresh convolution output
    (``y + x`` equals ``x + y`` exactly)."""
    if isinstance(block, layers.ResBlock1):
        for c1, c2 in zip(block.convs1, block.convs2, strict=True):
            xt = F.leaky_relu_(_conv(c1, F.leaky_relu(x, LRELU_SLOPE)), LRELU_SLOPE)
            x = _conv(c2, xt).add_(x)
        return x
    for conv in block.convs:
        x = _conv(conv, F.leaky_relu(x, LRELU_SLOPE)).add_(x)
    return x


def build_hifigan(config: Mapping[str, Any]) -> Generator:
    """The generator of an official HiFi-GAN config dict, in eval mode."""
    return Generator(config).eval()


def _as_mapping(h: Mapping[str, Any] | Any) -> Mapping[str, Any]:
    return h if isinstance(h, Mapping) else vars(h)


# --- discriminators (training only) ---------------------------------------------------------


def _conv1d(spectral: bool, *args, **kwargs) -> nn.Module:
    """Weight-normed, or spectral-normed (``weight_orig``, ``weight_u``, ``weight_v``, as
    ``torch.nn.utils.spectral_norm`` names them in official files)."""
    if spectral:
        return spectral_norm(nn.Conv1d(*args, **kwargs))
    return WNConv1d(*args, **kwargs)


def _run_stack(convs: nn.ModuleList, conv_post: nn.Module, x: Tensor) -> tuple[Tensor, list]:
    """Leaky-ReLU after every conv but the last; returns the flattened scores and every
    layer's output (the feature maps of the feature-matching loss)."""
    fmap = []
    for conv in convs:
        x = F.leaky_relu(conv(x), LRELU_SLOPE)
        fmap.append(x)
    x = conv_post(x)
    fmap.append(x)
    return torch.flatten(x, 1, -1), fmap


PERIOD_WIDTHS = (32, 128, 512, 1024)
"""Channels of the official period discriminator's strided layers."""


class DiscriminatorP(nn.Module):
    """Period discriminator: audio folded into ``[b, 1, t/period, period]`` and judged by 2-D
    convolutions over time only. A length that is no multiple of the period is first
    reflect-padded at the end. ``widths`` are the channels of the four strided layers (the
    last is kept by the layer after them); the official ones by default."""

    def __init__(
        self,
        period: int,
        kernel_size: int = 5,
        stride: int = 3,
        widths: tuple[int, int, int, int] = PERIOD_WIDTHS,
    ) -> None:
        super().__init__()
        self.period = period
        padding = (get_padding(5, 1), 0)
        channels = (1, *widths)
        self.convs = nn.ModuleList(
            WNConv2d(c_in, c_out, (kernel_size, 1), (stride, 1), padding=padding)
            for c_in, c_out in zip(channels, channels[1:], strict=False)
        )
        self.convs.append(WNConv2d(widths[-1], widths[-1], (kernel_size, 1), 1, padding=(2, 0)))
        self.conv_post = WNConv2d(widths[-1], 1, (3, 1), 1, padding=(1, 0))

    def forward(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        b, c, t = x.shape
        if t % self.period:
            n_pad = self.period - t % self.period
            x = F.pad(x, (0, n_pad), "reflect")
            t += n_pad
        x = x.view(b, c, t // self.period, self.period)
        return _run_stack(self.convs, self.conv_post, x)


class DiscriminatorS(nn.Module):
    """Scale discriminator: grouped strided 1-D convolutions over the raw (or pooled) audio."""

    def __init__(self, use_spectral_norm: bool = False) -> None:
        super().__init__()
        sn = use_spectral_norm
        self.convs = nn.ModuleList(
            [
                _conv1d(sn, 1, 128, 15, 1, padding=7),
                _conv1d(sn, 128, 128, 41, 2, groups=4, padding=20),
                _conv1d(sn, 128, 256, 41, 2, groups=16, padding=20),
                _conv1d(sn, 256, 512, 41, 4, groups=16, padding=20),
                _conv1d(sn, 512, 1024, 41, 4, groups=16, padding=20),
                _conv1d(sn, 1024, 1024, 41, 1, groups=16, padding=20),
                _conv1d(sn, 1024, 1024, 5, 1, padding=2),
            ]
        )
        self.conv_post = _conv1d(sn, 1024, 1, 3, 1, padding=1)

    def forward(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        return _run_stack(self.convs, self.conv_post, x)


DiscriminatorOutputs = tuple[list[Tensor], list[Tensor], list[list[Tensor]], list[list[Tensor]]]


def _judge_both(
    discriminators: nn.ModuleList, pairs: list[tuple[Tensor, Tensor]]
) -> DiscriminatorOutputs:
    y_d_rs, y_d_gs, fmap_rs, fmap_gs = [], [], [], []
    for d, (y, y_hat) in zip(discriminators, pairs, strict=True):
        y_d_r, fmap_r = d(y)
        y_d_g, fmap_g = d(y_hat)
        y_d_rs.append(y_d_r)
        y_d_gs.append(y_d_g)
        fmap_rs.append(fmap_r)
        fmap_gs.append(fmap_g)
    return y_d_rs, y_d_gs, fmap_rs, fmap_gs


class MultiPeriodDiscriminator(nn.Module):
    """Period discriminators for periods 2, 3, 5, 7 and 11 (the official fixed set), of the
    official ``widths`` unless narrower ones are asked for."""

    def __init__(self, widths: tuple[int, int, int, int] = PERIOD_WIDTHS) -> None:
        super().__init__()
        self.discriminators = nn.ModuleList(
            DiscriminatorP(p, widths=widths) for p in (2, 3, 5, 7, 11)
        )

    def forward(self, y: Tensor, y_hat: Tensor) -> DiscriminatorOutputs:
        """Real ``y`` and generated ``y_hat`` ``[b, 1, t]``: scores and feature maps of
        each, per discriminator."""
        return _judge_both(self.discriminators, [(y, y_hat)] * len(self.discriminators))


class MultiScaleDiscriminator(nn.Module):
    """Scale discriminators on the raw audio (spectral norm) and on two successive 2x
    average-pooled versions (weight norm)."""

    def __init__(self) -> None:
        super().__init__()
        self.discriminators = nn.ModuleList(
            [DiscriminatorS(use_spectral_norm=True), DiscriminatorS(), DiscriminatorS()]
        )
        self.meanpools = nn.ModuleList([nn.AvgPool1d(4, 2, padding=2) for _ in range(2)])

    def forward(self, y: Tensor, y_hat: Tensor) -> DiscriminatorOutputs:
        pairs = [(y, y_hat)]
        for pool in self.meanpools:
            y, y_hat = pool(y), pool(y_hat)
            pairs.append((y, y_hat))
        return _judge_both(self.discriminators, pairs)
