"""One-dimensional convolutions computed on channels-last 4-D tensors, for CPU inference.

A ``[b, c, t]`` signal is held as ``[b, c, 1, t]`` in ``torch.channels_last`` memory, that
is time-major ``[b, t, c]`` in memory. oneDNN, which runs PyTorch's CPU convolutions, works
in that layout natively; given ``[b, c, t]`` (channels-first) it reorders the input and
output of every call. Measured on this project's 2-core CPU for HiFi-GAN's layers, a
channels-last ``conv2d`` over one row takes 0.25-0.8x the time of the same ``conv1d``, most
for short kernels. The arithmetic is the same; only the summation order inside oneDNN may
differ (float rounding).

Transposed convolutions are computed in polyphase form (as ``engine.runtime.polyphase``
does for the ONNX export): a stride-``s`` transposed convolution is ``s`` ordinary
convolutions of the input with every ``s``-th tap of the kernel, one per output phase. In
channels-last memory the ``s`` phases of an output step are adjacent, so interleaving them
is a free reshape.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import functional as F


def to_rows(x: Tensor) -> Tensor:
    """``[b, c, t]`` → ``[b, c, 1, t]`` in channels-last memory (one copy)."""
    return x.unsqueeze(2).contiguous(memory_format=torch.channels_last)


def from_rows(x: Tensor) -> Tensor:
    """``[b, c, 1, t]`` → ``[b, c, t]`` in ordinary (channels-first) memory."""
    return x.squeeze(2).contiguous()


def conv1d_rows(
    x: Tensor, weight: Tensor, bias: Tensor | None, padding: int = 0, dilation: int = 1
) -> Tensor:
    """``F.conv1d(x, weight, bias, padding=padding, dilation=dilation)`` with ``x`` and the
    result in the ``[b, c, 1, t]`` channels-last form of :func:`to_rows`."""
    return F.conv2d(x, weight.unsqueeze(2), bias, padding=(0, padding), dilation=(1, dilation))


def polyphase_weight(weight: Tensor, stride: int) -> Tensor:
    """The ``[stride·c_out, c_in, taps]`` convolution weight whose output channel
    ``r·c_out + o`` computes output phase ``r`` of the transposed convolution with
    ``weight`` [c_in, c_out, k] and this stride; ``taps = ceil(k / stride)``.

    Phase ``r`` of the output at step ``q`` sums ``weight[:, :, r + j·stride] · x[q - j]``
    over ``j``; as a cross-correlation over an input padded by ``taps - 1`` on the left,
    tap ``taps - 1 - j`` meets ``x[q - j]``, hence the flip.
    """
    c_in, c_out, kernel = weight.shape
    taps = -(-kernel // stride)
    padded = F.pad(weight, (0, taps * stride - kernel))
    phases = padded.view(c_in, c_out, taps, stride).flip(2)
    return phases.permute(3, 1, 0, 2).reshape(stride * c_out, c_in, taps)


def conv_transpose1d_rows(
    x: Tensor, weight: Tensor, bias: Tensor | None, stride: int, padding: int
) -> Tensor:
    """``F.conv_transpose1d(x, weight, bias, stride, padding)`` (no output padding, groups
    or dilation) on the ``[b, c, 1, t]`` channels-last form, in polyphase form."""
    b, _, _, steps = x.shape
    c_out, kernel = weight.size(1), weight.size(2)
    taps = -(-kernel // stride)
    z = F.conv2d(
        x, polyphase_weight(weight, stride).unsqueeze(2), padding=(0, taps - 1)
    ).contiguous(memory_format=torch.channels_last)
    frames = z.size(3)
    # Memory [b, frames, stride, c_out] is [b, frames·stride, c_out]: the phases interleave.
    y = z.permute(0, 2, 3, 1).reshape(b, 1, frames * stride, c_out).permute(0, 3, 1, 2)
    length = (steps - 1) * stride - 2 * padding + kernel
    y = y[:, :, :, padding : padding + length]
    return y if bias is None else y + bias.view(1, -1, 1, 1)
