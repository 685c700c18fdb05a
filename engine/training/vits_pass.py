"""The VITS training pass, written over the submodules of our ``SynthesizerTrn``
(``enc_p``, ``enc_q``, ``flow``, ``dp``, ``dec``, ``emb_g``), following
``SynthesizerTrn.forward`` and ``StochasticDurationPredictor.forward(reverse=False)`` of
jaywalnut310/vits (models.py) and the generator step of its train.py.

The model file only carries inference; this module adds what training needs without
touching it: the alignment search on the flow-mapped posterior, the stochastic duration
predictor's variational bound, random decoder windows, and the loss terms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from engine.align import maximum_path_torch
from engine.models.vits import StochasticDurationPredictor, SynthesizerTrn


@dataclass
class VitsPass:
    """What one training pass gives the losses: the decoded window ``y_hat`` [b, 1, seg·hop],
    its start frames ``starts`` [b], the duration loss per item ``l_length`` [b], the
    alignment ``attn`` [b, 1, T_y, T_x], masks, and the latents of the KL term."""

    y_hat: Tensor
    starts: Tensor
    l_length: Tensor
    attn: Tensor
    x_mask: Tensor
    y_mask: Tensor
    z_p: Tensor
    m_p: Tensor
    logs_p: Tensor
    logs_q: Tensor


def prior_log_likelihood(z_p: Tensor, m_p: Tensor, logs_p: Tensor) -> Tensor:
    """log N(z_p[:, :, y]; m_p[:, :, x], exp(logs_p[:, :, x])) summed over channels, for every
    token x and frame y: [b, T_x, T_y], the scores of the alignment search. Computed in four
    matrix terms as officially, in float32."""
    z_p, m_p, logs_p = z_p.float(), m_p.float(), logs_p.float()
    s_p_sq_r = torch.exp(-2 * logs_p)  # [b, d, T_x]
    term1 = torch.sum(-0.5 * math.log(2 * math.pi) - logs_p, [1]).unsqueeze(-1)  # [b, T_x, 1]
    term2 = torch.matmul(s_p_sq_r.transpose(1, 2), -0.5 * z_p**2)  # [b, T_x, T_y]
    term3 = torch.matmul((m_p * s_p_sq_r).transpose(1, 2), z_p)
    term4 = torch.sum(-0.5 * m_p**2 * s_p_sq_r, [1]).unsqueeze(-1)
    return term1 + term2 + term3 + term4


def sdp_negative_log_likelihood(
    dp: StochasticDurationPredictor,
    x: Tensor,
    x_mask: Tensor,
    w: Tensor,
    g: Tensor | None = None,
    noise: Tensor | None = None,
) -> Tensor:
    """The stochastic duration predictor's variational upper bound on -log p(d|c) per item
    [b] (VITS paper §2.6, eq. 8-10): durations ``w`` [b, 1, T_x] in frames are dequantised
    with ``u`` and augmented with ``nu`` from the posterior flows (``post_*``), then mapped to
    noise by the main flows in the forward direction (``flows.1`` included). ``x`` is the
    text encoder output, detached here as officially; ``noise`` [b, 2, T_x] is the posterior
    draw (standard normal, drawn when None)."""
    x = dp.pre(torch.detach(x))
    if g is not None:
        x = x + dp.cond(torch.detach(g))
    x = dp.proj(dp.convs(x, x_mask)) * x_mask

    h_w = dp.post_proj(dp.post_convs(dp.post_pre(w), x_mask)) * x_mask
    if noise is None:
        noise = torch.randn(w.size(0), 2, w.size(2), device=x.device, dtype=x.dtype)
    e_q = noise * x_mask
    z_q = e_q
    logdet_q = x.new_zeros(x.size(0))
    for flow in dp.post_flows:
        z_q, logdet = flow(z_q, x_mask, g=x + h_w)
        logdet_q = logdet_q + logdet
    z_u, z1 = torch.split(z_q, [1, 1], 1)
    u = torch.sigmoid(z_u) * x_mask
    z0 = (w - u) * x_mask
    logdet_q = logdet_q + torch.sum((F.logsigmoid(z_u) + F.logsigmoid(-z_u)) * x_mask, [1, 2])
    log_q = torch.sum(-0.5 * (math.log(2 * math.pi) + e_q**2) * x_mask, [1, 2]) - logdet_q

    # The official Log flow: z0 -> log(z0), log-determinant -sum(log z0).
    z0 = torch.log(torch.clamp_min(z0, 1e-5)) * x_mask
    logdet_tot = torch.sum(-z0, [1, 2])
    z = torch.cat([z0, z1], 1)
    for flow in dp.flows:
        z, logdet = flow(z, x_mask, g=x)
        logdet_tot = logdet_tot + logdet
    nll = torch.sum(0.5 * (math.log(2 * math.pi) + z**2) * x_mask, [1, 2]) - logdet_tot
    return nll + log_q


def random_window_starts(lengths: Tensor, size: int, generator: torch.Generator | None) -> Tensor:
    """Start frames of one random window of ``size`` frames inside each length, as the
    official ``rand_slice_segments`` draws them (0 for an item shorter than the window)."""
    room = torch.clamp_min(lengths - size + 1, 1).to(torch.float32)
    draw = torch.rand(lengths.shape, generator=generator, device="cpu").to(lengths.device)
    return (draw * room).long()


def slice_windows(x: Tensor, starts: Tensor, size: int) -> Tensor:
    """Windows ``x[i, :, starts[i] : starts[i] + size]``, zero-padded past the end."""
    padded = F.pad(x, (0, size))
    return torch.stack([padded[i, :, s : s + size] for i, s in enumerate(starts.tolist())])


class VitsTrainingGraph(nn.Module):
    """The generator's training pass as a module, so DistributedDataParallel can wrap it
    (DDP synchronises gradients of what runs through a wrapped ``forward``)."""

    def __init__(self, net_g: SynthesizerTrn, segment_frames: int) -> None:
        super().__init__()
        self.net_g = net_g
        self.segment_frames = segment_frames

    def forward(
        self,
        x: Tensor,
        x_lengths: Tensor,
        spec: Tensor,
        spec_lengths: Tensor,
        sid: Tensor | None = None,
        window_generator: torch.Generator | None = None,
    ) -> VitsPass:
        """Token ids [b, T_x] and linear spectrograms [b, n_fft/2+1, T_y] → :class:`VitsPass`."""
        net = self.net_g
        h, m_p, logs_p, x_mask = net.enc_p(x, x_lengths)
        g = net.emb_g(sid).unsqueeze(-1) if net.n_speakers > 1 else None
        z, _, logs_q, y_mask = net.enc_q(spec, spec_lengths, g=g)
        z_p = net.flow(z, y_mask, g=g)

        with torch.no_grad():
            scores = prior_log_likelihood(z_p, m_p, logs_p)  # [b, T_x, T_y]
            mask = x_mask.transpose(1, 2) * y_mask  # [b, T_x, T_y]
            attn = maximum_path_torch(scores, mask).transpose(1, 2).unsqueeze(1)  # [b,1,T_y,T_x]

        w = attn.sum(2)  # [b, 1, T_x]
        if net.use_sdp:
            l_length = sdp_negative_log_likelihood(net.dp, h, x_mask, w, g=g)
            l_length = l_length / torch.sum(x_mask)
        else:
            logw_target = torch.log(w + 1e-6) * x_mask
            logw = net.dp(torch.detach(h), x_mask, g=None if g is None else torch.detach(g))
            l_length = torch.sum((logw - logw_target) ** 2, [1, 2]) / torch.sum(x_mask)

        path = attn.squeeze(1).to(m_p.dtype)
        m_p = torch.matmul(path, m_p.transpose(1, 2)).transpose(1, 2)
        logs_p = torch.matmul(path, logs_p.transpose(1, 2)).transpose(1, 2)

        starts = random_window_starts(spec_lengths, self.segment_frames, window_generator)
        y_hat = net.dec(slice_windows(z, starts, self.segment_frames), g=g)
        return VitsPass(y_hat, starts, l_length, attn, x_mask, y_mask, z_p, m_p, logs_p, logs_q)


def posterior_nll(net_g: SynthesizerTrn, spec: Tensor, spec_lengths: Tensor, z: Tensor) -> Tensor:
    """-log q(z | spec) per valid element, the loss that fits the posterior encoder to given
    latents ``z`` [b, inter, T_y] (see :mod:`engine.training.vits_warmup`)."""
    zeros = spec.new_zeros(spec.size(0), net_g.inter_channels, spec.size(2))
    _, m_q, logs_q, y_mask = net_g.enc_q(spec, spec_lengths, noise=zeros)
    nll = logs_q + 0.5 * (z - m_q) ** 2 * torch.exp(-2 * logs_q) + 0.5 * math.log(2 * math.pi)
    return torch.sum(nll * y_mask) / (torch.sum(y_mask) * net_g.inter_channels)
