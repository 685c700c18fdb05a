"""What the Glow-TTS, Grad-TTS and HiFi-GAN recipes share: a config (given, from the
checkpoint fine-tuned from, or the official one), weights from an official checkpoint,
and the export as an official container with ``config.json`` beside it, which
:func:`engine.checkpoints.loader.load` opens as it would the official file.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import torch
from torch import nn

from engine.checkpoints.loader import CONFIGS, check_config, load
from engine.training.state import atomic_torch_save, atomic_write_bytes

MODEL_FILE = "model.pth"
CONFIG_FILE = "config.json"


def starting_point(
    family: str, init_from: Path | None, given: dict[str, Any] | None, official: str
) -> tuple[dict[str, Any], dict[str, torch.Tensor] | None]:
    """(config, weights or None). ``init_from`` (an official checkpoint of ``family``) gives
    both, its config found as the loader finds it unless ``given``; otherwise the ``given``
    config or the official one at ``engine/resources/configs/<official>``, from scratch."""
    if init_from is not None:
        checkpoint = load(init_from, given)
        if checkpoint.family != family:
            raise ValueError(f"{init_from} is a {checkpoint.family} checkpoint, not {family}")
        return copy.deepcopy(checkpoint.config), checkpoint.model.state_dict()
    if given is not None:  # from scratch: its schema bounds the model it builds
        check_config(family, given, "--recipe-option config")
        return copy.deepcopy(given), None
    return json.loads((CONFIGS / official).read_text(encoding="utf-8")), None


def export_official(folder: Path, container: dict[str, Any], config: dict[str, Any]) -> Path:
    """Write ``folder/model.pth`` (the official container) and ``folder/config.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(folder / CONFIG_FILE, json.dumps(config, indent=2).encode("utf-8"))
    atomic_torch_save(container, folder / MODEL_FILE)
    return folder / MODEL_FILE


def cpu_state_dict(module: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}
