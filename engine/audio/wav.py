"""Reading and writing WAV files; writes are atomic so a failure never leaves a partial file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf

from engine.storage import atomic_file


@contextmanager
def atomic_wav_writer(
    path: str | Path, sample_rate: int, float32: bool = False
) -> Iterator[Callable[[np.ndarray], None]]:
    """Yield a function that appends mono blocks in [-1, 1] to a WAV at ``path``.

    Blocks go to a temporary file in the same folder, which is fsynced and renamed over
    ``path`` when the block exits normally and deleted when it raises: readers see either
    the old file or the complete new one, never a partial take. 16-bit PCM unless ``float32``.
    """
    subtype = "FLOAT" if float32 else "PCM_16"
    with atomic_file(path) as handle:
        sink = _Sink(handle)
        try:
            with sf.SoundFile(
                sink, "w", samplerate=sample_rate, channels=1, subtype=subtype, format="WAV"
            ) as sound:

                def append(block: np.ndarray) -> None:
                    samples = np.asarray(block, dtype=np.float32).reshape(-1)
                    sound.write(samples if float32 else np.clip(samples, -1.0, 1.0))
                    sink.raise_error()

                yield append
        except sf.SoundFileError:
            sink.raise_error()  # libsndfile's words for it are only "System error"
            raise
        sink.raise_error()


class _Sink:
    """The file libsndfile writes a WAV through, as its Python callbacks see it.

    An error raised in a callback cannot reach the caller: CFFI prints it with its traceback
    ("Exception ignored from cffi callback") and libsndfile goes on. A full disk would print
    a few of those. This keeps the first error instead, answers libsndfile with a short
    write, and :meth:`raise_error` raises it once libsndfile has returned.
    """

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._error: OSError | None = None

    def write(self, data: bytes) -> int:
        if self._error is None:
            try:
                return self._handle.write(data)
            except OSError as error:
                self._error = error
        return 0

    def seek(self, offset: int, whence: int = 0) -> int:
        if self._error is None:
            try:
                return self._handle.seek(offset, whence)
            except OSError as error:
                self._error = error
        return self.tell()

    def tell(self) -> int:
        try:
            return self._handle.tell()
        except OSError as error:
            self._error = self._error or error
            return 0

    def raise_error(self) -> None:
        """Raise the first error a write or seek met, if any."""
        if self._error is not None:
            raise self._error


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int, float32: bool = False) -> Path:
    """Write mono audio atomically as 16-bit PCM (or 32-bit float) WAV."""
    with atomic_wav_writer(path, sample_rate, float32) as append:
        append(audio)
    return Path(path)


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Float32 samples (mono: channels averaged) and the sample rate."""
    data, sample_rate = sf.read(str(path), dtype="float32", always_2d=True)
    return data.mean(axis=1), int(sample_rate)
