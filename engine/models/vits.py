"""VITS generator: Kim, Kong and Son 2021, "Conditional Variational Autoencoder with
Adversarial Learning for End-to-End Text-to-Speech" (ICML), github.com/jaywalnut310/vits
at commit 2e561ba.

:class:`SynthesizerTrn` has the official constructor and parameter names, so official
``G_*.pth`` weights load with ``strict=True``. Besides the official ``infer`` and
``voice_conversion`` it exposes the inference steps one by one (text encoding, duration
prediction, expansion to frames, decoding) so a caller can edit durations between them, and
every random draw can be passed in instead of taken from the global generator.

The training pass (alignment search, the duration likelihood, the losses) is not
implemented yet; the modules only it uses (``dp.post_*``) exist so checkpoints load.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from engine.models.layers import (
    WN,
    DurationPredictor,
    Encoder,
    Generator,
    LayerNorm,
    alignment_path,
    fold_weight_norm,
    sequence_mask,
)

OFFICIAL_N_VOCAB = 178
"""``len(text.symbols.symbols)`` of the official repository: pad, punctuation, letters, IPA."""


# --- encoders ----------------------------------------------------------------------------------


class TextEncoder(nn.Module):
    """Prior encoder: phoneme embedding, relative-position transformer, projection to the
    mean and log-std of the prior (paper §2.5.1). Not speaker-conditioned."""

    def __init__(
        self,
        n_vocab: int,
        out_channels: int,
        hidden_channels: int,
        filter_channels: int,
        n_heads: int,
        n_layers: int,
        kernel_size: int,
        p_dropout: float,
    ) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.hidden_channels = hidden_channels
        self.emb = nn.Embedding(n_vocab, hidden_channels)
        nn.init.normal_(self.emb.weight, 0.0, hidden_channels**-0.5)
        self.encoder = Encoder(
            hidden_channels, filter_channels, n_heads, n_layers, kernel_size, p_dropout
        )
        self.proj = nn.Conv1d(hidden_channels, out_channels * 2, 1)

    def forward(self, x: Tensor, x_lengths: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Token ids [b, t] → (hidden [b,h,t], m [b,c,t], logs [b,c,t], x_mask [b,1,t])."""
        h = (self.emb(x) * math.sqrt(self.hidden_channels)).transpose(1, -1)
        x_mask = sequence_mask(x_lengths, h.size(2)).unsqueeze(1).to(h.dtype)
        h = self.encoder(h * x_mask, x_mask)
        m, logs = torch.split(self.proj(h) * x_mask, self.out_channels, dim=1)
        return h, m, logs, x_mask


class PosteriorEncoder(nn.Module):
    """Posterior encoder q(z|x_lin): a WN stack over the linear spectrogram (paper §2.5.2)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        hidden_channels: int,
        kernel_size: int,
        dilation_rate: int,
        n_layers: int,
        gin_channels: int = 0,
    ) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.pre = nn.Conv1d(in_channels, hidden_channels, 1)
        self.enc = WN(hidden_channels, kernel_size, dilation_rate, n_layers, gin_channels)
        self.proj = nn.Conv1d(hidden_channels, out_channels * 2, 1)

    def forward(
        self, x: Tensor, x_lengths: Tensor, g: Tensor | None = None, noise: Tensor | None = None
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Spectrogram [b, spec, t] → (z, m, logs, y_mask); ``z = (m + noise·exp(logs))·mask``
        with ``noise`` standard normal, drawn here when not given."""
        y_mask = sequence_mask(x_lengths, x.size(2)).unsqueeze(1).to(x.dtype)
        h = self.enc(self.pre(x) * y_mask, y_mask, g=g)
        m, logs = torch.split(self.proj(h) * y_mask, self.out_channels, dim=1)
        if noise is None:
            noise = torch.randn_like(m)
        z = (m + noise * torch.exp(logs)) * y_mask
        return z, m, logs, y_mask


