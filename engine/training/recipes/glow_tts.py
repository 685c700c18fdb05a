"""Train Glow-TTS from scratch or fine-tune an official ``G_*.pth``
(jaywalnut310/glow-tts train.py, models.py ``FlowGenerator.forward(gen=False)``).

One step: the text encoder gives the prior (x_m, x_logs) and log-durations; the Glow
decoder maps the mel to z with its log-determinant; monotonic alignment search
(:mod:`engine.align`) on log N(z; x_m, x_logs) picks the alignment; the loss is the flow's
negative log-likelihood (``mle_loss``) plus the log-duration MSE against the alignment.
Adam (betas 0.9/0.98, eps 1e-9) under the Noam schedule (``lr · d^-0.5 · min(s^-0.5,
s·warmup^-1.5)``, d = hidden channels), gradients clipped to ±5 by value, as officially;
audio gets one LSB of uniform dequantisation noise (``add_noise``). From scratch, ActNorm is
data-initialised on the first batch (``ddi``).

Validation loss: the same two losses on the validation clips (the official ``evaluate``).
Output: ``model.pth`` (``{'model': state_dict, 'iteration': step}``) and ``config.json``.
``recipe_options``: ``config`` (an official-format config dict; default the official
``base.json``, or the checkpoint's when fine-tuning).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from engine.align import maximum_path_torch
from engine.checkpoints.loader import mel_settings
from engine.models.glow_tts import ActNorm, FlowGenerator, build_glow_tts
from engine.models.layers import sequence_mask
from engine.training.losses import duration_loss, mle_loss
from engine.training.recipes.base import Batch, Wrap
from engine.training.recipes.mel_acoustic import MelAcousticRecipe
from engine.training.recipes.official import cpu_state_dict, export_official, starting_point

MAX_WAV_VALUE = 32768.0


class GlowTtsGraph(nn.Module):
    """Glow-TTS's training pass as a module (for DDP): batch → (mle loss, duration loss)."""

    def __init__(self, model: FlowGenerator) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: Tensor, x_lengths: Tensor, y: Tensor, y_lengths: Tensor) -> tuple:
        model = self.model
        x_m, x_logs, logw, x_mask = model.encode_text(x, x_lengths)
        n_sqz = model.n_sqz
        y_max = y.size(2) // n_sqz * n_sqz
        y, y_lengths = y[:, :, :y_max], y_lengths // n_sqz * n_sqz
        z_mask = sequence_mask(y_lengths, y_max).unsqueeze(1).to(x_mask.dtype)
        z, logdet = model.decoder(y, z_mask)
        with torch.no_grad():
            scores = _log_prior(z, x_m, x_logs)  # [b, T_x, T_y]
            attn = maximum_path_torch(scores, x_mask.transpose(1, 2) * z_mask)
        z_m = torch.matmul(attn.transpose(1, 2), x_m.transpose(1, 2)).transpose(1, 2)
        z_logs = torch.matmul(attn.transpose(1, 2), x_logs.transpose(1, 2)).transpose(1, 2)
        logw_target = torch.log(1e-8 + attn.sum(-1)).unsqueeze(1) * x_mask
        l_mle = mle_loss(z.float(), z_m.float(), z_logs.float(), logdet.float(), z_mask)
        l_length = duration_loss(logw.float(), logw_target, x_lengths)
        return l_mle, l_length


def _log_prior(z: Tensor, x_m: Tensor, x_logs: Tensor) -> Tensor:
    """log N(z[:, :, y]; x_m[:, :, x], exp(x_logs[:, :, x])) summed over channels,
    [b, T_x, T_y], in float32 (the official logp1..logp4)."""
    z, x_m, x_logs = z.float(), x_m.float(), x_logs.float()
    s_sq_r = torch.exp(-2 * x_logs)
    logp1 = torch.sum(-0.5 * math.log(2 * math.pi) - x_logs, [1]).unsqueeze(-1)
    logp2 = torch.matmul(s_sq_r.transpose(1, 2), -0.5 * z**2)
    logp3 = torch.matmul((x_m * s_sq_r).transpose(1, 2), z)
    logp4 = torch.sum(-0.5 * x_m**2 * s_sq_r, [1]).unsqueeze(-1)
    return logp1 + logp2 + logp3 + logp4


