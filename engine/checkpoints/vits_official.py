"""Official VITS checkpoints (github.com/jaywalnut310/vits): ``G_*.pth`` files written by
``utils.save_checkpoint`` as ``{'model': state_dict, 'iteration', 'optimizer',
'learning_rate'}``, with the training ``config.json`` beside them.

Loading never unpickles code (``torch.load(weights_only=True)``) and is strict: every
parameter of the model must be in the file with the same shape, and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import torch

from engine.checkpoints.state_dict import mismatch_summary
from engine.models.vits import OFFICIAL_N_VOCAB, SynthesizerTrn, build_vits


def load_vits_checkpoint(
    path: str | Path, config_path: str | Path | None = None, n_vocab: int = OFFICIAL_N_VOCAB
) -> tuple[SynthesizerTrn, dict]:
    """Load an official VITS generator checkpoint; returns the model in eval mode and the
    config dict. The config is ``config_path`` or ``config.json`` beside the checkpoint.

    Raises ``FileNotFoundError`` when a file is missing and ``ValueError`` when the file is
    not a VITS generator checkpoint or does not match the config.
    """
    path = Path(path)
    config_path = Path(config_path) if config_path is not None else path.with_name("config.json")
    if not config_path.is_file():
        raise FileNotFoundError(f"no VITS config at {config_path}; pass config_path")
    config = json.loads(config_path.read_text(encoding="utf-8"))
    state_dict = _read_state_dict(path)
    _check_speakers(state_dict, config)
    model = build_vits(config, n_vocab=n_vocab)
    _check_state_dict(state_dict, model.state_dict(), path)
    model.load_state_dict(state_dict, strict=True)
    return model.eval(), config


def _read_state_dict(path: Path) -> Mapping[str, torch.Tensor]:
    container = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(container, Mapping) or not isinstance(container.get("model"), Mapping):
        raise ValueError(
            f"{path} is not an official VITS checkpoint: expected a dict with a 'model' "
            "state_dict (utils.save_checkpoint layout)"
        )
    return container["model"]


def _check_speakers(state_dict: Mapping[str, torch.Tensor], config: dict) -> None:
    """Catch the commonest mismatch (a multi-speaker file with a single-speaker config, or
    the reverse) with a message that names it."""
    configured = config.get("data", {}).get("n_speakers", 0)
    embedding = state_dict.get("emb_g.weight")
    stored = embedding.shape[0] if embedding is not None else 0
    if (stored > 1 or configured > 1) and stored != configured:
        in_file = f"{stored} speakers" if stored else "no speaker embedding"
        raise ValueError(f"checkpoint has {in_file}, config says {configured}")


def _check_state_dict(
    found: Mapping[str, torch.Tensor], expected: Mapping[str, torch.Tensor], path: Path
) -> None:
    problems = mismatch_summary(found, expected)
    if problems:
        raise ValueError(f"{path} does not match the VITS model its config describes: {problems}")
