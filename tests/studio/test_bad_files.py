"""Bad files opened in the window are refused with the sentence the command line gives for
them, and the loaded model and the document stay as they were (issue 13: the window too).

One class of file each: checkpoints, configs beside a checkpoint, vocoders, project folders
and datasets (imported and checked). The sentence expected is asked of the command line (or,
for projects, which only the window opens, of the function that reads them) when the test
runs, so it follows their wording."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import shiboken6
import soundfile as sf
import torch

from engine.api.dataset import Prompt
from engine.checkpoints.loader import CONFIGS
from engine.cli import run
from engine.dataset.layout import EXCLUDED, METADATA, WAVS, DatasetWriter
from engine.models.glow_tts import build_glow_tts
from engine.models.hifigan import build_hifigan
from engine.models.vits import build_vits
from studio import project as projects
from studio.panels import synthesis
from studio.panels.dataset import DatasetPanel
from studio.panels.recorder import RecorderPanel
from tests.studio.conftest import render, wait_until
from tests.training.tiny_configs import tiny_glow_tts, tiny_hifigan

LOAD_TIMEOUT = 120
RATE = 22050
LEFTOVERS = (".tmp", ".partial", ".old")


def _cli_error(capsys, argv: list[str]) -> str:
    """The one sentence ``glottis ARGV`` refuses with (exit status 2)."""
    assert run(argv) == 2, capsys.readouterr()
    return capsys.readouterr().err.strip().split("error: ", 1)[1]


def _refused(window, start, said: str) -> None:
    """``start()`` makes the window load a file; it must say ``said`` and keep the model and
    the takes it had."""
    takes, before = list(window.project.takes), window.engine_info
    window.message_bar.hide()
    start()
    wait_until(lambda: "Could not load" in window.message_bar.text(), LOAD_TIMEOUT, "the refusal")
    message = window.message_bar.text()
    assert said.rstrip(".") in message, (said, message)
    assert "is still loaded" in message and "Traceback" not in message
    assert window.engine_info == before
    assert window.project.takes == takes
    window.message_bar.hide()


def _import(monkeypatch, combo, entry: str, checkpoint: Path, config: Path | None = None):
    """A function choosing the selector's import entry, the dialog answered with the files."""
    chosen = (str(checkpoint), str(config) if config else None)

    def choose() -> None:
        monkeypatch.setattr(synthesis, "ask_checkpoint", lambda *_: chosen)
        index = combo.findText(entry)
        combo.setCurrentIndex(index)
        combo.activated.emit(index)

    return choose


# ---- checkpoints ------------------------------------------------------------------------------


def _text_named_pth(folder):
    path = folder / "G_100.pth"
    path.write_text("this is not a checkpoint\n")
    return path


def _zip_without_data(folder):
    path = folder / "broken.pth"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("broken/data.pkl", b"\x80\x02}q\x00.")  # a pickle of {} and no tensors
    return path


def _cut_short(folder):
    path = folder / "cut.pth"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    return path


@pytest.mark.parametrize("make", [_text_named_pth, _zip_without_data, _cut_short])
def test_a_bad_checkpoint_gets_the_command_line_s_sentence(window, tmp_path, capsys, make):
    path = make(tmp_path)
    said = _cli_error(capsys, ["inspect", str(path)])
    assert said.endswith("it is damaged or not a PyTorch checkpoint"), said  # no library words
    render(window, "The document stays.")
    _refused(window, lambda: window.load_model(str(path)), said)


# ---- configs beside a checkpoint --------------------------------------------------------------


def _glow_tts(folder: Path, config: str | None = None) -> Path:
    """A small official-format Glow-TTS checkpoint, with ``config`` as its config.json (its
    own config where None)."""
    torch.manual_seed(0)
    model_config = tiny_glow_tts()
    folder.mkdir(parents=True, exist_ok=True)
    checkpoint = folder / "G_1.pth"
    torch.save({"model": build_glow_tts(model_config).state_dict(), "iteration": 1}, checkpoint)
    (folder / "config.json").write_text(config or json.dumps(model_config), encoding="utf-8")
    return checkpoint


