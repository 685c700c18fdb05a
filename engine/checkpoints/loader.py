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

import pickle
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from engine import schemas
from engine.audio.mel import MelSettings
from engine.checkpoints import safe_pickle
from engine.checkpoints.config_formats import ConfigFormat, config_problem, speaker_rows
from engine.checkpoints.errors import CheckpointError
from engine.checkpoints.state_dict import mismatch_summary
from engine.checkpoints.waveglow_official import load_waveglow_checkpoint
from engine.families import (
    ACOUSTIC,
    FAMILIES,
    FAMILY_NAMES,
    ROLE_NAMES,
    ROLES,
    VOCODER,
    implementation,
)
from engine.models.shapes import meta_state_dict
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
        return speaker_rows(self.model.state_dict())

    @property
    def sample_rate(self) -> int:
        return _format(self.family).sample_rate(self.config)

    @property
    def hop_length(self) -> int:
        return _format(self.family).hop(self.config)

    @property
    def mel(self) -> MelSettings | None:
        """The mels this model makes (acoustic) or takes (vocoder); None for a model that
        makes audio itself (VITS)."""
        reader = _format(self.family).mel
        return None if reader is None else reader(self.config)


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
    if FAMILIES[family].builder is None:  # WaveGlow: the file holds its module and config
        if given is not None:  # the weights say its settings: it must agree with them
            section = given.get("waveglow_config", given)
            schemas.check(section, "config-waveglow", _config_name(config), CheckpointError)
        model, waveglow_config = load_waveglow_checkpoint(path, given)
        source = "given" if given is not None else "deduced from the weights"
        return Checkpoint(family, model.eval(), {"waveglow_config": waveglow_config}, path, source)
    found, source, named = _find_config(family, state_dict, path, config, given)
    check_config(family, found, named)
    _check_speakers(family, state_dict, found, path)
    builder = FAMILIES[family].builder
    assert builder is not None  # every family but WaveGlow, whose file holds its model
    build = implementation(builder)
    problems = mismatch_summary(state_dict, _shapes(family, lambda: build(found), source))
    if problems:
        advice = "" if given is not None else "; give it its own config file"
        raise CheckpointError(
            f"{path} does not fit the {FAMILY_NAMES[family]} model of its config "
            f"({source}): {problems}{advice}"
        )
    model = build(found)
    model.load_state_dict(state_dict, strict=True)
    return Checkpoint(family, model.eval(), found, path, source)


def check_config(
    family: str,
    config: Mapping[str, Any],
    where: str,
    error: Callable[[str], Exception] = CheckpointError,
) -> None:
    """Refuse, with ``error`` and one sentence starting with ``where``, a config that does
    not fit its family's schema (``engine/resources/schemas/config-FAMILY.json``: every entry
    the model is built from, of its type and in its range) or whose entries disagree."""
    schemas.check(config, f"config-{family}", where, error)
    problem = config_problem(_format(family), config)
    if problem:
        raise error(f"{where}: {problem}")


def _config_name(config: str | Path | Mapping[str, Any]) -> str:
    return "the given config" if isinstance(config, Mapping) else f"the config {Path(config).name}"


def _shapes(family: str, build: Callable[[], nn.Module], source: str) -> dict[str, torch.Tensor]:
    """The weights the config's model has, found on the meta device: nothing is allocated
    for a config that asks for more than its checkpoint holds. A config whose entries build
    no model (lists of lengths that do not pair, ...) is refused with the builder's words."""
    try:
        return meta_state_dict(build)
    except (ValueError, TypeError, KeyError, IndexError, RuntimeError, ZeroDivisionError) as e:
        raise CheckpointError(
            f"the config ({source}) describes no {FAMILY_NAMES[family]} model: {e}"
        ) from None


