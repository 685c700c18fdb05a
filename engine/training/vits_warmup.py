"""Starting a VITS fine-tune from a voice that was exported for inference only.

A Piper voice (an ONNX export of VITS's ``infer``) has the text encoder, the duration
predictor's sampling path, the flow and the decoder, but not the parts only training uses:
the posterior encoder ``enc_q``, the stochastic duration predictor's posterior (``dp.post_*``)
and its first ConvFlow (``dp.flows.1``, skipped at inference), nor the discriminator. Zeros in
their place cannot be trained (a zero convolution passes no gradient to the layers before
it), and a freshly initialised posterior encoder would hand the decoder latents it has never
seen, so the first steps would train the decoder on noise and lose the voice.

What we do instead, on speech the voice itself renders from the dataset's transcripts (so
the text is in-domain and the latents are exactly the ones its decoder turns into audio):

1. The training-only modules are initialised as the official constructor initialises them.
2. ``fit_posterior``: for each rendered clip we keep the latent ``z`` that the decoder
   turned into the audio (the flow-inverse of the prior sample) and the audio's linear
   spectrogram, and fit ``enc_q`` alone to maximise ``log q(z | spectrogram)`` on random
   windows. After it, the posterior hands the decoder latents in the voice's own latent
   space, so reconstruction starts near the voice and the KL term starts small.
3. ``fit_duration_posterior``: the voice's own durations (from the same renders) train
   ``dp.post_*`` and ``dp.flows.1`` on the stochastic duration predictor's variational bound,
   everything else frozen, so its gradients into the sampling flows are informative from
   the first fine-tuning step instead of coming from a random posterior.

The discriminator starts from scratch (no trained one exists for a Piper voice); the
recipe trains it alone for its first steps (``discriminator_warmup_steps``) so the
generator never follows a random critic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from engine.audio.mel import MelSettings, linear_spectrogram
from engine.models.layers import sequence_mask
from engine.models.vits import SynthesizerTrn
from engine.training.vits_pass import posterior_nll, sdp_negative_log_likelihood

Report = Callable[[str, int, int, float | None], None]


@dataclass
class Render:
    """One clip the voice rendered: ids, its latent z [inter, T], linear spectrogram
    [spec, T], durations [T_x] and text-encoder hidden states [hidden, T_x]."""

    ids: Tensor
    z: Tensor
    spec: Tensor
    durations: Tensor
    hidden: Tensor


@torch.no_grad()
def render_latents(
    net_g: SynthesizerTrn,
    id_lists: Sequence[Sequence[int]],
    spec_settings: MelSettings,
    noise_scale: float,
    noise_scale_w: float,
    report: Report,
    cancelled: Callable[[], bool],
) -> list[Render]:
    """Render each id list with the voice and keep what the warm-up fits on."""
    was_training = net_g.training
    net_g.eval()
    device = next(net_g.parameters()).device
    renders = []
    for n, ids in enumerate(id_lists):
        if cancelled():
            break
        x = torch.tensor([list(ids)], device=device)
        lengths = torch.tensor([len(ids)], device=device)
        o, attn, _, (z, _, _, _) = net_g.infer(
            x, lengths, noise_scale=noise_scale, noise_scale_w=noise_scale_w
        )
        hidden = net_g.enc_p(x, lengths)[0]
        spec = linear_spectrogram(o[0, 0].float(), spec_settings)
        frames = min(spec.size(-1), z.size(-1))
        renders.append(
            Render(
                x[0].cpu(),
                z[0, :, :frames].cpu(),
                spec[:, :frames].cpu(),
                attn[0, 0].sum(0).cpu(),
                hidden[0].cpu(),
            )
        )
        report("rendering the voice's own speech", n + 1, len(id_lists), None)
    net_g.train(was_training)
    return renders


def _windows(renders: Sequence[Render], picks: Tensor, size: int) -> tuple[Tensor, ...]:
    """Random windows of ``size`` frames of the picked renders' spec and z, padded."""
    specs, zs, lengths = [], [], []
    for i in picks.tolist():
        r = renders[i]
        frames = r.spec.size(-1)
        start = int(torch.randint(0, max(1, frames - size + 1), ()))
        length = min(size, frames - start)
        spec = torch.zeros(r.spec.size(0), size)
        z = torch.zeros(r.z.size(0), size)
        spec[:, :length] = r.spec[:, start : start + length]
        z[:, :length] = r.z[:, start : start + length]
        specs.append(spec)
        zs.append(z)
        lengths.append(length)
    return torch.stack(specs), torch.stack(zs), torch.tensor(lengths)


