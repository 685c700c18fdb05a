"""Acoustic models behind one interface: text ids and durations in, audio or a mel out.

``acoustic_model_for(voice, device, runtime)`` picks the adapter of the voice's family:
VITS makes audio itself; Glow-TTS and Grad-TTS make mels for a vocoder (``engine.vocoders``).
"""

from __future__ import annotations

import torch

from engine.checkpoints.voices import Voice
from engine.errors import SynthesisError

from .base import AcousticModel
from .glow_tts import GlowTtsModel
from .grad_tts import GradTtsModel
from .vits import VitsModel

__all__ = ["AcousticModel", "acoustic_model_for"]


def acoustic_model_for(voice: Voice, device: torch.device, runtime: str) -> AcousticModel:
    """The adapter for ``voice``'s family on ``device``; ``runtime`` applies to VITS only."""
    family = voice.card["family"]
    if family == "vits":
        return VitsModel(voice, device, runtime)
    if runtime == "onnxruntime":
        raise SynthesisError(f"the onnxruntime runtime runs VITS only, not {family}")
    if family == "glow-tts":
        return GlowTtsModel(voice, device)
    if family == "grad-tts":
        return GradTtsModel(voice, device)
    raise SynthesisError(f"voice {voice.name} is a {family} model, which cannot speak text")
