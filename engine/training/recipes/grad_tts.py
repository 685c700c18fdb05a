"""Train Grad-TTS from scratch or fine-tune an official ``grad_*.pt``
(huawei-noah/Speech-Backbones Grad-TTS train.py, ``GradTTS.compute_loss``,
``Diffusion.compute_loss``).

One step: the encoder gives per-token mel means μ and log-durations; monotonic alignment
search on log N(y; μ, I) picks the alignment (:mod:`engine.align`); a random window of
``out_size`` frames (2 s, a multiple of 4 for the U-Net) is cut from each mel; the loss is
the duration MSE + the prior loss (Gaussian NLL of y under the aligned μ) + the diffusion
loss (the score estimator's error at a random time t on the forward-diffused window,
weighted by the noise variance, as officially). Adam 1e-4, gradients of encoder and decoder
each clipped to norm 1.

Validation loss: the sum of the three losses on the validation clips, at fixed random
draws. Output: ``model.pth`` (the plain state dict, as the official ``grad_*.pt``) and
``config.json`` (the params). ``recipe_options``: ``config`` (a params dict; default the
official ``params_ljspeech.json``, or the checkpoint's), ``n_timesteps`` of the samples (10).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from engine.align import maximum_path_torch
from engine.checkpoints.loader import mel_settings
from engine.models.grad_tts import GradTTS, build_grad_tts, fix_len_compatibility
from engine.models.layers import sequence_mask
from engine.training.losses import duration_loss
from engine.training.recipes.base import Batch, Wrap
from engine.training.recipes.mel_acoustic import MelAcousticRecipe
from engine.training.recipes.official import cpu_state_dict, export_official, starting_point

LEARNING_RATE = 1e-4
T_OFFSET = 1e-5


def _cumulative_noise(t: Tensor, beta_min: float, beta_max: float) -> Tensor:
    """∫₀ᵗ β(s) ds for the linear schedule (the official ``get_noise(cumulative=True)``)."""
    return beta_min * t + 0.5 * (beta_max - beta_min) * t**2


class GradTtsGraph(nn.Module):
    """Grad-TTS's training pass as a module (for DDP): → (dur, prior, diffusion) losses."""

    def __init__(self, model: GradTTS, out_size: int) -> None:
        super().__init__()
        self.model = model
        self.out_size = out_size

    def forward(
        self,
        x: Tensor,
        x_lengths: Tensor,
        y: Tensor,
        y_lengths: Tensor,
        spk: Tensor | None = None,
    ) -> tuple[Tensor, Tensor, Tensor]:
        model = self.model
        spk_emb = model.embed_speaker(spk)
        mu_x, logw, x_mask = model.encode_text(x, x_lengths)
        y_mask = sequence_mask(y_lengths, y.size(-1)).unsqueeze(1).to(x_mask.dtype)
        with torch.no_grad():
            # log N(y; mu, I) summed over features, for every token and frame: [b, T_x, T_y].
            mu, yf = mu_x.float(), y.float()
            log_prior = (
                -0.5 * torch.sum(mu**2, 1).unsqueeze(-1)
                + torch.matmul(mu.transpose(1, 2), yf)
                - 0.5 * torch.sum(yf**2, 1).unsqueeze(1)
                - 0.5 * math.log(2 * math.pi) * model.n_feats
            )
            attn = maximum_path_torch(log_prior, x_mask.transpose(1, 2) * y_mask)
        logw_target = torch.log(1e-8 + attn.sum(-1)).unsqueeze(1) * x_mask
        dur_loss = duration_loss(logw.float(), logw_target, x_lengths)

        y, attn, y_mask = self._cut(y, attn, y_lengths)
        mu_y = torch.matmul(attn.transpose(1, 2), mu_x.transpose(1, 2)).transpose(1, 2)
        diff_loss = self._diffusion_loss(y, y_mask, mu_y, spk_emb)
        prior = torch.sum(0.5 * ((y - mu_y) ** 2 + math.log(2 * math.pi)) * y_mask)
        prior_loss = prior / (torch.sum(y_mask) * model.n_feats)
        return dur_loss, prior_loss.float(), diff_loss.float()

    def _cut(self, y: Tensor, attn: Tensor, y_lengths: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """A random window of ``out_size`` frames of each mel and its alignment, zero-padded
        when the mel is shorter (the official cut; offsets from torch's generator)."""
        size = self.out_size
        b = y.size(0)
        room = torch.clamp_min(y_lengths - size, 0).cpu()
        offsets = (torch.rand(b) * (room + 1).float()).long().clamp_max(room)
        y_cut = y.new_zeros(b, y.size(1), size)
        attn_cut = attn.new_zeros(b, attn.size(1), size)
        lengths = torch.clamp_max(y_lengths.cpu(), size)
        for i in range(b):
            start, n = int(offsets[i]), int(lengths[i])
            y_cut[i, :, :n] = y[i, :, start : start + n]
            attn_cut[i, :, :n] = attn[i, :, start : start + n]
        mask = sequence_mask(lengths.to(y.device), size).unsqueeze(1).to(y.dtype)
        return y_cut, attn_cut, mask

    def _diffusion_loss(self, x0: Tensor, mask: Tensor, mu: Tensor, spk: Tensor | None) -> Tensor:
        decoder = self.model.decoder
        t = torch.clamp(
            torch.rand(x0.size(0), device=x0.device, dtype=x0.dtype), T_OFFSET, 1.0 - T_OFFSET
        )
        cum = _cumulative_noise(t[:, None, None], decoder.beta_min, decoder.beta_max)
        mean = x0 * torch.exp(-0.5 * cum) + mu * (1.0 - torch.exp(-0.5 * cum))
        variance = 1.0 - torch.exp(-cum)
        z = torch.randn_like(x0)
        xt = (mean + z * torch.sqrt(variance)) * mask
        z = z * mask
        estimate = decoder.estimator(xt, mask, mu, t, spk) * torch.sqrt(variance)
        return torch.sum((estimate + z) ** 2) / (torch.sum(mask) * decoder.n_feats)


class GradTtsRecipe(MelAcousticRecipe):
    name = "grad-tts"
    default_batch_size = 16

    def build(self, init_from: Path | None, saved: dict[str, Any] | None) -> None:
        given = self.options.recipe_options.get("config")
        if saved is not None:
            self.config, weights = saved["config"], None
        else:
            self.config, weights = starting_point(
                "grad-tts", init_from, given, "grad-tts/params_ljspeech.json"
            )
        p = self.config
        self.add_blank = bool(p.get("add_blank", True))
        self.mel = mel_settings("grad-tts", p)
        self.model = build_grad_tts(p)
        if weights is not None:
            self.model.load_state_dict(weights)
        self.model = self.model.to(self.device).train()
        frames = self.options.segment_frames or 2 * self.sample_rate // self.hop_length
        self.segment_option = fix_len_compatibility(frames)
        self.graph: nn.Module = GradTtsGraph(self.model, self.segment_option)

    def modules(self) -> dict[str, nn.Module]:
        return {"model": self.model}

    def make_optimizers(self) -> None:
        lr = self.options.learning_rate or float(self.config.get("learning_rate", LEARNING_RATE))
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=lr)

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"model": self.optimizer}

    def schedulers(self) -> dict[str, Any]:
        return {}

    def distribute(self, wrap: Wrap) -> None:
        self.graph = wrap(self.graph)

    def _losses(self, batch: Batch, graph: nn.Module) -> tuple[Tensor, Tensor, Tensor]:
        b = [batch[k].to(self.device) for k in ("x", "x_lengths", "y", "y_lengths")]
        with torch.autocast(self.device.type, dtype=torch.float16, enabled=self.amp):
            return graph(*b)

    def train_step(self, batch: Batch, step: int) -> dict[str, float]:
        dur, prior, diff = self._losses(batch, self.graph)
        loss = dur + prior + diff
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.unscale_(self.optimizer)
        torch.nn.utils.clip_grad_norm_(self.model.encoder.parameters(), max_norm=1.0)
        torch.nn.utils.clip_grad_norm_(self.model.decoder.parameters(), max_norm=1.0)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        return {
            "dur": float(dur.detach()),
            "prior": float(prior.detach()),
            "diff": float(diff.detach()),
            "total": float(loss.detach()),
        }

    def validation_loss(self, batch: Batch) -> float:
        unwrapped = GradTtsGraph(self.model, self.segment_option)
        return float(sum(self._losses(batch, unwrapped)))

    def synthesise_mel(self, ids: list[int]) -> Tensor:
        x = torch.tensor([ids], device=self.device)
        steps = int(self.options.recipe_options.get("n_timesteps", 10))
        result = self.model.infer(x, torch.tensor([len(ids)], device=self.device), steps)
        return result.decoder_outputs[0]

    def export(self, folder: Path) -> Path:
        return export_official(folder, cpu_state_dict(self.model), self.config)
