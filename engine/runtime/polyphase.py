"""Transposed convolutions as polyphase convolutions, for faster CPU inference graphs.

A ConvTranspose1d with stride s computes s interleaved output phases, each an ordinary
convolution of the input with every s-th tap of the kernel (the polyphase decomposition of
an interpolation filter). One Conv1d with s x C_out output channels computes all phases, and
a reshape interleaves them. Same arithmetic, but onnxruntime's Conv kernels are faster than
its ConvTranspose (the decoder's upsampling layers run about a third faster), so the export
of the VITS decoder uses this form.
"""

from __future__ import annotations

import math

import torch.nn.functional as F
from torch import Tensor, nn

from engine.models.channels_last import polyphase_weight


class PolyphaseUpsample(nn.Module):
    """The same function as a given ``nn.ConvTranspose1d`` (groups 1, dilation 1, no output
    padding), computed as one strided-free convolution and an interleave."""

    def __init__(self, conv: nn.ConvTranspose1d) -> None:
        super().__init__()
        if conv.groups != 1 or conv.dilation[0] != 1 or conv.output_padding[0] != 0:
            raise ValueError("only plain transposed convolutions have a polyphase form here")
        weight = conv.weight.detach()
        _, out_channels, kernel = weight.shape
        stride, padding = conv.stride[0], conv.padding[0]
        taps = math.ceil(kernel / stride)
        self.weight = nn.Parameter(polyphase_weight(weight, stride).clone())
        self.bias = None if conv.bias is None else nn.Parameter(conv.bias.detach().clone())
        self.stride, self.padding, self.kernel = stride, padding, kernel
        self.taps, self.out_channels = taps, out_channels

    def forward(self, x: Tensor) -> Tensor:
        batch, _, steps = x.shape
        z = F.conv1d(x, self.weight, padding=self.taps - 1)
        frames = z.shape[-1]
        y = z.view(batch, self.stride, self.out_channels, frames).permute(0, 2, 3, 1)
        y = y.reshape(batch, self.out_channels, frames * self.stride)
        length = (steps - 1) * self.stride - 2 * self.padding + self.kernel
        y = y[:, :, self.padding : self.padding + length]
        return y if self.bias is None else y + self.bias.unsqueeze(-1)