# --- normalising flows ----------------------------------------------------------------------
#
# Each flow layer has forward(x, x_mask, g) -> (y, logdet) and inverse(y, x_mask, g) -> x.


class Flip(nn.Module):
    """Reverses the channel order, so the next coupling layer transforms the other half."""

    def forward(
        self, x: Tensor, x_mask: Tensor, g: Tensor | None = None
    ) -> tuple[Tensor, Tensor]:
        return torch.flip(x, [1]), x.new_zeros(x.size(0))

    def inverse(self, x: Tensor, x_mask: Tensor, g: Tensor | None = None) -> Tensor:
        return torch.flip(x, [1])


class ResidualCouplingLayer(nn.Module):
    """Mean-only affine coupling (paper §2.5.3): the first half of the channels, through a WN
    stack, shifts the second half. ``post`` is zero-initialised, so a new flow is identity."""

    def __init__(
        self,
        channels: int,
        hidden_channels: int,
        kernel_size: int,
        dilation_rate: int,
        n_layers: int,
        gin_channels: int = 0,
    ) -> None:
        super().__init__()
        if channels % 2:
            raise ValueError(f"coupling needs an even channel count, got {channels}")
        self.half_channels = channels // 2
        self.pre = nn.Conv1d(self.half_channels, hidden_channels, 1)
        self.enc = WN(hidden_channels, kernel_size, dilation_rate, n_layers, gin_channels)
        self.post = nn.Conv1d(hidden_channels, self.half_channels, 1)
        nn.init.zeros_(self.post.weight)
        nn.init.zeros_(self.post.bias)

    def _shift(self, x0: Tensor, x_mask: Tensor, g: Tensor | None) -> Tensor:
        h = self.enc(self.pre(x0) * x_mask, x_mask, g=g)
        return self.post(h) * x_mask

    def forward(
        self, x: Tensor, x_mask: Tensor, g: Tensor | None = None
    ) -> tuple[Tensor, Tensor]:
        x0, x1 = torch.split(x, self.half_channels, dim=1)
        x1 = self._shift(x0, x_mask, g) + x1 * x_mask
        return torch.cat([x0, x1], 1), x.new_zeros(x.size(0))

    def inverse(self, x: Tensor, x_mask: Tensor, g: Tensor | None = None) -> Tensor:
        x0, x1 = torch.split(x, self.half_channels, dim=1)
        x1 = (x1 - self._shift(x0, x_mask, g)) * x_mask
        return torch.cat([x0, x1], 1)


class ResidualCouplingBlock(nn.Module):
    """The prior flow f_θ: ``n_flows`` × (coupling layer, flip), speaker-conditioned."""

    def __init__(
        self,
        channels: int,
        hidden_channels: int,
        kernel_size: int,
        dilation_rate: int,
        n_layers: int,
        n_flows: int = 4,
        gin_channels: int = 0,
    ) -> None:
        super().__init__()
        self.flows = nn.ModuleList()
        for _ in range(n_flows):
            self.flows.append(
                ResidualCouplingLayer(
                    channels, hidden_channels, kernel_size, dilation_rate, n_layers,
                    gin_channels,
                )
            )
            self.flows.append(Flip())

    def forward(
        self, x: Tensor, x_mask: Tensor, g: Tensor | None = None, reverse: bool = False
    ) -> Tensor:
        """Posterior latent z → prior latent z_p, or back with ``reverse=True``."""
        if reverse:
            for flow in reversed(self.flows):
                x = flow.inverse(x, x_mask, g=g)
        else:
            for flow in self.flows:
                x, _ = flow(x, x_mask, g=g)
        return x


