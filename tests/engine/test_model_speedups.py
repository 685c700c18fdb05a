"""The faster inference forms compute what the plain operations compute."""

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from engine.models import layers
from engine.models.channels_last import (
    conv1d_rows,
    conv_transpose1d_rows,
    from_rows,
    polyphase_weight,
    to_rows,
)
from engine.models.glow_tts import InvConvNear
from engine.models.waveglow import WN as WaveGlowWN


@pytest.mark.parametrize(
    "c_in, c_out, kernel, dilation, batch, bias",
    [
        (6, 10, 5, 1, 1, True),
        (6, 10, 3, 4, 2, True),
        (5, 7, 1, 1, 3, False),
        (4, 4, 3, 2, 1, False),
    ],
)
def test_conv1d_as_matrix_product(c_in, c_out, kernel, dilation, batch, bias):
    torch.manual_seed(kernel + dilation)
    padding = layers.get_padding(kernel, dilation)
    conv = nn.Conv1d(c_in, c_out, kernel, dilation=dilation, padding=padding, bias=bias)
    x = torch.randn(batch, c_in, 23)
    with torch.no_grad():
        torch.testing.assert_close(layers.conv1d(conv, x), conv(x), rtol=1e-5, atol=1e-5)


def test_conv1d_of_weight_normed_conv():
    torch.manual_seed(0)
    conv = layers.WNConv1d(4, 8, 5, padding=2)
    x = torch.randn(1, 4, 17)
    with torch.no_grad():
        torch.testing.assert_close(layers.conv1d(conv, x), conv(x), rtol=1e-5, atol=1e-5)


def test_large_conv1d_goes_to_onednn(monkeypatch):
    monkeypatch.setattr(layers, "GEMM_CONV_MAX_ELEMENTS", 10)
    conv = nn.Conv1d(4, 4, 3, padding=1)
    x = torch.randn(1, 4, 9)
    with torch.no_grad():
        torch.testing.assert_close(layers.conv1d(conv, x), conv(x))


@pytest.mark.parametrize("kernel, stride", [(16, 8), (4, 2), (11, 5), (7, 2), (3, 1)])
@pytest.mark.parametrize("batch", [1, 2])
def test_polyphase_rows_match_conv_transpose(kernel, stride, batch):
    torch.manual_seed(kernel * 10 + stride)
    conv = nn.ConvTranspose1d(6, 4, kernel, stride, padding=(kernel - stride) // 2)
    x = torch.randn(batch, 6, 19)
    with torch.no_grad():
        expected = conv(x)
        actual = from_rows(
            conv_transpose1d_rows(to_rows(x), conv.weight, conv.bias, stride, conv.padding[0])
        )
    assert actual.shape == expected.shape
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-5)


def test_polyphase_weight_shape():
    assert polyphase_weight(torch.zeros(6, 4, 11), 5).shape == (20, 6, 3)


def test_conv1d_rows_matches_conv1d():
    torch.manual_seed(1)
    x, w, b = torch.randn(2, 5, 31), torch.randn(7, 5, 3), torch.randn(7)
    expected = F.conv1d(x, w, b, padding=3, dilation=3)
    actual = from_rows(conv1d_rows(to_rows(x), w, b, padding=3, dilation=3))
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-5)


def _official_mix(x: torch.Tensor, weight: torch.Tensor, n: int) -> torch.Tensor:
    """The official InvConvNear grouping: view, permute, 2-D convolution, and back."""
    b, c, t = x.shape
    x = x.view(b, 2, c // n, n // 2, t).permute(0, 1, 3, 2, 4).reshape(b, n, c // n, t)
    z = F.conv2d(x, weight.view(n, n, 1, 1))
    return z.view(b, 2, n // 2, c // n, t).permute(0, 1, 3, 2, 4).reshape(b, c, t)


@pytest.mark.parametrize("channels, n_split", [(160, 4), (24, 8), (8, 2)])
def test_glow_channel_matrix_is_the_official_grouping(channels, n_split):
    torch.manual_seed(channels)
    flow = InvConvNear(channels, n_split)
    x = torch.randn(2, channels, 9)
    with torch.no_grad():
        expected = _official_mix(x, flow.weight, n_split)
        actual = flow.channel_matrix(flow.weight, channels) @ x
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-6)


def test_wn_without_mask_is_wn_with_a_mask_of_ones():
    torch.manual_seed(2)
    wn = layers.WN(8, 5, 1, 3, gin_channels=4).eval()
    x, g = torch.randn(1, 8, 12), torch.randn(1, 4, 1)
    with torch.no_grad():
        assert torch.equal(wn(x, None, g), wn(x, torch.ones(1, 1, 12), g))


def test_waveglow_time_major_coupling_matches_forward():
    torch.manual_seed(3)
    wn = WaveGlowWN(2, 6, n_layers=3, n_channels=8, kernel_size=3).eval()
    nn.init.normal_(wn.end.weight)
    audio, spect = torch.randn(1, 2, 40), torch.randn(1, 6, 40)
    with torch.no_grad():
        expected = wn(audio, spect)
        actual = wn.forward_rows(audio, spect.transpose(1, 2).contiguous())
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-5)
