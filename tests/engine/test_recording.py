"""The recorder: the meter on known signals, takes, devices, and a real PortAudio input."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from engine.audio import recording
from engine.audio.recording import (
    CLIP_DBFS,
    FLOOR_DBFS,
    InputProcessor,
    LevelMeter,
    NoInputDevice,
    Recorder,
    RecordingError,
    list_input_devices,
)
from tests.audio_devices import pulse_null_sink  # noqa: F401  (fixture)

RATE = 48000


def sine(amplitude: float, seconds: float = 0.1, hz: float = 1000.0, rate: int = RATE):
    """Whole periods of a sine; at 1 kHz and 48 kHz a sample falls on each crest."""
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def blocks(audio: np.ndarray, size: int = 960):
    return [audio[i : i + size] for i in range(0, len(audio), size)]


def dominant_hz(audio: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio))))
    return float(np.argmax(spectrum) * rate / len(audio))


@pytest.mark.parametrize("amplitude", [1.0, 0.5, 0.1, 0.001])
def test_meter_reads_the_level_of_a_sine(amplitude):
    level = LevelMeter(RATE).update(sine(amplitude))
    assert level.peak_dbfs == pytest.approx(20 * math.log10(amplitude), abs=0.01)
    assert level.rms_dbfs == pytest.approx(20 * math.log10(amplitude / math.sqrt(2)), abs=0.01)


def test_meter_reads_the_loudest_channel_peak_and_the_mix_rms():
    left = sine(0.5)
    level = LevelMeter(RATE).update(np.stack([left, np.zeros_like(left)], axis=1))
    assert level.peak_dbfs == pytest.approx(20 * math.log10(0.5), abs=0.01)
    assert level.rms_dbfs == pytest.approx(20 * math.log10(0.25 / math.sqrt(2)), abs=0.01)


def test_clipping_is_a_peak_above_minus_one_dbfs_and_the_indicator_holds():
    meter = LevelMeter(RATE)
    below, above = 10 ** ((CLIP_DBFS - 0.2) / 20), 10 ** ((CLIP_DBFS + 0.2) / 20)
    assert not meter.update(sine(below)).clipping
    assert meter.update(sine(above)).clipping
    assert not meter.update(sine(below)).clipping
    assert meter.clipped
    meter.reset()
    assert not meter.clipped


def test_silence_reads_the_floor():
    level = LevelMeter(RATE).update(np.zeros(960, np.float32))
    assert level.peak_dbfs == level.rms_dbfs == level.noise_floor_dbfs == FLOOR_DBFS


def test_noise_floor_reads_the_room_between_words():
    rng = np.random.default_rng(0)
    meter = LevelMeter(RATE)
    room_rms = 10 ** (-60 / 20)
    for i in range(250):  # 5 s of 20 ms blocks: a "word" of loud tone in every third block
        block = rng.normal(0, room_rms, 960).astype(np.float32)
        if i % 3 == 0:
            block += sine(0.3, seconds=0.02)
        level = meter.update(block)
    assert level.noise_floor_dbfs == pytest.approx(-60, abs=0.5)


def test_noise_floor_forgets_what_is_older_than_its_window():
    meter = LevelMeter(RATE, window_seconds=1.0)
    for block in blocks(np.zeros(2 * RATE, np.float32)):
        meter.update(block)
    for block in blocks(sine(0.5, seconds=1.5)):
        level = meter.update(block)
    assert level.noise_floor_dbfs == pytest.approx(20 * math.log10(0.5 / math.sqrt(2)), abs=0.1)


def test_read_gives_the_highest_peak_and_mean_power_since_the_last_read():
    meter = LevelMeter(RATE)
    for amplitude in (0.1, 0.8, 0.2):
        meter.update(sine(amplitude))
    reading = meter.read()
    assert reading.peak_dbfs == pytest.approx(20 * math.log10(0.8), abs=0.01)
    mean_power = np.mean([a**2 / 2 for a in (0.1, 0.8, 0.2)])
    assert reading.rms_dbfs == pytest.approx(10 * math.log10(mean_power), abs=0.01)
    assert meter.read() == meter.level  # nothing new: the latest block's level


def test_a_take_keeps_the_mono_mix_of_the_blocks_between_start_and_stop():
    processor = InputProcessor(RATE)
    left, right = sine(0.4, seconds=0.5), sine(0.2, seconds=0.5)
    stereo = np.stack([left, right], axis=1)
    processor.process(stereo[:960])
    processor.start_take()
    assert processor.recording
    for i in range(960, len(stereo), 960):
        processor.process(stereo[i : i + 960], overflowed=i == 1920)
    take = processor.stop_take()
    assert not processor.recording
    assert np.allclose(take.audio, (left[960:] + right[960:]) / 2)
    assert (take.sample_rate, take.overflows) == (RATE, 1)


def test_a_take_comes_back_at_the_asked_rate():
    processor = InputProcessor(RATE)
    processor.start_take()
    for block in blocks(sine(0.5, seconds=1.0, hz=440.0)):
        processor.process(block)
    take = processor.stop_take(22050)
    assert take.sample_rate == 22050
    assert len(take.audio) == pytest.approx(22050, abs=2)
    assert dominant_hz(take.audio, 22050) == pytest.approx(440, abs=2)
    with pytest.raises(RecordingError, match="no take"):
        processor.stop_take()


class FakeSoundDevice:
    """Stands in for sounddevice's device listing."""

    class PortAudioError(Exception):
        pass

    def __init__(self, devices, default):
        self.devices, self.default = devices, default

    def query_devices(self, device=None, kind=None):
        if kind == "input":
            if self.default is None:
                raise self.PortAudioError("no default input")
            return {**self.devices[self.default], "index": self.default}
        return self.devices

    def query_hostapis(self):
        return [{"name": "ALSA"}]


