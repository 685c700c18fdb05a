"""Fine-tune a VITS voice: the bundled Piper voice by default, or any voice folder, Piper
``.onnx`` or official VITS ``G_*.pth`` given as ``init_from``.

One step is the official one (jaywalnut310/vits train.py ``train_and_evaluate``): the
generator's training pass (:mod:`engine.training.vits_pass`), a discriminator step on a
random 32-frame window (least squares), then a generator step on
``45·mel L1 + KL + duration + adversarial + feature matching``, AdamW (2e-4, betas 0.8/0.99,
eps 1e-9) and a per-epoch exponential decay of 0.999875 for both, one GradScaler.

An inference-only voice (a Piper export) first goes through the warm-up of
:mod:`engine.training.vits_warmup` (why and how: see there); the discriminator trains alone
for ``discriminator_warmup_steps`` steps before the generator starts to follow it.

Validation loss (which picks ``best``): the mean L1 distance between the log-mel of each
validation clip and of the speech the model synthesises *from its text* with the clip's
aligned durations (prior sample at the voice's noise scale, flow, decoder). That is what the
fine-tuned voice will sound like; the adversarial terms are not comparable between steps
and the posterior reconstruction does not involve the text side at all.

The output folder is a voice (``model.safetensors`` + ``card.json``, the layout of
:mod:`engine.checkpoints.voices`), loadable with ``load_voice(OUT)``.

``recipe_options``: ``posterior_steps`` (default 400), ``duration_posterior_steps`` (200),
``warmup_clips`` (32), ``discriminator_warmup_steps`` (200), ``c_mel`` (45), ``c_kl`` (1),
``adversarial`` (true; false trains on the mel, KL and duration terms only, without a
discriminator: the official discriminator has 50M weights and dominates a CPU step).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import save
from torch import nn
from torch.nn import functional as F

from engine.align import maximum_path_torch
from engine.audio.mel import (
    VITS_EPS,
    MelSettings,
    linear_spectrogram,
    log_mel,
    spectrogram_to_log_mel,
)
from engine.checkpoints.piper import TRAINING_ONLY_PREFIXES
from engine.checkpoints.voices import load_voice
from engine.models.vits import SynthesizerTrn, build_vits
from engine.storage import atomic_file
from engine.text.frontend import FrontEnd, front_end_for
from engine.training import vits_warmup
from engine.training.data import Clip, pad_batch
from engine.training.discriminators import VitsDiscriminator
from engine.training.losses import discriminator_loss, feature_loss, generator_loss, kl_loss
from engine.training.recipes.base import Batch, Recipe, Report, Wrap
from engine.training.state import atomic_write_bytes
from engine.training.vits_pass import (
    VitsTrainingGraph,
    prior_log_likelihood,
    slice_windows,
)

LEARNING_RATE = 2e-4
BETAS = (0.8, 0.99)
EPS = 1e-9
LR_DECAY = 0.999875
SEGMENT_FRAMES = 32


class VitsFinetune(Recipe):
    name = "vits-finetune"
    default_batch_size = 8

    def build(self, init_from: Path | None, saved: dict[str, Any] | None) -> None:
        if saved is not None:
            self.card = saved["card"]
            net_g = _model_for_card(self.card)
            self.needs_warmup = False
        else:
            self.card, net_g = _load_start(init_from)
            self.needs_warmup = bool(self.card.get("inference_only"))
            if self.needs_warmup:
                _fresh_training_modules(net_g, self.card)
        self.card = {**self.card, "inference_only": False}
        model = self.card["config"]["model"]
        self.net_g = net_g.to(self.device).train()
        extra = self.options.recipe_options
        self.adversarial = bool(extra.get("adversarial", True))
        self.net_d = None
        if self.adversarial:
            net_d = VitsDiscriminator(bool(model.get("use_spectral_norm", False)))
            self.net_d = net_d.to(self.device).train()
        self.segment_option = self.options.segment_frames or SEGMENT_FRAMES
        self.graph: nn.Module = VitsTrainingGraph(self.net_g, self.segment_option)
        self.judge: nn.Module = self.net_d
        data = self.card["config"]["data"]
        self.spec_settings = MelSettings(
            sample_rate=int(data["sampling_rate"]),
            n_fft=int(data["filter_length"]),
            hop_length=int(data["hop_length"]),
            win_length=int(data["win_length"]),
            n_mels=int(data["n_mel_channels"]),
            fmin=float(data.get("mel_fmin") or 0.0),
            fmax=data.get("mel_fmax"),
            magnitude_eps=VITS_EPS,
        )
        self.c_mel = float(extra.get("c_mel", 45.0))
        self.c_kl = float(extra.get("c_kl", 1.0))
        self.d_warmup = int(extra.get("discriminator_warmup_steps", 200))

    @property
    def sample_rate(self) -> int:
        return int(self.card["sample_rate"])

    @property
    def hop_length(self) -> int:
        return int(self.card["hop_length"])

    def front_end(self) -> FrontEnd:
        return front_end_for(self.card)

    def recipe_state(self) -> dict[str, Any]:
        return {"card": self.card}

    def prepare(self, clips: Sequence[Clip], report: Report, cancelled: Callable[[], bool]) -> bool:
        if not self.needs_warmup:
            return True
        extra = self.options.recipe_options
        picked = list(clips)[: int(extra.get("warmup_clips", 32))]
        inference = self.card.get("inference", {})
        renders = vits_warmup.render_latents(
            self.net_g,
            [c.ids for c in picked],
            self.spec_settings,
            float(inference.get("noise_scale", 0.667)),
            float(inference.get("noise_w", 0.8)),
            report,
            cancelled,
        )
        if renders:
            vits_warmup.fit_posterior(
                self.net_g, renders, int(extra.get("posterior_steps", 400)), report, cancelled
            )
            vits_warmup.fit_duration_posterior(
                self.net_g,
                renders,
                int(extra.get("duration_posterior_steps", 200)),
                report,
                cancelled,
            )
        self.net_g.train()
        return not cancelled()

    def modules(self) -> dict[str, nn.Module]:
        return {"net_g": self.net_g, **({"net_d": self.net_d} if self.net_d else {})}

    def make_optimizers(self) -> None:
        lr = self.options.learning_rate or LEARNING_RATE
        self._optimizers = {
            name: torch.optim.AdamW(module.parameters(), lr, betas=BETAS, eps=EPS)
            for name, module in (("g", self.net_g), ("d", self.net_d))
            if module is not None
        }
        self._schedulers = {
            name: torch.optim.lr_scheduler.ExponentialLR(optimizer, LR_DECAY)
            for name, optimizer in self._optimizers.items()
        }

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return self._optimizers

    def schedulers(self) -> dict[str, Any]:
        return self._schedulers

    def distribute(self, wrap: Wrap) -> None:
        self.graph = wrap(self.graph)
        if self.net_d is not None:
            self.judge = wrap(self.net_d)

    def end_epoch(self) -> None:
        # The generator's decay starts with its first step (after the discriminator's warm-up).
        for name, scheduler in self._schedulers.items():
            if name == "d" or self.generator_steps() > 0:
                scheduler.step()

    def generator_steps(self) -> int:
        return max(0, self.step_done - (self.d_warmup if self.adversarial else 0))

    # --- steps ---

    def collate(self, items: Sequence[tuple[torch.Tensor, torch.Tensor]]) -> Batch:
        ids, id_lengths, audio, audio_lengths = pad_batch(items)
        specs = [linear_spectrogram(a, self.spec_settings) for _, a in items]
        spec = torch.nn.utils.rnn.pad_sequence([s.T for s in specs], batch_first=True)
        return {
            "x": ids,
            "x_lengths": id_lengths,
            "audio": audio,
            "audio_lengths": audio_lengths,
            "spec": spec.transpose(1, 2),
            "spec_lengths": torch.tensor([s.size(1) for s in specs]),
        }

    def _autocast(self, enabled: bool = True) -> torch.autocast:
        return torch.autocast(self.device.type, dtype=torch.float16, enabled=self.amp and enabled)

    def train_step(self, batch: Batch, step: int) -> dict[str, float]:
        b = {k: v.to(self.device, non_blocking=True) for k, v in batch.items()}
        hop, seg = self.hop_length, self.segment_option
        with self._autocast():
            p = self.graph(b["x"], b["x_lengths"], b["spec"], b["spec_lengths"])
        mel = spectrogram_to_log_mel(b["spec"], self.spec_settings)
        y_mel = slice_windows(mel, p.starts, seg)
        y_hat_mel = log_mel(p.y_hat.squeeze(1).float(), self.spec_settings)
        y = slice_windows(b["audio"].unsqueeze(1), p.starts * hop, seg * hop)

        losses: dict[str, float] = {}
        if self.adversarial:
            with self._autocast():
                y_d_r, y_d_g, _, _ = self.judge(y, p.y_hat.detach())
            loss_disc = discriminator_loss(y_d_r, y_d_g)
            optim_d = self._optimizers["d"]
            optim_d.zero_grad(set_to_none=True)
            self.scaler.scale(loss_disc).backward()
            self.scaler.unscale_(optim_d)
            self.scaler.step(optim_d)
            losses["disc"] = float(loss_disc.detach())

        loss_mel = F.l1_loss(y_mel, y_hat_mel) * self.c_mel
        loss_kl = kl_loss(p.z_p, p.logs_q, p.m_p, p.logs_p, p.y_mask) * self.c_kl
        loss_dur = torch.sum(p.l_length.float())
        total = loss_mel + loss_dur + loss_kl
        losses.update(
            mel=float(loss_mel.detach()), kl=float(loss_kl.detach()), dur=float(loss_dur.detach())
        )
        if not self.adversarial or step >= self.d_warmup:
            if self.adversarial:
                with self._autocast():
                    _, y_d_g, fmap_r, fmap_g = self.judge(y, p.y_hat)
                loss_fm = feature_loss(fmap_r, fmap_g)
                loss_gen = generator_loss(y_d_g)
                total = total + loss_gen + loss_fm
                losses.update(gen=float(loss_gen.detach()), fm=float(loss_fm.detach()))
            optim_g = self._optimizers["g"]
            optim_g.zero_grad(set_to_none=True)
            self.scaler.scale(total).backward()
            self.scaler.unscale_(optim_g)
            self.scaler.step(optim_g)
            losses["total"] = float(total.detach())
        self.scaler.update()
        return losses

    # --- validation, samples, export ---

    def validation_loss(self, batch: Batch) -> float:
        net = self.net_g
        b = {k: v.to(self.device) for k, v in batch.items()}
        spec, spec_lengths = b["spec"], b["spec_lengths"]
        _, m_p, logs_p, x_mask = net.enc_p(b["x"], b["x_lengths"])
        zeros = spec.new_zeros(spec.size(0), net.inter_channels, spec.size(2))
        z, _, _, y_mask = net.enc_q(spec, spec_lengths, noise=zeros)
        z_p = net.flow(z, y_mask)
        mask = x_mask.transpose(1, 2) * y_mask
        path = maximum_path_torch(prior_log_likelihood(z_p, m_p, logs_p), mask)
        m = torch.matmul(path.transpose(1, 2), m_p.transpose(1, 2)).transpose(1, 2)
        logs = torch.matmul(path.transpose(1, 2), logs_p.transpose(1, 2)).transpose(1, 2)
        noise_scale = float(self.card.get("inference", {}).get("noise_scale", 0.667))
        z_hat = net.flow(
            m + torch.randn_like(m) * torch.exp(logs) * noise_scale, y_mask, reverse=True
        )
        audio = net.dec(z_hat * y_mask)
        mel_hat = log_mel(audio.squeeze(1).float(), self.spec_settings)
        mel = spectrogram_to_log_mel(spec, self.spec_settings)
        frames = min(mel.size(-1), mel_hat.size(-1))
        error = torch.abs(mel[..., :frames] - mel_hat[..., :frames]) * y_mask[..., :frames]
        return float(error.sum() / (y_mask[..., :frames].sum() * mel.size(1)))

    def render_samples(
        self, texts: Sequence[str], validation: Sequence[tuple[torch.Tensor, torch.Tensor]]
    ) -> list[tuple[str, np.ndarray]]:
        front_end = self.front_end()
        inference = self.card.get("inference", {})
        rendered = []
        for text in texts:
            ids = [i for sentence in front_end.sentences(text) for i in sentence.ids]
            x = torch.tensor([ids], device=self.device)
            o = self.net_g.infer(
                x,
                torch.tensor([len(ids)], device=self.device),
                noise_scale=float(inference.get("noise_scale", 0.667)),
                noise_scale_w=float(inference.get("noise_w", 0.8)),
                length_scale=float(inference.get("length_scale", 1.0)),
            )[0]
            rendered.append((text, o[0, 0].float().cpu().numpy()))
        return rendered

    def export(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        weights = {k: v.detach().cpu().contiguous() for k, v in self.net_g.state_dict().items()}
        with atomic_file(folder / "model.safetensors") as handle:
            handle.write(save(weights))
        card = copy.deepcopy(self.card)
        card["name"] = folder.name
        card["source"] = {
            "format": "glottis-training",
            "recipe": self.name,
            "step": self.step_done,
            "data": str(self.options.data),
            "fine_tuned_from": self.card.get("source"),
        }
        atomic_write_bytes(
            folder / "card.json", json.dumps(card, indent=2, ensure_ascii=False).encode("utf-8")
        )
        return folder


def _load_start(init_from: Path | None) -> tuple[dict[str, Any], SynthesizerTrn]:
    """The card and model to fine-tune: a voice (default: the bundled one) or an official
    VITS checkpoint."""
    if init_from is not None and init_from.suffix in (".pth", ".pt"):
        from engine.checkpoints.loader import load

        checkpoint = load(init_from)
        if checkpoint.family != "vits":
            raise ValueError(f"{init_from} is a {checkpoint.family} checkpoint, not VITS")
        config = checkpoint.config
        card = {
            "name": init_from.stem,
            "family": "vits",
            "config": config,
            "n_vocab": checkpoint.model.n_vocab,
            "sample_rate": int(config["data"]["sampling_rate"]),
            "hop_length": int(config["data"]["hop_length"]),
            "frontend": {"kind": "vits", "add_blank": bool(config["data"].get("add_blank"))},
            "source": {"format": "vits-official", "path": str(init_from.absolute())},
        }
        return card, checkpoint.model
    # A path that does not exist may be a voice's name in the registry ("en_US-joe-medium").
    voice = load_voice(init_from if init_from is None or init_from.exists() else str(init_from))
    if not isinstance(voice.model, SynthesizerTrn):
        raise ValueError(f"{voice.path} is not a VITS voice; vits-finetune needs one")
    return copy.deepcopy(voice.card), voice.model


def _model_for_card(card: dict[str, Any]) -> SynthesizerTrn:
    model = build_vits(card["config"], n_vocab=int(card["n_vocab"]))
    if card.get("weight_norm_folded"):
        model.fold_weight_norm()
    return model


def _fresh_training_modules(net_g: SynthesizerTrn, card: dict[str, Any]) -> None:
    """Give the weights an inference-only export lacks their official initial values."""
    fresh = _model_for_card(card).state_dict()
    current = net_g.state_dict()
    with torch.no_grad():
        for key, value in current.items():
            if key.startswith(TRAINING_ONLY_PREFIXES):
                value.copy_(fresh[key])
