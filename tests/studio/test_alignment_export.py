"""File > Export alignment... in the real window: a rendered take's timings, and every take's
joined as Export all takes joins their audio, read back by praatio and Praat (parselmouth)."""

from __future__ import annotations

import json

import parselmouth
import pytest
import soundfile as sf
from praatio import textgrid
from PySide6.QtWidgets import QFileDialog

from tests.studio.conftest import render
from tests.timings import expected_seconds


def answer_dialog(monkeypatch, path, chosen: str) -> dict:
    """Answer the save dialog with ``path`` and the filter ``chosen``; returns what it was
    offered."""
    offered = {}

    def ask(_parent, caption, start, filters, selected=""):
        offered.update(caption=caption, start=start, filters=filters, selected=selected)
        return str(path), next(f for f in filters.split(";;") if f.startswith(chosen))

    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    return offered


def test_export_alignment_of_the_take_and_of_all_takes(window, tmp_path, monkeypatch):
    render(window, "Hello there, friend. A second take follows.")
    takes = window.project.takes
    assert len(takes) == 2
    window.takes_list.setCurrentRow(0)
    take = window.current_take
    frame = window.engine_info.frame_seconds

    # The take, as a TextGrid: no extension typed, the dialog's filter gives it.
    offered = answer_dialog(monkeypatch, tmp_path / "first", "Praat TextGrid")
    assert window.export_alignment_action.isEnabled()
    window.export_alignment_action.trigger()
    path = tmp_path / "first.TextGrid"
    assert path.exists()
    assert offered["start"].endswith("take-001.TextGrid")
    assert offered["selected"].startswith("Praat TextGrid")
    wav = window.export_take(str(tmp_path / "first.wav"))
    seconds = sf.info(wav).frames / sf.info(wav).samplerate

    expected = expected_seconds([(take.tokens, take.durations)], frame)
    grid = textgrid.openTextgrid(str(path), includeEmptyIntervals=True)
    phones = [p for p in grid.getTier("phones").entries if p.label]
    assert [p.label for p in phones] == [label for word in expected for *_, label in word]
    for phone, (start, end, _) in zip(phones, [p for w in expected for p in w], strict=True):
        assert (phone.start, phone.end) == pytest.approx((start, end), abs=1e-9)
    assert [w.label for w in grid.getTier("words").entries if w.label] == [
        "Hello",
        "there",
        "friend",
    ]
    praat = parselmouth.read(str(path))
    assert parselmouth.praat.call(praat, "Get number of tiers") == 2
    assert abs(praat.xmax - seconds) <= 1 / sf.info(wav).samplerate

    # Every take joined, as JSON: take 2's words start after all of take 1's audio.
    answer_dialog(monkeypatch, tmp_path / "all.json", "Praat TextGrid")  # the name wins
    window.export_all_alignment_action.trigger()
    data = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
    joined = window.export_all(str(tmp_path / "all.wav"))
    assert data["duration"] == pytest.approx(sf.info(joined).duration, abs=1e-9)
    offset = len(takes[0].rendered.audio) / takes[0].rendered.sample_rate
    second = expected_seconds([(takes[1].tokens, takes[1].durations)], frame)
    first_words = len(expected)
    assert data["words"][first_words]["text"] == "A"
    assert data["words"][first_words]["start"] == pytest.approx(offset + second[0][0][0])
    assert data["words"][-1]["end"] == pytest.approx(offset + second[-1][-1][1])

    # The format used last is offered next time.
    offered = answer_dialog(monkeypatch, "", "JSON")
    window.export_alignment_action.trigger()
    assert offered["start"].endswith("take-001.json") and offered["selected"].startswith("JSON")
