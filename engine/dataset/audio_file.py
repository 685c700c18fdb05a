"""Reading someone's audio file whatever its format, or saying in words why it cannot be read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

# The rates sound is recorded at, from narrow telephone lines to studio converters. Outside
# them a file's rate is a mistake, and resampling it to a model's rate could ask for any
# amount of memory (a file that says 1 Hz is made 22,050 times longer).
LOWEST_RATE = 4000
HIGHEST_RATE = 384_000


class UnreadableAudio(Exception):
    """The file cannot be used as a clip; the message says why, in plain words."""


@dataclass(frozen=True)
class AudioFile:
    """Samples as float32 (frames x channels), the rate, and libsndfile's subtype name."""

    samples: np.ndarray
    sample_rate: int
    subtype: str

    @property
    def mono(self) -> np.ndarray:
        """The channels averaged."""
        return self.samples.mean(axis=1)

    @property
    def subtype_description(self) -> str:
        """``Unsigned 8 bit PCM``, ``32 bit float``, ...: libsndfile's words for the format."""
        return sf.available_subtypes().get(self.subtype, self.subtype)


def read_audio(path: Path) -> AudioFile:
    """Read any format libsndfile knows; raise :class:`UnreadableAudio` for a missing,
    damaged or empty file, one at a rate no recording has, or one holding NaN or infinite
    samples."""
    if not path.is_file():
        raise UnreadableAudio("the file does not exist")
    try:
        with sf.SoundFile(str(path)) as sound:
            subtype = sound.subtype
            sample_rate = sound.samplerate
            if not LOWEST_RATE <= sample_rate <= HIGHEST_RATE:
                raise UnreadableAudio(
                    f"its sample rate, {sample_rate} Hz, is not a recording's "
                    f"({LOWEST_RATE} to {HIGHEST_RATE} Hz)"
                )
            samples = sound.read(dtype="float32", always_2d=True)
    except (sf.SoundFileError, RuntimeError, OSError) as error:
        raise UnreadableAudio(f"not a readable audio file ({_first_line(error)})") from error
    if samples.size == 0:
        raise UnreadableAudio("the audio is empty (no samples)")
    if not np.isfinite(samples).all():
        raise UnreadableAudio("it holds samples that are not numbers (NaN or infinity)")
    return AudioFile(samples, int(sample_rate), subtype)


def _first_line(error: Exception) -> str:
    text = str(getattr(error, "error_string", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
