"""Which torch device a model runs on, and copies of shared models onto it."""

from __future__ import annotations

import copy
from typing import TypeVar

import torch

from engine.errors import SynthesisError


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def usable_device(device: str | torch.device | None) -> torch.device:
    """The torch device asked for (default: CUDA if present, else CPU), if this machine has it."""
    if device is None:
        return default_device()
    try:
        chosen = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise SynthesisError(f"unknown device {device!r}: use cpu or cuda") from error
    if chosen.type == "cpu":
        return chosen
    if chosen.type != "cuda":
        raise SynthesisError(f"device {device!r} is not supported: use cpu or cuda")
    if not torch.cuda.is_available():
        raise SynthesisError("CUDA was asked for, but this machine has no usable CUDA device")
    if chosen.index is not None and chosen.index >= torch.cuda.device_count():
        raise SynthesisError(f"there is no {chosen}: this machine has {torch.cuda.device_count()}")
    return chosen


ModelT = TypeVar("ModelT", bound=torch.nn.Module)


def on_device(model: ModelT, device: torch.device) -> ModelT:
    """The model itself when it is on ``device`` already, else a copy there: a voice's model
    is shared, and moving it would pull it from under other users."""
    current = next(model.parameters()).device
    same = current.type == device.type and (device.index is None or current.index == device.index)
    return model if same else copy.deepcopy(model).to(device)


def device_name(device: torch.device) -> str:
    """How a person names the device: ``CPU`` or the CUDA device's name."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return "CPU"
