"""The model families Glottis runs, each described once: how people call it, its role, whether
it makes a mel that a vocoder voices, how its checkpoints are told apart, what builds, reads,
drives and trains it, and the inference defaults of its official code.

Light to import (the window and ``glottis --help`` read it): the heavy parts are named by
``"module:attribute"`` and imported by :func:`implementation` when used. Adding a family is a
:class:`Family` here plus the modules it names (docs/ARCHITECTURE.md, "Adding a model family").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from types import MappingProxyType
from typing import Any

ACOUSTIC, VOCODER = "acoustic", "vocoder"
GRIFFIN_LIM = "griffin-lim"  # the vocoder without weights, the default for mel models
ROLE_NAMES = {ACOUSTIC: "acoustic model", VOCODER: "vocoder"}


def _frozen(values: dict[str, Any]) -> MappingProxyType[str, Any]:
    return MappingProxyType(values)


@dataclass(frozen=True)
class Family:
    """One family.

    ``name`` as cards and checkpoints say it, ``display`` as people write it; ``marks``: the
    weight-name prefixes that all occur in its official checkpoints' state dicts (how a file's
    family is told); ``builder``: our model from an official config; ``config_format``: how
    its official config reads (:class:`engine.checkpoints.config_formats.ConfigFormat`);
    ``embedding``: the token embedding's weight (its rows are the vocabulary);
    ``adapter``: the :class:`engine.acoustic.base.AcousticModel` that drives it (acoustic
    models); ``onnx``: it also runs on onnxruntime; ``defaults``: the knobs it reads
    (:class:`engine.controls.Controls` fields) with its official inference code's values,
    which a card's ``inference`` overrides; ``recipes``: the training recipes that make one
    (:mod:`engine.training.recipes`).
    """

    name: str
    display: str
    role: str
    marks: tuple[str, ...]
    config_format: str
    builder: str | None = None
    makes_mel: bool = False
    embedding: str | None = None
    adapter: str | None = None
    onnx: bool = False
    defaults: MappingProxyType[str, Any] = field(default_factory=lambda: _frozen({}))
    recipes: tuple[str, ...] = ()


FAMILIES = {
    family.name: family
    for family in (
        Family(
            "vits",
            "VITS",
            ACOUSTIC,
            marks=("enc_p.", "dec."),
            config_format="engine.checkpoints.config_formats:VITS",
            builder="engine.models.vits:build_vits",
            embedding="enc_p.emb.weight",
            adapter="engine.acoustic.vits:VitsModel",
            onnx=True,
            # jaywalnut310/vits inference.ipynb; Piper's defaults are the same.
            defaults=_frozen({"noise_scale": 0.667, "noise_w": 0.8, "length_scale": 1.0}),
            recipes=("vits-finetune",),
        ),
        Family(
            "glow-tts",
            "Glow-TTS",
            ACOUSTIC,
            marks=("encoder.", "decoder.flows."),
            config_format="engine.checkpoints.config_formats:GLOW_TTS",
            builder="engine.models.glow_tts:build_glow_tts",
            makes_mel=True,
            embedding="encoder.emb.weight",
            adapter="engine.acoustic.glow_tts:GlowTtsModel",
            # jaywalnut310/glow-tts inference.ipynb
            defaults=_frozen({"noise_scale": 0.667, "length_scale": 1.0}),
            recipes=("glow-tts",),
        ),
        Family(
            "grad-tts",
            "Grad-TTS",
            ACOUSTIC,
            marks=("encoder.", "decoder.estimator."),
            config_format="engine.checkpoints.config_formats:GRAD_TTS",
            builder="engine.models.grad_tts:build_grad_tts",
            makes_mel=True,
            embedding="encoder.emb.weight",
            adapter="engine.acoustic.grad_tts:GradTtsModel",
            # Speech-Backbones Grad-TTS inference.py: 10 steps, temperature 1.5, the ODE
            defaults=_frozen(
                {"length_scale": 0.91, "temperature": 1.5, "steps": 10, "stochastic": False}
            ),
            recipes=("grad-tts",),
        ),
        Family(
            "hifigan",
            "HiFi-GAN",
            VOCODER,
            marks=("conv_pre.", "ups.", "conv_post."),
            config_format="engine.checkpoints.config_formats:HIFIGAN",
            builder="engine.models.hifigan:build_hifigan",
            recipes=("hifigan",),
        ),
        Family(
            "waveglow",
            "WaveGlow",
            VOCODER,
            marks=("upsample.", "WN."),
            config_format="engine.checkpoints.config_formats:WAVEGLOW",
            # the sigma of NVIDIA/waveglow's README example; no denoising unless asked
            defaults=_frozen({"sigma": 0.6, "denoiser_strength": 0.0}),
        ),
    )
}
FAMILY_NAMES = {name: family.display for name, family in FAMILIES.items()}
ROLES = {name: family.role for name, family in FAMILIES.items()}
MEL_FAMILIES = tuple(name for name, family in FAMILIES.items() if family.makes_mel)


def implementation(reference: str) -> Any:
    """The object a family names as ``"module:attribute"``, imported now."""
    module, _, attribute = reference.partition(":")
    return getattr(import_module(module), attribute)


def inference_settings(card: dict[str, Any]) -> dict[str, Any]:
    """A voice's inference knobs: its family's official defaults, overridden by its card's
    ``inference`` entry."""
    family = FAMILIES.get(str(card.get("family", "vits")))
    given = card.get("inference")
    return {**(family.defaults if family else {}), **(given if isinstance(given, dict) else {})}
