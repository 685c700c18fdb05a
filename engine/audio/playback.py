"""Playing audio through PortAudio (sounddevice), when an output device exists."""

from __future__ import annotations

import threading
from collections import deque

import numpy as np

# How long finish() waits beyond what is queued before giving up on a stuck device.
FINISH_GRACE_SECONDS = 5.0


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


class StreamPlayer:
    """Plays pieces of mono audio on the default output device as they are given, so that
    sound starts before the rest is made (``glottis say --play``); :meth:`finish` waits until
    all has been heard. The device asks for samples from its own thread; a piece that is not
    there yet is silence, never a wait."""

    def __init__(self, sample_rate: int) -> None:
        import sounddevice as sd

        self._sd = sd
        self._pieces: deque[np.ndarray] = deque()
        self._queued = 0  # samples given and not yet played
        self._lock = threading.Lock()
        self._ending = False
        self._ended = threading.Event()
        self.sample_rate = sample_rate
        try:
            self._stream = sd.OutputStream(
                samplerate=sample_rate,
                channels=1,
                dtype="float32",
                callback=self._fill,
                finished_callback=self._ended.set,
            )
            self._stream.start()
        except sd.PortAudioError as error:
            raise PlaybackError(str(error)) from error

    def feed(self, piece: np.ndarray) -> None:
        """Queue ``piece`` to be played after what was given before."""
        samples = np.ascontiguousarray(piece, dtype=np.float32).reshape(-1)
        with self._lock:
            self._pieces.append(samples)
            self._queued += len(samples)

    def finish(self) -> None:
        """Wait until everything given has been played, then close the device."""
        with self._lock:
            self._ending = True
            left = self._queued / self.sample_rate
        self._ended.wait(left + FINISH_GRACE_SECONDS)
        self._stream.close()

    def _fill(self, out: np.ndarray, frames: int, _time, _status) -> None:
        filled = 0
        with self._lock:
            while filled < frames and self._pieces:
                piece = self._pieces[0]
                take = min(len(piece), frames - filled)
                out[filled : filled + take, 0] = piece[:take]
                filled += take
                self._queued -= take
                if take == len(piece):
                    self._pieces.popleft()
                else:
                    self._pieces[0] = piece[take:]
            done = self._ending and not self._pieces
        out[filled:, 0] = 0
        if done:
            raise self._sd.CallbackStop