def device(name, inputs):
    return {
        "name": name,
        "hostapi": 0,
        "max_input_channels": inputs,
        "default_samplerate": 44100.0,
    }


def test_input_devices_are_listed_default_first(monkeypatch):
    fake = FakeSoundDevice([device("hdmi", 0), device("usb mic", 1), device("pulse", 32)], 2)
    monkeypatch.setattr(recording, "_sounddevice", lambda: fake)
    found = list_input_devices()
    assert [(d.index, d.name, d.is_default) for d in found] == [
        (2, "pulse", True),
        (1, "usb mic", False),
    ]
    assert found[0].host_api == "ALSA" and found[0].default_sample_rate == 44100


def test_no_input_device_is_a_clear_error(monkeypatch):
    fake = FakeSoundDevice([device("hdmi", 0)], None)
    monkeypatch.setattr(recording, "_sounddevice", lambda: fake)
    with pytest.raises(NoInputDevice, match="No audio input device was found"):
        list_input_devices()


def test_recorder_meters_and_records_a_tone_played_into_a_null_sink(pulse_null_sink):  # noqa: F811
    # A null sink's monitor delivers blocks only while something plays, so the silences
    # are part of what is played: 1 s, a tone at -6 dBFS, 0.5 s, a tone at -0.2 dBFS, 0.3 s.
    rate = 44100
    tone, loud = sine(0.5, 2.0, 440.0, rate), sine(0.98, 0.3, 440.0, rate)
    signal = np.concatenate(
        [np.zeros(rate), tone, np.zeros(rate // 2), loud, np.zeros(round(0.3 * rate))]
    )
    with Recorder(device=pulse_null_sink.input_device, sample_rate=22050) as recorder:
        recorder.start_take()
        player = pulse_null_sink.play(signal, rate)
        readings = []
        while player.poll() is None:
            time.sleep(0.1)
            readings.append(recorder.read_level())
        time.sleep(0.3)
        take = recorder.stop_take()
        last = recorder.meter.level
    assert player.returncode == 0
    expected_peak = 20 * math.log10(0.5)
    expected_rms = 20 * math.log10(0.5 / math.sqrt(2))
    steady = [r for r in readings if abs(r.rms_dbfs - expected_rms) < 1 and not r.clipping]
    assert len(steady) >= 5, readings
    assert np.median([r.peak_dbfs for r in steady]) == pytest.approx(expected_peak, abs=0.5)
    assert np.median([r.rms_dbfs for r in steady]) == pytest.approx(expected_rms, abs=0.5)
    assert any(r.clipping and r.peak_dbfs > CLIP_DBFS for r in readings)
    # The floor reads the silences, not the tones, of the last five seconds.
    assert last.noise_floor_dbfs < -60
    assert take.sample_rate == 22050
    assert take.duration_s == pytest.approx(len(signal) / rate, abs=0.8)
    assert dominant_hz(take.audio, take.sample_rate) == pytest.approx(440, abs=3)
    assert np.abs(take.audio).max() == pytest.approx(0.98, abs=0.05)
