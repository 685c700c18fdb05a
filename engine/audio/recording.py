"""Recording from an input device through PortAudio (sounddevice): a level meter and takes.

Levels are in dBFS with full scale 1.0: the peak is ``20·log10(max |x|)`` and the RMS level
``20·log10(rms)``, with no +3 dB sine correction, so a full-scale sine reads 0 dBFS peak and
-3.01 dBFS RMS. Silence reads ``FLOOR_DBFS``. A block clips when its peak is above
``CLIP_DBFS`` (-1 dBFS: past that, a louder syllable will hit full scale). The noise floor is
the ``NOISE_PERCENTILE``-th percentile (10th) of the RMS levels of the blocks of the last
``NOISE_WINDOW_SECONDS`` (5 s): between words and breaths at least a tenth of the blocks
hold only the room, so this reads the room while someone speaks.

:class:`InputProcessor` does the work on blocks and needs no device; :class:`Recorder`
feeds it from a PortAudio input stream, whose callback runs on PortAudio's thread.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
import soxr

FLOOR_DBFS = -120.0
CLIP_DBFS = -1.0
NOISE_WINDOW_SECONDS = 5.0
NOISE_PERCENTILE = 10.0
BLOCK_SECONDS = 0.02


class RecordingError(RuntimeError):
    """The input device cannot be opened or failed; the message says what to do."""


class NoInputDevice(RecordingError):
    """There is no audio input device to record from."""


def dbfs(amplitude: float) -> float:
    """An amplitude (peak or RMS, full scale 1.0) in dBFS, ``FLOOR_DBFS`` for silence."""
    if amplitude <= 10 ** (FLOOR_DBFS / 20):
        return FLOOR_DBFS
    return 20.0 * math.log10(amplitude)


@dataclass(frozen=True)
class Level:
    """A meter reading: peak and RMS in dBFS, whether it clipped, and the noise floor."""

    peak_dbfs: float
    rms_dbfs: float
    clipping: bool
    noise_floor_dbfs: float


SILENT = Level(FLOOR_DBFS, FLOOR_DBFS, False, FLOOR_DBFS)


class LevelMeter:
    """Peak, RMS, clipping and noise floor of a stream of blocks.

    :meth:`update` takes each block as it comes; :meth:`read` gives what happened since the
    previous read (highest peak, RMS over those blocks, any clipping), so a window that
    polls 30 times a second misses no peak of a stream that delivers 50 blocks a second.
    Safe to update from one thread and read from another.
    """

    def __init__(
        self,
        sample_rate: int,
        window_seconds: float = NOISE_WINDOW_SECONDS,
        percentile: float = NOISE_PERCENTILE,
    ) -> None:
        self.sample_rate = sample_rate
        self.window_seconds = window_seconds
        self.percentile = percentile
        self._lock = threading.Lock()
        self._history: deque[tuple[float, int]] = deque()
        self._history_frames = 0
        self._last = SILENT
        self._pending_peak = 0.0
        self._pending_power = 0.0
        self._pending_frames = 0
        self.clipped = False

    def update(self, block: np.ndarray) -> Level:
        """Meter one block (frames, or frames x channels) and return its level."""
        samples = np.asarray(block, dtype=np.float32)
        if samples.size == 0:
            return self._last
        mono = samples.mean(axis=1) if samples.ndim == 2 else samples.reshape(-1)
        peak = float(np.max(np.abs(samples)))
        power = float(np.mean(np.square(mono, dtype=np.float64)))
        with self._lock:
            self._remember(power, len(mono))
            level = Level(
                peak_dbfs=dbfs(peak),
                rms_dbfs=dbfs(math.sqrt(power)),
                clipping=dbfs(peak) > CLIP_DBFS,
                noise_floor_dbfs=self._noise_floor(),
            )
            self._last = level
            self._pending_peak = max(self._pending_peak, peak)
            self._pending_power += power * len(mono)
            self._pending_frames += len(mono)
            self.clipped = self.clipped or level.clipping
        return level

    @property
    def level(self) -> Level:
        """The level of the latest block."""
        with self._lock:
            return self._last

    def read(self) -> Level:
        """The level over all blocks since the previous read (the latest one if none came)."""
        with self._lock:
            if self._pending_frames == 0:
                return self._last
            peak = dbfs(self._pending_peak)
            rms = dbfs(math.sqrt(self._pending_power / self._pending_frames))
            self._pending_peak = self._pending_power = 0.0
            self._pending_frames = 0
            return Level(peak, rms, peak > CLIP_DBFS, self._noise_floor())

    def reset(self) -> None:
        """Forget the history, the pending reading and the clip indicator."""
        with self._lock:
            self._history.clear()
            self._history_frames = 0
            self._last = SILENT
            self._pending_peak = self._pending_power = 0.0
            self._pending_frames = 0
            self.clipped = False

    def _remember(self, power: float, frames: int) -> None:
        self._history.append((power, frames))
        self._history_frames += frames
        limit = self.window_seconds * self.sample_rate
        while len(self._history) > 1 and self._history_frames - self._history[0][1] >= limit:
            self._history_frames -= self._history.popleft()[1]

    def _noise_floor(self) -> float:
        powers = np.fromiter((p for p, _ in self._history), dtype=np.float64)
        return dbfs(math.sqrt(float(np.percentile(powers, self.percentile))))


@dataclass(frozen=True)
class Take:
    """A recorded take: mono float32 audio, its rate, and the input overflows during it
    (each one a gap: blocks PortAudio had to drop because they were not read in time)."""

    audio: np.ndarray
    sample_rate: int
    overflows: int = 0

    @property
    def duration_s(self) -> float:
        return len(self.audio) / self.sample_rate


class InputProcessor:
    """What happens to each input block: metering always, keeping it while a take runs."""

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self.meter = LevelMeter(sample_rate)
        self._lock = threading.Lock()
        self._blocks: list[np.ndarray] | None = None
        self._overflows = 0

    @property
    def recording(self) -> bool:
        with self._lock:
            return self._blocks is not None

    def process(self, block: np.ndarray, overflowed: bool = False) -> None:
        """Meter a block (frames x channels, or frames) and keep its mono mix during a take."""
        samples = np.asarray(block, dtype=np.float32)
        self.meter.update(samples)
        with self._lock:
            if self._blocks is None:
                return
            mono = samples.mean(axis=1) if samples.ndim == 2 else samples.reshape(-1)
            self._blocks.append(np.array(mono, dtype=np.float32))
            self._overflows += int(overflowed)

    def start_take(self) -> None:
        """Start keeping blocks; a take already running is discarded."""
        with self._lock:
            self._blocks = []
            self._overflows = 0

    def stop_take(self, sample_rate: int | None = None) -> Take:
        """Stop keeping blocks and return the take, resampled to ``sample_rate`` if given."""
        with self._lock:
            if self._blocks is None:
                raise RecordingError("no take is being recorded")
            blocks, overflows = self._blocks, self._overflows
            self._blocks = None
        audio = np.concatenate(blocks) if blocks else np.zeros(0, np.float32)
        rate = sample_rate or self.sample_rate
        if rate != self.sample_rate and audio.size:
            audio = soxr.resample(audio, self.sample_rate, rate).astype(np.float32)
        return Take(audio, rate, overflows)


@dataclass(frozen=True)
class InputDevice:
    """An input device PortAudio offers."""

    index: int
    name: str
    host_api: str
    channels: int
    default_sample_rate: int
    is_default: bool


def list_input_devices() -> list[InputDevice]:
    """The input devices, the default first; raises :class:`NoInputDevice` when there is none
    and :class:`RecordingError` when PortAudio itself is missing."""
    sd = _sounddevice()
    try:
        devices = sd.query_devices()
        host_apis = sd.query_hostapis()
    except sd.PortAudioError as error:
        raise RecordingError(f"PortAudio cannot list the audio devices ({error})") from error
    default = _default_input_index(sd)
    found = [
        InputDevice(
            index=i,
            name=d["name"],
            host_api=host_apis[d["hostapi"]]["name"],
            channels=int(d["max_input_channels"]),
            default_sample_rate=int(d["default_samplerate"]),
            is_default=i == default,
        )
        for i, d in enumerate(devices)
        if d["max_input_channels"] > 0
    ]
    if not found:
        raise NoInputDevice(
            "No audio input device was found. Connect a microphone, and check that the "
            "system's sound server (PulseAudio or PipeWire) is running and lets Glottis "
            "record."
        )
    return sorted(found, key=lambda d: not d.is_default)


class Recorder:
    """Records from an input device: meter while open, keep blocks while a take runs.

    ``device`` is a PortAudio device index or name (None: the default input). Takes come
    back at ``sample_rate`` (None: the device's default rate); when the device cannot run
    at that rate it runs at its own and each take is resampled with soxr.
    """

    def __init__(
        self,
        device: int | str | None = None,
        sample_rate: int | None = None,
        block_seconds: float = BLOCK_SECONDS,
    ) -> None:
        self.device = device
        self.sample_rate = sample_rate
        self.block_seconds = block_seconds
        self._stream: Any = None
        self._processor: InputProcessor | None = None

    def __enter__(self) -> Recorder:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def is_open(self) -> bool:
        return self._stream is not None

    @property
    def device_sample_rate(self) -> int:
        """The rate the device runs at (open recorders only)."""
        return self._require().sample_rate

    @property
    def meter(self) -> LevelMeter:
        return self._require().meter

    def open(self) -> None:
        """Open the device and start metering; takes start with :meth:`start_take`."""
        if self._stream is not None:
            return
        sd = _sounddevice()
        info = self._device_info(sd)
        rate, channels = self._settings(sd, info)
        processor = InputProcessor(rate)

        def callback(indata: np.ndarray, frames: int, time: Any, status: Any) -> None:
            processor.process(indata, overflowed=bool(status.input_overflow))

        try:
            stream = sd.InputStream(
                device=self.device,
                samplerate=rate,
                channels=channels,
                dtype="float32",
                blocksize=max(1, round(self.block_seconds * rate)),
                callback=callback,
            )
            stream.start()
        except sd.PortAudioError as error:
            raise RecordingError(f"cannot open the input {info['name']!r}: {error}") from error
        self._processor, self._stream = processor, stream

    def close(self) -> None:
        """Stop and close the device; a running take is dropped."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.close()

    def start_take(self) -> None:
        """Start recording a take (the device must be open)."""
        self._require().start_take()

    def stop_take(self) -> Take:
        """Stop the take and return it at the recorder's sample rate."""
        return self._require().stop_take(self.sample_rate)

    def read_level(self) -> Level:
        """The meter's reading since the previous call (see :meth:`LevelMeter.read`)."""
        return self.meter.read()

    def _require(self) -> InputProcessor:
        if self._processor is None or self._stream is None:
            raise RecordingError("the recorder is not open")
        return self._processor

    def _device_info(self, sd: Any) -> dict[str, Any]:
        try:
            info = sd.query_devices(self.device, kind="input" if self.device is None else None)
        except (sd.PortAudioError, ValueError) as error:
            if self.device is None:
                raise NoInputDevice(
                    f"No default audio input device ({error}); connect a microphone or choose "
                    "an input device."
                ) from error
            raise RecordingError(f"no input device {self.device!r} ({error})") from error
        if info["max_input_channels"] < 1:
            raise RecordingError(f"{info['name']!r} is not an input device (it has no inputs)")
        return info

    def _settings(self, sd: Any, info: dict[str, Any]) -> tuple[int, int]:
        """A rate and channel count the device accepts: the asked rate in mono if it can."""
        rates = [r for r in (self.sample_rate, int(info["default_samplerate"])) if r]
        channel_options = sorted({1, min(2, int(info["max_input_channels"]))})
        for rate in rates:
            for channels in channel_options:
                try:
                    sd.check_input_settings(
                        device=self.device, samplerate=rate, channels=channels, dtype="float32"
                    )
                except (sd.PortAudioError, ValueError):
                    continue
                return rate, channels
        raise RecordingError(
            f"{info['name']!r} accepts neither {' nor '.join(f'{r} Hz' for r in rates)} "
            "with one or two channels"
        )


def _sounddevice() -> Any:
    try:
        import sounddevice as sd
    except OSError as error:
        raise RecordingError(
            f"PortAudio is not available ({error}); install the system's PortAudio library"
        ) from error
    return sd


def _default_input_index(sd: Any) -> int | None:
    try:
        return int(sd.query_devices(kind="input")["index"])
    except (sd.PortAudioError, ValueError, KeyError):
        return None
