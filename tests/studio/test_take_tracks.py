"""Praat's looks in the take view, through the real window: the spectrogram's Hz axis, the
pitch and intensity tracks (made by the engine, kept across edits, undo, saving and
reopening), the View menu's toggles and the readout under the mouse."""

from __future__ import annotations

import numpy as np
import parselmouth
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QSettings
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from studio import durations as dur
from studio.views.readout import SEPARATOR
from tests.studio.conftest import render, rendered, wait_until

TEXT = "Where does the river bend? The bridge is old."


def slaney_hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale as his Auditory Toolbox defines it (not the engine's code): 200/3 Hz
    a mel below 1 kHz, then 27 mels per factor of 6.4."""
    hz = np.asarray(hz, dtype=np.float64)
    above = 15 + 27 * np.log(np.maximum(hz, 1e-9) / 1000) / np.log(6.4)
    return np.where(hz < 1000, hz * 3 / 200, above)


def expected_row(hz: float, n_mels: int, fmin: float, fmax: float) -> float:
    """The image row where ``hz`` lies: filters peak at n_mels evenly spaced mel points
    inside [fmin, fmax], row i is drawn from i to i + 1."""
    edges = np.linspace(slaney_hz_to_mel(fmin), slaney_hz_to_mel(fmax), n_mels + 2)
    peaks = edges[1:-1]
    return float(np.interp(slaney_hz_to_mel(hz), peaks, np.arange(n_mels))) + 0.5


def hz_of_label(label: str) -> float:
    return float(label[:-1]) * 1000 if label.endswith("k") else float(label)


def view_point(window, plot, seconds: float, y: float) -> QPoint:
    scene = plot.vb.mapViewToScene(QPointF(seconds, y))
    return window.take_view.mapFromScene(scene)


def hover(window, point: QPoint) -> str:
    QTest.mouseMove(window.take_view.viewport(), point)
    return window.readout.text()


def test_the_hz_ticks_lie_where_the_engine_s_mel_filters_put_them(window):
    scale = window.engine_info.mel_scale
    assert (scale.n_mels, scale.fmin, scale.fmax) == (80, 0.0, window.engine_info.sample_rate / 2)
    axis = window.take_view.spectrogram.hz_axis
    labels = [label for _, label in axis.ticks]
    assert labels == ["8k", "4k", "2k", "1k", "500", "200", "100"], labels
    for row, label in axis.ticks:
        hz = hz_of_label(label)
        expected = expected_row(hz, scale.n_mels, scale.fmin, scale.fmax)
        assert row == pytest.approx(expected, abs=1e-6), label
    assert "Hz" in axis.labelString()
    # What is drawn: every tick on a tall plot; on a short one, the labels never overlap.
    assert axis.shown(0, scale.n_mels, 2000) == axis.ticks
    for pixels in (150, 300, axis.height()):
        shown = axis.shown(0, scale.n_mels, pixels)
        gaps = -np.diff([row for row, _ in shown]) * pixels / scale.n_mels
        assert shown and (gaps >= 16).all(), (pixels, shown)


def test_the_pitch_track_is_praat_s_pitch_of_the_take(window):
    render(window, TEXT)
    window.takes_list.setCurrentRow(0)
    take = window.current_take.rendered
    tracks = take.tracks
    assert tracks is not None
    f0 = np.asarray(tracks.f0)
    voiced = f0[np.isfinite(f0)]
    assert voiced.size > 0.3 * f0.size and 70 < np.median(voiced) < 200, np.median(voiced)
    pitch = parselmouth.Sound(take.audio.astype(np.float64), take.sample_rate).to_pitch_ac(
        time_step=0.01, pitch_floor=tracks.floor, pitch_ceiling=tracks.ceiling
    )
    praat = pitch.selected_array["frequency"]
    assert np.array_equal(np.isfinite(f0), praat > 0)
    assert np.allclose(voiced, praat[praat > 0], rtol=1e-5)
    # Drawn over the spectrogram on its right-hand axis: the curve's rows are the F0 in Hz.
    spectrogram = window.take_view.spectrogram
    assert spectrogram.tracks is tracks
    x, rows = spectrogram.pitch_curve.getData()
    assert np.allclose(x, tracks.times)
    assert np.allclose(spectrogram.pitch_axis.to_value(rows[np.isfinite(rows)]), voiced, rtol=1e-4)
    assert np.isnan(rows[~np.isfinite(f0)]).all()  # gaps where unvoiced
    assert spectrogram.pitch_axis.low == pytest.approx(tracks.floor)
    assert spectrogram.pitch_axis.high == pytest.approx(tracks.ceiling)
    intensity_x, _ = window.take_view.waveform.intensity_curve.getData()
    assert np.allclose(intensity_x, tracks.times)
    # One time lies at one x in every view (each keeps a right axis as wide as the tracks').
    rights = {round(plot.vb.sceneBoundingRect().right()) for plot in window.take_view.plots[:2]}
    rights.add(round(window.take_view.alignment.vb.sceneBoundingRect().right()))
    assert len(rights) == 1, rights


def test_the_tracks_follow_edits_undo_saving_and_reopening(window, tmp_path):
    render(window, TEXT)
    window.takes_list.setCurrentRow(0)
    spectrogram = window.take_view.spectrogram
    first = window.current_take.rendered.tracks
    assert first is not None and spectrogram.tracks is first
    parts = dur.segments(window.current_take.tokens)
    boundary = next(
        b
        for b in range(1, len(parts))
        if dur.boundary_limits(window.current_take.durations, parts, b)[1]
        > dur.starts(window.current_take.durations, parts)[b] + 3
    )
    before = window.current_take.durations
    window.move_boundary(boundary, 4)
    assert window.current_take.durations != before
    rendered(window)
    edited = window.current_take.rendered.tracks
    assert edited is not None and edited is not first and spectrogram.tracks is edited
    assert not np.array_equal(np.nan_to_num(edited.f0), np.nan_to_num(first.f0))

    window.undo_stack.undo()
    assert window.current_take.durations == before
    assert spectrogram.tracks is first  # the render kept for those durations, tracks and all

    window.undo_stack.redo()
    assert window.save_to(tmp_path / "project")
    assert window.open_project(tmp_path / "project", ask=False)
    window.takes_list.setCurrentRow(0)
    reopened = window.current_take.rendered.tracks
    assert reopened is not None and spectrogram.tracks is reopened
    for name in ("times", "f0", "intensity"):
        assert np.array_equal(getattr(reopened, name), getattr(edited, name), equal_nan=True)
    assert (reopened.floor, reopened.ceiling) == (edited.floor, edited.ceiling)
    x, _ = spectrogram.pitch_curve.getData()
    assert np.allclose(x, edited.times)


def test_the_view_menu_hides_and_shows_the_tracks_and_remembers(window):
    render(window, TEXT)
    pitch, intensity = window.track_actions["pitch"], window.track_actions["intensity"]
    view = window.take_view
    assert pitch.isChecked() and view.spectrogram.pitch_curve.isVisible()
    pitch.trigger()
    assert not view.spectrogram.pitch_curve.isVisible()
    assert not view.spectrogram.pitch_dots.isVisible()
    assert QSettings().value("view/pitch", type=bool) is False
    intensity.trigger()
    assert not view.waveform.intensity_curve.isVisible()
    assert QSettings().value("view/intensity", type=bool) is False
    pitch.trigger()
    intensity.trigger()
    assert view.spectrogram.pitch_curve.isVisible() and view.waveform.intensity_curve.isVisible()
    assert QSettings().value("view/pitch", type=bool) is True


def test_the_readout_says_what_is_under_the_mouse(window):
    render(window, TEXT)
    window.takes_list.setCurrentRow(0)
    take = window.current_take
    view = window.take_view
    wait_until(lambda: view.alignment.vb.width() > 0, 5, "the views to be laid out")
    parts = view.alignment.parts
    starts = dur.starts(take.durations, parts)
    # The longest phoneme, so the pointer lands well inside it whatever the seed made.
    index = max(
        (i for i, p in enumerate(parts) if p.label.strip()),
        key=lambda i: starts[i + 1] - starts[i],
    )
    seconds = (starts[index] + starts[index + 1]) / 2 * window.frame_seconds
    said = hover(window, view_point(window, view.alignment, seconds, 0.5))
    assert f"phoneme {parts[index].label}" in said, said
    first, last = dur.word_at(parts, index)
    spoken = "".join(p.label for p in parts[first : last + 1])
    assert f"/{spoken}/" in said, said
    assert float(said.split(" s")[0]) == pytest.approx(seconds, abs=window.frame_seconds)
    assert "Hz" not in said.split("phoneme")[0]  # no frequency off the spectrogram

    # On the spectrogram: the frequency of the row under the mouse, by Slaney's formula.
    scale = window.engine_info.mel_scale
    row = expected_row(1000.0, scale.n_mels, scale.fmin, scale.fmax)
    said = hover(window, view_point(window, view.spectrogram, seconds, row))
    hz = float(said.split(SEPARATOR)[1].removesuffix(" Hz"))
    assert expected_row(hz, scale.n_mels, scale.fmin, scale.fmax) == pytest.approx(row, abs=0.5)
    # The tracks' values at the frame nearest the time said.
    tracks = take.rendered.tracks
    time_said = float(said.split(" s")[0])
    nearest = int(np.argmin(np.abs(np.asarray(tracks.times) - time_said)))
    if np.isfinite(tracks.f0[nearest]):
        assert f"F0 {tracks.f0[nearest]:.1f} Hz" in said, said
    else:
        assert "F0" not in said, said
    assert f"intensity {tracks.intensity[nearest]:.1f} dB" in said, said

    QApplication.sendEvent(view, QEvent(QEvent.Type.Leave))
    assert window.readout.text() == ""


def test_a_project_opened_before_the_window_shows_is_shown_whole(window, tmp_path):
    """``python -m studio FOLDER`` opens the project, then shows the window: the views were
    not laid out yet, and the x-linked views, mapping their ranges through their places on
    screen, showed 0.91 of the take once the right-hand axes were there."""
    from studio.main_window import MainWindow
    from tests.studio.conftest import close_window

    render(window, TEXT)
    assert window.save_to(tmp_path / "project")
    fresh = MainWindow(offer_recovery=False)
    try:
        fresh.open_project(tmp_path / "project", ask=False)
        fresh.show()
        wait_until(lambda: fresh.take_view.alignment.vb.width() > 100, 5, "the layout")
        whole = fresh.take_view.take_seconds
        for plot in (fresh.take_view.waveform, fresh.take_view.alignment):
            assert plot.viewRange()[0] == pytest.approx([0, whole], abs=1e-6)
    finally:
        close_window(fresh)
