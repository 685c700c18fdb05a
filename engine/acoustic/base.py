"""What every acoustic model adapter offers the Synthesizer, and what they share.

An adapter predicts whole-frame durations for a sentence's token ids (``predict_durations``)
and renders the sentence with any durations (``render``): audio for VITS, a mel
``[n_mels, frames]`` for Glow-TTS and Grad-TTS, exactly ``sum(durations)`` frames (times the
hop, for audio) long. Both take the take's seed and the sentence's index, from which every
random draw is made per token (``engine.runtime.noise``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Sequence
from typing import Generic, Protocol, TypeVar

import numpy as np
import torch

from engine.audio.mel import MelSettings
from engine.controls import Controls
from engine.errors import SynthesisError
from engine.families import inference_settings

# Encoder outputs kept between prepare and render (a studio document's worth of sentences).
ENCODING_CACHE_SIZE = 256

Value = TypeVar("Value")
ModelT = TypeVar("ModelT", bound=torch.nn.Module)


class AcousticModel(Protocol):
    """One loaded acoustic model, ready to render sentences on its device."""

    family: str
    sample_rate: int
    hop_length: int
    n_speakers: int
    control_names: tuple[str, ...]
    runtime: str

    @property
    def mel(self) -> MelSettings | None:
        """The mels the model makes; None when it makes audio itself (VITS)."""
        ...

    def default_controls(self) -> Controls: ...

    def predict_durations(
        self,
        ids: Sequence[int],
        speaker: int | None,
        controls: Controls,
        seed: int,
        sentence: int,
    ) -> tuple[int, ...]: ...

    def render(
        self,
        ids: Sequence[int],
        speaker: int | None,
        durations: Sequence[int],
        controls: Controls,
        seed: int,
        sentence: int,
        rolls: Sequence[int] = (),
        gains: Sequence[float] = (),
    ) -> np.ndarray:
        """The sentence's audio (VITS) or mel, its tokens lasting ``durations`` frames, each
        token's noise re-rolled and scaled as ``rolls`` and ``gains`` say
        (:mod:`engine.runtime.noise`)."""
        ...


class EncodingCache(Generic[Value]):
    """Least-recently-used values by key (encoder outputs by ids and speaker, a VITS
    sentence's last render)."""

    def __init__(self, size: int = ENCODING_CACHE_SIZE) -> None:
        self._size = size
        self._values: OrderedDict[Hashable, Value] = OrderedDict()

    def get(self, key: Hashable) -> Value | None:
        if key not in self._values:
            return None
        self._values.move_to_end(key)
        return self._values[key]

    def put(self, key: Hashable, value: Value) -> None:
        self._values[key] = value
        self._values.move_to_end(key)
        while len(self._values) > self._size:
            self._values.popitem(last=False)


def model_of(model: torch.nn.Module, kind: type[ModelT], voice: str) -> ModelT:
    """The voice's model as the adapter's family needs it, or the reason it is not."""
    if not isinstance(model, kind):
        raise SynthesisError(f"voice {voice} holds a {type(model).__name__}, not a {kind.__name__}")
    return model


def whole_frames(frames: torch.Tensor | np.ndarray, sentence: int) -> tuple[int, ...]:
    """Durations as whole frames; refuses overflowing predictions in a user's words."""
    values = np.asarray(frames, dtype=np.float64)
    if not np.isfinite(values).all():
        raise SynthesisError(f"sentence {sentence + 1}: the predicted durations overflow")
    return tuple(int(v) for v in values)


def token_ids(ids: Sequence[int], device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch of one: ids [1, T_x] and lengths [1]."""
    x = torch.tensor([list(ids)], dtype=torch.long, device=device)
    return x, torch.tensor([len(ids)], dtype=torch.long, device=device)


def speaker_ids(speaker: int | None, device: torch.device) -> torch.Tensor | None:
    return None if speaker is None else torch.tensor([speaker], device=device)


def batch_of_one(array: np.ndarray, device: torch.device) -> torch.Tensor:
    """A float32 numpy array as a tensor with a batch axis, on ``device``."""
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))[None].to(device)


def inference_defaults(card: dict, names: Sequence[str]) -> Controls:
    """Controls whose fields ``names`` take the card's ``inference`` values, or its family's
    official defaults where the card has none."""
    settings = inference_settings(card)
    return Controls(**{name: settings[name] for name in names if name in settings})
