"""The polyphase form computes what the transposed convolution computes."""

import pytest
import torch
from torch import nn

from engine.runtime.polyphase import PolyphaseUpsample


@pytest.mark.parametrize(
    "kernel, stride",
    [(16, 8), (8, 4), (4, 2), (11, 5), (3, 1), (7, 2)],  # VITS/HiFi-GAN ups, and odd ones
)
@pytest.mark.parametrize("bias", [True, False])
def test_matches_conv_transpose(kernel, stride, bias):
    torch.manual_seed(kernel * 10 + stride)
    conv = nn.ConvTranspose1d(6, 4, kernel, stride, padding=(kernel - stride) // 2, bias=bias)
    x = torch.randn(2, 6, 23)
    with torch.no_grad():
        expected, actual = conv(x), PolyphaseUpsample(conv)(x)
    assert actual.shape == expected.shape
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-5)


def test_refuses_what_it_cannot_express():
    with pytest.raises(ValueError, match="plain"):
        PolyphaseUpsample(nn.ConvTranspose1d(4, 4, 4, 2, groups=2))
