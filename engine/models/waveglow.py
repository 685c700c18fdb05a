"""WaveGlow vocoder (Prenger et al. 2019, "WaveGlow: A Flow-based Generative Network for
Speech Synthesis"; github.com/NVIDIA/waveglow @ 8afb643) and its denoiser.

Parameter names and shapes are the official ones (``upsample``, ``WN.<k>.{in_layers,
res_skip_layers,start,end,cond_layer}``, ``convinv.<k>.conv``), so the weights of an official
checkpoint load with ``strict=True``; ``engine.checkpoints.waveglow_official`` reads them out
of the pickled module without executing it.

Details that decide parity (see ``shared/parity/report.md``):

- ``upsample`` is a plain ``ConvTranspose1d(n_mel, n_mel, 1024, stride=256)``; ``infer``
  cuts its last ``1024 - 256`` samples, the training pass crops to the audio length.
- Audio and the upsampled mel are grouped by ``n_group``: audio ``[b, t]`` becomes
  ``[b, n_group, t / n_group]`` and the mel ``[b, n_mel * n_group, t / n_group]`` with
  channel ``mel * n_group + j``.
- Every ``n_early_every`` flows ``n_early_size`` channels leave (training) or enter
  (inference) at the *front*.
- The coupling network's output is ``[shift | log-scale]``; the inverse is
  ``(x1 - shift) / exp(log_scale)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from engine.models import layers
from engine.models.channels_last import conv1d_rows
from engine.models.layers import WNConv1d, conv_weight, fold_weight_norm

UPSAMPLE_KERNEL = 1024
UPSAMPLE_STRIDE = 256


class WN(layers.WN):
    """The affine-coupling network of one flow: a weight-normed 1x1 ``start`` into the
    shared non-causal WaveNet stack (dilations ``2**i``, no masking, conditioned on the
    grouped mel through one ``cond_layer`` sliced per layer), then a plain 1x1 ``end``
    giving ``2 * n_in_channels`` channels."""

    def __init__(
        self,
        n_in_channels: int,
        n_mel_channels: int,
        n_layers: int,
        n_channels: int,
        kernel_size: int,
    ) -> None:
        if n_channels % 2:
            raise ValueError(f"WN n_channels must be even, got {n_channels}")
        super().__init__(n_channels, kernel_size, 2, n_layers, gin_channels=n_mel_channels)
        self.n_channels = n_channels
        self.start = WNConv1d(n_in_channels, n_channels, 1)
        self.end = nn.Conv1d(n_channels, 2 * n_in_channels, 1)

    def forward(self, audio: Tensor, spect: Tensor) -> Tensor:  # type: ignore[override]
        """``audio`` [b, n_in, t] (the conditioning half) and ``spect`` [b, n_mel, t] to
        ``[shift | log_scale]`` [b, 2 * n_in, t]."""
        return self.end(super().forward(self.start(audio), None, g=spect))

    def forward_rows(self, audio: Tensor, spect_rows: Tensor) -> Tensor:
        """:meth:`forward` with the mel time-major, ``[b, t, n_mel]`` (contiguous), and the
        whole stack computed time-major: oneDNN's dilated convolutions take about 0.6x the
        time in that layout (channels-last, see :mod:`engine.models.channels_last`), every
        1-wide convolution is one matrix product, and the gate's channel halves are
        contiguous runs. The same sums, up to float rounding."""
        h = self.hidden_channels
        x = F.linear(audio.transpose(1, 2), conv_weight(self.start).squeeze(-1), self.start.bias)
        cond = F.linear(spect_rows, conv_weight(self.cond_layer).squeeze(-1), self.cond_layer.bias)
        output = None
        for i, (in_layer, res_skip) in enumerate(
            zip(self.in_layers, self.res_skip_layers, strict=True)
        ):
            acts = conv1d_rows(
                _as_rows(x), conv_weight(in_layer), in_layer.bias, in_layer.padding[0],
                in_layer.dilation[0],
            )
            acts = _time_major(acts).add_(cond[:, :, 2 * h * i : 2 * h * (i + 1)])
            acts = torch.tanh(acts[:, :, :h]).mul_(torch.sigmoid(acts[:, :, h:]))
            res_skip_acts = F.linear(acts, conv_weight(res_skip).squeeze(-1), res_skip.bias)
            if i < self.n_layers - 1:
                x = x + res_skip_acts[:, :, :h]
                skip = res_skip_acts[:, :, h:]
            else:
                skip = res_skip_acts
            # The official sum starts from zeros; 0 + s is s.
            output = skip.clone() if output is None else output.add_(skip)
        return F.linear(output, self.end.weight.squeeze(-1), self.end.bias).transpose(1, 2)


def _as_rows(x: Tensor) -> Tensor:
    """Time-major ``[b, t, c]`` as the ``[b, c, 1, t]`` channels-last view of the same memory."""
    return x.unsqueeze(1).permute(0, 3, 1, 2)


def _time_major(x: Tensor) -> Tensor:
    """A channels-last ``[b, c, 1, t]`` as the ``[b, t, c]`` view of the same memory."""
    return x.permute(0, 2, 3, 1).squeeze(1)


class Invertible1x1Conv(nn.Module):
    """Channel mixing by an invertible matrix (``conv.weight`` [c, c, 1], no bias),
    initialised to a random rotation (orthonormal with determinant +1).

    The inverse is computed in float32 on first use and cached until the weight changes.
    """

    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(c, c, kernel_size=1, bias=False)
        w = torch.linalg.qr(torch.randn(c, c))[0]
        w[:, 0] = w[:, 0] * torch.sign(torch.det(w))
        with torch.no_grad():
            self.conv.weight.copy_(w.unsqueeze(-1))
        self._inverse: tuple[tuple, Tensor] | None = None

    def forward(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """Training direction: the mixed ``z`` and ``log|det W|`` times batch x groups."""
        batch_size, _, n_of_groups = z.shape
        w = self.conv.weight.squeeze(-1)
        log_det_w = batch_size * n_of_groups * torch.linalg.slogdet(w)[1]
        return self.conv(z), log_det_w

    def reverse(self, z: Tensor) -> Tensor:
        return nn.functional.conv1d(z, self._weight_inverse().to(z.dtype))

    def _weight_inverse(self) -> Tensor:
        weight = self.conv.weight
        # Tensors made under torch.inference_mode() keep no version counter; their identity
        # (storage and device) is the key then.
        version = None if weight.is_inference() else weight._version
        key = (version, weight.data_ptr(), weight.device)
        if self._inverse is None or self._inverse[0] != key:
            inverse = weight.detach().squeeze(-1).float().inverse().unsqueeze(-1)
            self._inverse = (key, inverse)
        return self._inverse[1]


class WaveGlow(nn.Module):
    """WaveGlow with the official constructor (``WaveGlow(**config['waveglow_config'])``).

    ``alternate_halves=True`` is the flow of the pre-2019 ``glow_old.py``: odd flows
    condition on the second half of the channels and transform the first.
    """

    def __init__(
        self,
        n_mel_channels: int,
        n_flows: int,
        n_group: int,
        n_early_every: int,
        n_early_size: int,
        WN_config: Mapping[str, int],  # noqa: N803 - the official keyword
        alternate_halves: bool = False,
    ) -> None:
        super().__init__()
        if n_group % 2:
            raise ValueError(f"n_group must be even, got {n_group}")
        self.upsample = nn.ConvTranspose1d(
            n_mel_channels, n_mel_channels, UPSAMPLE_KERNEL, stride=UPSAMPLE_STRIDE
        )
        self.n_mel_channels = n_mel_channels
        self.n_flows = n_flows
        self.n_group = n_group
        self.n_early_every = n_early_every
        self.n_early_size = n_early_size
        self.alternate_halves = alternate_halves
        self.WN = nn.ModuleList()
        self.convinv = nn.ModuleList()
        remaining = n_group
        for k in range(n_flows):
            if self._leaves_early(k):
                remaining -= n_early_size
            self.convinv.append(Invertible1x1Conv(remaining))
            self.WN.append(WN(remaining // 2, n_mel_channels * n_group, **WN_config))
        self.n_remaining_channels = remaining

    def _leaves_early(self, k: int) -> bool:
        return k > 0 and k % self.n_early_every == 0

    def forward(self, spect: Tensor, audio: Tensor) -> tuple[Tensor, list[Tensor], list[Tensor]]:
        """Training direction: mel ``[b, n_mel, frames]`` and audio ``[b, t]`` to
        ``z`` [b, n_group, t / n_group] (early outputs first), the log-scales of every flow
        and the ``log|det W|`` of every 1x1 conv."""
        spect = self.upsample(spect)
        if spect.size(2) < audio.size(1):
            raise ValueError(
                f"{audio.size(1)} audio samples need at least "
                f"{audio.size(1) // UPSAMPLE_STRIDE} mel frames, got {spect.size(2)} samples"
            )
        spect = self._group_spect(spect[:, :, : audio.size(1)])
        audio = self._group_audio(audio)
        output_audio, log_s_list, log_det_w_list = [], [], []
        for k in range(self.n_flows):
            if self._leaves_early(k):
                output_audio.append(audio[:, : self.n_early_size])
                audio = audio[:, self.n_early_size :]
            audio, log_det_w = self.convinv[k](audio)
            log_det_w_list.append(log_det_w)
            audio_0, audio_1 = self._split(audio, k)
            output = self.WN[k](audio_0, spect)
            n_half = audio_1.size(1)
            b, log_s = output[:, :n_half], output[:, n_half:]
            audio = self._join(audio_0, torch.exp(log_s) * audio_1 + b, k)
            log_s_list.append(log_s)
        output_audio.append(audio)
        return torch.cat(output_audio, 1), log_s_list, log_det_w_list

    def _split(self, audio: Tensor, k: int) -> tuple[Tensor, Tensor]:
        """Flow ``k``'s conditioning half and the half it transforms."""
        n_half = audio.size(1) // 2
        first, second = audio[:, :n_half], audio[:, n_half:]
        return (second, first) if self._swapped(k) else (first, second)

    def _join(self, audio_0: Tensor, audio_1: Tensor, k: int) -> Tensor:
        """Undo :meth:`_split`: the halves back in their channel order."""
        return torch.cat([audio_1, audio_0] if self._swapped(k) else [audio_0, audio_1], 1)

    def _swapped(self, k: int) -> bool:
        return self.alternate_halves and k % 2 == 1

    def noise_shapes(self, spect: Tensor) -> list[tuple[int, int, int]]:
        """Shapes of the standard-normal draws ``infer`` makes for this mel, in draw order:
        the initial ``[b, n_remaining_channels, t / n_group]``, then one
        ``[b, n_early_size, t / n_group]`` per early exit, latest flow first."""
        b, _, frames = spect.shape
        groups = frames * UPSAMPLE_STRIDE // self.n_group
        n_early = sum(self._leaves_early(k) for k in range(self.n_flows))
        shapes = [(b, self.n_remaining_channels, groups)]
        return shapes + [(b, self.n_early_size, groups)] * n_early

    def infer(
        self,
        spect: Tensor,
        sigma: float = 1.0,
        noise: Sequence[Tensor] | None = None,
        generator: torch.Generator | None = None,
    ) -> Tensor:
        """Mel ``[b, n_mel, frames]`` to audio ``[b, frames * 256]``.

        ``noise`` replaces the standard-normal draws (see :meth:`noise_shapes`), so a take
        can be rendered again, or an official run replayed; otherwise they are drawn from
        ``generator``. Every draw is multiplied by ``sigma``.
        """
        draws = self._noise(spect, noise, generator)
        spect = self.upsample(spect)
        spect = self._group_spect(spect[:, :, : -(UPSAMPLE_KERNEL - UPSAMPLE_STRIDE)])
        spect = spect.transpose(1, 2).contiguous()  # time-major, for WN.forward_rows
        audio = sigma * draws.pop(0)
        for k in reversed(range(self.n_flows)):
            audio_0, audio_1 = self._split(audio, k)
            output = self.WN[k].forward_rows(audio_0, spect)
            n_half = audio_1.size(1)
            b, s = output[:, :n_half], output[:, n_half:]
            audio = self._join(audio_0, (audio_1 - b) / torch.exp(s), k)
            audio = self.convinv[k].reverse(audio)
            if self._leaves_early(k):
                audio = torch.cat((sigma * draws.pop(0), audio), 1)
        return audio.permute(0, 2, 1).reshape(audio.size(0), -1)

    def _noise(
        self, spect: Tensor, noise: Sequence[Tensor] | None, generator: torch.Generator | None
    ) -> list[Tensor]:
        shapes = self.noise_shapes(spect)
        if noise is None:
            return [
                torch.randn(s, generator=generator, device=spect.device).to(spect.dtype)
                for s in shapes
            ]
        given = [tuple(n.shape) for n in noise]
        if given != shapes:
            raise ValueError(f"WaveGlow noise for this mel has shapes {shapes}, got {given}")
        return [n.to(device=spect.device, dtype=spect.dtype) for n in noise]

    def _group_spect(self, spect: Tensor) -> Tensor:
        """``[b, n_mel, t]`` to ``[b, n_mel * n_group, t // n_group]``, channel
        ``mel * n_group + j``; a remainder of fewer than ``n_group`` samples is dropped."""
        b, n_mel, t = spect.shape
        groups = t // self.n_group
        spect = spect[:, :, : groups * self.n_group].reshape(b, n_mel, groups, self.n_group)
        return spect.transpose(2, 3).reshape(b, n_mel * self.n_group, groups)

    def _group_audio(self, audio: Tensor) -> Tensor:
        """``[b, t]`` to ``[b, n_group, t // n_group]``: channel j holds samples j, j+g, ..."""
        b, t = audio.shape
        groups = t // self.n_group
        return audio[:, : groups * self.n_group].reshape(b, groups, self.n_group).transpose(1, 2)

    def remove_weightnorm(self) -> WaveGlow:
        """Fold weight norm into plain weights, as the official ``inference.py`` does; the
        output is unchanged. Returns the model, like the official static method."""
        fold_weight_norm(self)
        return self


