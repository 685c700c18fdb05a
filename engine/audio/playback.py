"""Playing audio through PortAudio (sounddevice), when an output device exists."""

from __future__ import annotations

import numpy as np


def output_device_problem() -> str | None:
    """Why nothing can be played here, or None when a default output device is usable."""
    try:
        import sounddevice as sd
    except OSError as error:
        return f"PortAudio is not available ({error})"
    try:
        sd.query_devices(kind="output")
    except (sd.PortAudioError, ValueError) as error:
        return f"no audio output device ({error})"
    return None


class PlaybackError(RuntimeError):
    """The output device failed while playing."""


def play_blocking(audio: np.ndarray, sample_rate: int) -> None:
    """Play mono audio on the default output device and wait until it has finished."""
    import sounddevice as sd

    try:
        sd.play(np.asarray(audio, dtype=np.float32), sample_rate, blocking=True)
    except sd.PortAudioError as error:
        raise PlaybackError(str(error)) from error
