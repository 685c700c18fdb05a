"""Playback through sounddevice (PortAudio), with a position the playhead follows.

No output device (or no PortAudio at all) leaves the player unavailable with a reason the
window shows; exporting does not need it.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

# How often the playhead moves while playing (about 30 frames a second).
POSITION_INTERVAL_MS = 33
BLOCK_FRAMES = 1024


def _sounddevice():
    """The sounddevice module, or the reason it cannot be used."""
    try:
        import sounddevice
    except (OSError, ImportError) as error:  # no PortAudio library on this system
        return None, f"no sound library ({error})"
    return sounddevice, ""


class Player(QObject):
    """Plays one buffer at a time from a given position, to its end or to a given end, once
    or looping over that stretch; emits where it is."""

    position_changed = Signal(float)  # seconds into the buffer
    state_changed = Signal(bool)  # playing

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sd, self.unavailable_reason = _sounddevice()
        if self._sd is not None and not self._has_output():
            self.unavailable_reason = "no audio output device was found"
        self._stream: Any = None  # a sounddevice OutputStream while playing
        self._audio = np.zeros(0, dtype=np.float32)
        self._rate = 1
        self._frame = 0
        self._start = self._end = 0  # the stretch played, in samples
        self._loop = False
        self._growing = False  # more audio is coming (extend): at the end, wait in silence
        self._lock = threading.Lock()
        self._timer = QTimer(self)
        self._timer.setInterval(POSITION_INTERVAL_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def available(self) -> bool:
        return not self.unavailable_reason

    @property
    def playing(self) -> bool:
        return self._stream is not None

    @property
    def audio(self) -> np.ndarray:
        """What plays (or played last)."""
        return self._audio

    @property
    def position(self) -> float:
        with self._lock:
            return self._frame / self._rate

    def _has_output(self) -> bool:
        try:
            return any(d["max_output_channels"] > 0 for d in self._sd.query_devices())
        except Exception:  # PortAudio can fail in many ways; any means no output
            return False

    def play(
        self,
        audio: np.ndarray,
        sample_rate: int,
        start: float = 0.0,
        end: float | None = None,
        loop: bool = False,
        growing: bool = False,
    ) -> None:
        """Play ``audio`` from ``start`` seconds to ``end`` (its end when None), and again
        from ``start`` each time it gets there while ``loop``; stops what was playing.
        ``growing``: more comes (:meth:`extend`), so its end is waited at in silence until
        :meth:`end_growing`."""
        self.stop()
        if not self.available:
            raise RuntimeError(f"playback is off: {self.unavailable_reason}")
        self._audio = np.ascontiguousarray(audio, dtype=np.float32)
        self._rate = int(sample_rate)
        length = len(self._audio)
        self._start = min(max(int(start * sample_rate), 0), length)
        self._end = length if end is None else min(max(int(end * sample_rate), self._start), length)
        self._frame, self._loop, self._growing = self._start, loop, growing
        try:
            self._stream = self._sd.OutputStream(
                samplerate=self._rate,
                channels=1,
                dtype="float32",
                blocksize=BLOCK_FRAMES,
                latency="high",  # the callback shares the GIL with the window: leave slack
                callback=self._fill,
            )
            self._stream.start()
        except Exception as error:  # the device went away or refuses the format
            self._stream = None
            raise RuntimeError(f"cannot play: {error}") from error
        self._timer.start()
        self.state_changed.emit(True)

    def extend(self, audio: np.ndarray) -> None:
        """Add ``audio`` after what plays (while playing with :meth:`play_growing`)."""
        with self._lock:
            self._audio = np.concatenate([self._audio, np.asarray(audio, dtype=np.float32)])
            self._end = len(self._audio)

    def end_growing(self) -> None:
        """Nothing more comes: playback ends at the end of what it has."""
        self._growing = False

    def swap(self, audio: np.ndarray, sample_rate: int) -> None:
        """Go on playing ``audio`` from the position reached (A/B switching without a gap).
        Nothing playing: ``audio`` plays from its start; another rate: from the position."""
        position = self.position
        if self._stream is None or int(sample_rate) != self._rate:
            self.play(audio, sample_rate, position if self._stream is not None else 0.0)
            return
        with self._lock:
            self._audio = np.ascontiguousarray(audio, dtype=np.float32)
            self._frame = min(self._frame, len(self._audio))
            self._start, self._end, self._loop = 0, len(self._audio), False

    def stop(self) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        self._timer.stop()
        stream.abort()
        stream.close()
        self.position_changed.emit(self.position)
        self.state_changed.emit(False)

    def _fill(self, out: np.ndarray, frames: int, _time, _status) -> None:
        """PortAudio's callback (its own thread): the next block, wrapping to the stretch's
        start while looping, then stop at its end."""
        filled = 0
        with self._lock:
            while filled < frames:
                block = self._audio[self._frame : min(self._end, self._frame + frames - filled)]
                out[filled : filled + len(block), 0] = block
                filled += len(block)
                self._frame += len(block)
                if self._frame < self._end:
                    continue
                if not self._loop or self._end <= self._start:
                    break
                self._frame = self._start
            waiting = self._growing
        out[filled:, 0] = 0
        if filled < frames and not waiting:
            raise self._sd.CallbackStop

    def _tick(self) -> None:
        """On the UI thread: report the position, and close the stream once it has ended."""
        self.position_changed.emit(self.position)
        stream = self._stream
        if stream is not None and not stream.active:
            self.stop()
