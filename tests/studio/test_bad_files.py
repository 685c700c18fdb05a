"""Bad files opened in the window are refused with the sentence the command line gives for
them, and the loaded model and the document stay as they were (issue 13: the window too)."""

from __future__ import annotations

import zipfile

import pytest

from engine.cli import run
from tests.studio.conftest import render, wait_until

LOAD_TIMEOUT = 120


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


@pytest.mark.parametrize(
    "make", [_text_named_pth, _zip_without_data, _cut_short]
)
def test_a_bad_checkpoint_gets_the_command_line_s_sentence(window, tmp_path, capsys, make):
    path = make(tmp_path)
    assert run(["inspect", str(path)]) == 2
    said = capsys.readouterr().err.strip().split("error: ", 1)[1]
    render(window, "The document stays.")
    takes, before = list(window.project.takes), window.engine_info
    window.load_model(str(path))
    wait_until(lambda: "Could not load" in window.message_bar.text(), LOAD_TIMEOUT, "the refusal")
    message = window.message_bar.text()
    assert said.endswith("it is damaged or not a PyTorch checkpoint"), said  # no library words
    assert said.rstrip(".") in message, (said, message)
    assert "is still loaded" in message and "Traceback" not in message
    assert window.engine_info == before
    assert window.project.takes == takes
    window.message_bar.hide()
