"""What goes wrong with a voice or model file that a user can act on, each said in one
sentence. Here, apart from the modules that raise them, so that the command line and the
studio can catch them without importing PyTorch or ONNX."""

from __future__ import annotations


class CheckpointError(ValueError):
    """A file that cannot be opened as a model, said in one sentence."""


class VoiceImportError(ValueError):
    """A file cannot be imported as a voice; the message names the file and the problem."""


class UnknownVoiceError(LookupError):
    """No voice of that name is cached or bundled."""

    def __init__(self, name: str, available: list[str]) -> None:
        super().__init__(f"Unknown voice {name!r}; available voices: {', '.join(available)}.")
        self.name = name
        self.available = available


class PiperExportError(ValueError):
    """The voice cannot be a Piper voice; the message says why."""


class ModelStoreError(ValueError):
    """A model cannot be listed, fetched or kept as asked; the message says why and what to
    do, and nothing half-written is left behind."""
