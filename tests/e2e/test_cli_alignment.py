"""`glottis say --alignment FILE`: the timings of the WAV it writes, read back by praatio and
by Praat (parselmouth), against the durations worked out token by token (tests/timings.py)
and against where each sentence's samples are in the WAV."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import parselmouth
import pytest
import soundfile as sf
from praatio import textgrid

from engine.audio.levels import peak_normalize
from engine.cli import run
from tests.e2e.test_cli import _assert_user_error
from tests.engine.test_alignment_export import parse_srt
from tests.timings import expected_seconds

TEXT = "Good morning, everyone. The second sentence starts here."


def test_the_textgrid_is_the_wav_s_timing(tmp_path, synthesizer):
    wav, grid_path = tmp_path / "say.wav", tmp_path / "say.TextGrid"
    assert run(["say", TEXT, "-o", str(wav), "--alignment", str(grid_path)]) == 0
    audio, rate = sf.read(wav, dtype="float32")
    seconds = len(audio) / rate

    utterance = synthesizer.prepare(TEXT)  # what say prepared: the same defaults and seed
    assert len(utterance.sentences) == 2
    frame = synthesizer.hop_length / synthesizer.sample_rate
    expected = expected_seconds([(s.tokens, s.durations) for s in utterance.sentences], frame)

    grid = textgrid.openTextgrid(str(grid_path), includeEmptyIntervals=True)
    phones = [p for p in grid.getTier("phones").entries if p.label]
    assert [p.label for p in phones] == [label for word in expected for *_, label in word]
    for phone, (start, end, _) in zip(phones, [p for w in expected for p in w], strict=True):
        assert (phone.start, phone.end) == pytest.approx((start, end), abs=1e-9)
    # The last interval of each tier ends where the WAV does, to within one sample.
    for name in ("words", "phones"):
        assert abs(grid.getTier(name).entries[-1].end - seconds) <= 1 / rate
    assert abs(parselmouth.read(str(grid_path)).xmax - seconds) <= 1 / rate

    # Sentence 2 starts after all of sentence 1's frames, and its samples are there in the WAV.
    words = [w for w in grid.getTier("words").entries if w.label]
    assert [w.label for w in words] == [
        "Good", "morning", "everyone", "The", "second", "sentence", "starts", "here"
    ]  # fmt: skip
    first_frames = sum(utterance.sentences[0].durations)
    second = utterance.sentences[1]
    leading = next(i for i, token in enumerate(second.tokens) if token.isalpha())
    assert words[3].start == pytest.approx((first_frames + sum(second.durations[:leading])) * frame)
    parts = [peak_normalize(part.audio) for part in synthesizer.render_sentences(utterance)]
    start = first_frames * synthesizer.hop_length
    assert start == len(parts[0]) and len(audio) == start + len(parts[1])
    assert np.corrcoef(audio[start:], parts[1])[0, 1] > 0.99
    assert np.corrcoef(audio[:start], parts[0])[0, 1] > 0.99


def test_json_srt_and_vtt_by_extension(tmp_path):
    wav = tmp_path / "say.wav"
    for extension in (".json", ".srt", ".vtt"):
        path = tmp_path / f"say{extension}"
        assert run(["say", "Two words.", "-o", str(wav), "--alignment", str(path)]) == 0
        text = path.read_text(encoding="utf-8")
        if extension == ".json":
            data = json.loads(text)
            assert [w["text"] for w in data["words"]] == ["Two", "words"]
            assert abs(data["duration"] - sf.info(wav).duration) < 1e-9
        else:
            assert ("WEBVTT\n\n" if extension == ".vtt" else "1\n00:00:") in text[:20]
            assert "Two" in text and "words" in text


def test_an_unknown_extension_is_refused_before_synthesis(tmp_path, capsys, monkeypatch):
    from engine import cli

    def no_synthesis(_args):
        raise AssertionError("synthesis started")

    monkeypatch.setattr(cli, "_synthesizer", no_synthesis)
    out = tmp_path / "x.wav"
    err = _assert_user_error(
        ["say", "Hello.", "-o", str(out), "--alignment", str(tmp_path / "x.txt")],
        capsys,
        "x.txt",
        ".TextGrid, .json, .srt or .vtt",
    )
    assert err.startswith("glottis say: error: --alignment")
    _assert_user_error(
        ["say", "--text-file", str(out), "--out-dir", str(tmp_path), "--alignment", "a.json"],
        capsys,
        "single text",
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fails", ["render", "alignment"])
def test_a_failed_say_leaves_neither_file(tmp_path, monkeypatch, capsys, fails):
    from engine import alignment_export, synthesis

    original = synthesis.Synthesizer.render_sentences

    def fail_after_first(self, utterance):
        iterator = original(self, utterance)
        yield next(iterator)
        raise OSError(28, "No space left on device")

    def fail_to_write(_timings, _path):
        raise OSError(28, "No space left on device")

    if fails == "render":
        monkeypatch.setattr(synthesis.Synthesizer, "render_sentences", fail_after_first)
    else:
        monkeypatch.setattr(alignment_export, "write_alignment", fail_to_write)
    argv = ["say", "One. Two.", "-o", str(tmp_path / "x.wav"), "--alignment"]
    _assert_user_error([*argv, str(tmp_path / "x.vtt")], capsys, "No space left")
    assert list(tmp_path.iterdir()) == []


def _command() -> list[str]:
    """The installed ``glottis`` script, or the same entry point through this Python."""
    script = shutil.which("glottis", path=str(Path(sys.executable).parent))
    if script is not None:
        return [script]
    return [sys.executable, "-c", "from engine.cli import main; main()"]


def test_through_the_command_line(tmp_path):
    wav, srt = tmp_path / "cli.wav", tmp_path / "cli.srt"
    done = subprocess.run(
        [*_command(), "say", "Spoken and timed.", "-o", str(wav), "--alignment", str(srt)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    cues = parse_srt(srt.read_text(encoding="utf-8"))
    assert [text for *_, text in cues] == ["Spoken", "and", "timed"]
    assert cues[-1][1] <= round(sf.info(wav).duration * 1000)

    refused = subprocess.run(
        [*_command(), "say", "No.", "-o", str(wav), "--alignment", str(tmp_path / "a.csv")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "glottis say: error: --alignment a.csv: an alignment file ends in .TextGrid, .json, "
        ".srt or .vtt, which chooses its format"
    ]
