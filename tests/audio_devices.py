"""A real audio input for tests: a PulseAudio null sink, recorded from through its monitor.

``pulse_null_sink`` gives PortAudio an input device that hears what is played into the sink.
When a PulseAudio server is already reachable (the test command may start one), a null sink
of our own is loaded into it and unloaded after; otherwise a private server is started in
user mode (its own runtime folder, so it meets no other) and stopped after. Tests using it
are skipped, with the reason, when there is no PulseAudio, no PortAudio or no ALSA pulse
plugin for PortAudio to reach it through.

Import the fixture into a test module: ``from tests.audio_devices import pulse_null_sink``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

START_SECONDS = 10.0


@dataclass
class NullSink:
    """The sink to play into, its monitor source, and the PortAudio device recording it."""

    sink: str
    monitor: str
    input_device: int
    env: dict[str, str]

    def play(self, audio: np.ndarray, sample_rate: int) -> subprocess.Popen:
        """Start playing mono float audio into the sink; returns the player process."""
        player = subprocess.Popen(
            [
                "pacat",
                "--playback",
                f"--device={self.sink}",
                "--format=float32le",
                f"--rate={sample_rate}",
                "--channels=1",
                "--raw",
            ],
            stdin=subprocess.PIPE,
            env=self.env,
        )
        assert player.stdin is not None
        player.stdin.write(np.asarray(audio, dtype="<f4").tobytes())
        player.stdin.close()
        return player


def _pactl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["pactl", *args], env=env, capture_output=True, text=True, timeout=10)


def _server_answers(env: dict[str, str]) -> bool:
    try:
        return _pactl(env, "info").returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _start_private_server(runtime: Path, env: dict[str, str]) -> subprocess.Popen:
    binary = shutil.which("pulseaudio")
    if binary is None:
        pytest.skip("no PulseAudio: the pulseaudio binary is not installed")
    log = (runtime / "pulseaudio.log").open("wb")
    daemon = subprocess.Popen(
        [
            binary,
            "--daemonize=no",
            "-n",
            "--exit-idle-time=-1",
            "--disallow-exit",
            "--use-pid-file=no",
            f"--load=module-native-protocol-unix socket={runtime}/native",
            "--log-target=stderr",
        ],
        env={**env, "XDG_RUNTIME_DIR": str(runtime), "PULSE_RUNTIME_PATH": str(runtime)},
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            break
        if _server_answers(env):
            return daemon
        time.sleep(0.1)
    _stop(daemon)
    reason = (runtime / "pulseaudio.log").read_text(errors="replace").strip().splitlines()
    pytest.skip(f"PulseAudio did not start: {reason[-1] if reason else 'no output'}")


def _stop(daemon: subprocess.Popen) -> None:
    daemon.terminate()
    try:
        daemon.wait(timeout=5)
    except subprocess.TimeoutExpired:
        daemon.kill()
        daemon.wait()


def _reload_portaudio() -> None:
    """Make PortAudio list devices again: it enumerates them only when initialised."""
    import sounddevice as sd

    sd._terminate()
    sd._initialize()


def _pulse_input_device() -> int | None:
    import sounddevice as sd

    for name in ("pulse", "default"):
        for index, device in enumerate(sd.query_devices()):
            if device["name"] == name and device["max_input_channels"] > 0:
                return index
    return None


@pytest.fixture(scope="session")
def pulse_null_sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NullSink]:
    if shutil.which("pactl") is None or shutil.which("pacat") is None:
        pytest.skip("no PulseAudio client tools (pactl, pacat from pulseaudio-utils)")
    try:
        import sounddevice  # noqa: F401
    except OSError as error:
        pytest.skip(f"PortAudio is not available ({error})")
    saved = {k: os.environ.get(k) for k in ("PULSE_SERVER", "PULSE_SINK", "PULSE_SOURCE")}
    env = dict(os.environ)
    daemon = None
    if not _server_answers(env):
        runtime = tmp_path_factory.mktemp("pulse")
        env["PULSE_SERVER"] = f"unix:{runtime}/native"
        daemon = _start_private_server(runtime, env)
    sink = f"glottis_rec_{uuid.uuid4().hex[:8]}"
    loaded = _pactl(env, "load-module", "module-null-sink", f"sink_name={sink}")
    if loaded.returncode != 0:
        if daemon is not None:
            _stop(daemon)
        pytest.skip(f"PulseAudio refused a null sink: {loaded.stderr.strip()}")
    module = loaded.stdout.strip()
    monitor = f"{sink}.monitor"
    _pactl(env, "set-sink-volume", sink, "100%")
    _pactl(env, "set-source-volume", monitor, "100%")
    env.update(PULSE_SINK=sink, PULSE_SOURCE=monitor)
    os.environ.update({k: env[k] for k in saved if k in env})
    try:
        _reload_portaudio()
        device = _pulse_input_device()
        if device is None:
            pytest.skip("PortAudio lists no PulseAudio device (is the ALSA pulse plugin there?)")
        yield NullSink(sink, monitor, device, env)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _pactl(env, "unload-module", module)
        if daemon is not None:
            _stop(daemon)
        _reload_portaudio()
