"""``glottis dataset import`` and ``check`` through the parser they add."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
import soundfile as sf

from engine.dataset import cli
from engine.dataset.errors import DatasetError

RATE = 16000


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="glottis")
    cli.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def take(seconds: float = 1.0) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    burst = 0.4 * np.sin(2 * np.pi * 330 * t)
    return np.concatenate([np.zeros(RATE // 2), burst, np.zeros(RATE // 2)]).astype(np.float32)


@pytest.fixture
def pairs(tmp_path):
    src = tmp_path / "pairs"
    src.mkdir()
    for name, text in [("a", "First take."), ("b", "Second take.")]:
        sf.write(str(src / f"{name}.wav"), take(), RATE, subtype="PCM_16")
        (src / f"{name}.txt").write_text(text, encoding="utf-8")
    sf.write(str(src / "c.wav"), take(), RATE, subtype="PCM_16")
    return src


def test_import_then_check(pairs, tmp_path, capsys, default_voice):
    out = tmp_path / "set"
    cli.run(parse(["dataset", "import", str(pairs), "--out", str(out), "--sample-rate", "22050"]))
    printed = capsys.readouterr().out
    assert "rejected c.wav: it has no transcript c.txt beside it" in printed
    assert "imported 2 clips" in printed and "22050 Hz" in printed
    assert sf.info(str(out / "wavs" / "a.wav")).samplerate == 22050

    cli.run(parse(["dataset", "check", str(out), "--no-asr", "--all"]))
    printed = capsys.readouterr().out
    assert printed.splitlines()[0].startswith("id\tseconds")
    assert f"{out}: 2 clips" in printed
    assert "phoneme coverage:" in printed


def test_import_with_nothing_usable_is_a_user_error(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    sf.write(str(src / "a.wav"), np.zeros(RATE, np.float32), RATE)
    (src / "a.txt").write_text("Silence.", encoding="utf-8")
    with pytest.raises(DatasetError, match="nothing was written"):
        cli.run(
            parse(
                [
                    "dataset",
                    "import",
                    str(src),
                    "--out",
                    str(tmp_path / "o"),
                    "--sample-rate",
                    "22050",
                ]
            )
        )
    assert "rejected a.wav: the audio is silent" in capsys.readouterr().out


def test_check_of_a_missing_dataset_is_a_user_error(tmp_path):
    with pytest.raises(DatasetError):
        cli.run(parse(["dataset", "check", str(tmp_path / "none"), "--no-asr"]))


def test_dataset_needs_a_subcommand():
    with pytest.raises(SystemExit):
        parse(["dataset"])
