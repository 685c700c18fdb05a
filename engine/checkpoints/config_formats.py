"""How each family's official config reads: which official config a checkpoint's weights fit,
how many speakers, its sample rate and hop, the mels it makes or takes, and the front end its
official inference uses. One :class:`ConfigFormat` per family, which the family's description
(:mod:`engine.families`, ``Family.config_format``) names; the loader and the card builder read
only these.

The configs are the official repositories' (``engine/resources/configs``): VITS and Glow-TTS
``{"data": ..., "model": ...}`` (jaywalnut310/vits, jaywalnut310/glow-tts), Grad-TTS's flat
``params.py`` values (huawei-noah/Speech-Backbones), HiFi-GAN's flat ``config_v*.json``
(jik876/hifi-gan); WaveGlow's file holds its own (NVIDIA/waveglow).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch

from engine.audio.mel import HIFIGAN_EPS, TACOTRON2_EPS, MelSettings
from engine.checkpoints.errors import CheckpointError

StateDict = Mapping[str, torch.Tensor]
Config = Mapping[str, Any]


@dataclass(frozen=True)
class ConfigFormat:
    """One family's config, read.

    ``official_config(weights)``: the shipped official config (a path under
    ``engine/resources/configs``) the weights fit, or a config deduced from them;
    ``speakers(config)``: how many speakers the config asks for; ``sample_rate`` and ``hop``:
    the audio's rate and the frames' hop; ``mel``: the mels made or taken (None for a model
    that makes audio itself); ``front_end``: the card's front end entry and how many ids it
    makes (acoustic models only); ``upsampling``: the rates a decoder that makes audio from
    frames upsamples by, whose product is the hop.
    """

    official_config: Callable[[StateDict], str | dict[str, Any]] | None
    speakers: Callable[[Config], int]
    sample_rate: Callable[[Config], int]
    hop: Callable[[Config], int]
    mel: Callable[[Config], MelSettings] | None = None
    front_end: Callable[[Config], tuple[dict[str, Any], int]] | None = None
    upsampling: Callable[[Config], list[int]] | None = None


def config_problem(form: ConfigFormat, config: Config) -> str | None:
    """What the entries of a config that fits its schema (:mod:`engine.schemas`) say against
    each other, in words; None when they agree."""
    hop = form.hop(config)
    if form.upsampling is not None and math.prod(form.upsampling(config)) != hop:
        rates = form.upsampling(config)
        return f"its upsampling rates {rates} multiply to {math.prod(rates)}, not to its hop {hop}"
    if form.mel is None:
        return None
    mel = form.mel(config)
    if mel.win_length > mel.n_fft:
        return f"its window of {mel.win_length} samples is longer than its FFT of {mel.n_fft}"
    top = mel.sample_rate / 2 if mel.fmax is None else mel.fmax
    if not mel.fmin < top <= mel.sample_rate / 2:
        return (
            f"its mel band of {mel.fmin:g} to {top:g} Hz is not within 0 to "
            f"{mel.sample_rate / 2:g} Hz, half its sample rate"
        )
    return None


def speaker_rows(state_dict: StateDict) -> int:
    """The speakers a state dict has embeddings for (1 without a speaker embedding)."""
    for key in ("emb_g.weight", "spk_emb.weight"):
        if key in state_dict:
            return int(state_dict[key].shape[0])
    return 1


def _vits_front_end(config: Config) -> tuple[dict[str, Any], int]:
    """english_cleaners2 IPA; blanks per ``data.add_blank`` (official default: on)."""
    from engine.text.vits_symbols import SYMBOLS

    add_blank = bool(config["data"].get("add_blank", True))
    return {"kind": "vits", "add_blank": add_blank}, len(SYMBOLS)


def _arpabet_front_end(add_blank: bool, cleaners: list[str]) -> tuple[dict[str, Any], int]:
    from engine.text.arpabet_symbols import SYMBOLS

    spec = {"kind": "arpabet", "add_blank": add_blank, "cleaners": cleaners}
    return spec, len(SYMBOLS) + int(add_blank)


def _glow_tts_front_end(config: Config) -> tuple[dict[str, Any], int]:
    data = config["data"]
    return _arpabet_front_end(
        bool(data.get("add_blank", False)), list(data.get("text_cleaners", ["english_cleaners"]))
    )


def _grad_tts_front_end(params: Config) -> tuple[dict[str, Any], int]:
    return _arpabet_front_end(bool(params.get("add_blank", True)), ["english_cleaners"])


def _glow_tts_mel(config: Config) -> MelSettings:
    data = config["data"]
    return MelSettings(
        sample_rate=int(data["sampling_rate"]),
        n_fft=int(data["filter_length"]),
        hop_length=int(data["hop_length"]),
        win_length=int(data["win_length"]),
        n_mels=int(data["n_mel_channels"]),
        fmin=float(data["mel_fmin"]),
        fmax=None if data["mel_fmax"] is None else float(data["mel_fmax"]),
        magnitude_eps=TACOTRON2_EPS,
        pipeline="tacotron2",
    )


def _grad_tts_mel(params: Config) -> MelSettings:
    return MelSettings(
        sample_rate=int(params["sample_rate"]),
        n_fft=int(params["n_fft"]),
        hop_length=int(params["hop_length"]),
        win_length=int(params["win_length"]),
        n_mels=int(params["n_feats"]),
        fmin=float(params["f_min"]),
        fmax=None if params["f_max"] is None else float(params["f_max"]),
        magnitude_eps=HIFIGAN_EPS,
    )


def _hifigan_mel(config: Config) -> MelSettings:
    return MelSettings(
        sample_rate=int(config["sampling_rate"]),
        n_fft=int(config["n_fft"]),
        hop_length=int(config["hop_size"]),
        win_length=int(config["win_size"]),
        n_mels=int(config["num_mels"]),
        fmin=float(config["fmin"]),
        fmax=None if config["fmax"] is None else float(config["fmax"]),
        magnitude_eps=HIFIGAN_EPS,
    )


def _waveglow_mel(config: Config) -> MelSettings:
    """WaveGlow's file holds no audio settings: those of its official config.json (LJSpeech,
    Tacotron 2 features), with the mel bands its weights have."""
    waveglow = config["waveglow_config"]
    return MelSettings(
        n_mels=int(waveglow["n_mel_channels"]),
        fmax=8000.0,
        magnitude_eps=TACOTRON2_EPS,
        pipeline="tacotron2",
    )


# Dilations are not visible in the weights; each resblock type has one set in every official
# HiFi-GAN config (V1/V2 use type "1", V3 type "2").
_HIFIGAN_DILATIONS = {"1": [[1, 3, 5]] * 3, "2": [[1, 2], [2, 6], [3, 12]]}


def deduce_hifigan_config(state_dict: StateDict) -> dict[str, Any]:
    """An official-style HiFi-GAN config from a generator's weight shapes. Strides are half the
    upsampling kernels and dilations those of the resblock type, as in every official config;
    the audio settings are LJSpeech's (22050 Hz, hop 256, 80 mels, fmax 8000)."""

    def shape(key: str) -> torch.Size:
        for suffix in ("weight_v", "weight"):
            if f"{key}.{suffix}" in state_dict:
                return state_dict[f"{key}.{suffix}"].shape
        raise CheckpointError(f"a HiFi-GAN generator has {key}; this file does not")

    n_ups = 1 + max(int(k.split(".")[1]) for k in state_dict if k.startswith("ups."))
    kernels = [int(shape(f"ups.{i}")[2]) for i in range(n_ups)]
    resblock = "1" if any(".convs1." in k for k in state_dict) else "2"
    first = "convs1.0" if resblock == "1" else "convs.0"
    n_resblocks = 1 + max(int(k.split(".")[1]) for k in state_dict if k.startswith("resblocks."))
    n_kernels = n_resblocks // n_ups
    resblock_kernels = [int(shape(f"resblocks.{j}.{first}")[2]) for j in range(n_kernels)]
    return {
        "resblock": resblock,
        "upsample_rates": [k // 2 for k in kernels],
        "upsample_kernel_sizes": kernels,
        "upsample_initial_channel": int(shape("conv_pre")[0]),
        "resblock_kernel_sizes": resblock_kernels,
        "resblock_dilation_sizes": _HIFIGAN_DILATIONS[resblock][:n_kernels],
        "num_mels": 80,
        "n_fft": 1024,
        "hop_size": 256,
        "win_size": 1024,
        "sampling_rate": 22050,
        "fmin": 0,
        "fmax": 8000,
    }


VITS = ConfigFormat(
    official_config=lambda weights: (
        "vits/vctk_base.json" if speaker_rows(weights) > 1 else "vits/ljs_base.json"
    ),
    speakers=lambda config: int(config.get("data", {}).get("n_speakers", 0) or 1),
    sample_rate=lambda config: int(config["data"]["sampling_rate"]),
    hop=lambda config: int(config["data"]["hop_length"]),
    front_end=_vits_front_end,
    upsampling=lambda config: list(config["model"]["upsample_rates"]),
)
GLOW_TTS = ConfigFormat(
    official_config=lambda weights: (
        "glow-tts/base_blank.json"
        if weights["encoder.emb.weight"].shape[0] == 149
        else "glow-tts/base.json"
    ),
    speakers=lambda config: int(config.get("model", {}).get("n_speakers", 0) or 1),
    sample_rate=lambda config: _glow_tts_mel(config).sample_rate,
    hop=lambda config: _glow_tts_mel(config).hop_length,
    mel=_glow_tts_mel,
    front_end=_glow_tts_front_end,
)
GRAD_TTS = ConfigFormat(
    official_config=lambda weights: (
        "grad-tts/params_libritts.json"
        if speaker_rows(weights) > 1
        else "grad-tts/params_ljspeech.json"
    ),
    speakers=lambda params: int(params.get("n_spks", 1) or 1),
    sample_rate=lambda params: _grad_tts_mel(params).sample_rate,
    hop=lambda params: _grad_tts_mel(params).hop_length,
    mel=_grad_tts_mel,
    front_end=_grad_tts_front_end,
)
HIFIGAN = ConfigFormat(
    official_config=deduce_hifigan_config,
    speakers=lambda config: 1,
    sample_rate=lambda config: _hifigan_mel(config).sample_rate,
    hop=lambda config: _hifigan_mel(config).hop_length,
    mel=_hifigan_mel,
    upsampling=lambda config: list(config["upsample_rates"]),
)
WAVEGLOW = ConfigFormat(
    official_config=None,  # the file holds its config (engine/checkpoints/waveglow_official.py)
    speakers=lambda config: 1,
    sample_rate=lambda config: _waveglow_mel(config).sample_rate,
    hop=lambda config: _waveglow_mel(config).hop_length,
    mel=_waveglow_mel,
)