class ElementwiseAffine(nn.Module):
    """Per-channel affine flow ``y = m + exp(logs)·x`` (parameters ``m``, ``logs``: [c, 1])."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.m = nn.Parameter(torch.zeros(channels, 1))
        self.logs = nn.Parameter(torch.zeros(channels, 1))

    def forward(
        self, x: Tensor, x_mask: Tensor, g: Tensor | None = None
    ) -> tuple[Tensor, Tensor]:
        y = (self.m + torch.exp(self.logs) * x) * x_mask
        return y, torch.sum(self.logs * x_mask, [1, 2])

    def inverse(self, x: Tensor, x_mask: Tensor, g: Tensor | None = None) -> Tensor:
        return (x - self.m) * torch.exp(-self.logs) * x_mask


class DDSConv(nn.Module):
    """Dilated depth-separable convolutions with layer norm and GELU (paper §2.6,
    appendix B.2): layer i has dilation ``kernel_size**i``. ``g`` is added to the input."""

    def __init__(
        self, channels: int, kernel_size: int, n_layers: int, p_dropout: float = 0.0
    ) -> None:
        super().__init__()
        self.drop = nn.Dropout(p_dropout)
        self.convs_sep = nn.ModuleList()
        self.convs_1x1 = nn.ModuleList()
        self.norms_1 = nn.ModuleList()
        self.norms_2 = nn.ModuleList()
        for i in range(n_layers):
            dilation = kernel_size**i
            padding = (kernel_size * dilation - dilation) // 2
            self.convs_sep.append(
                nn.Conv1d(
                    channels, channels, kernel_size, groups=channels, dilation=dilation,
                    padding=padding,
                )
            )
            self.convs_1x1.append(nn.Conv1d(channels, channels, 1))
            self.norms_1.append(LayerNorm(channels))
            self.norms_2.append(LayerNorm(channels))

    def forward(self, x: Tensor, x_mask: Tensor, g: Tensor | None = None) -> Tensor:
        if g is not None:
            x = x + g
        for sep, norm_1, conv_1x1, norm_2 in zip(
            self.convs_sep, self.norms_1, self.convs_1x1, self.norms_2, strict=True
        ):
            y = F.gelu(norm_1(sep(x * x_mask)))
            y = F.gelu(norm_2(conv_1x1(y)))
            x = x + self.drop(y)
        return x * x_mask


class ConvFlow(nn.Module):
    """Neural-spline coupling of the stochastic duration predictor (paper §2.6): the first
    half of the channels, through DDSConv, parameterises a rational-quadratic spline of the
    second half. As officially, bin widths and heights (not the derivatives) are divided by
    sqrt(filter_channels); ``proj`` is zero-initialised."""

    def __init__(
        self,
        in_channels: int,
        filter_channels: int,
        kernel_size: int,
        n_layers: int,
        num_bins: int = 10,
        tail_bound: float = 5.0,
    ) -> None:
        super().__init__()
        self.filter_channels = filter_channels
        self.num_bins = num_bins
        self.tail_bound = tail_bound
        self.half_channels = in_channels // 2
        self.pre = nn.Conv1d(self.half_channels, filter_channels, 1)
        self.convs = DDSConv(filter_channels, kernel_size, n_layers, p_dropout=0.0)
        self.proj = nn.Conv1d(filter_channels, self.half_channels * (num_bins * 3 - 1), 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def _transform(
        self, x: Tensor, x_mask: Tensor, g: Tensor | None, inverse: bool
    ) -> tuple[Tensor, Tensor]:
        x0, x1 = torch.split(x, self.half_channels, dim=1)
        h = self.proj(self.convs(self.pre(x0), x_mask, g=g)) * x_mask
        b, c, t = x0.shape
        h = h.reshape(b, c, -1, t).permute(0, 1, 3, 2)
        n = self.num_bins
        scale = math.sqrt(self.filter_channels)
        x1, logabsdet = rational_quadratic_spline(
            x1, h[..., :n] / scale, h[..., n : 2 * n] / scale, h[..., 2 * n :],
            inverse=inverse, tail_bound=self.tail_bound,
        )
        return torch.cat([x0, x1], 1) * x_mask, torch.sum(logabsdet * x_mask, [1, 2])

    def forward(
        self, x: Tensor, x_mask: Tensor, g: Tensor | None = None
    ) -> tuple[Tensor, Tensor]:
        return self._transform(x, x_mask, g, inverse=False)

    def inverse(self, x: Tensor, x_mask: Tensor, g: Tensor | None = None) -> Tensor:
        return self._transform(x, x_mask, g, inverse=True)[0]


def rational_quadratic_spline(
    inputs: Tensor,
    unnormalized_widths: Tensor,
    unnormalized_heights: Tensor,
    unnormalized_derivatives: Tensor,
    inverse: bool = False,
    tail_bound: float = 1.0,
    min_bin_width: float = 1e-3,
    min_bin_height: float = 1e-3,
    min_derivative: float = 1e-3,
) -> tuple[Tensor, Tensor]:
    """Monotonic rational-quadratic spline on [-B, B] with identity ("linear") tails outside
    (Durkan et al. 2019, "Neural Spline Flows"), as VITS's ConvFlow uses it.

    ``inputs`` [...]; widths and heights [..., K]; interior derivatives [..., K-1] (the two
    boundary derivatives are 1, to meet the tails). Returns the outputs and
    log|d outputs / d inputs| of the direction taken.
    """
    inside = (inputs >= -tail_bound) & (inputs <= tail_bound)
    x = inputs.clamp(-tail_bound, tail_bound)
    knots_x, widths = _spline_knots(unnormalized_widths, min_bin_width, tail_bound)
    knots_y, heights = _spline_knots(unnormalized_heights, min_bin_height, tail_bound)
    edge = math.log(math.expm1(1.0 - min_derivative))
    derivatives = min_derivative + F.softplus(
        F.pad(unnormalized_derivatives, (1, 1), value=edge)
    )

    # The last knot is nudged up so that an input exactly on the upper bound lands in the last bin.
    locations = knots_y if inverse else knots_x
    locations = torch.cat([locations[..., :-1], locations[..., -1:] + 1e-6], dim=-1)
    index = (x.unsqueeze(-1) >= locations).sum(-1, keepdim=True) - 1

    def pick(values: Tensor) -> Tensor:
        return values.gather(-1, index).squeeze(-1)

    x_k, y_k, w_k, h_k = pick(knots_x), pick(knots_y), pick(widths), pick(heights)
    delta = pick(heights / widths)
    d_k, d_k1 = pick(derivatives), pick(derivatives[..., 1:])
    slope_sum = d_k + d_k1 - 2 * delta

    theta = _inverse_theta(x - y_k, h_k, delta, d_k, slope_sum) if inverse else (x - x_k) / w_k
    theta_1m = theta * (1 - theta)
    denominator = delta + slope_sum * theta_1m
    if inverse:
        outputs = theta * w_k + x_k
    else:
        outputs = y_k + h_k * (delta * theta.pow(2) + d_k * theta_1m) / denominator
    derivative_numerator = delta.pow(2) * (
        d_k1 * theta.pow(2) + 2 * delta * theta_1m + d_k * (1 - theta).pow(2)
    )
    logabsdet = torch.log(derivative_numerator) - 2 * torch.log(denominator)
    if inverse:
        logabsdet = -logabsdet
    outputs = torch.where(inside, outputs, inputs)
    logabsdet = torch.where(inside, logabsdet, torch.zeros_like(logabsdet))
    return outputs, logabsdet


def _inverse_theta(
    dy: Tensor, height: Tensor, delta: Tensor, d_k: Tensor, slope_sum: Tensor
) -> Tensor:
    """Relative position in the bin whose spline value is ``y_k + dy``: the root in [0, 1] of
    a·θ² + b·θ + c = 0 (Durkan et al. 2019, §3.1 and appendix A), in the cancellation-free
    form 2c / (-b - sqrt(b² - 4ac))."""
    a = dy * slope_sum + height * (delta - d_k)
    b = height * d_k - dy * slope_sum
    c = -delta * dy
    return (2 * c) / (-b - torch.sqrt(b.pow(2) - 4 * a * c))


def _spline_knots(logits: Tensor, min_size: float, bound: float) -> tuple[Tensor, Tensor]:
    """Bin edges on [-bound, bound] (ends exact) and bin sizes from unnormalised sizes."""
    n = logits.size(-1)
    sizes = min_size + (1 - min_size * n) * F.softmax(logits, dim=-1)
    inner = 2 * bound * torch.cumsum(sizes, dim=-1)[..., :-1] - bound
    knots = F.pad(F.pad(inner, (1, 0), value=-bound), (0, 1), value=bound)
    return knots, knots[..., 1:] - knots[..., :-1]


# --- duration predictors --------------------------------------------------------------------


class StochasticDurationPredictor(nn.Module):
    """Stochastic duration predictor (paper §2.6): a flow from noise to log-durations,
    conditioned on the text encoder output through DDSConv.

    Official quirks kept: ``filter_channels`` is overridden by ``in_channels``; sampling runs
    the flows in reverse but skips the first ConvFlow (``flows.1``), which the official code
    drops as "useless" at inference. The ``post_*`` modules only serve the training-time
    variational posterior and are kept for checkpoint compatibility.
    """

    def __init__(
        self,
        in_channels: int,
        filter_channels: int,
        kernel_size: int,
        p_dropout: float,
        n_flows: int = 4,
        gin_channels: int = 0,
    ) -> None:
        super().__init__()
        filter_channels = in_channels
        self.flows = self._flows(filter_channels, kernel_size, n_flows)
        self.post_pre = nn.Conv1d(1, filter_channels, 1)
        self.post_proj = nn.Conv1d(filter_channels, filter_channels, 1)
        self.post_convs = DDSConv(filter_channels, kernel_size, 3, p_dropout)
        self.post_flows = self._flows(filter_channels, kernel_size, 4)
        self.pre = nn.Conv1d(in_channels, filter_channels, 1)
        self.proj = nn.Conv1d(filter_channels, filter_channels, 1)
        self.convs = DDSConv(filter_channels, kernel_size, 3, p_dropout)
        if gin_channels:
            self.cond = nn.Conv1d(gin_channels, filter_channels, 1)

    @staticmethod
    def _flows(filter_channels: int, kernel_size: int, n_flows: int) -> nn.ModuleList:
        flows = nn.ModuleList([ElementwiseAffine(2)])
        for _ in range(n_flows):
            flows.append(ConvFlow(2, filter_channels, kernel_size, n_layers=3))
            flows.append(Flip())
        return flows

    def forward(
        self, x: Tensor, x_mask: Tensor, noise: Tensor, g: Tensor | None = None
    ) -> Tensor:
        """Log-durations [b, 1, t] from the text hidden states ``x`` [b, h, t] and ``noise``
        [b, 2, t] (standard normal already multiplied by the noise scale; not masked)."""
        h = self.pre(x)
        if g is not None:
            h = h + self.cond(g)
        h = self.proj(self.convs(h, x_mask)) * x_mask
        z = noise
        for flow in [*reversed(self.flows[2:]), self.flows[0]]:
            z = flow.inverse(z, x_mask, g=h)
        return z[:, :1]


# --- the generator ----------------------------------------------------------------------------


class _Draws:
    """Standard-normal draws for one call: from ``torch.randn`` or, when recorded tensors are
    given, those tensors in order (how the official fixtures are replayed)."""

    def __init__(self, recorded: Sequence[Tensor] | None) -> None:
        self._recorded = None if recorded is None else list(recorded)

    def next(self, shape: Sequence[int], like: Tensor) -> Tensor:
        if self._recorded is None:
            return torch.randn(tuple(shape), dtype=like.dtype, device=like.device)
        if not self._recorded:
            raise ValueError("fewer noise tensors were given than the call draws")
        noise = self._recorded.pop(0)
        if tuple(noise.shape) != tuple(shape):
            raise ValueError(
                f"noise tensor has shape {tuple(noise.shape)}, expected {tuple(shape)}"
            )
        return noise.to(dtype=like.dtype, device=like.device)

    def check_all_used(self) -> None:
        if self._recorded:
            raise ValueError(f"{len(self._recorded)} noise tensor(s) were given but not drawn")


class SynthesizerTrn(nn.Module):
    """The VITS generator ``net_g`` with the official constructor and submodules: ``enc_p``
    (text encoder), ``dec`` (HiFi-GAN decoder), ``enc_q`` (posterior encoder), ``flow``,
    ``dp`` (duration predictor) and ``emb_g`` (speaker embedding, when ``n_speakers > 1``).

    Hard-coded as officially: the posterior encoder is a 16-layer WN with kernel 5; the flow
    has 4 couplings of 4 WN layers with kernel 5; the duration predictor has kernel 3 and
    dropout 0.5. ``kwargs`` takes the config keys the official model ignores
    (``n_layers_q``, ``use_spectral_norm``).
    """

    def __init__(
        self,
        n_vocab: int,
        spec_channels: int,
        segment_size: int,
        inter_channels: int,
        hidden_channels: int,
        filter_channels: int,
        n_heads: int,
        n_layers: int,
        kernel_size: int,
        p_dropout: float,
        resblock: str,
        resblock_kernel_sizes: Sequence[int],
        resblock_dilation_sizes: Sequence[Sequence[int]],
        upsample_rates: Sequence[int],
        upsample_initial_channel: int,
        upsample_kernel_sizes: Sequence[int],
        n_speakers: int = 0,
        gin_channels: int = 0,
        use_sdp: bool = True,
        **kwargs,
    ) -> None:
        super().__init__()
        self.n_vocab = n_vocab
        self.spec_channels = spec_channels
        self.segment_size = segment_size
        self.inter_channels = inter_channels
        self.hidden_channels = hidden_channels
        self.n_speakers = n_speakers
        self.gin_channels = gin_channels
        self.use_sdp = use_sdp
        self.hop_length = math.prod(upsample_rates)
        self.enc_p = TextEncoder(
            n_vocab, inter_channels, hidden_channels, filter_channels, n_heads, n_layers,
            kernel_size, p_dropout,
        )
        self.dec = Generator(
            inter_channels, resblock, resblock_kernel_sizes, resblock_dilation_sizes,
            upsample_rates, upsample_initial_channel, upsample_kernel_sizes,
            gin_channels=gin_channels,
        )
        self.enc_q = PosteriorEncoder(
            spec_channels, inter_channels, hidden_channels, 5, 1, 16, gin_channels=gin_channels
        )
        self.flow = ResidualCouplingBlock(
            inter_channels, hidden_channels, 5, 1, 4, gin_channels=gin_channels
        )
        if use_sdp:
            self.dp = StochasticDurationPredictor(
                hidden_channels, 192, 3, 0.5, 4, gin_channels=gin_channels
            )
        else:
            self.dp = DurationPredictor(hidden_channels, 256, 3, 0.5, gin_channels=gin_channels)
        if n_speakers > 1:
            self.emb_g = nn.Embedding(n_speakers, gin_channels)

    # --- inference steps ---

    def embed_speaker(self, sid: Tensor | None) -> Tensor | None:
        """Speaker ids [b] → conditioning g [b, gin, 1]; None for a single-speaker model
        (which ignores ``sid``, as officially)."""
        if self.n_speakers <= 1:
            return None
        if sid is None:
            raise ValueError(f"this model has {self.n_speakers} speakers: give a speaker id")
        if bool((sid < 0).any() or (sid >= self.n_speakers).any()):
            raise ValueError(
                f"speaker id out of range 0..{self.n_speakers - 1}: {sid.tolist()}"
            )
        return self.emb_g(sid).unsqueeze(-1)

    def encode_text(
        self, x: Tensor, x_lengths: Tensor
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Token ids [b, T_x] → (x_enc [b,h,T_x], m_p, logs_p [b,inter,T_x], x_mask [b,1,T_x])."""
        return self.enc_p(x, x_lengths)

    def predict_log_durations(
        self,
        x_enc: Tensor,
        x_mask: Tensor,
        g: Tensor | None,
        sdp_noise: Tensor | None,
        noise_scale_w: float,
    ) -> Tensor:
        """Log-durations [b, 1, T_x] in frames. ``sdp_noise`` is standard normal [b, 2, T_x]
        (None: zeros) scaled by ``noise_scale_w``; the deterministic predictor ignores both."""
        if not self.use_sdp:
            return self.dp(x_enc, x_mask, g=g)
        if sdp_noise is None:
            noise = x_enc.new_zeros(x_enc.size(0), 2, x_enc.size(2))
        else:
            noise = sdp_noise * noise_scale_w
        return self.dp(x_enc, x_mask, noise, g=g)

    @staticmethod
    def scale_durations(logw: Tensor, x_mask: Tensor, length_scale: float = 1.0) -> Tensor:
        """Durations in frames before rounding, ``exp(logw)·x_mask·length_scale`` [b,1,T_x];
        ``infer`` rounds them up with ``ceil``."""
        return torch.exp(logw) * x_mask * length_scale

    def expand_to_frames(
        self, m_p: Tensor, logs_p: Tensor, x_mask: Tensor, durations: Tensor
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Repeat each token's prior statistics for its duration in frames.

        ``durations`` [b, T_x] are integers (padding tokens count as 0). Returns
        (m_frames, logs_frames [b, inter, T_y], y_mask [b, 1, T_y], attn [b, 1, T_y, T_x]),
        T_y being the longest total, at least 1 frame, as officially.
        """
        if durations.is_floating_point():
            raise TypeError("durations must be an integer tensor")
        if bool((durations < 0).any()):
            raise ValueError("durations must not be negative")
        durations = durations.masked_fill(x_mask.squeeze(1) == 0, 0)
        y_lengths = durations.sum(1).clamp_min(1)
        y_mask = sequence_mask(y_lengths).unsqueeze(1).to(m_p.dtype)
        attn_mask = x_mask.unsqueeze(2) * y_mask.unsqueeze(-1)
        path = alignment_path(durations, y_mask.size(2)).transpose(1, 2).unsqueeze(1)
        attn = path.to(m_p.dtype) * attn_mask
        path = attn.squeeze(1)
        m_frames = (path @ m_p.transpose(1, 2)).transpose(1, 2)
        logs_frames = (path @ logs_p.transpose(1, 2)).transpose(1, 2)
        return m_frames, logs_frames, y_mask, attn

    def decode(
        self,
        m_p_frames: Tensor,
        logs_p_frames: Tensor,
        y_mask: Tensor,
        prior_noise: Tensor | None,
        noise_scale: float,
        g: Tensor | None,
    ) -> Tensor:
        """Frame-level prior → audio [b, 1, T_y·hop]: ``z_p = m + noise·exp(logs)·noise_scale``
        (``prior_noise`` standard normal [b, inter, T_y], None: zeros), the flow in reverse,
        then the decoder on ``z·y_mask``."""
        return self._decode(m_p_frames, logs_p_frames, y_mask, prior_noise, noise_scale, g)[0]

    def _decode(
        self,
        m: Tensor,
        logs: Tensor,
        y_mask: Tensor,
        noise: Tensor | None,
        noise_scale: float,
        g: Tensor | None,
        max_len: int | None = None,
    ) -> tuple[Tensor, Tensor, Tensor]:
        z_p = m if noise is None else m + noise * torch.exp(logs) * noise_scale
        z = self.flow(z_p, y_mask, g=g, reverse=True)
        o = self.dec((z * y_mask)[:, :, :max_len], g=g)
        return o, z, z_p

    # --- official entry points ---

    def infer(
        self,
        x: Tensor,
        x_lengths: Tensor,
        sid: Tensor | None = None,
        noise_scale: float = 1,
        length_scale: float = 1,
        noise_scale_w: float = 1.0,
        max_len: int | None = None,
        noise: Sequence[Tensor] | None = None,
    ) -> tuple[Tensor, Tensor, Tensor, tuple[Tensor, Tensor, Tensor, Tensor]]:
        """Text → audio as the official ``infer``: returns
        ``(o, attn, y_mask, (z, z_p, m_p, logs_p))`` with the priors expanded to frames.

        ``noise`` replaces the official random draws, in their order: the duration
        predictor's [b, 2, T_x] (stochastic predictor only), then the prior's [b, inter, T_y].
        """
        draws = _Draws(noise)
        x_enc, m_p, logs_p, x_mask = self.encode_text(x, x_lengths)
        g = self.embed_speaker(sid)
        sdp_noise = draws.next((x.size(0), 2, x.size(1)), x_enc) if self.use_sdp else None
        logw = self.predict_log_durations(x_enc, x_mask, g, sdp_noise, noise_scale_w)
        w_ceil = torch.ceil(self.scale_durations(logw, x_mask, length_scale))
        m, logs, y_mask, attn = self.expand_to_frames(
            m_p, logs_p, x_mask, w_ceil.squeeze(1).long()
        )
        prior_noise = draws.next(m.shape, m)
        draws.check_all_used()
        o, z, z_p = self._decode(m, logs, y_mask, prior_noise, noise_scale, g, max_len)
        return o, attn, y_mask, (z, z_p, m, logs)

    def voice_conversion(
        self,
        y: Tensor,
        y_lengths: Tensor,
        sid_src: Tensor,
        sid_tgt: Tensor,
        noise: Sequence[Tensor] | None = None,
    ) -> tuple[Tensor, Tensor, tuple[Tensor, Tensor, Tensor]]:
        """Linear spectrogram of speaker ``sid_src`` → audio of ``sid_tgt``, as officially:
        ``(o_hat, y_mask, (z, z_p, z_hat))``. ``noise`` replaces the posterior's one draw."""
        if self.n_speakers <= 1:
            raise ValueError("voice conversion needs a multi-speaker model")
        draws = _Draws(noise)
        g_src = self.embed_speaker(sid_src)
        g_tgt = self.embed_speaker(sid_tgt)
        m_shape = (y.size(0), self.inter_channels, y.size(2))
        z, _, _, y_mask = self.enc_q(y, y_lengths, g=g_src, noise=draws.next(m_shape, y))
        draws.check_all_used()
        z_p = self.flow(z, y_mask, g=g_src)
        z_hat = self.flow(z_p, y_mask, g=g_tgt, reverse=True)
        o_hat = self.dec(z_hat * y_mask, g=g_tgt)
        return o_hat, y_mask, (z, z_p, z_hat)

    def fold_weight_norm(self) -> None:
        """Replace every ``weight_g``/``weight_v`` pair by its plain ``weight``, in place, for
        faster inference; outputs are unchanged. Do it after loading weights: the folded
        model no longer has the official parameter names."""
        fold_weight_norm(self)


def build_vits(config: dict, n_vocab: int = OFFICIAL_N_VOCAB) -> SynthesizerTrn:
    """A :class:`SynthesizerTrn` from an official config dict, as ``train.py``/``train_ms.py``
    build it: ``spec_channels = filter_length // 2 + 1``, ``segment_size =
    train.segment_size // hop_length``, ``n_speakers`` from ``data``, the rest from ``model``.
    ``n_vocab`` is not in the config; the official symbol table has 178 symbols."""
    try:
        data, model = config["data"], config["model"]
        filter_length, hop_length = data["filter_length"], data["hop_length"]
        segment_size = config["train"]["segment_size"] // hop_length
    except KeyError as missing:
        raise ValueError(f"not a VITS config: missing {missing}") from None
    rates = model.get("upsample_rates")
    if rates is not None and math.prod(rates) != hop_length:
        raise ValueError(
            f"config hop_length {hop_length} differs from the decoder's upsampling "
            f"{math.prod(rates)} (product of upsample_rates)"
        )
    return SynthesizerTrn(
        n_vocab,
        filter_length // 2 + 1,
        segment_size,
        n_speakers=data.get("n_speakers", 0),
        **model,
    )
