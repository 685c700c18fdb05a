"""``glottis say --play`` streams: the sound starts while the text is still being made, what is
heard is the take, and the WAV written is the one ``say`` writes without --play. Played into a
PulseAudio null sink and recorded from its monitor (skipped, saying why, without one)."""

from __future__ import annotations

import numpy as np
import sounddevice as sd
import soundfile as sf

from engine.cli import run
from tests.audio_devices import pulse_null_sink  # noqa: F401 (a fixture)

TEXT = "Streaming starts the sound at once. The rest follows while it plays."


def test_say_play_streams_the_take_and_writes_the_same_wav(tmp_path, capsys, pulse_null_sink):  # noqa: F811
    played, quiet = tmp_path / "played.wav", tmp_path / "quiet.wav"
    assert run(["say", TEXT, "-o", str(quiet)]) == 0
    expected, rate = sf.read(quiet, dtype="float32")
    blocks: list[np.ndarray] = []
    with sd.InputStream(
        device=pulse_null_sink.input_device,
        channels=1,
        samplerate=rate,
        dtype="float32",
        callback=lambda data, *_: blocks.append(data[:, 0].copy()),
    ):
        assert run(["say", TEXT, "-o", str(played), "--play"]) == 0
        sd.sleep(500)
    assert "played as it was made" in capsys.readouterr().out
    written, _ = sf.read(played, dtype="float32")
    assert len(written) == len(expected)
    assert np.abs(written - expected).max() <= 2 / 32768  # a 16-bit step, rounding apart
    recorded = np.concatenate(blocks)
    loud = np.flatnonzero(np.abs(recorded) > 0.02)
    assert loud.size, "nothing was heard on the sink's monitor"
    heard = (loud[-1] - loud[0]) / rate
    voiced = np.flatnonzero(np.abs(expected) > 0.1 * np.abs(expected).max())
    assert heard >= 0.8 * (voiced[-1] - voiced[0]) / rate, f"heard only {heard:.2f} s"
