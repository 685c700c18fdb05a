"""Checkpoint formats mapped onto our models: Piper voices and the voice cache."""

from engine.checkpoints.piper import PiperImport, VoiceImportError, import_piper
from engine.checkpoints.voices import (
    DEFAULT_VOICE,
    UnknownVoiceError,
    Voice,
    build_model,
    data_dir,
    install_piper_voice,
    list_voices,
    load_voice,
)

__all__ = [
    "DEFAULT_VOICE",
    "PiperImport",
    "UnknownVoiceError",
    "Voice",
    "VoiceImportError",
    "build_model",
    "data_dir",
    "import_piper",
    "install_piper_voice",
    "list_voices",
    "load_voice",
]
