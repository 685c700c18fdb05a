"""Building blocks shared by the acoustic models and vocoders.

Parameter names and shapes follow the official implementations, so their checkpoints load
with ``strict=True``: VITS (Kim et al. 2021, github.com/jaywalnut310/vits), Glow-TTS
(Kim et al. 2020, github.com/jaywalnut310/glow-tts), Grad-TTS (Popov et al. 2021,
github.com/huawei-noah/Speech-Backbones) and HiFi-GAN (Kong et al. 2020,
github.com/jik876/hifi-gan). Where those models compute the same block differently,
the difference is a named constructor argument whose default is the VITS behaviour.

Tensors are laid out ``[batch, channels, time]`` and masks ``[batch, 1, time]`` unless a
docstring says otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F

LRELU_SLOPE = 0.1


def sequence_mask(lengths: Tensor, max_length: int | None = None) -> Tensor:
    """Boolean ``[b, max_length]`` mask, true before each item's length."""
    if max_length is None:
        max_length = int(lengths.max())
    positions = torch.arange(max_length, dtype=lengths.dtype, device=lengths.device)
    return positions.unsqueeze(0) < lengths.unsqueeze(1)


def get_padding(kernel_size: int, dilation: int = 1) -> int:
    """'Same' padding of an odd kernel."""
    return (kernel_size * dilation - dilation) // 2


def gated_activation(x: Tensor, cond: Tensor | None, channels: int) -> Tensor:
    """WaveNet gate ``tanh(a) * sigmoid(b)`` of the two channel halves of ``x + cond``."""
    if cond is not None:
        x = x + cond
    return torch.tanh(x[:, :channels]) * torch.sigmoid(x[:, channels:])


# --- weight normalisation -------------------------------------------------------------------


class _WeightNorm:
    """Weight normalisation stored as ``weight_g``/``weight_v``, as the pre-2.1
    ``torch.nn.utils.weight_norm(module, dim=0)`` stores it in every official checkpoint.

    ``weight = weight_g * weight_v / ||weight_v||`` with the norm taken over every dimension
    but the first. The first dimension of a transposed convolution's weight is its *input*
    channel, so ``ConvTranspose1d`` is normalised per input channel, as officially.
    """

    _parameters: dict[str, nn.Parameter | None]

    def _split_weight(self) -> None:
        weight = self._parameters.pop("weight").detach()
        self.weight_g = nn.Parameter(_norm_except_first(weight))
        self.weight_v = nn.Parameter(weight.clone())

    @property
    def is_folded(self) -> bool:
        return "weight_v" not in self._parameters

    def effective_weight(self) -> Tensor:
        if self.is_folded:
            return self.weight
        return self.weight_v * (self.weight_g / _norm_except_first(self.weight_v))

    def fold_weight_norm(self) -> None:
        """Replace ``weight_g``/``weight_v`` by the plain ``weight`` they define."""
        if self.is_folded:
            return
        weight = self.effective_weight().detach()
        del self.weight_g, self.weight_v
        self.weight = nn.Parameter(weight)


def _norm_except_first(v: Tensor) -> Tensor:
    return torch.linalg.vector_norm(v, dim=tuple(range(1, v.dim())), keepdim=True)


class WNConv1d(_WeightNorm, nn.Conv1d):
    """``nn.Conv1d`` with weight normalisation (``weight_g`` [C_out,1,1], ``weight_v``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._split_weight()

    def forward(self, x: Tensor) -> Tensor:
        return F.conv1d(
            x, self.effective_weight(), self.bias, self.stride, self.padding, self.dilation,
            self.groups,
        )


class WNConvTranspose1d(_WeightNorm, nn.ConvTranspose1d):
    """``nn.ConvTranspose1d`` with weight normalisation (``weight_g`` [C_in,1,1])."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._split_weight()

    def forward(self, x: Tensor) -> Tensor:
        return F.conv_transpose1d(
            x, self.effective_weight(), self.bias, self.stride, self.padding,
            self.output_padding, self.groups, self.dilation,
        )


