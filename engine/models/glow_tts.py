"""Glow-TTS: Kim, Kim, Kong and Yoon 2020, "Glow-TTS: A Generative Flow for Text-to-Speech
via Monotonic Alignment Search" (NeurIPS), github.com/jaywalnut310/glow-tts at commit 13e9976.

:class:`FlowGenerator` has the official constructor and parameter names, so official
``G_*.pth`` weights (``checkpoint['model']``) load with ``strict=True``. Besides the official
generation pass (:meth:`FlowGenerator.infer`) it exposes the inference steps one by one (text
encoding, durations, expansion to frames, decoding) so a caller can edit durations between
them, and the prior's random draw can be passed in instead of taken from the global generator.

The decoder is a Glow (paper §2.3, after Kingma and Dhariwal 2018): the mel spectrogram is
squeezed to ``n_sqz``-frame groups, then ``n_blocks_dec`` × (ActNorm, invertible 1×1
convolution over channel groups, affine coupling with a WaveNet stack). Training-time
monotonic alignment search is not implemented here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from engine.models.layers import (
    WN,
    ConvReluNorm,
    DurationPredictor,
    Encoder,
    WNConv1d,
    alignment_path,
    conv1d,
    fold_weight_norm,
    sequence_mask,
)

OFFICIAL_N_SYMBOLS = 148
"""``len(text.symbols.symbols)`` of the official repository (pad, punctuation, letters,
ARPAbet); models trained with ``add_blank`` have one more token, the blank, with this id."""


# --- text encoder ----------------------------------------------------------------------------


class TextEncoder(nn.Module):
    """Phoneme embedding, optional ConvReluNorm prenet (``pre``), relative-position
    transformer, projections to the prior's mean (``proj_m``) and, unless ``mean_only``,
    log-std (``proj_s``), and the duration predictor ``proj_w`` (paper §2.4, appendix A.1).

    The duration predictor sees the encoder output detached from the graph, with the
    speaker embedding concatenated to its channels on multi-speaker models.
    """

    def __init__(
        self,
        n_vocab: int,
        out_channels: int,
        hidden_channels: int,
        filter_channels: int,
        filter_channels_dp: int,
        n_heads: int,
        n_layers: int,
        kernel_size: int,
        p_dropout: float,
        window_size: int | None = None,
        block_length: int | None = None,
        mean_only: bool = False,
        prenet: bool = False,
        gin_channels: int = 0,
    ) -> None:
        super().__init__()
        self.hidden_channels = hidden_channels
        self.mean_only = mean_only
        self.emb = nn.Embedding(n_vocab, hidden_channels)
        nn.init.normal_(self.emb.weight, 0.0, hidden_channels**-0.5)
        self.pre = (
            ConvReluNorm(hidden_channels, hidden_channels, hidden_channels, 5, 3, 0.5)
            if prenet
            else None
        )
        self.encoder = Encoder(
            hidden_channels, filter_channels, n_heads, n_layers, kernel_size, p_dropout,
            window_size, scale_query=False, norm_eps=1e-4, explicit_norm=True,
            block_length=block_length,
        )
        self.proj_m = nn.Conv1d(hidden_channels, out_channels, 1)
        if not mean_only:
            self.proj_s = nn.Conv1d(hidden_channels, out_channels, 1)
        self.proj_w = DurationPredictor(
            hidden_channels + gin_channels, filter_channels_dp, kernel_size, p_dropout,
            norm_eps=1e-4, explicit_norm=True,
        )

    def forward(
        self, x: Tensor, x_lengths: Tensor, g: Tensor | None = None
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Token ids [b, T_x] → (x_m, x_logs [b, out, T_x], logw [b, 1, T_x],
        x_mask [b, 1, T_x]); ``x_logs`` is zeros for a ``mean_only`` model."""
        h = (self.emb(x) * math.sqrt(self.hidden_channels)).transpose(1, -1)
        x_mask = sequence_mask(x_lengths, h.size(2)).unsqueeze(1).to(h.dtype)
        if self.pre is not None:
            h = self.pre(h, x_mask)
        h = self.encoder(h, x_mask)
        h_dp = h.detach()
        if g is not None:
            h_dp = torch.cat([h_dp, g.expand(-1, -1, h.size(-1))], 1)
        x_m = conv1d(self.proj_m, h) * x_mask
        x_logs = torch.zeros_like(x_m) if self.mean_only else conv1d(self.proj_s, h) * x_mask
        logw = self.proj_w(h_dp, x_mask)
        return x_m, x_logs, logw, x_mask


