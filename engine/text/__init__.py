"""Text front ends: text to phonemes and model ids (see ``frontend``)."""

from .frontend import (
    FrontEnd,
    FrontEndError,
    PiperFrontEnd,
    Sentence,
    UnsayableWarning,
    VitsFrontEnd,
    front_end_for,
)

__all__ = [
    "FrontEnd",
    "FrontEndError",
    "PiperFrontEnd",
    "Sentence",
    "UnsayableWarning",
    "VitsFrontEnd",
    "front_end_for",
]