class WNConv2d(_WeightNorm, nn.Conv2d):
    """``nn.Conv2d`` with weight normalisation (``weight_g`` [C_out,1,1,1], ``weight_v``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._split_weight()

    def forward(self, x: Tensor) -> Tensor:
        return self._conv_forward(x, self.effective_weight(), self.bias)


def conv_weight(conv: nn.Module) -> Tensor:
    """The weight a convolution applies: its ``weight``, or the one its weight norm defines."""
    return conv.effective_weight() if isinstance(conv, _WeightNorm) else conv.weight


GEMM_CONV_MAX_ELEMENTS = 1 << 20
"""Largest unfolded input (``c_in · kernel · t_out`` values, 4 MB) that :func:`conv1d`
multiplies out itself for a kernel wider than 1; larger convolutions go to oneDNN, whose
per-call set-up is then small beside the arithmetic. (A 1-wide kernel needs no unfolding.)"""


def conv1d(conv: nn.Conv1d, x: Tensor) -> Tensor:
    """``conv(x)`` for a stride-1, ungrouped ``Conv1d`` (weight-normalised or not).

    On the CPU a small convolution is computed as one matrix product of the weight and the
    unfolded input (im2col). oneDNN, which would run it otherwise, builds its kernel anew on
    every call because ``engine`` disables its primitive cache (see ``engine/__init__.py``);
    for the text encoders' and Glow-TTS's convolutions (about 10^5 outputs) that set-up costs
    as much as the arithmetic: measured here, 0.4-0.6x the time per call. The sums are the
    same up to float rounding. Traced or exported graphs (the ONNX runtime's) and other
    devices keep the plain convolution.
    """
    weight = conv_weight(conv)
    c_out, c_in, kernel = weight.shape
    (dilation,), (padding,) = conv.dilation, conv.padding
    t_out = x.size(-1) + 2 * padding - dilation * (kernel - 1)
    if (
        x.device.type != "cpu"
        or conv.stride != (1,)
        or conv.groups != 1
        or conv.padding_mode != "zeros"
        or (kernel > 1 and c_in * kernel * t_out > GEMM_CONV_MAX_ELEMENTS)
        or torch.jit.is_tracing()
        or torch.onnx.is_in_onnx_export()
    ):
        return F.conv1d(x, weight, conv.bias, conv.stride, padding, dilation, conv.groups)
    if kernel > 1:
        span = dilation * (kernel - 1) + 1
        windows = F.pad(x, (padding, padding)).unfold(2, span, 1)[..., ::dilation]
        x = windows.transpose(2, 3).reshape(x.size(0), c_in * kernel, t_out)
    elif padding:
        x = F.pad(x, (padding, padding))
    weight = weight.reshape(c_out, c_in * kernel)
    if conv.bias is None:
        return torch.matmul(weight, x)
    if x.size(0) == 1:
        return torch.addmm(conv.bias.unsqueeze(1), weight, x[0]).unsqueeze(0)
    return torch.baddbmm(conv.bias.view(1, -1, 1), weight.expand(x.size(0), -1, -1), x)


def alignment_path(durations: Tensor, n_frames: int) -> Tensor:
    """Hard monotonic alignment [b, T_x, n_frames] (bool) from durations [b, T_x] in whole
    frames (integer or float): token x owns frame y when ``start[x] <= y < end[x]``. The
    official ``generate_path`` of Glow-TTS, VITS and Grad-TTS, whose callers lay it out
    token-major (Glow-TTS, Grad-TTS) or frame-major (VITS)."""
    ends = torch.cumsum(durations, dim=-1).unsqueeze(-1)
    starts = ends - durations.unsqueeze(-1)
    frames = torch.arange(n_frames, device=durations.device).view(1, 1, -1)
    return (frames >= starts) & (frames < ends)


def fold_weight_norm(module: nn.Module) -> None:
    """Fold every weight-normalised convolution inside ``module``; outputs are unchanged."""
    for child in module.modules():
        if isinstance(child, _WeightNorm):
            child.fold_weight_norm()


# --- normalisation, attention, feed-forward ---------------------------------------------------


class LayerNorm(nn.Module):
    """Layer normalisation over the channel axis of ``[b, c, t]`` (``gamma``, ``beta``).

    VITS uses ``F.layer_norm`` with ``eps=1e-5`` (the defaults). Glow-TTS and Grad-TTS write
    the formula out, ``(x - mean) * rsqrt(var + eps)``, with ``eps=1e-4``: pass
    ``explicit=True, eps=1e-4`` for those.
    """

    def __init__(self, channels: int, eps: float = 1e-5, explicit: bool = False) -> None:
        super().__init__()
        self.channels = channels
        self.eps = eps
        self.explicit = explicit
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: Tensor) -> Tensor:
        if self.explicit:
            mean = x.mean(1, keepdim=True)
            variance = (x - mean).square().mean(1, keepdim=True)
            x = (x - mean) * torch.rsqrt(variance + self.eps)
            return x * self.gamma.view(1, -1, 1) + self.beta.view(1, -1, 1)
        x = F.layer_norm(x.transpose(1, -1), (self.channels,), self.gamma, self.beta, self.eps)
        return x.transpose(1, -1)


class MultiHeadAttention(nn.Module):
    """Multi-head attention with optional windowed relative positions (Shaw et al. 2018), as
    in the Glow-TTS/VITS text encoders.

    One relative key and one relative value embedding, shared by all heads
    (``emb_rel_k``/``emb_rel_v``: ``[1, 2*window+1, d_k]``), are added for offsets within
    ``±window``; farther offsets get nothing (the official code pads the table with zeros
    rather than clipping to the edge embeddings). Masked scores are set to -1e4, not -inf.

    ``scale_query=True`` (VITS) divides the query by sqrt(d_k) before both matmuls;
    ``False`` (Glow-TTS, Grad-TTS) divides the content and relative scores after them.
    ``block_length`` (Glow-TTS's optional local attention; no official config sets it) also
    masks, with -1e4, every pair farther apart than ``block_length``, when a mask is given.
    """

    def __init__(
        self,
        channels: int,
        out_channels: int,
        n_heads: int,
        p_dropout: float = 0.0,
        window_size: int | None = None,
        scale_query: bool = True,
        block_length: int | None = None,
    ) -> None:
        super().__init__()
        if channels % n_heads:
            raise ValueError(f"channels ({channels}) must be divisible by n_heads ({n_heads})")
        self.n_heads = n_heads
        self.k_channels = channels // n_heads
        self.window_size = window_size
        self.scale_query = scale_query
        self.block_length = block_length
        self.conv_q = nn.Conv1d(channels, channels, 1)
        self.conv_k = nn.Conv1d(channels, channels, 1)
        self.conv_v = nn.Conv1d(channels, channels, 1)
        self.conv_o = nn.Conv1d(channels, out_channels, 1)
        self.drop = nn.Dropout(p_dropout)
        if window_size is not None:
            shape = (1, 2 * window_size + 1, self.k_channels)
            std = self.k_channels**-0.5
            self.emb_rel_k = nn.Parameter(torch.randn(shape) * std)
            self.emb_rel_v = nn.Parameter(torch.randn(shape) * std)
        for conv in (self.conv_q, self.conv_k, self.conv_v):
            nn.init.xavier_uniform_(conv.weight)

    def forward(self, x: Tensor, c: Tensor, attn_mask: Tensor | None = None) -> Tensor:
        """Queries from ``x`` [b,c,t_q], keys and values from ``c`` [b,c,t_k];
        ``attn_mask`` [b,1,t_q,t_k] (0 = masked)."""
        q, k, v = (
            self._split_heads(conv1d(conv, t))
            for conv, t in ((self.conv_q, x), (self.conv_k, c), (self.conv_v, c))
        )
        scale = math.sqrt(self.k_channels)
        if self.scale_query:
            q = q / scale

        def scores_against(keys: Tensor) -> Tensor:
            scores = q @ keys.transpose(-2, -1)
            return scores if self.scale_query else scores / scale

        scores = scores_against(k)
        band = None
        if self.window_size is not None:
            if q.size(2) != k.size(2):
                raise ValueError("relative positions need self-attention (t_q == t_k)")
            band = _RelativeBand(q.size(2), self.window_size, q.device)
            scores = band.add_to_scores(scores, scores_against(self.emb_rel_k.unsqueeze(0)))
        if attn_mask is not None:
            scores = scores.masked_fill(attn_mask == 0, -1e4)
            if self.block_length is not None:
                scores = scores.masked_fill(~self._block_band(scores), -1e4)
        p_attn = self.drop(F.softmax(scores, dim=-1))
        out = p_attn @ v
        if band is not None:
            out = out + band.gather(p_attn) @ self.emb_rel_v.unsqueeze(0)
        b, h, t, d = out.shape
        return conv1d(self.conv_o, out.transpose(2, 3).reshape(b, h * d, t))

    def _block_band(self, scores: Tensor) -> Tensor:
        """True where query and key are at most ``block_length`` apart."""
        t_q, t_k = scores.shape[-2:]
        return torch.ones(t_q, t_k, dtype=torch.bool, device=scores.device).triu(
            -self.block_length
        ).tril(self.block_length)

    def _split_heads(self, x: Tensor) -> Tensor:
        b, _, t = x.shape
        return x.view(b, self.n_heads, self.k_channels, t).transpose(2, 3)


class _RelativeBand:
    """Maps between absolute ``[..., t, t]`` attention and the ``[..., t, 2w+1]`` band of
    relative offsets -w..w around the diagonal.

    Only the band is ever computed, which costs O(t·w) instead of the O(t²) of the
    official pad-and-reshape formulation; the values agree up to float rounding.
    """

    def __init__(self, length: int, window: int, device: torch.device) -> None:
        offsets = torch.arange(-window, window + 1, device=device)
        columns = torch.arange(length, device=device).unsqueeze(1) + offsets
        self.valid = (columns >= 0) & (columns < length)
        self.columns = columns.clamp(0, length - 1)

    def add_to_scores(self, scores: Tensor, rel_scores: Tensor) -> Tensor:
        """``scores[..., i, i+r] += rel_scores[..., i, r+w]`` for in-range positions."""
        rel_scores = rel_scores.masked_fill(~self.valid, 0.0)
        return scores.scatter_add(-1, self.columns.expand_as(rel_scores), rel_scores)

    def gather(self, p_attn: Tensor) -> Tensor:
        """``band[..., i, r+w] = p_attn[..., i, i+r]``, zero out of range."""
        shape = (*p_attn.shape[:-1], self.columns.size(-1))
        return p_attn.gather(-1, self.columns.expand(shape)).masked_fill(~self.valid, 0.0)


class FFN(nn.Module):
    """Two convolutions with ReLU between, masked before each (``conv_1``, ``conv_2``)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        filter_channels: int,
        kernel_size: int,
        p_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        padding = kernel_size // 2
        self.conv_1 = nn.Conv1d(in_channels, filter_channels, kernel_size, padding=padding)
        self.conv_2 = nn.Conv1d(filter_channels, out_channels, kernel_size, padding=padding)
        self.drop = nn.Dropout(p_dropout)

    def forward(self, x: Tensor, x_mask: Tensor) -> Tensor:
        x = self.drop(torch.relu(conv1d(self.conv_1, x * x_mask)))
        return conv1d(self.conv_2, x * x_mask) * x_mask


class Encoder(nn.Module):
    """Transformer encoder of the Glow-TTS/VITS text encoders: post-norm self-attention with
    relative positions, then a convolutional FFN, ``n_layers`` times.

    ``scale_query``, ``norm_eps``, ``explicit_norm`` and ``block_length`` select the
    per-model variants of :class:`MultiHeadAttention` and :class:`LayerNorm`; the defaults
    are VITS's. Glow-TTS and Grad-TTS: ``scale_query=False, norm_eps=1e-4,
    explicit_norm=True``. (They re-mask the input of every layer where VITS masks it once;
    that changes only padded positions, which the masked keys and the final mask hide.)
    """

    def __init__(
        self,
        hidden_channels: int,
        filter_channels: int,
        n_heads: int,
        n_layers: int,
        kernel_size: int = 1,
        p_dropout: float = 0.0,
        window_size: int | None = 4,
        scale_query: bool = True,
        norm_eps: float = 1e-5,
        explicit_norm: bool = False,
        block_length: int | None = None,
    ) -> None:
        super().__init__()
        self.drop = nn.Dropout(p_dropout)
        self.attn_layers = nn.ModuleList()
        self.norm_layers_1 = nn.ModuleList()
        self.ffn_layers = nn.ModuleList()
        self.norm_layers_2 = nn.ModuleList()
        for _ in range(n_layers):
            self.attn_layers.append(
                MultiHeadAttention(
                    hidden_channels, hidden_channels, n_heads, p_dropout, window_size,
                    scale_query, block_length,
                )
            )
            self.norm_layers_1.append(LayerNorm(hidden_channels, norm_eps, explicit_norm))
            self.ffn_layers.append(
                FFN(hidden_channels, hidden_channels, filter_channels, kernel_size, p_dropout)
            )
            self.norm_layers_2.append(LayerNorm(hidden_channels, norm_eps, explicit_norm))

    def forward(self, x: Tensor, x_mask: Tensor) -> Tensor:
        attn_mask = x_mask.unsqueeze(2) * x_mask.unsqueeze(-1)
        x = x * x_mask
        for attn, norm_1, ffn, norm_2 in zip(
            self.attn_layers, self.norm_layers_1, self.ffn_layers, self.norm_layers_2,
            strict=True,
        ):
            x = norm_1(x + self.drop(attn(x, x, attn_mask)))
            x = norm_2(x + self.drop(ffn(x, x_mask)))
        return x * x_mask


class ConvReluNorm(nn.Module):
    """Residual convolutional prenet of the Glow-TTS and Grad-TTS text encoders
    (``conv_layers``, ``norm_layers``, ``proj``): ``n_layers`` × (masked conv, explicit
    LayerNorm with eps 1e-4, ReLU, dropout), then a 1×1 ``proj`` added to the input.
    ``proj`` is zero-initialised, so a new prenet is the identity on unpadded positions.
    """

    def __init__(
        self,
        in_channels: int,
        hidden_channels: int,
        out_channels: int,
        kernel_size: int,
        n_layers: int,
        p_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if n_layers < 1:
            raise ValueError(f"ConvReluNorm needs at least one layer, got {n_layers}")
        padding = kernel_size // 2
        self.conv_layers = nn.ModuleList()
        self.norm_layers = nn.ModuleList()
        for i in range(n_layers):
            channels = in_channels if i == 0 else hidden_channels
            self.conv_layers.append(
                nn.Conv1d(channels, hidden_channels, kernel_size, padding=padding)
            )
            self.norm_layers.append(LayerNorm(hidden_channels, 1e-4, explicit=True))
        self.drop = nn.Dropout(p_dropout)
        self.proj = nn.Conv1d(hidden_channels, out_channels, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x: Tensor, x_mask: Tensor) -> Tensor:
        h = x
        for conv, norm in zip(self.conv_layers, self.norm_layers, strict=True):
            h = self.drop(torch.relu(norm(conv1d(conv, h * x_mask))))
        return (x + conv1d(self.proj, h)) * x_mask


class DurationPredictor(nn.Module):
    """Deterministic log-duration predictor (``conv_1``, ``norm_1``, ``conv_2``, ``norm_2``,
    ``proj``): two × (masked conv, ReLU, LayerNorm, dropout), then a 1×1 projection.

    VITS (``use_sdp=False``) uses the default LayerNorm and adds ``cond(g)`` to the input
    when ``gin_channels`` is set. Glow-TTS (``proj_w``) and Grad-TTS use ``norm_eps=1e-4,
    explicit_norm=True`` and no ``cond``: Glow-TTS concatenates the speaker embedding to the
    input channels instead.
    """

    def __init__(
        self,
        in_channels: int,
        filter_channels: int,
        kernel_size: int,
        p_dropout: float = 0.0,
        gin_channels: int = 0,
        norm_eps: float = 1e-5,
        explicit_norm: bool = False,
    ) -> None:
        super().__init__()
        padding = kernel_size // 2
        self.drop = nn.Dropout(p_dropout)
        self.conv_1 = nn.Conv1d(in_channels, filter_channels, kernel_size, padding=padding)
        self.norm_1 = LayerNorm(filter_channels, norm_eps, explicit_norm)
        self.conv_2 = nn.Conv1d(filter_channels, filter_channels, kernel_size, padding=padding)
        self.norm_2 = LayerNorm(filter_channels, norm_eps, explicit_norm)
        self.proj = nn.Conv1d(filter_channels, 1, 1)
        if gin_channels:
            self.cond = nn.Conv1d(gin_channels, in_channels, 1)

    def forward(self, x: Tensor, x_mask: Tensor, g: Tensor | None = None) -> Tensor:
        """Hidden states [b, c, t] → log-durations [b, 1, t], zero where masked."""
        if g is not None:
            x = x + self.cond(g)
        x = self.drop(self.norm_1(torch.relu(conv1d(self.conv_1, x * x_mask))))
        x = self.drop(self.norm_2(torch.relu(conv1d(self.conv_2, x * x_mask))))
        return conv1d(self.proj, x * x_mask) * x_mask


# --- WaveNet-style stack --------------------------------------------------------------------


class WN(nn.Module):
    """Non-causal WaveNet stack of the Glow-TTS/VITS flows and posterior encoder.

    Gated dilated convolutions (``in_layers``) with residual and skip outputs
    (``res_skip_layers``; the last layer is skip-only). A global condition ``g`` [b,gin,1]
    goes through one ``cond_layer`` whose output is sliced per layer. All convolutions are
    weight-normalised. Dropout (training only) acts on the gated activations in VITS and on
    the dilated convolution's output, before the condition is added, in Glow-TTS:
    ``dropout_before_gate=True``.
    """

    def __init__(
        self,
        hidden_channels: int,
        kernel_size: int,
        dilation_rate: int,
        n_layers: int,
        gin_channels: int = 0,
        p_dropout: float = 0.0,
        dropout_before_gate: bool = False,
    ) -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"WN needs an odd kernel size, got {kernel_size}")
        self.hidden_channels = hidden_channels
        self.n_layers = n_layers
        self.dropout_before_gate = dropout_before_gate
        self.in_layers = nn.ModuleList()
        self.res_skip_layers = nn.ModuleList()
        self.drop = nn.Dropout(p_dropout)
        if gin_channels:
            self.cond_layer = WNConv1d(gin_channels, 2 * hidden_channels * n_layers, 1)
        for i in range(n_layers):
            dilation = dilation_rate**i
            self.in_layers.append(
                WNConv1d(
                    hidden_channels, 2 * hidden_channels, kernel_size, dilation=dilation,
                    padding=get_padding(kernel_size, dilation),
                )
            )
            last = i == n_layers - 1
            res_skip_channels = hidden_channels if last else 2 * hidden_channels
            self.res_skip_layers.append(WNConv1d(hidden_channels, res_skip_channels, 1))

    def forward(self, x: Tensor, x_mask: Tensor | None, g: Tensor | None = None) -> Tensor:
        """``x_mask`` None: no position is padded (nothing is masked)."""
        h = self.hidden_channels
        cond = conv1d(self.cond_layer, g) if g is not None else None
        output = torch.zeros_like(x)
        for i, (in_layer, res_skip) in enumerate(
            zip(self.in_layers, self.res_skip_layers, strict=True)
        ):
            cond_i = cond[:, 2 * h * i : 2 * h * (i + 1)] if cond is not None else None
            if self.dropout_before_gate:
                acts = gated_activation(self.drop(conv1d(in_layer, x)), cond_i, h)
            else:
                acts = self.drop(gated_activation(conv1d(in_layer, x), cond_i, h))
            res_skip_acts = conv1d(res_skip, acts)
            if i < self.n_layers - 1:
                x = _masked(x + res_skip_acts[:, :h], x_mask)
                output = output + res_skip_acts[:, h:]
            else:
                output = output + res_skip_acts
        return _masked(output, x_mask)


def _masked(x: Tensor, mask: Tensor | None) -> Tensor:
    return x if mask is None else x * mask


# --- HiFi-GAN generator ---------------------------------------------------------------------


def _same_conv(channels: int, kernel_size: int, dilation: int) -> WNConv1d:
    padding = get_padding(kernel_size, dilation)
    return WNConv1d(channels, channels, kernel_size, dilation=dilation, padding=padding)


class ResBlock1(nn.Module):
    """HiFi-GAN residual block type 1: per dilation, a dilated and an undilated conv."""

    def __init__(
        self, channels: int, kernel_size: int = 3, dilation: Sequence[int] = (1, 3, 5)
    ) -> None:
        super().__init__()
        self.convs1 = nn.ModuleList(_same_conv(channels, kernel_size, d) for d in dilation)
        self.convs2 = nn.ModuleList(_same_conv(channels, kernel_size, 1) for _ in dilation)

    def forward(self, x: Tensor) -> Tensor:
        for c1, c2 in zip(self.convs1, self.convs2, strict=True):
            xt = c1(F.leaky_relu(x, LRELU_SLOPE))
            x = x + c2(F.leaky_relu(xt, LRELU_SLOPE))
        return x


class ResBlock2(nn.Module):
    """HiFi-GAN residual block type 2: one dilated conv per dilation."""

    def __init__(
        self, channels: int, kernel_size: int = 3, dilation: Sequence[int] = (1, 3)
    ) -> None:
        super().__init__()
        self.convs = nn.ModuleList(_same_conv(channels, kernel_size, d) for d in dilation)

    def forward(self, x: Tensor) -> Tensor:
        for conv in self.convs:
            x = x + conv(F.leaky_relu(x, LRELU_SLOPE))
        return x


class Generator(nn.Module):
    """HiFi-GAN generator (Kong et al. 2020): transposed-conv upsampling, each stage followed
    by the mean of its multi-receptive-field residual blocks, then ``tanh``.

    The VITS decoder (the default) has plain ``conv_pre`` and ``conv_post``, the latter
    without bias, and adds ``cond(g)`` after ``conv_pre`` when ``gin_channels`` is set.
    HiFi-GAN itself weight-normalises both and gives ``conv_post`` a bias: ``hifigan_io=True``.
    The last activation uses leaky-ReLU's default slope 0.01, the others 0.1, in both.
    """

    def __init__(
        self,
        initial_channel: int,
        resblock: str,
        resblock_kernel_sizes: Sequence[int],
        resblock_dilation_sizes: Sequence[Sequence[int]],
        upsample_rates: Sequence[int],
        upsample_initial_channel: int,
        upsample_kernel_sizes: Sequence[int],
        gin_channels: int = 0,
        hifigan_io: bool = False,
    ) -> None:
        super().__init__()
        if str(resblock) not in ("1", "2"):
            raise ValueError(f"resblock must be '1' or '2', got {resblock!r}")
        block = ResBlock1 if str(resblock) == "1" else ResBlock2
        io_conv = WNConv1d if hifigan_io else nn.Conv1d
        self.num_kernels = len(resblock_kernel_sizes)
        self.conv_pre = io_conv(initial_channel, upsample_initial_channel, 7, 1, padding=3)
        self.ups = nn.ModuleList()
        self.resblocks = nn.ModuleList()
        channels = upsample_initial_channel
        for u, k in zip(upsample_rates, upsample_kernel_sizes, strict=True):
            self.ups.append(
                WNConvTranspose1d(channels, channels // 2, k, u, padding=(k - u) // 2)
            )
            channels //= 2
            for kr, dr in zip(resblock_kernel_sizes, resblock_dilation_sizes, strict=True):
                self.resblocks.append(block(channels, kr, dr))
        self.conv_post = io_conv(channels, 1, 7, 1, padding=3, bias=hifigan_io)
        if gin_channels:
            self.cond = nn.Conv1d(gin_channels, upsample_initial_channel, 1)

    def forward(self, x: Tensor, g: Tensor | None = None) -> Tensor:
        x = self.conv_pre(x)
        if g is not None:
            x = x + self.cond(g)
        n = self.num_kernels
        for i, up in enumerate(self.ups):
            x = up(F.leaky_relu(x, LRELU_SLOPE))
            blocks = self.resblocks[i * n : (i + 1) * n]
            x = sum(block(x) for block in blocks) / n
        x = self.conv_post(F.leaky_relu(x))
        return torch.tanh(x)