class GlowTtsRecipe(MelAcousticRecipe):
    name = "glow-tts"
    default_batch_size = 32

    def build(self, init_from: Path | None, saved: dict[str, Any] | None) -> None:
        given = self.options.recipe_options.get("config")
        if saved is not None:
            self.config, weights = saved["config"], None
        else:
            self.config, weights = starting_point(
                "glow-tts", init_from, given, "glow-tts/base.json"
            )
        data = self.config["data"]
        self.add_blank = bool(data.get("add_blank", False))
        self.pad_with_spaces = bool(data.get("add_space", False))
        self.mel = mel_settings("glow-tts", self.config)
        self.model = build_glow_tts(self.config)
        if weights is not None:
            self.model.load_state_dict(weights)
        self.from_scratch = saved is None and weights is None
        self.model = self.model.to(self.device).train()
        self.graph: nn.Module = GlowTtsGraph(self.model)
        self.add_noise = bool(data.get("add_noise", True))

    def prepare(self, clips, report, cancelled) -> bool:
        """Data-dependent ActNorm initialisation on one batch, when training from scratch."""
        if not self.from_scratch or not self.config["train"].get("ddi", True):
            return True
        for module in self.model.modules():
            if isinstance(module, ActNorm):
                module.initialized = False
        from engine.training.data import SpeechDataset

        dataset = SpeechDataset(clips[: self.batch_size], self.sample_rate, self.hop_length)
        batch = self.collate([dataset[i] for i in range(len(dataset))])
        with torch.no_grad():
            self.graph(*(batch[k].to(self.device) for k in ("x", "x_lengths", "y", "y_lengths")))
        report("data-dependent ActNorm initialisation", 1, 1, None)
        return not cancelled()

    def modules(self) -> dict[str, nn.Module]:
        return {"model": self.model}

    def make_optimizers(self) -> None:
        train = self.config["train"]
        base = self.options.learning_rate or float(train.get("learning_rate", 1.0))
        betas = tuple(train.get("betas", (0.9, 0.98)))
        self.optimizer = torch.optim.Adam(
            self.model.parameters(), base, betas=betas, eps=float(train.get("eps", 1e-9))
        )
        d_model = int(self.config["model"].get("hidden_channels", 192))
        warmup = int(train.get("warmup_steps", 4000))

        def noam(step: int) -> float:
            s = step + 1
            return d_model**-0.5 * min(s**-0.5, s * warmup**-1.5)

        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, noam)

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"model": self.optimizer}

    def schedulers(self) -> dict[str, Any]:
        return {"model": self.scheduler}

    def distribute(self, wrap: Wrap) -> None:
        self.graph = wrap(self.graph)

    def prepare_audio(self, audio: Tensor) -> Tensor:
        if self.add_noise and self.model.training:
            return audio + torch.rand_like(audio) / MAX_WAV_VALUE
        return audio

    def _losses(self, batch: Batch) -> tuple[Tensor, Tensor]:
        b = [batch[k].to(self.device) for k in ("x", "x_lengths", "y", "y_lengths")]
        with torch.autocast(self.device.type, dtype=torch.float16, enabled=self.amp):
            return self.graph(*b)

    def train_step(self, batch: Batch, step: int) -> dict[str, float]:
        l_mle, l_length = self._losses(batch)
        loss = l_mle + l_length
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.unscale_(self.optimizer)
        torch.nn.utils.clip_grad_value_(self.model.parameters(), 5.0)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.scheduler.step()
        return {
            "mle": float(l_mle.detach()),
            "dur": float(l_length.detach()),
            "total": float(loss.detach()),
        }

    def validation_loss(self, batch: Batch) -> float:
        l_mle, l_length = GlowTtsGraph(self.model)(
            *(batch[k].to(self.device) for k in ("x", "x_lengths", "y", "y_lengths"))
        )
        return float(l_mle + l_length)

    def synthesise_mel(self, ids: list[int]) -> Tensor:
        x = torch.tensor([ids], device=self.device)
        (y, *_), _, _ = self.model.infer(
            x, torch.tensor([len(ids)], device=self.device), noise_scale=0.667
        )
        return y[0]

    def export(self, folder: Path) -> Path:
        container = {"model": cpu_state_dict(self.model), "iteration": self.step_done}
        return export_official(folder, container, self.config)
