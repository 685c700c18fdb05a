"""The part of the Glow-TTS and Grad-TTS recipes that is the same: ARPAbet text (the
official ``english_cleaners`` + CMUdict front end, with the blank when the config adds it),
log-mel targets in the model's own mel settings, samples voiced by Griffin-Lim (these
models make mels; a vocoder is chosen at synthesis time), and the export as an official
container with its config."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from engine.audio.mel import MelSettings, log_mel
from engine.models.griffin_lim import griffin_lim, mel_to_magnitude
from engine.text.frontend import FrontEnd, front_end_for
from engine.training.data import pad_batch
from engine.training.recipes.base import Batch, Recipe


class MelAcousticRecipe(Recipe):
    """Subclasses set ``self.config``, ``self.mel`` and ``self.model`` in ``build``."""

    config: dict[str, Any]
    mel: MelSettings
    add_blank: bool
    pad_with_spaces: bool = False

    @property
    def sample_rate(self) -> int:
        return self.mel.sample_rate

    @property
    def hop_length(self) -> int:
        return self.mel.hop_length

    def front_end(self) -> FrontEnd:
        return front_end_for(
            {
                "frontend": {
                    "kind": "arpabet",
                    "add_blank": self.add_blank,
                    "pad_with_spaces": self.pad_with_spaces,
                }
            }
        )

    def recipe_state(self) -> dict[str, Any]:
        return {"config": self.config}

    def collate(self, items: Sequence[tuple[torch.Tensor, torch.Tensor]]) -> Batch:
        ids, id_lengths, _, _ = pad_batch(items)
        mels = [log_mel(self.prepare_audio(audio), self.mel) for _, audio in items]
        mel = torch.nn.utils.rnn.pad_sequence([m.T for m in mels], batch_first=True)
        return {
            "x": ids,
            "x_lengths": id_lengths,
            "y": mel.transpose(1, 2),
            "y_lengths": torch.tensor([m.size(1) for m in mels]),
        }

    def prepare_audio(self, audio: torch.Tensor) -> torch.Tensor:
        """The audio the mel is taken from (Glow-TTS adds dequantisation noise)."""
        return audio

    def ids(self, text: str) -> list[int]:
        return [i for sentence in self.front_end().sentences(text) for i in sentence.ids]

    def synthesise_mel(self, ids: list[int]) -> torch.Tensor:
        """A mel [n_mels, frames] the model makes for ``ids``."""
        raise NotImplementedError

    def render_samples(
        self, texts: Sequence[str], validation: Sequence[tuple[torch.Tensor, torch.Tensor]]
    ) -> list[tuple[str, np.ndarray]]:
        rendered = []
        for text in texts:
            mel = self.synthesise_mel(self.ids(text)).float().cpu()
            audio = griffin_lim(mel_to_magnitude(mel[None], self.mel), self.mel, n_iter=30)
            rendered.append((f"{text} (Griffin-Lim)", audio[0].numpy().astype(np.float32)))
        return rendered
