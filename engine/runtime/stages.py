"""The two inference stages of VITS, as the Synthesizer calls them, on PyTorch.

``encode``: token ids → per-token prior (mean, log-std) and log-durations from the duration
predictor, given its standard-normal noise. ``decode``: the prior expanded to frames and its
standard-normal noise → audio, through the flow in reverse and the decoder. Expanding tokens to
frames happens between the two (``expand``), so durations stay the caller's to edit.

Inputs and outputs are numpy arrays of one utterance (no batch axis), so another runtime can
stand in for this one (see ``onnx_stages``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch

from engine.models.vits import SynthesizerTrn


@dataclass(frozen=True)
class Encoding:
    """Per-token prior statistics [channels, tokens] and log-durations [tokens]."""

    m_p: np.ndarray
    logs_p: np.ndarray
    logw: np.ndarray


class VitsStages(Protocol):
    """A runtime for the two stages (see the module docstring): ``TorchStages`` or
    ``OnnxStages``. ``name`` says which, for reports and benchmarks."""

    name: str

    def encode(
        self, ids: Sequence[int], speaker: int | None, sdp_noise: np.ndarray, noise_w: float
    ) -> Encoding: ...

    def decode(
        self,
        m_frames: np.ndarray,
        logs_frames: np.ndarray,
        noise: np.ndarray,
        noise_scale: float,
        speaker: int | None,
    ) -> np.ndarray: ...


def expand(values: np.ndarray, durations: Sequence[int]) -> np.ndarray:
    """Repeat each token's column [channels, tokens] for its duration → [channels, frames].

    The official code multiplies by a one-hot alignment path; with whole-frame durations that
    selects the same values exactly.
    """
    return np.repeat(values, np.asarray(durations, dtype=np.int64), axis=1)


class TorchStages:
    """The stages on the model itself, on any torch device."""

    name = "torch"

    def __init__(self, model: SynthesizerTrn, device: torch.device) -> None:
        self.model = model
        self.device = device

    def _speaker(self, speaker: int | None) -> torch.Tensor | None:
        sid = None if speaker is None else torch.tensor([speaker], device=self.device)
        return self.model.embed_speaker(sid)

    def _tensor(self, array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))[None].to(self.device)

    @torch.inference_mode()
    def encode(
        self, ids: Sequence[int], speaker: int | None, sdp_noise: np.ndarray, noise_w: float
    ) -> Encoding:
        x = torch.tensor([list(ids)], dtype=torch.long, device=self.device)
        lengths = torch.tensor([len(ids)], dtype=torch.long, device=self.device)
        g = self._speaker(speaker)
        x_enc, m_p, logs_p, x_mask = self.model.encode_text(x, lengths)
        logw = self.model.predict_log_durations(x_enc, x_mask, g, self._tensor(sdp_noise), noise_w)
        return Encoding(
            m_p[0].float().cpu().numpy(), logs_p[0].float().cpu().numpy(), logw[0, 0].cpu().numpy()
        )

    @torch.inference_mode()
    def decode(
        self,
        m_frames: np.ndarray,
        logs_frames: np.ndarray,
        noise: np.ndarray,
        noise_scale: float,
        speaker: int | None,
    ) -> np.ndarray:
        m = self._tensor(m_frames)
        y_mask = torch.ones_like(m[:, :1])
        audio = self.model.decode(
            m,
            self._tensor(logs_frames),
            y_mask,
            self._tensor(noise),
            noise_scale,
            self._speaker(speaker),
        )
        return audio[0, 0].float().cpu().numpy()
