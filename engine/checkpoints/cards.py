"""Voice cards for official acoustic checkpoints, so they speak through the Synthesizer.

A card says what a voice folder's card says (family, config, vocabulary, rates, front end,
inference defaults) plus, for mel models, the mels the model makes. The front end follows
the official inference code of each repository:

- VITS (jaywalnut310/vits): ``english_cleaners2`` espeak IPA, blanks per ``data.add_blank``;
- Glow-TTS (jaywalnut310/glow-tts): English cleaners + CMUdict ARPAbet, blanks per
  ``data.add_blank``; defaults of its ``inference.ipynb`` (noise 0.667, length 1);
- Grad-TTS (huawei-noah/Speech-Backbones): the same ARPAbet with blanks (``params.add_blank``);
  defaults of its ``inference.py`` (10 steps, temperature 1.5, length scale 0.91, ODE sampler).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from engine.checkpoints.loader import Checkpoint
from engine.checkpoints.piper import VoiceImportError
from engine.families import FAMILY_NAMES
from engine.text.arpabet_symbols import SYMBOLS as ARPABET_SYMBOLS
from engine.text.vits_symbols import SYMBOLS as VITS_SYMBOLS

_DEFAULTS: dict[str, dict[str, Any]] = {
    "vits": {"noise_scale": 0.667, "noise_w": 0.8, "length_scale": 1.0},
    "glow-tts": {"noise_scale": 0.667, "length_scale": 1.0},
    "grad-tts": {"steps": 10, "temperature": 1.5, "length_scale": 0.91, "stochastic": False},
}


def card_for_checkpoint(checkpoint: Checkpoint) -> dict[str, Any]:
    """The card of an official acoustic checkpoint; VoiceImportError for a vocabulary the
    official front end does not produce."""
    family = checkpoint.family
    frontend, symbols = _front_end(family, checkpoint.config)
    n_vocab = _vocabulary(checkpoint)
    if n_vocab != symbols:
        raise VoiceImportError(
            f"{checkpoint.path.name} has {n_vocab} token embeddings; the official "
            f"{FAMILY_NAMES[family]} front end makes {symbols} ids"
        )
    card: dict[str, Any] = {
        "name": str(checkpoint.path.resolve()),
        "family": family,
        "config": checkpoint.config,
        "n_vocab": n_vocab,
        "sample_rate": checkpoint.sample_rate,
        "hop_length": _hop_length(checkpoint),
        "frontend": frontend,
        "inference": dict(_DEFAULTS[family]),
        "num_speakers": checkpoint.speakers,
        "source": {
            "format": f"official {FAMILY_NAMES[family]} checkpoint",
            "path": str(checkpoint.path.resolve()),
            "config": checkpoint.config_source,
        },
    }
    if checkpoint.mel is not None:
        card["mel"] = asdict(checkpoint.mel)
    return card


def _front_end(family: str, config: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The card's front end entry and how many ids it makes."""
    if family == "vits":
        add_blank = bool(config["data"].get("add_blank", True))
        return {"kind": "vits", "add_blank": add_blank}, len(VITS_SYMBOLS)
    if family == "glow-tts":
        add_blank = bool(config["data"].get("add_blank", False))
        cleaners = config["data"].get("text_cleaners", ["english_cleaners"])
    else:
        add_blank = bool(config.get("add_blank", True))
        cleaners = ["english_cleaners"]
    spec = {"kind": "arpabet", "add_blank": add_blank, "cleaners": cleaners}
    return spec, len(ARPABET_SYMBOLS) + int(add_blank)


def _vocabulary(checkpoint: Checkpoint) -> int:
    embedding = "enc_p.emb.weight" if checkpoint.family == "vits" else "encoder.emb.weight"
    return int(checkpoint.model.state_dict()[embedding].shape[0])


def _hop_length(checkpoint: Checkpoint) -> int:
    if checkpoint.mel is not None:
        return checkpoint.mel.hop_length
    return int(checkpoint.config["data"]["hop_length"])