# --- flow layers -----------------------------------------------------------------------------
#
# Each flow layer has forward(x, x_mask, g) -> (y, logdet [b]) and inverse(y, x_mask, g) -> x.


class ActNorm(nn.Module):
    """Per-channel affine flow ``y = bias + exp(logs)·x`` (``logs``, ``bias``: [1, c, 1]).

    With ``ddi=True`` the first forward pass sets the parameters from its input so that the
    output has zero mean and unit variance per channel (data-dependent initialisation,
    Kingma and Dhariwal 2018, §3.1), as official training does when ``train.ddi`` is set.
    """

    def __init__(self, channels: int, ddi: bool = False) -> None:
        super().__init__()
        self.initialized = not ddi
        self.logs = nn.Parameter(torch.zeros(1, channels, 1))
        self.bias = nn.Parameter(torch.zeros(1, channels, 1))

    def forward(
        self, x: Tensor, x_mask: Tensor, g: Tensor | None = None
    ) -> tuple[Tensor, Tensor]:
        if not self.initialized:
            self.initialize(x, x_mask)
        y = (self.bias + torch.exp(self.logs) * x) * x_mask
        return y, torch.sum(self.logs) * torch.sum(x_mask, [1, 2])

    def inverse(self, y: Tensor, x_mask: Tensor | None, g: Tensor | None = None) -> Tensor:
        return _masked((y - self.bias) * torch.exp(-self.logs), x_mask)

    @torch.no_grad()
    def initialize(self, x: Tensor, x_mask: Tensor) -> None:
        """Set ``bias`` and ``logs`` from the masked per-channel statistics of ``x``."""
        count = torch.sum(x_mask, [0, 2])
        mean = torch.sum(x * x_mask, [0, 2]) / count
        variance = torch.sum(x * x * x_mask, [0, 2]) / count - mean.square()
        logs = 0.5 * torch.log(torch.clamp_min(variance, 1e-6))
        self.bias.copy_((-mean * torch.exp(-logs)).view_as(self.bias))
        self.logs.copy_((-logs).view_as(self.logs))
        self.initialized = True