def fit_posterior(
    net_g: SynthesizerTrn,
    renders: Sequence[Render],
    steps: int,
    report: Report,
    cancelled: Callable[[], bool],
    batch_size: int = 8,
    window: int = 128,
    learning_rate: float = 1e-3,
) -> float:
    """Fit ``enc_q`` alone to the renders' latents (see the module docstring); returns the
    last loss (negative log-likelihood per latent dimension, nats)."""
    device = next(net_g.parameters()).device
    params = list(net_g.enc_q.parameters())
    optimizer = torch.optim.Adam(params, lr=learning_rate)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, max(1, steps))
    net_g.enc_q.train()
    loss = math.nan
    for step in range(steps):
        if cancelled():
            break
        picks = torch.randint(0, len(renders), (min(batch_size, len(renders)),))
        spec, z, lengths = (t.to(device) for t in _windows(renders, picks, window))
        value = posterior_nll(net_g, spec, lengths, z)
        optimizer.zero_grad(set_to_none=True)
        value.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        optimizer.step()
        schedule.step()
        loss = float(value.detach())
        report("fitting the posterior encoder", step + 1, steps, loss)
    return loss


def fit_duration_posterior(
    net_g: SynthesizerTrn,
    renders: Sequence[Render],
    steps: int,
    report: Report,
    cancelled: Callable[[], bool],
    batch_size: int = 8,
    learning_rate: float = 1e-3,
) -> float:
    """Fit the stochastic duration predictor's posterior (``dp.post_*``) and ``dp.flows.1``
    to the renders' durations with every other weight frozen; returns the last loss (the
    variational bound per token). A deterministic predictor has nothing to fit: NaN."""
    if not net_g.use_sdp:
        return math.nan
    dp = net_g.dp
    device = next(net_g.parameters()).device
    trained = [
        *dp.post_pre.parameters(),
        *dp.post_proj.parameters(),
        *dp.post_convs.parameters(),
        *dp.post_flows.parameters(),
        *dp.flows[1].parameters(),
    ]
    frozen = [p for p in dp.parameters() if all(p is not q for q in trained)]
    for p in frozen:
        p.requires_grad_(False)
    optimizer = torch.optim.Adam(trained, lr=learning_rate)
    dp.train()
    loss = math.nan
    try:
        for step in range(steps):
            if cancelled():
                break
            picks = torch.randint(0, len(renders), (min(batch_size, len(renders)),)).tolist()
            lengths = torch.tensor([renders[i].durations.numel() for i in picks])
            t_x = int(lengths.max())
            hidden = torch.zeros(len(picks), renders[0].hidden.size(0), t_x)
            w = torch.zeros(len(picks), 1, t_x)
            for row, i in enumerate(picks):
                n = renders[i].durations.numel()
                hidden[row, :, :n] = renders[i].hidden
                w[row, 0, :n] = renders[i].durations
            x_mask = sequence_mask(lengths, t_x).unsqueeze(1).float().to(device)
            nll = sdp_negative_log_likelihood(dp, hidden.to(device), x_mask, w.to(device))
            value = nll.sum() / x_mask.sum()
            optimizer.zero_grad(set_to_none=True)
            value.backward()
            torch.nn.utils.clip_grad_norm_(trained, 5.0)
            optimizer.step()
            loss = float(value.detach())
            report("fitting the duration posterior", step + 1, steps, loss)
    finally:
        for p in frozen:
            p.requires_grad_(True)
    return loss