def _official(name: str) -> str:
    return (CONFIGS / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "config",
    [
        pytest.param('{"model": {', id="not JSON"),
        pytest.param("[1, 2, 3]", id="not an object"),
        pytest.param(_official("glow-tts/base_blank.json"), id="another model's"),
        pytest.param(_official("hifi-gan/config_v1.json"), id="another family's"),
    ],
)
def test_a_bad_config_beside_a_checkpoint_gets_the_command_line_s_sentence(
    window, tmp_path, capsys, monkeypatch, config
):
    checkpoint = _glow_tts(tmp_path / "model", config)
    said = _cli_error(capsys, ["inspect", str(checkpoint)])
    import_model = _import(monkeypatch, window.panel.model, synthesis.IMPORT_MODEL, checkpoint)
    _refused(window, import_model, said)


# ---- vocoders --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def glow_tts(tmp_path_factory) -> Path:
    return _glow_tts(tmp_path_factory.mktemp("glow-tts"))


@pytest.fixture
def mel_model(window, glow_tts) -> Path:
    """The window with the small Glow-TTS loaded and a take rendered with it."""
    if window.engine_info.voice != str(glow_tts):
        window.load_model(str(glow_tts))
        wait_until(
            lambda: window.engine_info.voice == str(glow_tts) and not window.engine.busy,
            LOAD_TIMEOUT,
            "the Glow-TTS to load",
        )
        render(window, "A take of the mel model.")
    return glow_tts


def _text_named_generator(folder: Path) -> Path:
    path = folder / "g_02500000"
    path.write_text("this is not a vocoder\n")
    return path


def _vits_as_vocoder(folder: Path) -> Path:
    config = json.loads(_official("vits/ljs_base.json"))
    config["model"].update(
        inter_channels=16, hidden_channels=16, filter_channels=32, upsample_initial_channel=32
    )
    torch.manual_seed(0)
    path = folder / "G_1.pth"
    torch.save({"model": build_vits(config).state_dict(), "iteration": 1}, path)
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return path


def _hifigan_of_other_mels(folder: Path) -> Path:
    config = {**tiny_hifigan(), "num_mels": 40}
    path = folder / "g_00000040"
    torch.save({"generator": build_hifigan(config).state_dict()}, path)
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return path


@pytest.mark.parametrize("make", [_text_named_generator, _vits_as_vocoder, _hifigan_of_other_mels])
def test_a_bad_vocoder_gets_the_command_line_s_sentence(
    window, mel_model, tmp_path, capsys, monkeypatch, make
):
    vocoder = make(tmp_path)
    out = tmp_path / "out.wav"
    argv = ["say", "Hi.", "--model", str(mel_model), "--vocoder", str(vocoder), "-o", str(out)]
    said = _cli_error(capsys, argv)
    import_vocoder = _import(monkeypatch, window.panel.vocoder, synthesis.IMPORT_VOCODER, vocoder)
    _refused(window, import_vocoder, said)


# ---- projects --------------------------------------------------------------------------------


def _saved_project(window, folder: Path) -> Path:
    """The window's document saved into ``folder`` without the window knowing (a copy)."""
    projects.save(projects.snapshot(window.project), folder)
    return folder


def _no_project_json(window, folder):
    folder.mkdir()
    (folder / "notes.txt").write_text("a folder, not a project")
    return folder


def _project_json_not_json(window, folder):
    _saved_project(window, folder)
    (folder / projects.PROJECT_FILE).write_text('{"format": "glottis-project", "text": ')
    return folder


def _project_json_a_list(window, folder):
    _saved_project(window, folder)
    (folder / projects.PROJECT_FILE).write_text("[]")
    return folder


def _takes_of_the_wrong_type(window, folder):
    _saved_project(window, folder)
    data = json.loads((folder / projects.PROJECT_FILE).read_text())
    data["takes"] = [{"utterance": 5}]
    (folder / projects.PROJECT_FILE).write_text(json.dumps(data))
    return folder


def _voice_of_the_wrong_type(window, folder):
    _saved_project(window, folder)
    data = json.loads((folder / projects.PROJECT_FILE).read_text())
    data["voice"] = 5
    (folder / projects.PROJECT_FILE).write_text(json.dumps(data))
    return folder


def _take_wav_damaged(window, folder):
    _saved_project(window, folder)
    wav = folder / projects.TAKES_DIR / "001.wav"
    assert wav.is_file()
    wav.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(40))
    return folder


