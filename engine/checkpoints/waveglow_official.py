"""Official WaveGlow checkpoints (github.com/NVIDIA/waveglow): ``train.py`` writes
``{'model': <pickled glow.WaveGlow module>, 'iteration', 'optimizer', 'learning_rate'}``;
the published ``waveglow_256channels_*.pt`` files reportedly hold only ``'model'``. A
``{'model': state_dict}`` file is read too.

The file is read through :mod:`engine.checkpoints.safe_pickle`, which maps the pickled
classes to inert stand-ins, so nothing in it is executed.

Older layouts are converted exactly: one conditioning conv per WN layer (``cond_layers``,
in ``glow_old.py`` and older ``glow.py``) becomes the slices of the one ``cond_layer``, and
``glow_old.py``'s separate ``res_layers``/``skip_layers`` become ``res_skip_layers``. Weight
norm is per output channel, so concatenating ``weight_g``/``weight_v`` along the output
channels is exact. A ``glow_old`` model (pickled as ``glow_old.WaveGlow``, or a state dict
with ``res_layers``) alternates its coupling halves: ``alternate_halves=True``.

The config is deduced from the weights' shapes (published files come without a
``config.json``); a config that is given is checked against them.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from engine.checkpoints import safe_pickle
from engine.checkpoints.state_dict import mismatch_summary
from engine.models.waveglow import WaveGlow

_LEGACY_LAYER = re.compile(r"(WN\.\d+)\.(cond_layers|res_layers|skip_layers)\.(\d+)\.(\w+)")


def load_waveglow_checkpoint(
    path: str | Path, config: Mapping[str, Any] | str | Path | None = None
) -> tuple[WaveGlow, dict]:
    """Load an official WaveGlow checkpoint; returns the model in eval mode (weight norm as
    stored: call ``remove_weightnorm()`` as the official inference.py does) and its
    ``waveglow_config``.

    ``config`` is an official ``config.json`` (path or dict, whole or its
    ``waveglow_config``); without it the config is deduced from the weights. Raises
    ``ValueError`` when the file is not a WaveGlow checkpoint or does not fit the config, and
    :class:`~engine.checkpoints.safe_pickle.RefusedPickleError` when it asks for a class no
    WaveGlow checkpoint contains.
    """
    path = Path(path)
    state_dict, alternate_halves = _read_state_dict(path)
    deduced = deduce_config(state_dict)
    if config is not None:
        _check_config(_config_section(config), deduced, path)
    if alternate_halves:
        deduced["alternate_halves"] = True
    model = WaveGlow(**deduced)
    if not any(key.endswith(".weight_g") for key in state_dict):
        model.remove_weightnorm()
    problems = mismatch_summary(state_dict, model.state_dict())
    if problems:
        raise ValueError(f"{path} does not match the WaveGlow its shapes describe: {problems}")
    model.load_state_dict(state_dict, strict=True)
    return model.eval(), deduced


def _read_state_dict(path: Path) -> tuple[dict[str, torch.Tensor], bool]:
    """The weights in today's names, and whether the model is a ``glow_old`` one."""
    container = safe_pickle.load(path, "WaveGlow")
    model = container.get("model") if isinstance(container, Mapping) else None
    if isinstance(model, safe_pickle.PickledModule):
        state_dict = safe_pickle.pickled_state_dict(model)
        alternate_halves = model.pickled_class.startswith("glow_old.")
    elif isinstance(model, Mapping):
        state_dict = dict(model)
        alternate_halves = any(".res_layers." in key for key in state_dict)
    else:
        raise ValueError(
            f"{path} is not an official WaveGlow checkpoint: expected a dict with a 'model' "
            "entry (train.py layout)"
        )
    if "upsample.weight" not in state_dict:
        raise ValueError(f"{path} holds no WaveGlow: it has no 'upsample.weight'")
    return merge_legacy_layers(state_dict), alternate_halves


