"""Tiny versions of the official configs, small enough to train a few steps on a CPU."""

from __future__ import annotations

import json

from engine.checkpoints.loader import CONFIGS


def _official(name: str) -> dict:
    return json.loads((CONFIGS / name).read_text(encoding="utf-8"))


def tiny_glow_tts() -> dict:
    config = _official("glow-tts/base_blank.json")
    config["model"].update(
        hidden_channels=32,
        hidden_channels_enc=32,
        hidden_channels_dec=32,
        filter_channels=64,
        filter_channels_dp=32,
        n_blocks_dec=2,
        n_layers_enc=2,
        n_block_layers=2,
    )
    config["train"].update(learning_rate=5.0, warmup_steps=400)
    return config


def tiny_grad_tts() -> dict:
    params = _official("grad-tts/params_ljspeech.json")
    params.update(
        n_enc_channels=32,
        filter_channels=64,
        filter_channels_dp=32,
        n_enc_layers=2,
        dec_dim=8,
        learning_rate=1e-3,
    )
    return params


def tiny_hifigan() -> dict:
    config = _official("hifi-gan/config_v1.json")
    config.update(
        upsample_initial_channel=32,
        resblock_kernel_sizes=[3],
        resblock_dilation_sizes=[[1, 3, 5]],
        learning_rate=1e-3,
    )
    return config