def _read(path: Path) -> Any:
    """The file's contents through ``weights_only`` loading, else the restricted unpickler.
    PyTorch's warnings about what it reads are silenced: a file it cannot read is said in
    one sentence of ours, and one it can needs no comment."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _read_quietly(path)


def _read_quietly(path: Path) -> Any:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        pass  # it names something beyond tensors: the restricted unpickler decides
    except Exception:  # garbage makes the unpickler fail in any way (KeyError, ...)
        raise _unreadable(path) from None
    refusal: Exception | None = None
    for family in ("Glow-TTS", "WaveGlow"):
        try:
            return safe_pickle.load(path, family)
        except safe_pickle.RefusedPickleError as error:
            refusal = error
        except Exception:  # as above: a damaged file fails the unpickler any way
            raise _unreadable(path) from None
    raise CheckpointError(str(refusal)) from None


def _unreadable(path: Path) -> CheckpointError:
    """The refusal of a file the unpicklers cannot read. What they said is left out: it is
    the library's own words ("pop from empty list", "failed finding central directory"),
    nothing a person can act on."""
    return CheckpointError(f"cannot read {path}: it is damaged or not a PyTorch checkpoint")


def _classify(container: Any, path: Path) -> tuple[str, Mapping[str, torch.Tensor]]:
    """The family of a checkpoint's contents and its generator state dict."""
    if isinstance(container, Mapping) and {"mpd", "msd"} & container.keys():
        raise CheckpointError(
            f"{path} holds HiFi-GAN's discriminators (a do_* file), not its generator: "
            "use the g_* file beside it"
        )
    if isinstance(container, Mapping) and isinstance(container.get("generator"), Mapping):
        container = container["generator"]  # HiFi-GAN's g_* file
    inner = container.get("model") if isinstance(container, Mapping) else None
    if isinstance(inner, safe_pickle.PickledModule):
        return "waveglow", {}  # only WaveGlow's train.py pickles its module (read apart)
    state_dict = inner if isinstance(inner, Mapping) else container
    if not isinstance(state_dict, Mapping) or not state_dict:
        raise CheckpointError(f"{path} holds no model weights")
    keys = [key for key in state_dict if isinstance(key, str)]
    for family in FAMILIES.values():
        if all(any(key.startswith(mark) for key in keys) for mark in family.marks):
            return family.name, state_dict if family.builder is not None else {}
    known = ", ".join(FAMILY_NAMES.values())
    first = sorted(keys)[0] if keys else next(iter(state_dict))
    raise CheckpointError(
        f"{path} is not a checkpoint of {known} (its weights start {first!r}, ...)"
    )


def _read_config(config: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(config, Mapping):
        return dict(config)
    found = schemas.read_json(config, "config", CheckpointError)
    if not isinstance(found, dict):
        raise CheckpointError(f"the config {config} is not a JSON object")
    return found


def _find_config(
    family: str,
    state_dict: Mapping[str, torch.Tensor],
    path: Path,
    config: str | Path | Mapping[str, Any] | None,
    given: dict | None,
) -> tuple[dict[str, Any], str, str]:
    """The config, where it came from (as ``Checkpoint.config_source`` says it) and how a
    sentence about it names it."""
    if config is not None and given is not None:
        return given, "given", _config_name(config)
    beside = path.with_name("config.json")
    if beside.is_file():
        return _read_config(beside), f"{beside.name} beside the file", f"the config {beside}"
    chosen = _format(family).official_config
    assert chosen is not None  # only WaveGlow has none, and its file holds its config
    official = chosen(state_dict)
    if isinstance(official, dict):
        return official, "deduced from the weights", "the config deduced from the weights"
    return _read_config(CONFIGS / official), f"the official {official}", f"the official {official}"


def _format(family: str) -> ConfigFormat:
    return implementation(FAMILIES[family].config_format)


def _check_speakers(
    family: str, state_dict: Mapping[str, torch.Tensor], config: Mapping[str, Any], path: Path
) -> None:
    stored, configured = speaker_rows(state_dict), _format(family).speakers(config)
    if stored != configured:
        raise CheckpointError(
            f"{path.name}: checkpoint has {stored} speakers, config says {configured}"
        )


def mel_settings(family: str, config: Mapping[str, Any]) -> MelSettings:
    """The mels a model of ``family`` (a mel model or a vocoder) with this official config
    makes or takes."""
    reader = _format(family).mel
    if reader is None:
        raise ValueError(f"{FAMILY_NAMES[family]} makes audio, not mels")
    return reader(config)


def official_mels(role: str) -> dict[str, MelSettings]:
    """The mels of the official LJSpeech/LibriTTS models of one role ("acoustic" makes them,
    "vocoder" takes them), by a name a person recognises, from ``engine/resources/configs``."""
    shipped = {
        VOCODER: [
            ("official HiFi-GAN V1", "hifigan", "hifi-gan/config_v1.json"),
            ("official HiFi-GAN V2", "hifigan", "hifi-gan/config_v2.json"),
            ("official HiFi-GAN V3", "hifigan", "hifi-gan/config_v3.json"),
            ("official WaveGlow", "waveglow", "waveglow/config.json"),
        ],
        ACOUSTIC: [
            ("official Glow-TTS (LJSpeech)", "glow-tts", "glow-tts/base.json"),
            ("official Grad-TTS (LJSpeech)", "grad-tts", "grad-tts/params_ljspeech.json"),
            ("official Grad-TTS (LibriTTS)", "grad-tts", "grad-tts/params_libritts.json"),
        ],
    }
    return {
        label: mel_settings(family, _read_config(CONFIGS / name))
        for label, family, name in shipped[role]
    }
