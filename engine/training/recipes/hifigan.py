"""Train HiFi-GAN from scratch or fine-tune an official generator ``g_*``
(jik876/hifi-gan train.py, meldataset.py).

One step on random ``segment_size``-sample windows (8192 officially) of peak-normalised audio
(``normalize(audio) * 0.95``): the generator vocodes the window's mel (``fmax`` of the
config); the MPD and MSD take a least-squares step on real against generated audio; the
generator takes one on ``45·mel L1`` (mel with ``fmax_for_loss``) + adversarial + feature
matching. AdamW (lr 2e-4, betas 0.8/0.99) for both, exponential decay 0.999 per epoch.

Validation loss: the mel L1 between each validation clip and its vocoded mel, whole clips
(the official validation). Samples: the validation clips vocoded. Output: ``model.pth``
(``{'generator': state_dict}``, as an official ``g_*`` file) and ``config.json``.
``recipe_options``: ``config`` (an official-format config; default ``config_v1.json``,
or the checkpoint's), ``adversarial`` (true; false trains on the mel loss only, without
the 70M-weight discriminators, e.g. to check a set-up on a CPU).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from engine.audio.mel import log_mel
from engine.checkpoints.loader import mel_settings
from engine.models.hifigan import Generator
from engine.text.frontend import FrontEnd
from engine.training.discriminators import HifiGanDiscriminators
from engine.training.losses import discriminator_loss, feature_loss, generator_loss
from engine.training.recipes.base import Batch, Recipe, Wrap
from engine.training.recipes.official import cpu_state_dict, export_official, starting_point

C_MEL = 45.0


class HifiGanRecipe(Recipe):
    name = "hifigan"
    default_batch_size = 16
    audio_peak = 0.95

    def build(self, init_from: Path | None, saved: dict[str, Any] | None) -> None:
        given = self.options.recipe_options.get("config")
        if saved is not None:
            self.config, weights = saved["config"], None
        else:
            self.config, weights = starting_point(
                "hifigan", init_from, given, "hifi-gan/config_v1.json"
            )
        self.mel = mel_settings("hifigan", self.config)
        # The loss compares mels up to the config's fmax_for_loss (None: the Nyquist rate).
        for_loss = self.config.get("fmax_for_loss")
        self.loss_mel = replace(self.mel, fmax=None if for_loss is None else float(for_loss))
        self.generator = Generator(self.config)
        if weights is not None:
            self.generator.load_state_dict(weights)
        self.generator = self.generator.to(self.device).train()
        self.adversarial = bool(self.options.recipe_options.get("adversarial", True))
        self.discriminators = None
        if self.adversarial:
            self.discriminators = HifiGanDiscriminators().to(self.device).train()
        hop = self.mel.hop_length
        frames = self.options.segment_frames or int(self.config["segment_size"]) // hop
        self.segment_option = frames
        self.segment_samples = frames * hop
        self.vocode: nn.Module = self.generator
        self.judge: nn.Module | None = self.discriminators

    @property
    def sample_rate(self) -> int:
        return self.mel.sample_rate

    @property
    def hop_length(self) -> int:
        return self.mel.hop_length

    def front_end(self) -> FrontEnd | None:
        return None

    def recipe_state(self) -> dict[str, Any]:
        return {"config": self.config}

    def modules(self) -> dict[str, nn.Module]:
        found = {"generator": self.generator}
        if self.discriminators is not None:
            found["discriminators"] = self.discriminators
        return found

    def make_optimizers(self) -> None:
        lr = self.options.learning_rate or float(self.config["learning_rate"])
        betas = (float(self.config["adam_b1"]), float(self.config["adam_b2"]))
        self._optimizers = {
            name: torch.optim.AdamW(module.parameters(), lr, betas=betas)
            for name, module in self.modules().items()
        }
        decay = float(self.config["lr_decay"])
        self._schedulers = {
            name: torch.optim.lr_scheduler.ExponentialLR(optimizer, decay)
            for name, optimizer in self._optimizers.items()
        }

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return self._optimizers

    def schedulers(self) -> dict[str, Any]:
        return self._schedulers

    def distribute(self, wrap: Wrap) -> None:
        self.vocode = wrap(self.generator)
        if self.discriminators is not None:
            self.judge = wrap(self.discriminators)

    def end_epoch(self) -> None:
        for scheduler in self._schedulers.values():
            scheduler.step()

    def collate(self, items: Sequence[tuple[Tensor, Tensor]]) -> Batch:
        """Random windows of ``segment_samples`` (zero-padded when a clip is shorter), their
        input mels and loss mels, as the official MelDataset cuts them."""
        size = self.segment_samples
        windows = []
        for _, audio in items:
            if audio.numel() >= size:
                start = int(torch.randint(0, audio.numel() - size + 1, ()))
                windows.append(audio[start : start + size])
            else:
                windows.append(F.pad(audio, (0, size - audio.numel())))
        y = torch.stack(windows)
        return {"y": y, "mel": log_mel(y, self.mel), "mel_loss": log_mel(y, self.loss_mel)}

    def _autocast(self) -> torch.autocast:
        return torch.autocast(self.device.type, dtype=torch.float16, enabled=self.amp)

    def train_step(self, batch: Batch, step: int) -> dict[str, float]:
        b = {k: v.to(self.device) for k, v in batch.items()}
        y = b["y"].unsqueeze(1)
        with self._autocast():
            y_hat = self.vocode(b["mel"])
        y_hat_mel = log_mel(y_hat.squeeze(1).float(), self.loss_mel)
        losses: dict[str, float] = {}
        if self.judge is not None:
            with self._autocast():
                y_d_r, y_d_g, _, _ = self.judge(y, y_hat.detach())
            loss_disc = discriminator_loss(y_d_r, y_d_g)
            optim_d = self._optimizers["discriminators"]
            optim_d.zero_grad(set_to_none=True)
            self.scaler.scale(loss_disc).backward()
            self.scaler.step(optim_d)
            losses["disc"] = float(loss_disc.detach())
        loss_mel = F.l1_loss(b["mel_loss"], y_hat_mel) * C_MEL
        total = loss_mel
        if self.judge is not None:
            with self._autocast():
                _, y_d_g, fmap_r, fmap_g = self.judge(y, y_hat)
            loss_gen, loss_fm = generator_loss(y_d_g), feature_loss(fmap_r, fmap_g)
            total = total + loss_gen + loss_fm
            losses.update(gen=float(loss_gen.detach()), fm=float(loss_fm.detach()))
        optim_g = self._optimizers["generator"]
        optim_g.zero_grad(set_to_none=True)
        self.scaler.scale(total).backward()
        self.scaler.step(optim_g)
        self.scaler.update()
        losses.update(mel=float(loss_mel.detach()), total=float(total.detach()))
        return losses

    def validation_batch(self, items: Sequence[tuple[Tensor, Tensor]]) -> Batch:
        return {"audio": [audio for _, audio in items]}

    def validation_loss(self, batch: Batch) -> float:
        errors = []
        for audio in batch["audio"]:
            y = audio.to(self.device)[None]
            y_hat = self.generator(log_mel(y, self.mel)).squeeze(1).float()
            errors.append(
                float(F.l1_loss(log_mel(y_hat, self.loss_mel), log_mel(y, self.loss_mel)))
            )
        return sum(errors) / len(errors)

    def render_samples(
        self, texts: Sequence[str], validation: Sequence[tuple[Tensor, Tensor]]
    ) -> list[tuple[str, np.ndarray]]:
        rendered = []
        for n, (_, audio) in enumerate(validation):
            mel = log_mel(audio.to(self.device)[None], self.mel)
            y_hat = self.generator(mel)[0, 0].float().cpu().numpy()
            rendered.append((f"validation clip {n} vocoded", y_hat))
        return rendered

    def export(self, folder: Path) -> Path:
        return export_official(folder, {"generator": cpu_state_dict(self.generator)}, self.config)