@pytest.mark.parametrize(
    "make",
    [
        _no_project_json,
        _project_json_not_json,
        _project_json_a_list,
        _takes_of_the_wrong_type,
        _voice_of_the_wrong_type,
        _take_wav_damaged,
    ],
)
def test_a_bad_project_is_said_in_one_sentence_and_the_document_stays(
    window, tmp_path, monkeypatch, make
):
    if not window.project.takes:
        render(window, "The document stays.")
    window.text_edit.setPlainText("Edited, not saved.")
    folder = make(window, tmp_path / "bad project")
    with pytest.raises(projects.ProjectError) as refusal:  # what reading the folder says
        projects.load(folder)
    said = str(refusal.value)
    document = window.project
    state = (list(document.takes), window.text_edit.toPlainText(), window.path)
    title, modified = window.windowTitle(), window.modified
    asked = []  # whether to save the open document: not for a folder that cannot be opened
    monkeypatch.setattr(window, "_may_discard", lambda: asked.append("save?") or True)
    window.message_bar.hide()
    assert not window.open_project(folder)
    assert asked == []
    message = window.message_bar.text()
    assert said in message and "Traceback" not in message, (said, message)
    assert window.project is document
    assert (list(document.takes), window.text_edit.toPlainText(), window.path) == state
    assert (window.windowTitle(), window.modified) == (title, modified)
    window.message_bar.hide()


# ---- datasets --------------------------------------------------------------------------------

GOOD_TEXT = "A flock of geese flew low."


def _tone(seconds: float = 1.0, rate: int = 44100) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    silence = np.zeros(rate // 4, np.float32)
    return np.concatenate([silence, 0.4 * np.sin(2 * np.pi * 220 * t), silence]).astype(np.float32)


def _damaged_wav(path: Path) -> None:
    path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(8))


def _ljspeech(folder: Path, metadata: str, wavs: dict[str, bool]) -> Path:
    """An LJSpeech-layout folder: ``metadata`` as metadata.csv, and per name in ``wavs`` a
    readable WAV (True) or a damaged one (False)."""
    (folder / WAVS).mkdir(parents=True)
    (folder / METADATA).write_text(metadata, encoding="utf-8")
    for name, readable in wavs.items():
        if readable:
            sf.write(folder / WAVS / f"{name}.wav", _tone(), 44100)
        else:
            _damaged_wav(folder / WAVS / f"{name}.wav")
    return folder


def _wrong_columns(folder: Path) -> Path:
    return _ljspeech(folder, f"a|{GOOD_TEXT}|x|y\nb\n", {"a": True, "b": True})


def _missing_and_damaged_wavs(folder: Path) -> Path:
    metadata = f"good|{GOOD_TEXT}\ngone|It was never recorded.\nbroken|Its file is damaged.\n"
    return _ljspeech(folder, metadata, {"good": True, "broken": False})


def _utf16_transcripts(folder: Path) -> Path:
    folder.mkdir()
    sf.write(folder / "a.wav", _tone(), 44100)
    (folder / "a.txt").write_bytes(GOOD_TEXT.encode("utf-16"))  # as Windows' Notepad writes it
    sf.write(folder / "b.wav", _tone(), 44100)
    (folder / "b.txt").write_bytes(b"\x81\x8d\x90 neither UTF-8 nor Windows-1252")
    return folder


def _said_by_dataset_cli(capsys, argv: list[str]) -> tuple[int, list[str]]:
    """The exit status of ``glottis dataset ARGV`` and what it says is wrong: its error and
    each file it rejected, with the reason."""
    status = run(["dataset", *argv])
    out, err = capsys.readouterr()
    said = [line.split("error: ", 1)[1] for line in err.splitlines() if "error: " in line]
    rejected = [line.strip() for line in out.splitlines() if line.strip().startswith("rejected ")]
    return status, said + [line.removeprefix("rejected ") for line in rejected]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def recorder(studio_app, window):
    panel = RecorderPanel(sample_rate=RATE, prompts=[Prompt("t_0001", GOOD_TEXT)])
    panel.show()
    yield panel
    panel.shutdown()
    panel.close()
    shiboken6.delete(panel)