def merge_legacy_layers(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``WN.<k>.cond_layers.<i>`` concatenated into ``WN.<k>.cond_layer``, and
    ``res_layers.<i>`` with ``skip_layers.<i>`` into ``res_skip_layers.<i>`` (the last layer
    has no residual part); other keys are kept."""
    merged: dict[str, torch.Tensor] = {}
    legacy: dict[tuple[str, str], dict[int, dict[str, torch.Tensor]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for key, tensor in state_dict.items():
        match = _LEGACY_LAYER.fullmatch(key)
        if match:
            wn, kind, i, name = match.groups()
            legacy[wn, kind][int(i)][name] = tensor
        else:
            merged[key] = tensor
    for (wn, kind), layers in legacy.items():
        ordered = [layers[i] for i in sorted(layers)]
        if kind == "cond_layers":
            merged.update(_concatenated(f"{wn}.cond_layer", ordered))
        elif kind == "skip_layers":
            residual = legacy.get((wn, "res_layers"), {})
            for i, skip in enumerate(ordered):
                parts = [residual[i], skip] if i in residual else [skip]
                merged.update(_concatenated(f"{wn}.res_skip_layers.{i}", parts))
    return merged


def _concatenated(prefix: str, parts: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Convs stacked along their output channels, parameter by parameter."""
    return {f"{prefix}.{name}": torch.cat([p[name] for p in parts]) for name in parts[0]}


def deduce_config(state_dict: Mapping[str, torch.Tensor]) -> dict:
    """The ``waveglow_config`` whose model has these weights' shapes."""
    convinv = [state_dict[f"convinv.{k}.conv.weight"] for k in range(_count(state_dict))]
    widths = [int(w.shape[0]) for w in convinv]
    early = [k for k in range(1, len(widths)) if widths[k] < widths[k - 1]]
    start = _weight(state_dict, "WN.0.start")
    in_layer = _weight(state_dict, "WN.0.in_layers.0")
    n_layers = sum(
        1 for key in state_dict if key.startswith("WN.0.in_layers.") and key.endswith(".bias")
    )
    return {
        "n_mel_channels": int(state_dict["upsample.weight"].shape[0]),
        "n_flows": len(convinv),
        "n_group": widths[0],
        "n_early_every": early[0] if early else len(widths),
        "n_early_size": widths[early[0] - 1] - widths[early[0]] if early else 0,
        "WN_config": {
            "n_layers": n_layers,
            "n_channels": int(start.shape[0]),
            "kernel_size": int(in_layer.shape[-1]),
        },
    }


def _count(state_dict: Mapping[str, torch.Tensor]) -> int:
    n = 0
    while f"convinv.{n}.conv.weight" in state_dict:
        n += 1
    if not n:
        raise ValueError("no convinv.0.conv.weight: not a WaveGlow state dict")
    return n


def _weight(state_dict: Mapping[str, torch.Tensor], prefix: str) -> torch.Tensor:
    """A conv's weight, or its ``weight_v`` when weight-normed (same shape)."""
    for name in ("weight_v", "weight"):
        if f"{prefix}.{name}" in state_dict:
            return state_dict[f"{prefix}.{name}"]
    raise ValueError(f"no {prefix}.weight: not a WaveGlow state dict")


def _config_section(config: Mapping[str, Any] | str | Path) -> Mapping[str, Any]:
    if not isinstance(config, Mapping):
        config = json.loads(Path(config).read_text(encoding="utf-8"))
    return config.get("waveglow_config", config)


def _check_config(given: Mapping[str, Any], deduced: dict, path: Path) -> None:
    """Name the first setting where the config and the weights disagree."""
    flat_given = {**given, **given.get("WN_config", {})}
    flat_deduced = {**deduced, **deduced["WN_config"]}
    for key, value in flat_deduced.items():
        if key == "WN_config" or key not in flat_given:
            continue
        if key in ("n_early_every", "n_early_size") and not deduced["n_early_size"]:
            continue
        if flat_given[key] != value:
            raise ValueError(f"{path}: checkpoint has {key}={value}, config says {flat_given[key]}")
