"""Several processes on one user data folder at once: three ``glottis say`` converting the
bundled voice for the first time (and exporting its ONNX stages) race each other, then a
fourth reads what they left. Every one succeeds, the voice folder and its ONNX cache are
whole, and nothing half-written (``.tmp``, ``.partial``, ``.old``) is left beside them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import soundfile as sf

RACERS = 3
LEFTOVERS = (".tmp", ".partial", ".old")


def _say(data: Path, text: str, out: Path) -> subprocess.Popen:
    env = {**os.environ, "GLOTTIS_DATA_DIR": str(data)}
    return subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "say", text, "-o", str(out)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_first_conversions_racing_leave_one_whole_voice(tmp_path):
    data = tmp_path / "data"
    racers = [_say(data, f"Racer {n} speaks.", tmp_path / f"{n}.wav") for n in range(RACERS)]
    for n, racer in enumerate(racers):
        _, stderr = racer.communicate(timeout=600)
        assert racer.returncode == 0, f"racer {n}: {stderr}"
        assert sf.info(tmp_path / f"{n}.wav").frames > 0
    left = [p for p in data.rglob("*") if any(part in p.name for part in LEFTOVERS)]
    assert not left, f"half-written files left: {left}"
    voice = next((data / "voices").iterdir())
    assert sorted(p.name for p in voice.iterdir()) == ["card.json", "model.safetensors", "onnx"]
    assert sorted(p.name for p in (voice / "onnx").iterdir()) == [
        "decode.onnx",
        "encode.onnx",
        "stamp.json",
    ]
    # The ONNX cache may be stamped for another racer's copy of the weights (each write of a
    # voice folder pairs its files with a token of its own): then the next run exports it
    # again, once. It must load and speak either way.
    after = _say(data, "The voice the racers left.", tmp_path / "after.wav")
    _, stderr = after.communicate(timeout=600)
    assert after.returncode == 0, stderr
    assert not [p for p in data.rglob("*") if any(part in p.name for part in LEFTOVERS)]