def _window_import(panel, source: Path, out: Path) -> list[str]:
    panel.import_folder(source, out)
    wait_until(lambda: not panel.importing, 60, "the import")
    rows = [panel.rejected_list.item(i).text() for i in range(panel.rejected_list.count())]
    return [panel.import_summary.text(), *rows]


@pytest.mark.parametrize("make", [_wrong_columns, _missing_and_damaged_wavs, _utf16_transcripts])
def test_an_import_says_what_the_command_line_says_and_leaves_nothing_half_written(
    recorder, tmp_path, capsys, make
):
    source = make(tmp_path / "recordings")
    cli_out, window_out = tmp_path / "by the command line", tmp_path / "by the window"
    argv = ["import", str(source), "--out", str(cli_out), "--sample-rate", str(RATE)]
    status, said = _said_by_dataset_cli(capsys, argv)
    assert said, "the command line said nothing about these files"
    shown = _window_import(recorder, source, window_out)
    for sentence in said:
        assert any(sentence.rstrip(".") in line for line in shown), (sentence, shown)
    assert not any("Traceback" in line for line in shown)
    assert window_out.exists() == cli_out.exists() == (status == 0)
    if status == 0:  # the same dataset, its transcripts read as written
        assert _files(window_out) == _files(cli_out)
        assert f"|{GOOD_TEXT}\n" in (window_out / METADATA).read_text(encoding="utf-8")
    assert not [p for p in tmp_path.rglob("*") if any(m in p.name for m in LEFTOVERS)]


def test_an_import_into_a_dataset_is_refused_and_the_dataset_stays(recorder, tmp_path, capsys):
    source = _missing_and_damaged_wavs(tmp_path / "recordings")
    dataset = tmp_path / "dataset"
    DatasetWriter(dataset, RATE).add("kept", GOOD_TEXT, _tone(rate=RATE), RATE)
    before = _files(dataset)
    argv = ["import", str(source), "--out", str(dataset), "--sample-rate", str(RATE)]
    status, said = _said_by_dataset_cli(capsys, argv)
    assert status == 2 and len(said) == 1, said
    shown = _window_import(recorder, source, dataset)
    assert said[0] in shown[0] and "Traceback" not in shown[0], (said, shown)
    assert _files(dataset) == before
    assert not [p for p in tmp_path.rglob("*") if any(m in p.name for m in LEFTOVERS)]


@pytest.fixture
def checked(studio_app, window, tmp_path):
    """The dataset panel after checking a good dataset with one clip excluded."""
    dataset = tmp_path / "good dataset"
    writer = DatasetWriter(dataset, RATE)
    writer.add("one", GOOD_TEXT, _tone(rate=RATE), RATE)
    writer.add("two", "Another sentence.", _tone(rate=RATE), RATE)
    (dataset / EXCLUDED).write_text("two\n")
    panel = DatasetPanel(dataset)
    panel.show()
    panel.run_check(asr=False)
    wait_until(lambda: not panel.checking, 60, "the first check")
    assert panel.result is not None, panel.message_bar.text()
    yield panel, dataset
    panel.shutdown()
    panel.close()
    shiboken6.delete(panel)


def _not_a_dataset(folder: Path) -> Path:
    folder.mkdir()
    sf.write(folder / "a.wav", _tone(), 44100)
    return folder


@pytest.mark.parametrize("make", [_not_a_dataset, _wrong_columns, _missing_and_damaged_wavs])
def test_a_check_says_what_the_command_line_says_and_the_dataset_stays(
    checked, tmp_path, capsys, make
):
    panel, good = checked
    kept, files = panel.result, _files(good)
    folder = make(tmp_path / "checked")
    status, said = _said_by_dataset_cli(capsys, ["check", str(folder), "--no-asr"])
    assert said, "the command line said nothing about this dataset"
    panel.set_folder(folder)
    panel.run_check(asr=False)
    wait_until(lambda: not panel.checking, 60, "the check")
    rows = [panel.rejected_list.item(i).text() for i in range(panel.rejected_list.count())]
    shown = [panel.message_bar.text(), *rows]
    for sentence in said:
        assert any(sentence.rstrip(".") in line for line in shown), (sentence, shown)
    assert not any("Traceback" in line for line in shown)
    if status == 2:  # refused: the dataset checked before is still what the panel shows
        assert panel.result is kept
    assert _files(good) == files
