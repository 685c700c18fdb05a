"""Several processes on one user data folder at once: three ``glottis say`` converting the
bundled voice for the first time (and exporting its ONNX stages) race each other, then a
fourth reads what they left; and a studio (its engine process) and a ``glottis say`` do the
same. Every one succeeds, the voice folder and its ONNX cache are whole, and nothing
half-written (``.tmp``, ``.partial``, ``.old``) is left beside them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import soundfile as sf

RACERS = 3
LEFTOVERS = (".tmp", ".partial", ".old")
ROOT = Path(__file__).resolve().parents[2]


def _say(data: Path, text: str, out: Path) -> subprocess.Popen:
    env = {**os.environ, "GLOTTIS_DATA_DIR": str(data)}
    return subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "say", text, "-o", str(out)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _leftovers(data: Path) -> list[Path]:
    return [p for p in data.rglob("*") if any(part in p.name for part in LEFTOVERS)]


def _assert_one_whole_voice(data: Path) -> None:
    """One voice folder with its weights, its card and its ONNX stages, nothing else."""
    (voice,) = (data / "voices").iterdir()
    assert sorted(p.name for p in voice.iterdir()) == ["card.json", "model.safetensors", "onnx"]
    assert sorted(p.name for p in (voice / "onnx").iterdir()) == [
        "decode.onnx",
        "encode.onnx",
        "stamp.json",
    ]


def test_first_conversions_racing_leave_one_whole_voice(tmp_path):
    data = tmp_path / "data"
    racers = [_say(data, f"Racer {n} speaks.", tmp_path / f"{n}.wav") for n in range(RACERS)]
    for n, racer in enumerate(racers):
        _, stderr = racer.communicate(timeout=600)
        assert racer.returncode == 0, f"racer {n}: {stderr}"
        assert sf.info(tmp_path / f"{n}.wav").frames > 0
    left = _leftovers(data)
    assert not left, f"half-written files left: {left}"
    _assert_one_whole_voice(data)
    # The ONNX cache may be stamped for another racer's copy of the weights (each write of a
    # voice folder pairs its files with a token of its own): then the next run exports it
    # again, once. It must load and speak either way.
    _the_next_say_speaks(data, tmp_path / "after.wav")


def test_a_studio_and_the_command_line_converting_at_once_leave_one_whole_voice(tmp_path):
    """The studio's engine process and ``glottis say`` both convert the bundled voice (and
    export its ONNX stages) for the first time; the studio renders a take with it."""
    data = tmp_path / "data"
    env = {
        **os.environ,
        "GLOTTIS_DATA_DIR": str(data),
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),  # the studio's QSettings, fresh too
    }
    studio = subprocess.Popen(
        [sys.executable, "-m", "tests.robustness.studio_driver", "The studio speaks."],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    say = _say(data, "The command line speaks.", tmp_path / "say.wav")
    try:
        studio_out, studio_err = studio.communicate(timeout=600)
    finally:
        if studio.poll() is None:
            studio.send_signal(signal.SIGKILL)
            studio.wait(30)
    _, stderr = say.communicate(timeout=600)
    assert say.returncode == 0, stderr
    assert sf.info(tmp_path / "say.wav").frames > 0
    assert studio.returncode == 0, studio_out + studio_err
    rendered = next(line for line in studio_out.splitlines() if line.startswith("RENDERED"))
    assert float(rendered.split()[-1]) > 0.3, rendered
    left = _leftovers(data)
    assert not left, f"half-written files left: {left}"
    _assert_one_whole_voice(data)
    _the_next_say_speaks(data, tmp_path / "after.wav")


def _the_next_say_speaks(data: Path, out: Path) -> None:
    """A later ``glottis say`` on the folder the racers left speaks and leaves nothing."""
    after = _say(data, "The voice they left.", out)
    _, stderr = after.communicate(timeout=600)
    assert after.returncode == 0, stderr
    assert sf.info(out).frames > 0
    assert not _leftovers(data)
