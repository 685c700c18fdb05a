"""Grad-TTS: Popov, Vovk, Gogoryan, Sadekova and Kudinov 2021, "Grad-TTS: A Diffusion
Probabilistic Model for Text-to-Speech" (ICML), github.com/huawei-noah/Speech-Backbones
(``Grad-TTS/``) at commit 7782c7a.

:class:`GradTTS` has the official constructor and parameter names, so official
``grad_*.pt`` state dicts load with ``strict=True``. Besides the official ``forward`` it
exposes the inference steps one by one (text encoding, durations, expansion to frames,
decoding) so a caller can edit durations between them, and every random draw can be passed
in instead of taken from the global generator.

Official behaviour kept on purpose (see ``shared/parity/report.md`` §5):

- ``length_scale`` multiplies the durations *after* ``ceil``, so they may be fractional;
  the frame count is the floor of their sum and the alignment comes from a float cumsum.
- The frame axis is padded to a multiple of 4 (two U-Net downsamplings). GroupNorm and
  the unmasked linear attention see the padding, so outputs depend on it and on batching.
- The speaker embedding conditions only the decoder, as a third U-Net input plane.
- The U-Net's speaker MLP always projects to 80 features (the estimator is built without
  ``n_feats``).

The training pass (alignment search and the three losses) is not implemented yet.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from engine.models.layers import (
    ConvReluNorm,
    DurationPredictor,
    Encoder,
    alignment_path,
    sequence_mask,
)

OFFICIAL_N_VOCAB = 149
"""``len(symbols) + 1``: 148 ARPAbet/punctuation symbols and the interspersed blank."""

U_NET_DOWNSAMPLINGS = 2
SPEAKER_PLANE_FEATS = 80
"""``Diffusion`` builds its estimator without ``n_feats``, so the speaker MLP keeps the
default 80 outputs whatever the model's ``n_feats``."""


