"""The knobs of a render, for every model and vocoder the studio runs.

One ``Controls`` value carries all of them; each acoustic model and vocoder says which of its
fields it reads (``control_names``), and the others are carried along untouched, so a take
keeps its settings when it is re-rendered with another model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from engine.errors import SynthesisError

# Upper bounds that keep a take within memory and numbers within float range.
MAX_TEMPERATURE = 10.0
MAX_LENGTH_SCALE = 20.0
MAX_STEPS = 1000
MAX_DENOISER_STRENGTH = 1.0


class ControlError(SynthesisError):
    """A control out of its range, in words a user can act on."""


@dataclass(frozen=True)
class Controls:
    """Render settings. Which apply depends on the model (see ``control_names``).

    noise_scale: temperature of the prior, VITS and Glow-TTS (0: the mean voice, flat).
    noise_w: temperature of VITS's stochastic duration predictor (0: the likeliest rhythm).
    length_scale: multiplies predicted durations (>1 speaks slower).
    temperature: Grad-TTS's terminal distribution is N(mu, I / temperature); higher is calmer.
    steps: Grad-TTS reverse-diffusion steps (more: slower, cleaner).
    stochastic: Grad-TTS samples the reverse SDE instead of the probability-flow ODE.
    sigma: WaveGlow's noise standard deviation.
    denoiser_strength: how much of WaveGlow's bias spectrum is subtracted (0: none).
    """

    noise_scale: float = 0.667
    noise_w: float = 0.8
    length_scale: float = 1.0
    temperature: float = 1.5
    steps: int = 10
    stochastic: bool = False
    sigma: float = 0.6
    denoiser_strength: float = 0.0

    def __post_init__(self) -> None:
        for name, low, high in _RANGES:
            _check_number(name, getattr(self, name), low, high)
        for name in ("length_scale", "temperature"):
            if getattr(self, name) == 0:
                raise ControlError(f"{name} must be greater than 0")
        steps = self.steps
        if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
            raise ControlError(f"steps must be a whole number from 1 to {MAX_STEPS}, got {steps}")
        if not isinstance(self.stochastic, bool):
            raise ControlError(f"stochastic must be true or false, got {self.stochastic!r}")

    @classmethod
    def from_dict(cls, data: dict) -> Controls:
        """Controls saved by ``dataclasses.asdict``; missing fields take their defaults, so
        takes saved before a field existed still open. Unknown fields are refused."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ControlError(f"unknown controls: {', '.join(unknown)}")
        return cls(**data)


_RANGES = (
    ("noise_scale", 0.0, MAX_TEMPERATURE),
    ("noise_w", 0.0, MAX_TEMPERATURE),
    ("length_scale", 0.0, MAX_LENGTH_SCALE),
    ("temperature", 0.0, MAX_TEMPERATURE),
    ("sigma", 0.0, MAX_TEMPERATURE),
    ("denoiser_strength", 0.0, MAX_DENOISER_STRENGTH),
)


def _check_number(name: str, value: object, low: float, high: float) -> None:
    ok = (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and low <= value <= high
    )
    if not ok:
        raise ControlError(f"{name} must be a number from {low:g} to {high:g}, got {value}")
