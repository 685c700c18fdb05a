"""Acoustic models behind one interface: text ids and durations in, audio or a mel out.

``acoustic_model_for(voice, device, runtime)`` makes the adapter the voice's family names
(``Family.adapter`` in :mod:`engine.families`): VITS makes audio itself; Glow-TTS and Grad-TTS
make mels for a vocoder (``engine.vocoders``). Every adapter is made as
``Adapter(voice, device, runtime)`` and satisfies :class:`AcousticModel`.
"""

from __future__ import annotations

import torch

from engine.checkpoints.voices import Voice
from engine.errors import SynthesisError
from engine.families import FAMILIES, FAMILY_NAMES, implementation

from .base import AcousticModel

__all__ = ["AcousticModel", "acoustic_model_for"]


def acoustic_model_for(voice: Voice, device: torch.device, runtime: str) -> AcousticModel:
    """The adapter for ``voice``'s family on ``device``; ``runtime`` "onnxruntime" only for a
    family that runs there."""
    name = voice.card["family"]
    family = FAMILIES.get(name)
    if family is None or family.adapter is None:
        raise SynthesisError(f"voice {voice.name} is a {name} model, which cannot speak text")
    if runtime == "onnxruntime" and not family.onnx:
        runs = ", ".join(FAMILY_NAMES[f.name] for f in FAMILIES.values() if f.onnx)
        raise SynthesisError(f"the onnxruntime runtime runs {runs} only, not {family.display}")
    adapter: AcousticModel = implementation(family.adapter)(voice, device, runtime)
    return adapter
