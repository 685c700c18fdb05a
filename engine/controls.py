"""The knobs of a render, for every model and vocoder the studio runs.

One ``Controls`` value carries all of them; each acoustic model and vocoder says which of its
fields it reads (``control_names``), and the others are carried along untouched, so a take
keeps its settings when it is re-rendered with another model.

:data:`CONTROL_SPECS` is the one table of the numeric controls: their ranges (checked here),
labels, steps and meanings (the window's knobs and the command line's options are made from
it). The module imports neither torch nor numpy, so the window reads it too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from engine.errors import SynthesisError
from engine.families import FAMILIES

# Each knob's default is the official inference default of the family it comes from.
_VITS, _GRAD_TTS, _WAVEGLOW = (FAMILIES[name].defaults for name in ("vits", "grad-tts", "waveglow"))


@dataclass(frozen=True)
class ControlSpec:
    """One numeric control: its range (inclusive), the step and decimals of its knob, what it
    does, and which model families or vocoders read it."""

    name: str
    label: str
    low: float
    high: float
    step: float
    decimals: int
    meaning: str
    readers: tuple[str, ...]

    @property
    def flag(self) -> str:
        """The command line's option for it."""
        return "--" + self.name.replace("_", "-")


# The upper bounds keep a take within memory and numbers within float range.
CONTROL_SPECS = (
    ControlSpec(
        "noise_scale",
        "Noise scale",
        0,
        10,
        0.05,
        3,
        "temperature of the voice",
        ("vits", "glow-tts"),
    ),
    ControlSpec(
        "noise_w", "Duration noise", 0, 10, 0.05, 3, "how much the rhythm varies", ("vits",)
    ),
    ControlSpec(
        "length_scale",
        "Length scale",
        0.1,
        20,
        0.05,
        2,
        "above 1 speaks slower",
        ("vits", "glow-tts", "grad-tts"),
    ),
    ControlSpec(
        "steps",
        "Diffusion steps",
        1,
        1000,
        1,
        0,
        "reverse-diffusion steps (more: slower, cleaner)",
        ("grad-tts",),
    ),
    ControlSpec("temperature", "Temperature", 0.1, 10, 0.1, 2, "higher is calmer", ("grad-tts",)),
    ControlSpec("sigma", "Sigma", 0, 10, 0.05, 3, "noise standard deviation", ("waveglow",)),
    ControlSpec(
        "denoiser_strength",
        "Denoiser strength",
        0,
        1,
        0.01,
        3,
        "how much of the bias spectrum is removed (0: none)",
        ("waveglow",),
    ),
)
SPECS_BY_NAME = {spec.name: spec for spec in CONTROL_SPECS}


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

    noise_scale: float = _VITS["noise_scale"]
    noise_w: float = _VITS["noise_w"]
    length_scale: float = _VITS["length_scale"]
    temperature: float = _GRAD_TTS["temperature"]
    steps: int = _GRAD_TTS["steps"]
    stochastic: bool = _GRAD_TTS["stochastic"]
    sigma: float = _WAVEGLOW["sigma"]
    denoiser_strength: float = _WAVEGLOW["denoiser_strength"]

    def __post_init__(self) -> None:
        for spec in CONTROL_SPECS:
            _check_number(spec, getattr(self, spec.name))
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


def _check_number(spec: ControlSpec, value: object) -> None:
    whole = spec.decimals == 0
    ok = (
        isinstance(value, int if whole else int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and spec.low <= value <= spec.high
    )
    if not ok:
        kind = "a whole number" if whole else "a number"
        raise ControlError(
            f"{spec.name} must be {kind} from {spec.low:g} to {spec.high:g}, got {value}"
        )
