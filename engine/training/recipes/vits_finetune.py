"""Fine-tune a VITS voice: the bundled Piper voice by default, or any voice folder, Piper
``.onnx`` or official VITS ``G_*.pth`` given as ``init_from``. Two modes:

**full** (the default with a GPU) is the official step (jaywalnut310/vits train.py
``train_and_evaluate``): the generator's training pass (:mod:`engine.training.vits_pass`),
a discriminator step on a random 32-frame window (least squares), then a generator step on
``45·mel L1 + KL + duration + adversarial + feature matching``, AdamW (2e-4, betas 0.8/0.99,
eps 1e-9) and a per-epoch exponential decay of 0.999875 for both, one GradScaler. An
inference-only voice (a Piper export) first goes through the warm-up of
:mod:`engine.training.vits_warmup`; the discriminator trains alone for
``discriminator_warmup_steps`` steps before the generator starts to follow it.

**light** (the default without one) trains the posterior encoder, the flow and the decoder
on short windows against narrow period discriminators, with the text encoder and the
duration predictor frozen and the speaker's pace fitted as the voice's ``length_scale``
(:mod:`engine.training.vits_light` says what a step does). Its warm-up renders 16 clips and
fits the posterior encoder for 150 steps (about a minute on two cores, against the full
warm-up's 32 clips, 400 + 200 steps). The voice it writes holds only the flow and the
decoder beside a reference to the voice it started from.

How the light mode was chosen, measured with ``benchmarks/finetune_voice.py``'s speaker (flite
``slt``, 60 clips, 3 minutes) and held-out sentences on this 2-core CPU, the machine idle
(similarity to her recordings: base voice 0.539, her own held-out clips 0.993; her median F0
172 Hz with a 10th-90th percentile band of 29 Hz; Whisper CER base 0.024, hers 0.051):

- The official step costs 2.2-2.6 s at batch 8 without a discriminator and about 11 s
  with the official one (8.6 s of it the discriminator); the posterior encoder and the flow
  over whole clips are most of the rest. Windows with cached alignments: 1.5-1.9 s.
- Without any discriminator (mel, KL, and a log-STFT term), similarity climbs fast (0.94
  after 8 minutes) but the pitch locks to the frame grid: the decoder makes one or two
  pulses per 256-sample frame (86 or 172 Hz whatever she says), Whisper CER 0.09-0.12.
  The same happens through the posterior encoder alone (its latents carry no pitch the
  decoder reads), with the decoder frozen (similarity 0.70, the base voice's pitch), with
  the decoder trained only through prior samples, and at a 44.1 kHz rate that puts her
  pitch period where the base voice's is in samples.
- Narrow period discriminators (2.7M weights, from the first step, no warm-up) free the
  pitch within 300 steps: after 30 minutes F0 172-174 Hz, band 30-32 Hz, similarity
  0.93-0.96, but CER stays 0.10-0.15 (0.19 for her own clips re-synthesised through the
  posterior: the decoder has not yet learnt her voice well enough in 900 steps).
- Also tried, no clear gain: the text encoder's output projection trained beside the decoder,
  a 4e-4 learning rate (a narrower pitch band), and other noise scales at inference.
- Kept: the above with a warm-up of 16 clips and 150 posterior steps, and the best
  checkpoint chosen by the voice checks. ``benchmarks/finetune_voice.py --minutes 30``, every
  stage inside the 30 minutes: 774 steps; the voice kept (step 774) has similarity 0.953
  (base 0.542, hers 0.993: 91% of the gap), F0 172.2 Hz with a 27.9 Hz band (hers 172.1 and
  29.0), CER 0.068 (base 0.030, so the goal of at most 0.060 is not yet met). Every 100 steps
  the similarity was 0.886-0.953, the CER 0.066-0.129, and the band widened from 15 to 29 Hz.

Validation loss: the mean L1 distance between the log-mel of each validation clip and of the
speech the model synthesises *from its text* with the clip's aligned durations (prior sample
at the voice's noise scale, flow, decoder): what the fine-tuned voice will sound like. With
voice checks on (the default) the best checkpoint is picked by
:mod:`engine.training.voice_check` instead.

The output folder is a voice (``model.safetensors`` + ``card.json``, the layout of
:mod:`engine.checkpoints.voices`), loadable with ``load_voice(OUT)``; ``OUT/best`` is the best
checkpoint's.

``recipe_options``: ``posterior_steps`` (full 400, light 150), ``duration_posterior_steps``
(200, full only), ``warmup_clips`` (full 32, light 16), ``discriminator_warmup_steps`` (200,
full only), ``c_mel`` (45), ``c_kl`` (1), ``adversarial`` (full: true; false trains on the
mel, KL and duration terms only); light only: ``margin_frames`` (16), ``c_stft`` (20),
``c_adversarial`` (1), ``refresh_alignments`` (30 steps).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
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
from engine.checkpoints.voices import ADAPTED_FROM, WEIGHTS_FILE, load_voice, write_voice_files
from engine.families import inference_settings
from engine.models.vits import SynthesizerTrn, build_vits
from engine.storage import file_sha256
from engine.text.frontend import FrontEnd, front_end_for
from engine.training import vits_warmup
from engine.training.data import Clip, SpeechDataset, pad_batch
from engine.training.discriminators import VitsDiscriminator, light_discriminator
from engine.training.losses import (
    discriminator_loss,
    feature_loss,
    generator_loss,
    kl_loss,
    log_stft_loss,
)
from engine.training.recipes.base import Batch, Recipe, Report, Wrap
from engine.training.vits_light import (
    AlignmentCache,
    clip_key,
    fitted_length_scale,
    window_batch,
)
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
MODES = ("light", "full")
# The light mode (engine.training.vits_light): what it trains, stores and how.
LIGHT_TRAINED = ("enc_q", "flow", "dec")
LIGHT_ADAPTED = ("flow", "dec")  # what a light voice stores beside its base voice's weights
LIGHT_DEFAULTS = {
    "warmup_clips": 16,
    "posterior_steps": 150,
    "margin_frames": 16,
    "c_stft": 20.0,
    "c_adversarial": 1.0,
    "refresh_alignments": 30,
}


class VitsFinetune(Recipe):
    name = "vits-finetune"
    default_batch_size = 8
    speaks = True

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
        self.mode = (
            (saved or {}).get("mode")
            or self.options.mode
            or ("full" if self.device.type == "cuda" else "light")
        )
        if self.mode not in MODES:
            raise ValueError(f"vits-finetune has no mode {self.mode!r}; choose light or full")
        self.light = {**LIGHT_DEFAULTS, **extra} if self.mode == "light" else {}
        self.adversarial = bool(extra.get("adversarial", True))
        self.net_d = None
        if self.mode == "light":
            self.validate_every = 100
            self.net_d = light_discriminator().to(self.device).train()
            for name, module in self.net_g.named_children():
                module.requires_grad_(name in LIGHT_TRAINED)
            self.alignments = AlignmentCache(
                int(self.light["refresh_alignments"]), (saved or {}).get("alignments")
            )
        elif self.adversarial:
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
        state: dict[str, Any] = {"card": self.card, "mode": self.mode}
        if self.mode == "light":
            state["alignments"] = self.alignments.to_json()
        return state

    def prepare(self, clips: Sequence[Clip], report: Report, cancelled: Callable[[], bool]) -> bool:
        if self.needs_warmup and not self._warm_up(clips, report, cancelled):
            return False
        if self.mode == "light":
            self._align_all(clips, report, cancelled)
        self.net_g.train()
        return not cancelled()

    def _warm_up(
        self, clips: Sequence[Clip], report: Report, cancelled: Callable[[], bool]
    ) -> bool:
        """Fit the parts an inference-only voice lacks (:mod:`engine.training.vits_warmup`);
        the light mode leaves the duration predictor alone, so it skips its posterior."""
        extra = {**self.light, **self.options.recipe_options}
        picked = list(clips)[: int(extra.get("warmup_clips", 32))]
        inference = inference_settings(self.card)
        renders = vits_warmup.render_latents(
            self.net_g,
            [c.ids for c in picked],
            self.spec_settings,
            float(inference["noise_scale"]),
            float(inference["noise_w"]),
            report,
            cancelled,
        )
        if renders:
            vits_warmup.fit_posterior(
                self.net_g, renders, int(extra.get("posterior_steps", 400)), report, cancelled
            )
            if self.mode == "full":
                vits_warmup.fit_duration_posterior(
                    self.net_g,
                    renders,
                    int(extra.get("duration_posterior_steps", 200)),
                    report,
                    cancelled,
                )
        return not cancelled()

    def _align_all(
        self, clips: Sequence[Clip], report: Report, cancelled: Callable[[], bool]
    ) -> None:
        """Search every clip's alignment once before the first step and take the speaker's
        pace from them (the voice's ``length_scale``)."""
        dataset = SpeechDataset(clips, self.sample_rate, self.hop_length)
        hidden, frames = [], []
        batch = 8
        self.net_g.eval()
        for first in range(0, len(dataset), batch):
            if cancelled():
                return
            items = [dataset[i] for i in range(first, min(first + batch, len(dataset)))]
            b = self._on_device(self.collate(items))
            with torch.no_grad():
                h, m_p, logs_p, x_mask = self.net_g.enc_p(b["x"], b["x_lengths"])
            keys = self._keys(b)
            self.alignments.search(
                self.net_g, keys, b["spec"], b["spec_lengths"], m_p, logs_p, x_mask, 0
            )
            for row, key in enumerate(keys):
                hidden.append(h[row, :, : int(b["x_lengths"][row])])
                frames.append(sum(self.alignments.durations(key)))
            report("aligning the recordings", min(first + batch, len(dataset)), len(dataset), None)
        inference = self.card.setdefault("inference", {})
        inference["length_scale"] = round(fitted_length_scale(self.net_g, hidden, frames), 4)

    def modules(self) -> dict[str, nn.Module]:
        return {"net_g": self.net_g, **({"net_d": self.net_d} if self.net_d else {})}

    def train_mode(self, training: bool) -> None:
        super().train_mode(training)
        if self.mode == "light":  # the frozen text side gives the same priors every step
            for name, module in self.net_g.named_children():
                if name not in LIGHT_TRAINED:
                    module.eval()

    def make_optimizers(self) -> None:
        lr = self.options.learning_rate or LEARNING_RATE
        self._optimizers = {
            name: torch.optim.AdamW(
                [p for p in module.parameters() if p.requires_grad], lr, betas=BETAS, eps=EPS
            )
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
        warmup = self.d_warmup if self.adversarial and self.mode == "full" else 0
        return max(0, self.step_done - warmup)

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

    def _on_device(self, batch: Batch) -> Batch:
        return {k: v.to(self.device, non_blocking=True) for k, v in batch.items()}

    def _keys(self, b: Batch) -> list[str]:
        return [
            clip_key(b["x"][i, : int(b["x_lengths"][i])], int(b["spec_lengths"][i]))
            for i in range(b["x"].size(0))
        ]

    def train_step(self, batch: Batch, step: int) -> dict[str, float]:
        if self.mode == "light":
            return self._light_step(batch, step)
        b = self._on_device(batch)
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

    def _light_step(self, batch: Batch, step: int) -> dict[str, float]:
        """One step of the light mode (:mod:`engine.training.vits_light`)."""
        b = self._on_device(batch)
        net, hop, window = self.net_g, self.hop_length, self.segment_option
        with torch.no_grad():
            _, m_p, logs_p, x_mask = net.enc_p(b["x"], b["x_lengths"])
        keys = self._keys(b)
        if any(self.alignments.stale(key, step) for key in keys):
            self.alignments.search(
                net, keys, b["spec"], b["spec_lengths"], m_p, logs_p, x_mask, step
            )
        w = window_batch(
            b["spec"],
            b["spec_lengths"],
            b["audio"],
            m_p,
            logs_p,
            [self.alignments.durations(key) for key in keys],
            window,
            int(self.light["margin_frames"]),
            hop,
        )
        z, _, logs_q, y_mask = net.enc_q(w.spec, w.lengths)
        z_p = net.flow(z, y_mask)
        y_hat = net.dec(slice_windows(z, w.offsets, window)).squeeze(1)

        real, fake = w.audio.unsqueeze(1), y_hat.unsqueeze(1)
        scores_real, scores_fake, _, _ = self.judge(real, fake.detach())
        loss_disc = discriminator_loss(scores_real, scores_fake)
        optim_d = self._optimizers["d"]
        optim_d.zero_grad(set_to_none=True)
        loss_disc.backward()
        optim_d.step()

        _, scores_fake, fmap_real, fmap_fake = self.judge(real, fake)
        mels = [log_mel(audio, self.spec_settings) for audio in (y_hat, w.audio)]
        loss_mel = F.l1_loss(*mels) * self.c_mel
        loss_kl = kl_loss(z_p, logs_q, w.m_p, w.logs_p, y_mask) * self.c_kl
        loss_stft = log_stft_loss(w.audio, y_hat) * float(self.light["c_stft"])
        c_adversarial = float(self.light["c_adversarial"])
        loss_gen = generator_loss(scores_fake) * c_adversarial
        loss_fm = feature_loss(fmap_real, fmap_fake) * c_adversarial
        total = loss_mel + loss_kl + loss_stft + loss_gen + loss_fm
        optim_g = self._optimizers["g"]
        optim_g.zero_grad(set_to_none=True)
        total.backward()
        optim_g.step()
        return {
            name: float(value.detach())
            for name, value in (
                ("disc", loss_disc),
                ("mel", loss_mel),
                ("kl", loss_kl),
                ("stft", loss_stft),
                ("gen", loss_gen),
                ("fm", loss_fm),
                ("total", total),
            )
        }

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
        noise_scale = float(inference_settings(self.card)["noise_scale"])
        z_hat = net.flow(
            m + torch.randn_like(m) * torch.exp(logs) * noise_scale, y_mask, reverse=True
        )
        audio = net.dec(z_hat * y_mask)
        mel_hat = log_mel(audio.squeeze(1).float(), self.spec_settings)
        mel = spectrogram_to_log_mel(spec, self.spec_settings)
        frames = min(mel.size(-1), mel_hat.size(-1))
        error = torch.abs(mel[..., :frames] - mel_hat[..., :frames]) * y_mask[..., :frames]
        return float(error.sum() / (y_mask[..., :frames].sum() * mel.size(1)))

    def speak(self, texts: Sequence[str]) -> list[np.ndarray]:
        front_end = self.front_end()
        inference = inference_settings(self.card)
        rendered = []
        for text in texts:
            ids = [i for sentence in front_end.sentences(text) for i in sentence.ids]
            x = torch.tensor([ids], device=self.device)
            o = self.net_g.infer(
                x,
                torch.tensor([len(ids)], device=self.device),
                noise_scale=float(inference["noise_scale"]),
                noise_scale_w=float(inference["noise_w"]),
                length_scale=float(inference["length_scale"]),
            )[0]
            rendered.append(o[0, 0].float().cpu().numpy())
        return rendered

    def render_samples(
        self, texts: Sequence[str], validation: Sequence[tuple[torch.Tensor, torch.Tensor]]
    ) -> list[tuple[str, np.ndarray]]:
        return list(zip(texts, self.speak(texts), strict=True))

    def export(self, folder: Path) -> Path:
        """The voice folder; a light run's holds only the adapted parts (flow and decoder)
        and names the voice they go with (``adapted_from``), which must stay installed."""
        weights = dict(self.net_g.state_dict())
        card = copy.deepcopy(self.card)
        base = card.pop(ADAPTED_FROM, None)
        if self.mode == "light" and base is not None:
            weights = {k: v for k, v in weights.items() if k.split(".")[0] in LIGHT_ADAPTED}
            card[ADAPTED_FROM] = base
            card["inference_only"] = True
        card["name"] = self.options.out.name  # the run's voice, its best one as the last
        card["source"] = {
            "format": "glottis-training",
            "recipe": self.name,
            "step": self.step_done,
            "data": str(self.options.data),
            "fine_tuned_from": self.card.get("source"),
        }
        write_voice_files(folder, weights, card)
        return folder


def _load_start(init_from: Path | None) -> tuple[dict[str, Any], SynthesizerTrn]:
    """The card and model to fine-tune: a voice (default: the bundled one) or an official
    VITS checkpoint."""
    if init_from is not None and init_from.suffix in (".pth", ".pt"):
        from engine.checkpoints.cards import card_for_checkpoint
        from engine.checkpoints.loader import load

        checkpoint = load(init_from)
        if not isinstance(checkpoint.model, SynthesizerTrn):
            raise ValueError(f"{init_from} is a {checkpoint.family} checkpoint, not VITS")
        return {**card_for_checkpoint(checkpoint), "name": init_from.stem}, checkpoint.model
    # A path that does not exist may be a voice's name in the registry ("en_US-joe-medium").
    voice = load_voice(init_from if init_from is None or init_from.exists() else str(init_from))
    if not isinstance(voice.model, SynthesizerTrn):
        raise ValueError(f"{voice.path} is not a VITS voice; vits-finetune needs one")
    card = copy.deepcopy(voice.card)
    if voice.path.is_dir() and ADAPTED_FROM not in card:
        card[ADAPTED_FROM] = {
            "name": voice.name,
            "path": str(voice.path),
            "sha256": file_sha256(voice.path / WEIGHTS_FILE),
        }
    return card, voice.model


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
