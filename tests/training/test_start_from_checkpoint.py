"""A fine-tune started from an official VITS checkpoint reads it as the studio does: one card
builder (engine.checkpoints.cards), so both hear the same ids from the same text."""

from __future__ import annotations

import json

import torch

from engine.checkpoints.loader import CONFIGS
from engine.checkpoints.voices import load_checkpoint_voice
from engine.models.vits import build_vits
from engine.training.recipes.vits_finetune import _load_start


def test_the_start_card_is_the_voice_card(tmp_path) -> None:
    config = json.loads((CONFIGS / "vits" / "ljs_base.json").read_text())
    config["model"].update(
        inter_channels=16, hidden_channels=16, filter_channels=64, upsample_initial_channel=64
    )
    del config["data"]["add_blank"]  # a config without it: both must read it alike
    torch.manual_seed(0)
    torch.save({"model": build_vits(config).state_dict()}, tmp_path / "G_5.pth")
    (tmp_path / "config.json").write_text(json.dumps(config))
    card, model = _load_start(tmp_path / "G_5.pth")
    voice = load_checkpoint_voice(tmp_path / "G_5.pth")
    assert card["frontend"] == voice.card["frontend"] and card["frontend"]["add_blank"]
    assert card["n_vocab"] == voice.card["n_vocab"] == model.n_vocab
    assert card["name"] == "G_5"
