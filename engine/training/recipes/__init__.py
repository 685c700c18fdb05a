"""Training recipes by name: ``vits-finetune``, ``glow-tts``, ``grad-tts``, ``hifigan``."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the recipes import PyTorch; naming them must not
    from engine.training.recipes.base import Recipe

_MODULES = {
    "vits-finetune": ("engine.training.recipes.vits_finetune", "VitsFinetune"),
    "glow-tts": ("engine.training.recipes.glow_tts", "GlowTtsRecipe"),
    "grad-tts": ("engine.training.recipes.grad_tts", "GradTtsRecipe"),
    "hifigan": ("engine.training.recipes.hifigan", "HifiGanRecipe"),
}
RECIPES = tuple(_MODULES)


def recipe_class(name: str) -> type[Recipe]:
    """The recipe of that name; ValueError listing the known ones otherwise."""
    if name not in _MODULES:
        raise ValueError(f"unknown recipe {name!r}; choose one of {', '.join(RECIPES)}")
    module, attribute = _MODULES[name]
    return getattr(import_module(module), attribute)
