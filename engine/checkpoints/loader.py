"""Open an official checkpoint of any family the studio knows: tell its container and family
from its contents, find its config (given, ``config.json`` beside the file, or the official
config its weights fit), build our model and load the weights strictly.

Containers, as the official training scripts write them:

- VITS and Glow-TTS ``utils.save_checkpoint``: ``{'model': state_dict, 'iteration', ...}``
  (Glow-TTS's optimizer state holds a numpy scalar, so it goes through ``safe_pickle``);
- Grad-TTS ``train.py``: the state dict itself;
- HiFi-GAN ``g_*`` files: ``{'generator': state_dict}`` (``do_*`` files hold discriminators);
- WaveGlow ``train.py``: ``{'model': pickled glow.WaveGlow module, ...}`` (``safe_pickle``).

No pickle is executed: ``torch.load(weights_only=True)`` first, then the restricted
unpickler, which refuses any class an official checkpoint never contains.
"""

from __future__ import annotations

import json
import pickle
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from engine.audio.mel import HIFIGAN_EPS, TACOTRON2_EPS, MelSettings
from engine.checkpoints import safe_pickle
from engine.checkpoints.errors import CheckpointError
from engine.checkpoints.state_dict import mismatch_summary
from engine.checkpoints.waveglow_official import load_waveglow_checkpoint
from engine.families import FAMILY_NAMES, ROLE_NAMES, ROLES
from engine.models.glow_tts import build_glow_tts
from engine.models.grad_tts import build_grad_tts
from engine.models.hifigan import build_hifigan
from engine.models.vits import build_vits
from engine.package_data import resource

CONFIGS = resource("configs")


@dataclass
class Checkpoint:
    """A loaded official checkpoint: our model (eval mode) and the config it was built from."""

    family: str
    model: nn.Module
    config: dict[str, Any]
    path: Path
    config_source: str

    @property
    def role(self) -> str:
        return ROLES[self.family]

    @property
    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    @property
    def speakers(self) -> int:
        return _speaker_rows(self.model.state_dict())

    @property
    def sample_rate(self) -> int:
        return self.mel.sample_rate if self.mel is not None else _vits_rate(self.config)

    @property
    def mel(self) -> MelSettings | None:
        """The mels this model makes (acoustic) or takes (vocoder); None for VITS, which
        makes audio itself."""
        return None if self.family == "vits" else mel_settings(self.family, self.config)


def load(
    path: str | Path,
    config: str | Path | Mapping[str, Any] | None = None,
    role: str | None = None,
) -> Checkpoint:
    """Our model for an official checkpoint file; raises CheckpointError saying what is wrong.

    ``role`` ("acoustic" or "vocoder"), when given, is what the caller needs: a file of the
    other role is refused before its config is looked for.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint file at {path}")
    container = _read(path)
    family, state_dict = _classify(container, path)
    if role is not None and ROLES[family] != role:
        raise CheckpointError(
            f"{path.name} is a {FAMILY_NAMES[family]} {ROLE_NAMES[ROLES[family]]}, "
            f"not {'an' if role == 'acoustic' else 'a'} {ROLE_NAMES[role]}"
        )
    given = _read_config(config) if config is not None else None
    if family == "waveglow":
        model, waveglow_config = load_waveglow_checkpoint(path, given)
        source = "given" if given is not None else "deduced from the weights"
        return Checkpoint(family, model.eval(), {"waveglow_config": waveglow_config}, path, source)
    found, source = _find_config(family, state_dict, path, given)
    _check_speakers(family, state_dict, found, path)
    model = _BUILDERS[family](found)
    problems = mismatch_summary(state_dict, model.state_dict())
    if problems:
        advice = "" if given is not None else "; give it its own config file"
        raise CheckpointError(
            f"{path} does not fit the {FAMILY_NAMES[family]} model of its config "
            f"({source}): {problems}{advice}"
        )
    model.load_state_dict(state_dict, strict=True)
    return Checkpoint(family, model.eval(), found, path, source)


_UNREADABLE = (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, OSError)


def _read(path: Path) -> Any:
    """The file's contents through ``weights_only`` loading, else the restricted unpickler."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        pass  # it names something beyond tensors: the restricted unpickler decides
    except _UNREADABLE as error:
        raise _unreadable(path, error) from None
    refusal: Exception | None = None
    for family in ("Glow-TTS", "WaveGlow"):
        try:
            return safe_pickle.load(path, family)
        except safe_pickle.RefusedPickleError as error:
            refusal = error
        except _UNREADABLE as error:
            raise _unreadable(path, error) from None
    raise CheckpointError(str(refusal)) from None


