"""The `glottis` command line, in process (``run``) and once through the installed script."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf
import torch

from engine.cli import run
from tests.parity.discovery import fixtures

SUMMARY = re.compile(
    r"^rendered (\d+) utterances?: ([\d.]+) s of audio in ([\d.]+) s \(RTF ([\d.]+)\)$"
)


def _summary(out: str) -> re.Match:
    lines = out.strip().splitlines()
    match = SUMMARY.match(lines[-1])
    assert match, lines
    return match


def test_say_writes_16_bit_pcm_and_reports_rtf(tmp_path, capsys):
    out = tmp_path / "out.wav"
    assert run(["say", "Good morning, everyone.", "-o", str(out)]) == 0
    info = sf.info(out)
    assert (info.samplerate, info.channels, info.subtype) == (22050, 1, "PCM_16")
    out_text = capsys.readouterr().out
    match = _summary(out_text)
    assert match.group(1) == "1" and "rendered 1 utterance:" in out_text
    assert float(match.group(2)) == pytest.approx(info.duration, abs=0.01)
    assert float(match.group(4)) > 0
    assert not list(tmp_path.glob(".*.tmp"))


def test_say_float_and_controls(tmp_path):
    fast, slow = tmp_path / "fast.wav", tmp_path / "slow.wav"
    args = ["say", "Speaking at two speeds.", "--float", "--seed", "5", "--noise-scale", "0.3"]
    assert run([*args, "-o", str(fast), "--length-scale", "0.8"]) == 0
    assert run([*args, "-o", str(slow), "--length-scale", "1.4"]) == 0
    assert sf.info(fast).subtype == "FLOAT"
    assert sf.info(slow).duration > sf.info(fast).duration * 1.4


def test_text_file_gives_one_wav_per_non_empty_line(tmp_path, capsys, synthesizer):
    lines = ["First line here.", "Second one.", "And a third!"]
    text_file = tmp_path / "lines.txt"
    text_file.write_text(f"{lines[0]}\n\n   \n{lines[1]}\n{lines[2]}\n", encoding="utf-8")
    out_dir = tmp_path / "takes"
    assert run(["say", "--text-file", str(text_file), "--out-dir", str(out_dir)]) == 0
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == ["0001.wav", "0002.wav", "0003.wav"]
    for name, line in zip(names, lines, strict=True):
        expected = synthesizer.prepare(line).frame_count * synthesizer.hop_length
        assert sf.info(out_dir / name).frames == expected, line
    assert _summary(capsys.readouterr().out).group(1) == "3"


def test_durations_round_trip_through_phonemes_json(tmp_path, capsys):
    text = "Hold that note."
    assert run(["phonemes", text, "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    sentence = plan["sentences"][0]
    assert len(sentence["tokens"]) == len(sentence["durations"])
    sentence["durations"] = [d + 2 for d in sentence["durations"]]
    edited = tmp_path / "d.json"
    edited.write_text(json.dumps(plan), encoding="utf-8")
    out = tmp_path / "held.wav"
    assert run(["say", text, "--durations", str(edited), "-o", str(out)]) == 0
    assert sf.info(out).frames == sum(sentence["durations"]) * 256


def test_phonemes_prints_ipa(capsys, synthesizer):
    assert run(["phonemes", "Hello world. How are you?"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    utterance = synthesizer.prepare("Hello world. How are you?")
    assert lines == ["".join(s.phonemes) for s in utterance.sentences]
    assert len(lines) == 2 and "ˈ" in lines[0]


def test_voices_lists_the_default(capsys):
    assert run(["voices"]) == 0
    assert "en_US-joe-medium" in capsys.readouterr().out


def _assert_user_error(argv, capsys, *fragments) -> str:
    assert run(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, err
    return err


def test_empty_text_is_an_error(tmp_path, capsys):
    out = tmp_path / "x.wav"
    _assert_user_error(["say", "   ", "-o", str(out)], capsys, "empty")
    assert not out.exists()


def test_unsayable_line_names_the_line(tmp_path, capsys):
    lines = tmp_path / "lines.txt"
    lines.write_text("Fine.\n... — ()\n", encoding="utf-8")
    out_dir = tmp_path / "takes"
    _assert_user_error(
        ["say", "--text-file", str(lines), "--out-dir", str(out_dir)], capsys, "line 2"
    )
    assert not list(out_dir.glob("*.wav"))


def test_unknown_voice_is_an_error(tmp_path, capsys):
    out = tmp_path / "x.wav"
    _assert_user_error(["say", "Hi.", "--voice", "nobody-here", "-o", str(out)], capsys, "nobody")
    assert not out.exists()


def test_unwritable_output_is_an_error(tmp_path, capsys):
    missing = tmp_path / "no" / "such" / "dir" / "x.wav"
    _assert_user_error(["say", "Hi.", "-o", str(missing)], capsys, str(missing.parent))
    a_file = tmp_path / "plain"
    a_file.write_text("not a folder")
    _assert_user_error(
        ["say", "--text-file", str(a_file), "--out-dir", str(a_file / "sub")], capsys, "plain"
    )


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu_is_an_error(tmp_path, capsys):
    out = tmp_path / "x.wav"
    _assert_user_error(["say", "Hi.", "--device", "cuda", "-o", str(out)], capsys, "CUDA")
    assert not out.exists()


@pytest.mark.parametrize(
    "content, fragment",
    [
        ('{"sentences": [{"durations": [1, 2]}]}', "durations were given"),
        ('{"sentences": {"a": 1}}', "sentences is an object; it should be a list"),
        ('{"sentences": [1, 2]}', "sentences[0] is 1; it should be an object"),
        ("[[null, 1]]", "[0][0] is null; it should be a whole number from 0 to 4000"),
        ('{"sentences": [{"durations": [1, NaN]}]}', "holds NaN, which JSON does not allow"),
        ("not json", "not valid JSON"),
    ],
)
def test_bad_durations_file_is_an_error(tmp_path, capsys, content, fragment):
    bad = tmp_path / "d.json"
    bad.write_text(content, encoding="utf-8")
    out = tmp_path / "x.wav"
    argv = ["say", "Hello.", "--durations", str(bad), "-o", str(out)]
    _assert_user_error(argv, capsys, "d.json", fragment)
    assert not out.exists()


def test_durations_for_another_text_are_refused(tmp_path, capsys):
    assert run(["phonemes", "Good night.", "--json"]) == 0
    other = tmp_path / "other.json"
    other.write_text(capsys.readouterr().out, encoding="utf-8")
    argv = ["say", "Good day.", "--durations", str(other), "-o", str(tmp_path / "x.wav")]
    _assert_user_error(argv, capsys, "other tokens")


@pytest.mark.parametrize(
    "options, fragment",
    [
        (["--length-scale", "1e39"], "length_scale"),
        (["--noise-scale", "-1"], "noise_scale"),
        (["--noise-w", "nan"], "noise_w"),
        (["--seed", "-1"], "seed"),
        (["--speaker", "3"], "one speaker"),
        (["--device", "potato"], "potato"),
    ],
)
def test_bad_controls_are_errors(tmp_path, capsys, options, fragment):
    out = tmp_path / "x.wav"
    _assert_user_error(["say", "Hello.", "-o", str(out), *options], capsys, fragment)
    assert not out.exists()


def test_read_only_output_is_an_error(tmp_path, capsys):
    out = tmp_path / "kept.wav"
    out.write_bytes(b"somebody's take")
    out.chmod(0o444)
    if os.access(out, os.W_OK):
        pytest.skip("running as a user who may write read-only files")
    _assert_user_error(["say", "Hello.", "-o", str(out)], capsys, "read-only")
    assert out.read_bytes() == b"somebody's take"


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch, capsys):
    from engine import synthesis

    out = tmp_path / "x.wav"
    original = synthesis.Synthesizer.render_sentences

    def fail_after_first(self, utterance):
        iterator = original(self, utterance)
        yield next(iterator)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(synthesis.Synthesizer, "render_sentences", fail_after_first)
    _assert_user_error(["say", "One. Two. Three.", "-o", str(out)], capsys, "No space left")
    assert list(tmp_path.iterdir()) == []


def test_installed_script_runs(tmp_path):
    script = shutil.which("glottis", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the glottis console script is not installed in this environment")
    out = tmp_path / "script.wav"
    done = subprocess.run(
        [script, "say", "It works.", "-o", str(out)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert SUMMARY.match(done.stdout.strip().splitlines()[-1])
    assert sf.info(out).frames > 0


def test_inspect_describes_a_checkpoint_and_its_vocoders(capsys):
    found = fixtures("grad-tts")
    if not found:
        pytest.skip("no Grad-TTS fixture")
    assert run(["inspect", str(found[0].checkpoint), "--config", str(found[0].config)]) == 0
    out = capsys.readouterr().out
    assert "family: Grad-TTS (acoustic model)" in out
    assert "parameters: " in out and "sample rate: 22050 Hz" in out
    assert "compatible vocoders: official HiFi-GAN V1" in out and "Griffin-Lim" in out


def test_inspect_refuses_a_file_that_is_no_checkpoint(tmp_path, capsys):
    junk = tmp_path / "notes.pth"
    junk.write_text("not a model")
    _assert_user_error(["inspect", str(junk)], capsys, "notes.pth")


def _fixture_args(model: str, tag: str = "small") -> list[str]:
    found = [f for f in fixtures(model) if f.tag == tag]
    if not found:
        pytest.skip(f"no {model} {tag} fixture")
    return [str(found[0].checkpoint), str(found[0].config)]


def test_say_with_an_official_mel_model_and_vocoder(tmp_path, capsys):
    model, config = _fixture_args("grad-tts")
    vocoder, vocoder_config = _fixture_args("hifi-gan")
    out = tmp_path / "grad.wav"
    options = ["--model", model, "--config", config, "--vocoder", vocoder]
    options += ["--vocoder-config", vocoder_config, "--steps", "2", "--temperature", "2"]
    assert run(["say", "Good morning.", "-o", str(out), *options]) == 0
    assert sf.info(out).samplerate == 22050 and sf.info(out).frames > 0
    _summary(capsys.readouterr().out)


def test_say_with_an_official_model_and_griffin_lim(tmp_path):
    model, config = _fixture_args("glow-tts")
    out = tmp_path / "glow.wav"
    options = ["--model", model, "--config", config, "--vocoder", "griffin-lim"]
    assert run(["say", "Hi.", "-o", str(out), *options, "--noise-scale", "0.3"]) == 0
    assert sf.info(out).frames > 0


@pytest.mark.parametrize(
    "options, fragment",
    [
        (["--steps", "4"], "--steps: this model does not use it"),
        (["--config", "c.json"], "--config goes with --model"),
        (["--vocoder", "griffin-lim"], "makes audio itself"),
    ],
)
def test_options_the_model_does_not_take_are_errors(tmp_path, capsys, options, fragment):
    out = tmp_path / "x.wav"
    _assert_user_error(["say", "Hello.", "-o", str(out), *options], capsys, fragment)


def test_files_of_the_wrong_role_or_pairing_are_one_line_errors(tmp_path, capsys):
    model, config = _fixture_args("glow-tts")
    vocoder, vocoder_config = _fixture_args("waveglow")
    out = tmp_path / "x.wav"
    as_model = ["say", "Hi.", "-o", str(out), "--model", vocoder]
    _assert_user_error(as_model, capsys, "is a WaveGlow vocoder, not an acoustic model")
    mismatched = ["say", "Hi.", "-o", str(out), "--model", model, "--config", config]
    mismatched += ["--vocoder", vocoder, "--vocoder-config", vocoder_config]
    _assert_user_error(mismatched, capsys, "mel bands: model 80, vocoder 12")
    assert not out.exists()


def test_dataset_commands_are_wired(tmp_path, capsys):
    _assert_user_error(["dataset", "check", str(tmp_path)], capsys, "no metadata.csv")


def test_train_command_is_wired(tmp_path, capsys):
    argv = [
        "train",
        "--recipe",
        "vits-finetune",
        "--data",
        str(tmp_path),
        "--out",
        str(tmp_path / "o"),
    ]
    assert run(argv) == 2
    assert "metadata.csv" in capsys.readouterr().err


def test_a_device_or_pipe_is_never_replaced_by_the_wav(tmp_path, capsys):
    """The WAV is renamed into place: over a FIFO (or, as root, /dev/null, which a test must
    not risk) that would replace it with a regular file."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert run(["say", "Hello.", "-o", str(fifo)]) == 2
    assert "it is a device or a pipe, not a file" in capsys.readouterr().err
    assert fifo.is_fifo() and [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_a_stray_byte_in_the_text_is_one_sentence(tmp_path, capsys):
    """A byte that is no UTF-8 reaches Python as a lone surrogate (os.fsdecode)."""
    text = os.fsdecode(b"caf\xe9 au lait")
    for command in (["say", text, "-o", str(tmp_path / "a.wav")], ["phonemes", text]):
        assert run(command) == 2
        err = capsys.readouterr().err
        assert "the text is not UTF-8 text (a stray byte at character 4)" in err
        assert "Traceback" not in err
    assert not list(tmp_path.iterdir())


def test_a_deeply_nested_durations_file_is_one_sentence(tmp_path, capsys):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    out = tmp_path / "out.wav"
    assert run(["say", "Hello.", "-o", str(out), "--durations", str(deep)]) == 2
    assert "nests its lists or objects too deeply" in capsys.readouterr().err
    assert not out.exists()