def build_waveglow(config: Mapping[str, Any]) -> WaveGlow:
    """WaveGlow of an official ``config.json`` (its ``waveglow_config``, or that section
    itself), in eval mode."""
    section = config.get("waveglow_config", config)
    return WaveGlow(**section).eval()


class Denoiser(nn.Module):
    """Subtracts WaveGlow's bias from its audio (github.com/NVIDIA/waveglow denoiser.py).

    The bias is the magnitude spectrum of the first frame the model renders from an all-zero
    mel (``mode='zeros'``) or a standard-normal one (``'normal'``) with ``sigma=0``; ``strength``
    times it is subtracted from every frame's magnitude, clamped at 0, and the audio is
    resynthesised with the original phases. The STFT is the Tacotron 2 one: periodic Hann,
    centred frames with reflect padding, ``hop = filter_length / n_overlap``.

    Two departures from the official code: the bias mel has the model's ``n_mel_channels``
    (officially always 80), and the output is ``[b, samples]`` like ``infer``'s (officially
    ``[b, 1, samples]``).
    """

    def __init__(
        self,
        waveglow: WaveGlow,
        filter_length: int = 1024,
        n_overlap: int = 4,
        win_length: int = 1024,
        mode: str = "zeros",
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.filter_length = filter_length
        self.hop_length = filter_length // n_overlap
        self.win_length = win_length
        weight = waveglow.upsample.weight
        shape = (1, waveglow.n_mel_channels, 88)
        if mode == "zeros":
            mel = torch.zeros(shape, dtype=weight.dtype, device=weight.device)
        elif mode == "normal":
            mel = torch.randn(shape, generator=generator).to(weight)
        else:
            raise ValueError(f"denoiser mode must be 'zeros' or 'normal', got {mode!r}")
        self.register_buffer(
            "window", torch.hann_window(win_length, device=weight.device), persistent=False
        )
        with torch.no_grad():
            zeros = [torch.zeros(s, device=weight.device) for s in waveglow.noise_shapes(mel)]
            bias_audio = waveglow.infer(mel, sigma=0.0, noise=zeros).float()
            bias_spec = self._stft(bias_audio).abs()
        self.register_buffer("bias_spec", bias_spec[:, :, :1])

    def forward(self, audio: Tensor, strength: float = 0.1) -> Tensor:
        """``audio`` [b, samples] with ``strength`` times the bias removed."""
        spec = self._stft(audio.float())
        magnitude = torch.clamp(spec.abs() - self.bias_spec * strength, min=0.0)
        denoised = torch.polar(magnitude, spec.angle())
        return torch.istft(
            denoised,
            self.filter_length,
            self.hop_length,
            self.win_length,
            self.window,
            center=True,
        )

    def _stft(self, audio: Tensor) -> Tensor:
        return torch.stft(
            audio,
            self.filter_length,
            self.hop_length,
            self.win_length,
            self.window,
            center=True,
            pad_mode="reflect",
            return_complex=True,
        )