def _unreadable(path: Path, error: Exception) -> CheckpointError:
    return CheckpointError(
        f"cannot read {path}: it is damaged or not a PyTorch checkpoint ({error})"
    )


def _classify(container: Any, path: Path) -> tuple[str, Mapping[str, torch.Tensor]]:
    """The family of a checkpoint's contents and its generator state dict."""
    if isinstance(container, Mapping) and {"mpd", "msd"} & container.keys():
        raise CheckpointError(
            f"{path} holds HiFi-GAN's discriminators (a do_* file), not its generator: "
            "use the g_* file beside it"
        )
    if isinstance(container, Mapping) and isinstance(container.get("generator"), Mapping):
        return "hifigan", container["generator"]
    inner = container.get("model") if isinstance(container, Mapping) else None
    if isinstance(inner, safe_pickle.PickledModule):
        return "waveglow", {}
    state_dict = inner if isinstance(inner, Mapping) else container
    if not isinstance(state_dict, Mapping) or not state_dict:
        raise CheckpointError(f"{path} holds no model weights")
    keys = set(state_dict)

    def has(prefix: str) -> bool:
        return any(key.startswith(prefix) for key in keys)

    if has("enc_p.") and has("dec."):
        return "vits", state_dict
    if has("encoder.") and has("decoder.flows."):
        return "glow-tts", state_dict
    if has("encoder.") and has("decoder.estimator."):
        return "grad-tts", state_dict
    if has("upsample.") and has("WN."):
        return "waveglow", {}
    if has("conv_pre.") and has("ups.") and has("conv_post."):
        return "hifigan", state_dict
    raise CheckpointError(
        f"{path} is not a checkpoint of VITS, Glow-TTS, Grad-TTS, HiFi-GAN or WaveGlow "
        f"(its weights start {sorted(keys)[0]!r}, ...)"
    )