def fix_len_compatibility(length: int, downsamplings: int = U_NET_DOWNSAMPLINGS) -> int:
    """The smallest length ≥ ``length`` the U-Net can halve ``downsamplings`` times."""
    multiple = 2**downsamplings
    return -(-length // multiple) * multiple


# --- the U-Net score estimator ----------------------------------------------------------------


class Mish(nn.Module):
    """``x·tanh(softplus(x))``, written out as officially: on a CPU this takes about half
    the time of ``F.mish``, whose kernel is not vectorised."""

    def forward(self, x: Tensor) -> Tensor:
        return x * torch.tanh_(F.softplus(x))


class SinusoidalPosEmb(nn.Module):
    """Embedding of the diffusion time t ∈ [0, 1]: ``[sin(s·t·f_k), cos(s·t·f_k)]`` with
    ``f_k = 10000^(-k/(dim/2 - 1))`` and ``s = pe_scale`` (1000; 1 in ``grad-tts-old.pt``)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, t: Tensor, scale: float = 1000) -> Tensor:
        half = self.dim // 2
        step = math.log(10000) / (half - 1)
        freqs = torch.exp(torch.arange(half, device=t.device).float() * -step)
        angles = scale * t.unsqueeze(1) * freqs.unsqueeze(0)
        return torch.cat((angles.sin(), angles.cos()), dim=-1)


class Block(nn.Module):
    """Masked 3×3 conv, GroupNorm, Mish (``block.0``, ``block.1``); output masked."""

    def __init__(self, dim: int, dim_out: int, groups: int = 8) -> None:
        super().__init__()
        self.block = nn.Sequential(
            nn.Conv2d(dim, dim_out, 3, padding=1), nn.GroupNorm(groups, dim_out), Mish()
        )

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        return self.unmasked(x * mask) * mask

    def unmasked(self, x_masked: Tensor) -> Tensor:
        """The block of an already masked input, its output not yet masked."""
        return self.block(x_masked)


class ResnetBlock(nn.Module):
    """Two :class:`Block` with the time embedding, through ``mlp`` (Mish, Linear), added
    per channel between them; a residual 1×1 ``res_conv`` when the width changes."""

    def __init__(self, dim: int, dim_out: int, time_emb_dim: int, groups: int = 8) -> None:
        super().__init__()
        self.mlp = nn.Sequential(Mish(), nn.Linear(time_emb_dim, dim_out))
        self.block1 = Block(dim, dim_out, groups)
        self.block2 = Block(dim_out, dim_out, groups)
        self.res_conv = nn.Conv2d(dim, dim_out, 1) if dim != dim_out else nn.Identity()

    def forward(self, x: Tensor, mask: Tensor, time_emb: Tensor) -> Tensor:
        """The official ``block2(block1(x) + mlp(t)) + res_conv(x·mask)`` with its mask
        products merged where that is exact (the mask is 0 or 1 and ``block1``'s output
        is already masked): ``x·mask`` is made once, block 2's masked input is
        ``block1 + mlp(t)·mask`` and its masked output is added to the residual in one
        ``addcmul``."""
        x_masked = x * mask
        h = torch.addcmul(
            self.block1.unmasked(x_masked) * mask, self.mlp(time_emb)[:, :, None, None], mask
        )
        return torch.addcmul(self.res_conv(x_masked), self.block2.unmasked(h), mask)


class LinearAttention(nn.Module):
    """Linear attention over all positions of a ``[b, c, h, w]`` image (``to_qkv``,
    ``to_out``): keys are softmaxed over positions, queries are neither softmaxed nor
    scaled, and nothing is masked. ``to_qkv`` channels are ordered (q|k|v, head, channel)."""

    def __init__(self, dim: int, heads: int = 4, dim_head: int = 32) -> None:
        super().__init__()
        self.heads = heads
        hidden_dim = heads * dim_head
        self.to_qkv = nn.Conv2d(dim, hidden_dim * 3, 1, bias=False)
        self.to_out = nn.Conv2d(hidden_dim, dim, 1)

    def forward(self, x: Tensor) -> Tensor:
        """Computed position-major, ``[b, h·w, heads, dim_head]``, which is a view of a
        channels-last ``to_qkv`` output (see :meth:`GradLogPEstimator2d.forward`)."""
        b, _, h, w = x.shape
        qkv = self.to_qkv(x).permute(0, 2, 3, 1).reshape(b, h * w, 3, self.heads, -1)
        q, k, v = qkv.unbind(2)
        context = torch.einsum("bnhd,bnhe->bhde", k.softmax(dim=1), v)
        out = torch.einsum("bhde,bnhd->bnhe", context, q)
        return self.to_out(out.reshape(b, h, w, -1).permute(0, 3, 1, 2))


class Rezero(nn.Module):
    """``fn(x)·g`` with a scalar ``g`` initialised to 0."""

    def __init__(self, fn: nn.Module) -> None:
        super().__init__()
        self.fn = fn
        self.g = nn.Parameter(torch.zeros(1))

    def forward(self, x: Tensor) -> Tensor:
        return self.fn(x) * self.g


class Residual(nn.Module):
    def __init__(self, fn: nn.Module) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: Tensor) -> Tensor:
        return self.fn(x) + x


def _attention(dim: int) -> Residual:
    return Residual(Rezero(LinearAttention(dim)))


class Downsample(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(dim, dim, 3, 2, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x)


class Upsample(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.conv = nn.ConvTranspose2d(dim, dim, 4, 2, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x)


class GradLogPEstimator2d(nn.Module):
    """The score network s_θ(x_t, μ, t[, speaker]) (paper §3.3): a 2-D U-Net over the
    ``[b, 2 or 3, n_feats, T]`` image stacking μ, x_t and, for several speakers, the speaker
    plane ``spk_mlp(spk)`` repeated over time.

    Three resolutions down (``downs``) but only two up (``ups``): the full-resolution skip
    is never used. Masks are downsampled by taking every other frame. ``T`` must be a
    multiple of 4 and the feature count divisible by 4.
    """

    def __init__(
        self,
        dim: int,
        dim_mults: Sequence[int] = (1, 2, 4),
        groups: int = 8,
        n_spks: int | None = None,
        spk_emb_dim: int = 64,
        n_feats: int = SPEAKER_PLANE_FEATS,
        pe_scale: float = 1000,
    ) -> None:
        super().__init__()
        n_spks = 1 if n_spks is None else n_spks
        self.n_spks = n_spks
        self.pe_scale = pe_scale
        if n_spks > 1:
            self.spk_mlp = nn.Sequential(
                nn.Linear(spk_emb_dim, spk_emb_dim * 4), Mish(),
                nn.Linear(spk_emb_dim * 4, n_feats),
            )
        self.time_pos_emb = SinusoidalPosEmb(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim * 4), Mish(), nn.Linear(dim * 4, dim))
        dims = [3 if n_spks > 1 else 2, *(dim * m for m in dim_mults)]
        in_out = list(zip(dims[:-1], dims[1:], strict=True))
        # ``ups`` is registered before the middle blocks, as officially (state-dict order).
        self.downs = nn.ModuleList()
        self.ups = nn.ModuleList()
        for i, (dim_in, dim_out) in enumerate(in_out):
            is_last = i == len(in_out) - 1
            self.downs.append(
                nn.ModuleList([
                    ResnetBlock(dim_in, dim_out, dim, groups),
                    ResnetBlock(dim_out, dim_out, dim, groups),
                    _attention(dim_out),
                    nn.Identity() if is_last else Downsample(dim_out),
                ])
            )
        mid_dim = dims[-1]
        self.mid_block1 = ResnetBlock(mid_dim, mid_dim, dim, groups)
        self.mid_attn = _attention(mid_dim)
        self.mid_block2 = ResnetBlock(mid_dim, mid_dim, dim, groups)
        for dim_in, dim_out in reversed(in_out[1:]):
            self.ups.append(
                nn.ModuleList([
                    ResnetBlock(dim_out * 2, dim_in, dim, groups),
                    ResnetBlock(dim_in, dim_in, dim, groups),
                    _attention(dim_in),
                    Upsample(dim_in),
                ])
            )
        self.final_block = Block(dim, dim, groups)
        self.final_conv = nn.Conv2d(dim, 1, 1)

    def forward(
        self, x: Tensor, mask: Tensor, mu: Tensor, t: Tensor, spk: Tensor | None = None
    ) -> Tensor:
        """Score [b, n_feats, T] of ``x`` [b, n_feats, T] given ``mu``, ``mask`` [b, 1, T],
        the time ``t`` [b] and, for several speakers, the embedding ``spk`` [b, spk_emb_dim]."""
        time_emb = self.mlp(self.time_pos_emb(t, scale=self.pe_scale))
        planes = [mu, x]
        if self.n_spks > 1:
            if spk is None:
                raise ValueError("a multi-speaker estimator needs a speaker embedding")
            planes.append(self.spk_mlp(spk).unsqueeze(-1).expand(-1, -1, x.size(-1)))
        # Channels-last images: oneDNN's native layout (no reorder around every conv) and
        # a position-major layout for the linear attention.
        x = torch.stack(planes, 1).contiguous(memory_format=torch.channels_last)
        mask = mask.unsqueeze(1)

        skips = []
        masks = [mask]
        for resnet1, resnet2, attn, downsample in self.downs:
            level_mask = masks[-1]
            x = attn(resnet2(resnet1(x, level_mask, time_emb), level_mask, time_emb))
            skips.append(x)
            x = downsample(x * level_mask)
            masks.append(level_mask[:, :, :, ::2])
        masks.pop()

        mid_mask = masks[-1]
        x = self.mid_block1(x, mid_mask, time_emb)
        x = self.mid_block2(self.mid_attn(x), mid_mask, time_emb)

        for resnet1, resnet2, attn, upsample in self.ups:
            level_mask = masks.pop()
            x = torch.cat((x, skips.pop()), dim=1)
            x = attn(resnet2(resnet1(x, level_mask, time_emb), level_mask, time_emb))
            x = upsample(x * level_mask)

        # final_block's output is masked already.
        x = self.final_block(x, mask)
        return (self.final_conv(x) * mask).squeeze(1)


# --- the diffusion decoder ---------------------------------------------------------------------


class Diffusion(nn.Module):
    """The decoder: solves the reverse-time diffusion from ``z`` ~ N(μ, I/temperature) to a
    mel-spectrogram (paper §3.1-3.2), with the linear noise schedule
    ``β(t) = beta_min + (beta_max - beta_min)·t`` and the score from ``estimator``.

    ``n_timesteps`` Euler steps of size h = 1/N at ``t_i = 1 - (i + 0.5)·h``::

        x ← (x - ½(μ - x - s(x, μ, t_i))·β(t_i)·h) · mask                  (ODE, stoc=False)
        x ← (x - (½(μ - x) - s)·β(t_i)·h - ε·sqrt(β(t_i)·h)) · mask, ε ~ N(0, I)  (SDE)
    """

    def __init__(
        self,
        n_feats: int,
        dim: int,
        n_spks: int = 1,
        spk_emb_dim: int = 64,
        beta_min: float = 0.05,
        beta_max: float = 20,
        pe_scale: float = 1000,
    ) -> None:
        super().__init__()
        self.n_feats = n_feats
        self.n_spks = n_spks
        self.beta_min = beta_min
        self.beta_max = beta_max
        self.estimator = GradLogPEstimator2d(
            dim, n_spks=n_spks, spk_emb_dim=spk_emb_dim, pe_scale=pe_scale
        )

    def beta(self, t: Tensor) -> Tensor:
        return self.beta_min + (self.beta_max - self.beta_min) * t

    @torch.no_grad()
    def forward(
        self,
        z: Tensor,
        mask: Tensor,
        mu: Tensor,
        n_timesteps: int,
        stoc: bool = False,
        spk: Tensor | None = None,
        step_noise: Sequence[Tensor] | None = None,
    ) -> Tensor:
        """The official ``reverse_diffusion``: ``z``, ``mu`` [b, n_feats, T], ``mask``
        [b, 1, T], ``spk`` the speaker embedding. ``step_noise`` replaces the stochastic
        sampler's ``n_timesteps`` draws, in order (standard normal, shaped like ``z``)."""
        if n_timesteps < 1:
            raise ValueError(f"n_timesteps must be at least 1, got {n_timesteps}")
        draws = _Draws(step_noise)
        h = 1.0 / n_timesteps
        xt = z * mask
        for i in range(n_timesteps):
            t = (1.0 - (i + 0.5) * h) * torch.ones(z.size(0), dtype=z.dtype, device=z.device)
            beta_t = self.beta(t[:, None, None])
            score = self.estimator(xt, mask, mu, t, spk)
            if stoc:
                drift = (0.5 * (mu - xt) - score) * beta_t * h
                dxt = drift + draws.next(z) * torch.sqrt(beta_t * h)
            else:
                dxt = 0.5 * (mu - xt - score) * beta_t * h
            xt = (xt - dxt) * mask
        draws.check_all_used()
        return xt


class _Draws:
    """Standard-normal draws shaped like a given tensor: from ``torch.randn`` or, when
    recorded tensors are given, those tensors in order (how fixtures are replayed)."""

    def __init__(self, recorded: Sequence[Tensor] | None) -> None:
        self._recorded = None if recorded is None else list(recorded)

    def next(self, like: Tensor) -> Tensor:
        if self._recorded is None:
            return torch.randn(like.shape, dtype=like.dtype, device=like.device)
        if not self._recorded:
            raise ValueError("fewer noise tensors were given than the call draws")
        noise = self._recorded.pop(0)
        if noise.shape != like.shape:
            raise ValueError(
                f"noise tensor has shape {tuple(noise.shape)}, expected {tuple(like.shape)}"
            )
        return noise.to(dtype=like.dtype, device=like.device)

    def check_all_used(self) -> None:
        if self._recorded:
            raise ValueError(f"{len(self._recorded)} noise tensor(s) were given but not drawn")


# --- the text encoder ------------------------------------------------------------------------


class TextEncoder(nn.Module):
    """Glow-TTS's text encoder as Grad-TTS uses it (paper §3.3): embedding, convolutional
    prenet, relative-position transformer, then ``proj_m`` to the per-token mel means μ and
    the duration predictor ``proj_w`` on the detached hidden states.

    ``GradTTS`` builds it with ``n_spks=1``, so it is never speaker-conditioned.
    """

    def __init__(
        self,
        n_vocab: int,
        n_feats: int,
        n_channels: int,
        filter_channels: int,
        filter_channels_dp: int,
        n_heads: int,
        n_layers: int,
        kernel_size: int,
        p_dropout: float,
        window_size: int | None = None,
    ) -> None:
        super().__init__()
        self.n_channels = n_channels
        self.emb = nn.Embedding(n_vocab, n_channels)
        nn.init.normal_(self.emb.weight, 0.0, n_channels**-0.5)
        self.prenet = ConvReluNorm(n_channels, n_channels, n_channels, 5, 3, 0.5)
        self.encoder = Encoder(
            n_channels, filter_channels, n_heads, n_layers, kernel_size, p_dropout,
            window_size, scale_query=False, norm_eps=1e-4, explicit_norm=True,
        )
        self.proj_m = nn.Conv1d(n_channels, n_feats, 1)
        self.proj_w = DurationPredictor(
            n_channels, filter_channels_dp, kernel_size, p_dropout, norm_eps=1e-4,
            explicit_norm=True,
        )

    def forward(self, x: Tensor, x_lengths: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Token ids [b, T_x] → (mu_x [b, n_feats, T_x], logw [b, 1, T_x], x_mask)."""
        h = (self.emb(x) * math.sqrt(self.n_channels)).transpose(1, -1)
        x_mask = sequence_mask(x_lengths, h.size(2)).unsqueeze(1).to(h.dtype)
        h = self.encoder(self.prenet(h, x_mask), x_mask)
        mu = self.proj_m(h) * x_mask
        logw = self.proj_w(h.detach(), x_mask)
        return mu, logw, x_mask


# --- the model ---------------------------------------------------------------------------------


class Inference(NamedTuple):
    """Everything one :meth:`GradTTS.infer` call computes. ``encoder_outputs``,
    ``decoder_outputs`` are cut to the longest item; ``attn`` [b, 1, T_x, T_pad], ``z``,
    ``mu_y`` and ``y_mask`` keep the padded length the decoder ran on."""

    encoder_outputs: Tensor
    decoder_outputs: Tensor
    attn: Tensor
    z: Tensor
    mu_y: Tensor
    y_mask: Tensor
    y_lengths: Tensor


class GradTTS(nn.Module):
    """Grad-TTS with the official constructor and submodules: ``encoder`` (text encoder and
    duration predictor), ``decoder`` (diffusion with the U-Net ``decoder.estimator``) and
    ``spk_emb`` (when ``n_spks > 1``)."""

    def __init__(
        self,
        n_vocab: int,
        n_spks: int,
        spk_emb_dim: int,
        n_enc_channels: int,
        filter_channels: int,
        filter_channels_dp: int,
        n_heads: int,
        n_enc_layers: int,
        enc_kernel: int,
        enc_dropout: float,
        window_size: int | None,
        n_feats: int,
        dec_dim: int,
        beta_min: float,
        beta_max: float,
        pe_scale: float,
    ) -> None:
        super().__init__()
        if n_feats % 2**U_NET_DOWNSAMPLINGS:
            raise ValueError(f"n_feats must be a multiple of 4 for the U-Net, got {n_feats}")
        if n_spks > 1 and n_feats != SPEAKER_PLANE_FEATS:
            raise ValueError(
                f"a multi-speaker Grad-TTS needs n_feats={SPEAKER_PLANE_FEATS} (its U-Net's "
                f"speaker plane always has that many), got {n_feats}"
            )
        self.n_vocab = n_vocab
        self.n_spks = n_spks
        self.n_feats = n_feats
        if n_spks > 1:
            self.spk_emb = nn.Embedding(n_spks, spk_emb_dim)
        self.encoder = TextEncoder(
            n_vocab, n_feats, n_enc_channels, filter_channels, filter_channels_dp, n_heads,
            n_enc_layers, enc_kernel, enc_dropout, window_size,
        )
        self.decoder = Diffusion(
            n_feats, dec_dim, n_spks, spk_emb_dim, beta_min, beta_max, pe_scale
        )

    # --- inference steps ---

    def embed_speaker(self, spk: Tensor | None) -> Tensor | None:
        """Speaker ids [b] → embeddings [b, spk_emb_dim]; None for a single-speaker model
        (which ignores ``spk``, as officially)."""
        if self.n_spks <= 1:
            return None
        if spk is None:
            raise ValueError(f"this model has {self.n_spks} speakers: give a speaker id")
        if bool((spk < 0).any() or (spk >= self.n_spks).any()):
            raise ValueError(f"speaker id out of range 0..{self.n_spks - 1}: {spk.tolist()}")
        return self.spk_emb(spk)

    def encode_text(self, x: Tensor, x_lengths: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Token ids [b, T_x] → (mu_x [b, n_feats, T_x], logw [b, 1, T_x], x_mask [b,1,T_x]).
        Not speaker-conditioned, as officially."""
        return self.encoder(x, x_lengths)

    @staticmethod
    def predicted_durations(logw: Tensor, x_mask: Tensor, length_scale: float = 1.0) -> Tensor:
        """The official durations in frames [b, T_x]: ``ceil(exp(logw)·x_mask)·length_scale``.
        The scale comes after the ceil, so they are fractional unless it is 1."""
        return (torch.ceil(torch.exp(logw) * x_mask) * length_scale).squeeze(1)

    def expand_to_frames(
        self, mu_x: Tensor, x_mask: Tensor, durations: Tensor
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Repeat each token's mean for its duration, as the official ``generate_path``.

        ``durations`` [b, T_x] in frames, integer or (official predicted path) fractional:
        token x covers the frames y with ``cum[x-1] <= y < cum[x]`` of their cumulative sum,
        and an item has ``floor(sum)`` frames (at least 1). Returns (mu_y [b, n_feats, T],
        y_mask [b, 1, T], attn [b, 1, T_x, T], y_lengths [b]) with T the longest item padded
        to a multiple of 4.
        """
        if bool((durations < 0).any()):
            raise ValueError("durations must not be negative")
        durations = durations.to(mu_x.dtype) * x_mask.squeeze(1)
        y_lengths = torch.clamp_min(durations.sum(1), 1).long()
        n_frames = fix_len_compatibility(int(y_lengths.max()))
        y_mask = sequence_mask(y_lengths, n_frames).unsqueeze(1).to(x_mask.dtype)
        attn_mask = x_mask.unsqueeze(-1) * y_mask.unsqueeze(2)
        attn = alignment_path(durations, n_frames).unsqueeze(1).to(durations.dtype) * attn_mask
        mu_y = (attn.squeeze(1).transpose(1, 2) @ mu_x.transpose(1, 2)).transpose(1, 2)
        return mu_y, y_mask, attn, y_lengths

    def decode(
        self,
        mu_y: Tensor,
        y_mask: Tensor,
        noise: Tensor | None = None,
        n_timesteps: int = 10,
        temperature: float = 1.0,
        stoc: bool = False,
        spk: Tensor | None = None,
        step_noise: Sequence[Tensor] | None = None,
    ) -> Tensor:
        """Frame-level means → mel [b, n_feats, T]: start from ``z = mu_y + noise/temperature``
        (``noise`` standard normal like ``mu_y``, drawn when None) and run the reverse
        diffusion; ``spk`` are speaker ids. ``step_noise``: see :meth:`Diffusion.forward`."""
        return self._decode(mu_y, y_mask, noise, n_timesteps, temperature, stoc, spk, step_noise)[0]

    def _decode(
        self,
        mu_y: Tensor,
        y_mask: Tensor,
        noise: Tensor | None,
        n_timesteps: int,
        temperature: float,
        stoc: bool,
        spk: Tensor | None,
        step_noise: Sequence[Tensor] | None,
    ) -> tuple[Tensor, Tensor]:
        if noise is None:
            # mu_y from expand_to_frames is a transposed view, as officially, and randn_like
            # keeps its strides: the same seed gives the official draw.
            noise = torch.randn_like(mu_y)
        z = mu_y + noise / temperature
        spk_emb = self.embed_speaker(spk)
        return self.decoder(z, y_mask, mu_y, n_timesteps, stoc, spk_emb, step_noise), z

    # --- official entry point ---

    @torch.no_grad()
    def infer(
        self,
        x: Tensor,
        x_lengths: Tensor,
        n_timesteps: int,
        temperature: float = 1.0,
        stoc: bool = False,
        spk: Tensor | None = None,
        length_scale: float = 1.0,
        noise: Sequence[Tensor] | None = None,
    ) -> Inference:
        """The official ``forward`` with its intermediate tensors. ``noise`` replaces the
        official random draws in order: the terminal sample's [b, n_feats, T_pad], then, with
        ``stoc``, one per step."""
        step_noise = None if noise is None else list(noise)
        terminal = step_noise.pop(0) if step_noise else None
        mu_x, logw, x_mask = self.encode_text(x, x_lengths)
        durations = self.predicted_durations(logw, x_mask, length_scale)
        mu_y, y_mask, attn, y_lengths = self.expand_to_frames(mu_x, x_mask, durations)
        mel, z = self._decode(
            mu_y, y_mask, terminal, n_timesteps, temperature, stoc, spk, step_noise
        )
        n_frames = int(y_lengths.max())
        return Inference(
            mu_y[:, :, :n_frames], mel[:, :, :n_frames], attn, z, mu_y, y_mask, y_lengths
        )

    def forward(
        self,
        x: Tensor,
        x_lengths: Tensor,
        n_timesteps: int,
        temperature: float = 1.0,
        stoc: bool = False,
        spk: Tensor | None = None,
        length_scale: float = 1.0,
        noise: Sequence[Tensor] | None = None,
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Text → (encoder_outputs, decoder_outputs, attn), as officially. ``attn`` keeps the
        padded frame axis: the official ``attn[:, :, :y_max_length]`` cuts the token axis."""
        result = self.infer(
            x, x_lengths, n_timesteps, temperature, stoc, spk, length_scale, noise
        )
        return result.encoder_outputs, result.decoder_outputs, result.attn


def build_grad_tts(params: dict) -> GradTTS:
    """A :class:`GradTTS` from the official ``params.py`` values (as a dict with its variable
    names), as ``inference.py``/``train.py`` build it: ``n_vocab = len(symbols) + 1`` with
    ``add_blank``, else ``len(symbols)``. Keys the model does not use (audio settings, seed,
    learning rate, ...) are ignored."""
    try:
        n_vocab = OFFICIAL_N_VOCAB if params.get("add_blank", True) else OFFICIAL_N_VOCAB - 1
        return GradTTS(
            n_vocab, params["n_spks"], params["spk_emb_dim"], params["n_enc_channels"],
            params["filter_channels"], params["filter_channels_dp"], params["n_heads"],
            params["n_enc_layers"], params["enc_kernel"], params["enc_dropout"],
            params["window_size"], params["n_feats"], params["dec_dim"], params["beta_min"],
            params["beta_max"], params["pe_scale"],
        )
    except KeyError as missing:
        raise ValueError(f"not a Grad-TTS params dict: missing {missing}") from None