class InvConvNear(nn.Module):
    """Invertible 1×1 convolution over groups of ``n_split`` channels (paper §2.3): one
    ``weight`` [n_split, n_split] mixes, for every j < c/n_split, the channels
    {2j, 2j+1, c/2+2j, c/2+2j+1} (for ``n_split=4``), with the official
    ``view(b, 2, c/n_split, n_split/2, t).permute(0, 1, 3, 2, 4)`` grouping.

    The inverse is ``torch.inverse(weight)``; :meth:`store_inverse` caches it in a
    non-persistent buffer, so the state dict keeps the official keys. Either matrix is
    applied as one ``[c, c]`` matrix product (:meth:`channel_matrix`) rather than the
    official reshape and 2-D convolution: the same products and sums, one fast kernel.
    """

    weight_inv: Tensor | None

    def __init__(self, channels: int, n_split: int = 4, no_jacobian: bool = False) -> None:
        super().__init__()
        if n_split % 2 or channels % n_split:
            raise ValueError(
                f"n_split ({n_split}) must be even and divide the channels ({channels})"
            )
        self.n_split = n_split
        self.no_jacobian = no_jacobian
        # A random rotation, on the CPU even when the model is built on the meta device.
        q = torch.linalg.qr(torch.randn(n_split, n_split, device="cpu")).Q
        if torch.det(q) < 0:
            q[:, 0] = -q[:, 0]
        self.weight = nn.Parameter(q)
        self.register_buffer("weight_inv", None, persistent=False)

    def forward(
        self, x: Tensor, x_mask: Tensor, g: Tensor | None = None
    ) -> tuple[Tensor, Tensor]:
        y = self._mix(x, x_mask, self.weight)
        if self.no_jacobian:
            return y, x.new_zeros(x.size(0))
        groups = x.size(1) / self.n_split
        return y, torch.logdet(self.weight) * groups * torch.sum(x_mask, [1, 2])

    def inverse(self, y: Tensor, x_mask: Tensor | None, g: Tensor | None = None) -> Tensor:
        weight = self.weight_inv if self.weight_inv is not None else self._inverse_weight()
        return self._mix(y, x_mask, weight)

    def store_inverse(self) -> None:
        """Cache the inverse weight; call again after the weight changes."""
        self.weight_inv = self._inverse_weight().detach()

    def _inverse_weight(self) -> Tensor:
        return torch.inverse(self.weight.float()).to(self.weight.dtype)

    def channel_matrix(self, weight: Tensor, channels: int) -> Tensor:
        """The ``[c, c]`` matrix that mixes ``channels`` channels as ``weight`` mixes
        each group: entry (ch(i', j), ch(i, j)) is ``weight[i', i]``, where member i of
        group j is channel ``ch(i, j) = (i // (n/2))·c/2 + j·n/2 + i % (n/2)`` (the
        official view-and-permute), and every other entry is zero."""
        n, half = self.n_split, self.n_split // 2
        member = torch.arange(n, device=weight.device)
        group = torch.arange(channels // n, device=weight.device)
        ch = ((member // half) * (channels // 2) + member % half).unsqueeze(1) + group * half
        matrix = weight.new_zeros(channels, channels)
        matrix[ch.unsqueeze(1), ch.unsqueeze(0)] = weight.unsqueeze(-1).expand(-1, -1, ch.size(1))
        return matrix

    def _mix(self, x: Tensor, x_mask: Tensor | None, weight: Tensor) -> Tensor:
        return _masked(torch.matmul(self.channel_matrix(weight, x.size(1)), x), x_mask)


class CouplingBlock(nn.Module):
    """Affine coupling (paper §2.3): the first half of the channels, through ``start``
    (weight-normed 1×1), a WN stack and ``end`` (plain 1×1, zero-initialised), gives the
    shift ``m`` (first half of ``end``'s output) and log-scale ``logs`` (second half) of the
    other half. ``sigmoid_scale`` bounds the scale to ``log(1e-6 + sigmoid(logs + 2))``.
    """

    def __init__(
        self,
        in_channels: int,
        hidden_channels: int,
        kernel_size: int,
        dilation_rate: int,
        n_layers: int,
        gin_channels: int = 0,
        p_dropout: float = 0.0,
        sigmoid_scale: bool = False,
    ) -> None:
        super().__init__()
        self.half_channels = in_channels // 2
        self.sigmoid_scale = sigmoid_scale
        self.start = WNConv1d(self.half_channels, hidden_channels, 1)
        self.end = nn.Conv1d(hidden_channels, in_channels, 1)
        nn.init.zeros_(self.end.weight)
        nn.init.zeros_(self.end.bias)
        self.wn = WN(
            hidden_channels, kernel_size, dilation_rate, n_layers, gin_channels, p_dropout,
            dropout_before_gate=True,
        )

    def _affine(
        self, x0: Tensor, x_mask: Tensor | None, g: Tensor | None
    ) -> tuple[Tensor, Tensor]:
        h = _masked(conv1d(self.start, x0), x_mask)
        out = conv1d(self.end, self.wn(h, x_mask, g=g))
        m, logs = out[:, : self.half_channels], out[:, self.half_channels :]
        if self.sigmoid_scale:
            logs = torch.log(1e-6 + torch.sigmoid(logs + 2))
        return m, logs

    def forward(
        self, x: Tensor, x_mask: Tensor, g: Tensor | None = None
    ) -> tuple[Tensor, Tensor]:
        x0, x1 = x[:, : self.half_channels], x[:, self.half_channels :]
        m, logs = self._affine(x0, x_mask, g)
        z1 = (m + torch.exp(logs) * x1) * x_mask
        return torch.cat([x0, z1], 1), torch.sum(logs * x_mask, [1, 2])

    def inverse(self, y: Tensor, x_mask: Tensor | None, g: Tensor | None = None) -> Tensor:
        y0, y1 = y[:, : self.half_channels], y[:, self.half_channels :]
        m, logs = self._affine(y0, x_mask, g)
        return torch.cat([y0, _masked((y1 - m) * torch.exp(-logs), x_mask)], 1)

    def store_inverse(self) -> None:
        """Fold the WN stack's weight norm, as the official ``store_inverse`` does (it leaves
        ``start`` weight-normed); the output is unchanged."""
        fold_weight_norm(self.wn)


def squeeze(x: Tensor, x_mask: Tensor, n_sqz: int = 2) -> tuple[Tensor, Tensor]:
    """[b, c, t] → [b, c·n_sqz, t // n_sqz]: frame ``n_sqz·i + k`` goes to channels
    ``k·c .. (k+1)·c`` of step i (a trailing partial group is dropped). The mask keeps every
    ``n_sqz``-th step, taken at the group's last frame."""
    b, c, t = x.shape
    t = (t // n_sqz) * n_sqz
    x = x[:, :, :t].reshape(b, c, t // n_sqz, n_sqz).permute(0, 3, 1, 2)
    x_mask = x_mask[:, :, n_sqz - 1 :: n_sqz]
    return x.reshape(b, c * n_sqz, t // n_sqz) * x_mask, x_mask


def unsqueeze(x: Tensor, x_mask: Tensor, n_sqz: int = 2) -> tuple[Tensor, Tensor]:
    """The inverse of :func:`squeeze`; each mask step is repeated ``n_sqz`` times."""
    b, c, t = x.shape
    x = x.view(b, n_sqz, c // n_sqz, t).permute(0, 2, 3, 1).reshape(b, c // n_sqz, t * n_sqz)
    x_mask = x_mask.unsqueeze(-1).expand(-1, -1, -1, n_sqz).reshape(b, 1, t * n_sqz)
    return x * x_mask, x_mask


class FlowSpecDecoder(nn.Module):
    """The Glow decoder ``flows``: ``n_blocks`` × (:class:`ActNorm`, :class:`InvConvNear`,
    :class:`CouplingBlock`) on the mel spectrogram squeezed by ``n_sqz``."""

    def __init__(
        self,
        in_channels: int,
        hidden_channels: int,
        kernel_size: int,
        dilation_rate: int,
        n_blocks: int,
        n_layers: int,
        p_dropout: float = 0.0,
        n_split: int = 4,
        n_sqz: int = 2,
        sigmoid_scale: bool = False,
        gin_channels: int = 0,
    ) -> None:
        super().__init__()
        self.n_sqz = n_sqz
        channels = in_channels * n_sqz
        self.flows = nn.ModuleList()
        for _ in range(n_blocks):
            self.flows.append(ActNorm(channels))
            self.flows.append(InvConvNear(channels, n_split))
            self.flows.append(
                CouplingBlock(
                    channels, hidden_channels, kernel_size, dilation_rate, n_layers,
                    gin_channels, p_dropout, sigmoid_scale,
                )
            )

    def forward(
        self, y: Tensor, y_mask: Tensor, g: Tensor | None = None
    ) -> tuple[Tensor, Tensor]:
        """Mel [b, c, T] → latent z [b, c, T'] and log|det J| [b], T' = T floored to a
        multiple of ``n_sqz`` (the official decoder's ``reverse=False``)."""
        x, x_mask = self._squeeze(y, y_mask)
        logdet = x.new_zeros(x.size(0))
        for flow in self.flows:
            x, flow_logdet = flow(x, x_mask, g=g)
            logdet = logdet + flow_logdet
        return self._unsqueeze(x, x_mask), logdet

    def inverse(self, z: Tensor, z_mask: Tensor, g: Tensor | None = None) -> Tensor:
        """Latent z → mel (the official ``reverse=True``): blocks in reverse order, and in
        each, coupling⁻¹, then 1×1 convolution⁻¹, then ActNorm⁻¹. Without padding (a
        mask of ones, as for one utterance) the flows skip their mask products, which would
        leave every value as it is."""
        x, x_mask = self._squeeze(z, z_mask)
        mask = None if bool(x_mask.min() == 1) else x_mask
        for flow in reversed(self.flows):
            x = flow.inverse(x, mask, g=g)
        return self._unsqueeze(x, x_mask)

    def store_inverse(self) -> None:
        for flow in self.flows:
            if isinstance(flow, InvConvNear | CouplingBlock):
                flow.store_inverse()

    def _squeeze(self, x: Tensor, x_mask: Tensor) -> tuple[Tensor, Tensor]:
        return squeeze(x, x_mask, self.n_sqz) if self.n_sqz > 1 else (x, x_mask)

    def _unsqueeze(self, x: Tensor, x_mask: Tensor) -> Tensor:
        return unsqueeze(x, x_mask, self.n_sqz)[0] if self.n_sqz > 1 else x


# --- the generator ---------------------------------------------------------------------------


class FlowGenerator(nn.Module):
    """The Glow-TTS model with the official constructor and submodules: ``encoder``
    (:class:`TextEncoder`), ``decoder`` (:class:`FlowSpecDecoder`) and ``emb_g`` (speaker
    embedding, when ``n_speakers > 1``). ``kwargs`` takes config keys the model ignores.

    ``hidden_channels_enc``/``hidden_channels_dec`` override ``hidden_channels`` per part.
    The speaker embedding is L2-normalised before use, as officially.
    """

    def __init__(
        self,
        n_vocab: int,
        hidden_channels: int,
        filter_channels: int,
        filter_channels_dp: int,
        out_channels: int,
        kernel_size: int = 3,
        n_heads: int = 2,
        n_layers_enc: int = 6,
        p_dropout: float = 0.0,
        n_blocks_dec: int = 12,
        kernel_size_dec: int = 5,
        dilation_rate: int = 5,
        n_block_layers: int = 4,
        p_dropout_dec: float = 0.0,
        n_speakers: int = 0,
        gin_channels: int = 0,
        n_split: int = 4,
        n_sqz: int = 1,
        sigmoid_scale: bool = False,
        window_size: int | None = None,
        block_length: int | None = None,
        mean_only: bool = False,
        hidden_channels_enc: int | None = None,
        hidden_channels_dec: int | None = None,
        prenet: bool = False,
        **kwargs,
    ) -> None:
        super().__init__()
        self.n_vocab = n_vocab
        self.out_channels = out_channels
        self.n_speakers = n_speakers
        self.gin_channels = gin_channels
        self.n_sqz = n_sqz
        self.encoder = TextEncoder(
            n_vocab, out_channels, hidden_channels_enc or hidden_channels, filter_channels,
            filter_channels_dp, n_heads, n_layers_enc, kernel_size, p_dropout,
            window_size=window_size, block_length=block_length, mean_only=mean_only,
            prenet=prenet, gin_channels=gin_channels,
        )
        self.decoder = FlowSpecDecoder(
            out_channels, hidden_channels_dec or hidden_channels, kernel_size_dec,
            dilation_rate, n_blocks_dec, n_block_layers, p_dropout=p_dropout_dec,
            n_split=n_split, n_sqz=n_sqz, sigmoid_scale=sigmoid_scale,
            gin_channels=gin_channels,
        )
        if n_speakers > 1:
            self.emb_g = nn.Embedding(n_speakers, gin_channels)
            nn.init.uniform_(self.emb_g.weight, -0.1, 0.1)

    # --- inference steps ---

    def embed_speaker(self, sid: Tensor | None) -> Tensor | None:
        """Speaker ids [b] → conditioning g [b, gin, 1] (unit L2 norm); None for a
        single-speaker model, which ignores ``sid``."""
        if self.n_speakers <= 1:
            return None
        if sid is None:
            raise ValueError(f"this model has {self.n_speakers} speakers: give a speaker id")
        if bool((sid < 0).any() or (sid >= self.n_speakers).any()):
            raise ValueError(
                f"speaker id out of range 0..{self.n_speakers - 1}: {sid.tolist()}"
            )
        return F.normalize(self.emb_g(sid)).unsqueeze(-1)

    def encode_text(
        self, x: Tensor, x_lengths: Tensor, g: Tensor | None = None
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Token ids [b, T_x] → (x_m, x_logs [b, mel, T_x], logw [b, 1, T_x],
        x_mask [b, 1, T_x]); ``g`` from :meth:`embed_speaker`."""
        return self.encoder(x, x_lengths, g=g)

    @staticmethod
    def scale_durations(logw: Tensor, x_mask: Tensor, length_scale: float = 1.0) -> Tensor:
        """Durations in frames before rounding, ``exp(logw)·x_mask·length_scale``
        [b, 1, T_x]; :meth:`infer` rounds them up with ``ceil``."""
        return torch.exp(logw) * x_mask * length_scale

    def expand_to_frames(
        self, x_m: Tensor, x_logs: Tensor, x_mask: Tensor, durations: Tensor
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Repeat each token's prior statistics for its duration in frames.

        ``durations`` [b, T_x] are integers (padding tokens count as 0). As officially, each
        item's length is its total, at least 1, then floored to a multiple of ``n_sqz``, so
        the last frames of the last token may be cut. Returns (z_m, z_logs [b, mel, T_y],
        z_mask [b, 1, T_y], attn [b, 1, T_x, T_y]: note the token-major layout).
        """
        if durations.is_floating_point():
            raise TypeError("durations must be an integer tensor")
        if bool((durations < 0).any()):
            raise ValueError("durations must not be negative")
        durations = durations.masked_fill(x_mask.squeeze(1) == 0, 0)
        y_lengths = durations.sum(1).clamp_min(1) // self.n_sqz * self.n_sqz
        z_mask = sequence_mask(y_lengths).unsqueeze(1).to(x_m.dtype)
        attn_mask = x_mask.unsqueeze(-1) * z_mask.unsqueeze(2)
        attn = alignment_path(durations, z_mask.size(2)).unsqueeze(1).to(x_m.dtype) * attn_mask
        path = attn.squeeze(1).transpose(1, 2)
        z_m = (path @ x_m.transpose(1, 2)).transpose(1, 2)
        z_logs = (path @ x_logs.transpose(1, 2)).transpose(1, 2)
        return z_m, z_logs, z_mask, attn

    def decode(
        self,
        z_m: Tensor,
        z_logs: Tensor,
        z_mask: Tensor,
        noise: Tensor | None,
        noise_scale: float,
        g: Tensor | None,
    ) -> Tensor:
        """Frame-level prior → mel [b, mel, T_y]: ``z = (z_m + exp(z_logs)·noise·noise_scale)
        ·z_mask`` (``noise`` standard normal [b, mel, T_y]; None: zeros), then the decoder
        in reverse."""
        z = z_m if noise is None else z_m + torch.exp(z_logs) * noise * noise_scale
        return self.decoder.inverse(z * z_mask, z_mask, g=g)

    # --- official entry point ---

    def infer(
        self,
        x: Tensor,
        x_lengths: Tensor,
        sid: Tensor | None = None,
        noise_scale: float = 1.0,
        length_scale: float = 1.0,
        noise: Sequence[Tensor] | None = None,
    ) -> tuple[tuple, tuple, tuple]:
        """Text → mel as the official ``model(x, x_lengths, g=sid, gen=True, ...)``: returns
        ``(y, z_m, z_logs, None, z_mask), (x_m, x_logs, x_mask), (attn, logw, logw_)``
        with ``logw_ = log(1e-8 + frames per token)·x_mask``.

        ``noise`` replaces the official one random draw, the prior's [b, mel, T_y]
        (``torch.randn`` when not given, as officially even for ``noise_scale=0``).
        """
        g = self.embed_speaker(sid)
        x_m, x_logs, logw, x_mask = self.encode_text(x, x_lengths, g)
        w_ceil = torch.ceil(self.scale_durations(logw, x_mask, length_scale))
        z_m, z_logs, z_mask, attn = self.expand_to_frames(
            x_m, x_logs, x_mask, w_ceil.squeeze(1).long()
        )
        logw_ = torch.log(1e-8 + torch.sum(attn, -1)) * x_mask
        y = self.decode(z_m, z_logs, z_mask, _prior_noise(noise, z_m), noise_scale, g)
        return (y, z_m, z_logs, None, z_mask), (x_m, x_logs, x_mask), (attn, logw, logw_)

    def store_inverse(self) -> None:
        """What the official ``store_inverse`` does before inference: cache the 1×1
        convolutions' inverses and fold the coupling WN stacks' weight norm. The output is
        unchanged; call it after loading weights."""
        self.decoder.store_inverse()

    def fold_weight_norm(self) -> None:
        """Replace every ``weight_g``/``weight_v`` pair (also the couplings' ``start`` and
        ``cond_layer``) by its plain ``weight``, in place; outputs are unchanged. The folded
        model no longer has the official parameter names."""
        fold_weight_norm(self)


def _masked(x: Tensor, mask: Tensor | None) -> Tensor:
    return x if mask is None else x * mask


def _prior_noise(noise: Sequence[Tensor] | None, z_m: Tensor) -> Tensor:
    if noise is None:
        return torch.randn_like(z_m)
    if len(noise) != 1:
        raise ValueError(f"Glow-TTS draws one noise tensor, {len(noise)} were given")
    (draw,) = noise
    if draw.shape != z_m.shape:
        raise ValueError(
            f"noise tensor has shape {tuple(draw.shape)}, expected {tuple(z_m.shape)}"
        )
    return draw.to(dtype=z_m.dtype, device=z_m.device)


def build_glow_tts(config: dict, n_symbols: int = OFFICIAL_N_SYMBOLS) -> FlowGenerator:
    """A :class:`FlowGenerator` from an official config dict, as ``train.py`` builds it:
    ``n_vocab = n_symbols + data.add_blank``, ``out_channels = data.n_mel_channels``, the
    rest (speakers included) from ``model``. ``n_symbols`` is not in the config; the
    official symbol table has 148."""
    try:
        data, model = config["data"], config["model"]
        n_mels = data["n_mel_channels"]
    except KeyError as missing:
        raise ValueError(f"not a Glow-TTS config: missing {missing}") from None
    n_vocab = n_symbols + int(bool(data.get("add_blank", False)))
    return FlowGenerator(n_vocab=n_vocab, out_channels=n_mels, **model)