def _read_config(config: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(config, Mapping):
        return dict(config)
    try:
        found = json.loads(Path(config).read_text(encoding="utf-8"))
    except OSError as error:
        raise CheckpointError(f"cannot read the config {config}: {error.strerror}") from None
    except ValueError as error:
        raise CheckpointError(f"the config {config} is not valid JSON: {error}") from None
    if not isinstance(found, dict):
        raise CheckpointError(f"the config {config} is not a JSON object")
    return found


def _find_config(
    family: str, state_dict: Mapping[str, torch.Tensor], path: Path, given: dict | None
) -> tuple[dict[str, Any], str]:
    if given is not None:
        return given, "given"
    beside = path.with_name("config.json")
    if beside.is_file():
        return _read_config(beside), f"{beside.name} beside the file"
    if family == "hifigan":
        return deduce_hifigan_config(state_dict), "deduced from the weights"
    name = _OFFICIAL_CONFIG[family](state_dict)
    return _read_config(CONFIGS / name), f"the official {name}"


def _speaker_rows(state_dict: Mapping[str, torch.Tensor]) -> int:
    for key in ("emb_g.weight", "spk_emb.weight"):
        if key in state_dict:
            return int(state_dict[key].shape[0])
    return 1


def _configured_speakers(family: str, config: Mapping[str, Any]) -> int:
    if family == "vits":
        return int(config.get("data", {}).get("n_speakers", 0) or 1)
    if family == "glow-tts":
        return int(config.get("model", {}).get("n_speakers", 0) or 1)
    if family == "grad-tts":
        return int(config.get("n_spks", 1) or 1)
    return 1


def _check_speakers(
    family: str, state_dict: Mapping[str, torch.Tensor], config: Mapping[str, Any], path: Path
) -> None:
    stored, configured = _speaker_rows(state_dict), _configured_speakers(family, config)
    if stored != configured:
        raise CheckpointError(
            f"{path.name}: checkpoint has {stored} speakers, config says {configured}"
        )


def _official_vits(state_dict: Mapping[str, torch.Tensor]) -> str:
    return "vits/vctk_base.json" if _speaker_rows(state_dict) > 1 else "vits/ljs_base.json"


def _official_glow_tts(state_dict: Mapping[str, torch.Tensor]) -> str:
    blank = state_dict["encoder.emb.weight"].shape[0] == 149
    return "glow-tts/base_blank.json" if blank else "glow-tts/base.json"


def _official_grad_tts(state_dict: Mapping[str, torch.Tensor]) -> str:
    multi = _speaker_rows(state_dict) > 1
    return "grad-tts/params_libritts.json" if multi else "grad-tts/params_ljspeech.json"


_OFFICIAL_CONFIG = {
    "vits": _official_vits,
    "glow-tts": _official_glow_tts,
    "grad-tts": _official_grad_tts,
}


_BUILDERS = {
    "vits": build_vits,
    "glow-tts": build_glow_tts,
    "grad-tts": build_grad_tts,
    "hifigan": build_hifigan,
}

# Dilations are not visible in the weights; each resblock type has one set in every official
# HiFi-GAN config (V1/V2 use type "1", V3 type "2").
_HIFIGAN_DILATIONS = {"1": [[1, 3, 5]] * 3, "2": [[1, 2], [2, 6], [3, 12]]}


def deduce_hifigan_config(state_dict: Mapping[str, torch.Tensor]) -> dict[str, Any]:
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


def _vits_rate(config: Mapping[str, Any]) -> int:
    return int(config["data"]["sampling_rate"])


def _glow_tts_mel(config: Mapping[str, Any]) -> MelSettings:
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


def _grad_tts_mel(params: Mapping[str, Any]) -> MelSettings:
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


def _hifigan_mel(config: Mapping[str, Any]) -> MelSettings:
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


def _waveglow_mel(config: Mapping[str, Any]) -> MelSettings:
    """WaveGlow's file holds no audio settings: those of its official config.json (LJSpeech,
    Tacotron 2 features), with the mel bands its weights have."""
    waveglow = config["waveglow_config"]
    return MelSettings(
        n_mels=int(waveglow["n_mel_channels"]),
        fmax=8000.0,
        magnitude_eps=TACOTRON2_EPS,
        pipeline="tacotron2",
    )


_MEL_SETTINGS = {
    "glow-tts": _glow_tts_mel,
    "grad-tts": _grad_tts_mel,
    "hifigan": _hifigan_mel,
    "waveglow": _waveglow_mel,
}


def mel_settings(family: str, config: Mapping[str, Any]) -> MelSettings:
    """The mels a model of ``family`` ("glow-tts", "grad-tts", "hifigan", "waveglow") with
    this official config makes or takes."""
    return _MEL_SETTINGS[family](config)


def official_mels(role: str) -> dict[str, MelSettings]:
    """The mels of the official LJSpeech/LibriTTS models of one role ("acoustic" makes them,
    "vocoder" takes them), by a name a person recognises, from ``engine/resources/configs``."""
    if role == "vocoder":
        found = {
            f"official HiFi-GAN {version.upper()}": _hifigan_mel(
                _read_config(CONFIGS / f"hifi-gan/config_{version}.json")
            )
            for version in ("v1", "v2", "v3")
        }
        waveglow = _read_config(CONFIGS / "waveglow/config.json")
        found["official WaveGlow"] = _waveglow_mel(waveglow)
        return found
    return {
        "official Glow-TTS (LJSpeech)": _glow_tts_mel(_read_config(CONFIGS / "glow-tts/base.json")),
        "official Grad-TTS (LJSpeech)": _grad_tts_mel(
            _read_config(CONFIGS / "grad-tts/params_ljspeech.json")
        ),
        "official Grad-TTS (LibriTTS)": _grad_tts_mel(
            _read_config(CONFIGS / "grad-tts/params_libritts.json")
        ),
    }
