"""Playback through a real PortAudio device: a PulseAudio null sink, recorded back from its
monitor while the window plays a take (skipped, saying why, without PulseAudio)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio_devices import pulse_null_sink  # noqa: F401 (a fixture)
from tests.studio.conftest import close_window, open_window, render, wait_until


@pytest.fixture(scope="module")
def playing_window(studio_app, glottis_data_dir, pulse_null_sink):  # noqa: F811
    window = open_window()
    yield window, pulse_null_sink
    close_window(window)


def test_a_take_plays_with_the_playhead_and_is_heard(playing_window):
    import sounddevice as sd

    window, sink = playing_window
    assert window.player.available, window.player.unavailable_reason
    render(window, "Listen to me through the speakers.")
    take = window.current_take.rendered
    rate = take.sample_rate
    blocks: list[np.ndarray] = []
    stream = sd.InputStream(
        device=sink.input_device,
        channels=1,
        samplerate=rate,
        dtype="float32",
        callback=lambda data, *_: blocks.append(data[:, 0].copy()),
    )
    positions: list[float] = []
    window.player.position_changed.connect(positions.append)
    with stream:
        wait_until(lambda: len(blocks) > 5, 10, "the recording to start")
        window.toggle_play()
        assert window.player.playing
        wait_until(lambda: not window.player.playing, take.seconds + 10, "the take to end")
        started = len(blocks)
        wait_until(lambda: len(blocks) > started + 10, 10, "the tail of the recording")
    recorded = np.concatenate(blocks)
    assert max(positions) > 0.8 * take.seconds, "the playhead did not follow the playback"
    assert window.take_view.playhead > 0.8 * take.seconds
    loud = np.flatnonzero(np.abs(recorded) > 0.05 * np.max(np.abs(take.audio)))
    assert loud.size, "nothing was heard on the sink's monitor"
    heard = (loud[-1] - loud[0]) / rate
    voiced = np.flatnonzero(np.abs(take.audio) > 0.05 * np.max(np.abs(take.audio)))
    expected = (voiced[-1] - voiced[0]) / rate
    assert abs(heard - expected) < 0.25, f"heard {heard:.2f} s of a {expected:.2f} s take"
    segment = recorded[loud[0] - (voiced[0]) : loud[0] - voiced[0] + len(take.audio)]
    if len(segment) == len(take.audio):
        correlation = np.corrcoef(segment, take.audio)[0, 1]
        assert correlation > 0.5, f"what was heard is not the take (r={correlation:.2f})"


def test_without_an_output_device_playback_is_off_and_export_still_works(playing_window, tmp_path):
    window, _ = playing_window
    render(window, "No speakers here.")
    reason = window.player.unavailable_reason
    window.player.unavailable_reason = "no audio output device was found"
    try:
        window.toggle_play()
        assert not window.player.playing
        assert "Playback is off" in window.message_bar.text()
        assert window.export_take(str(tmp_path / "still.wav")).exists()
    finally:
        window.player.unavailable_reason = reason


def test_two_seeds_compared_a_b_switch_at_the_same_place(playing_window):
    """Two renders of one sentence (two seeds) are versions A and B, both drawn; Ctrl+B plays
    A, then goes on with B from where A was, then back to A."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window, _ = playing_window
    text = "Compare the first take of this sentence with the second one, side by side."
    window.panel.seed_lock.setChecked(False)
    render(window, text)
    render(window, text)
    versions = window.versions[text]
    a, b = window.compare.version("A"), window.compare.version("B")
    assert a is versions[-2] and b is versions[-1]
    assert a.label != b.label and not np.array_equal(
        a.rendered.audio[:1000], b.rendered.audio[:1000]
    )
    for plot, version in ((window.compare.plot_a, a), (window.compare.plot_b, b)):
        _, shown = plot.curve.getOriginalDataset()
        assert len(shown) == len(version.rendered.audio)

    window.activateWindow()
    window.take_view.setFocus()
    QTest.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert window.compare_dock.isVisible()
    assert window.player.playing and window.player.audio is not None
    assert np.array_equal(window.player.audio, a.rendered.audio)
    assert "playing A" in window.compare.sounding.text()
    wait_until(lambda: window.player.position > 0.4, 10, "A to play a while")
    reached = window.player.position
    window.switch_ab()
    assert window.player.playing and np.array_equal(window.player.audio, b.rendered.audio)
    assert window.player.position >= reached, "B started again from its beginning"
    assert "playing B" in window.compare.sounding.text()
    window.switch_ab()
    assert np.array_equal(window.player.audio, a.rendered.audio)
    window.toggle_play()
    assert not window.player.playing and window.compare.sounding.text() == ""


def test_the_selected_time_plays_alone_and_loops(playing_window):
    """Space with a stretch selected plays that stretch only and stops; with Loop on it plays
    it again and again (the playhead jumps back to its start) until stopped."""
    import sounddevice as sd

    from tests.studio.conftest import drag

    window, sink = playing_window
    render(window, "Play only the middle of this sentence, then loop it.")
    view = window.take_view
    take = window.current_take.rendered
    drag(view, view.spectrogram, 0.3 * take.seconds, 0.6 * take.seconds)
    start, end = view.time_range
    positions: list[float] = []
    window.player.position_changed.connect(positions.append)
    blocks: list[np.ndarray] = []
    stream = sd.InputStream(
        device=sink.input_device,
        channels=1,
        samplerate=take.sample_rate,
        dtype="float32",
        callback=lambda data, *_: blocks.append(data[:, 0].copy()),
    )
    with stream:
        wait_until(lambda: len(blocks) > 5, 10, "the recording to start")
        window.toggle_play()
        wait_until(lambda: not window.player.playing, take.seconds + 10, "the stretch to end")
        started = len(blocks)
        wait_until(lambda: len(blocks) > started + 10, 10, "the tail of the recording")
    recorded = np.concatenate(blocks)
    assert min(positions) >= start - 1e-3 and max(positions) <= end + 1e-3
    loud = np.flatnonzero(np.abs(recorded) > 0.05 * np.max(np.abs(take.audio)))
    assert loud.size, "nothing was heard"
    heard = (loud[-1] - loud[0]) / take.sample_rate
    assert heard <= end - start + 0.05, f"heard {heard:.2f} s of a {end - start:.2f} s stretch"

    positions.clear()
    window.loop_action.setChecked(True)
    try:
        window.toggle_play()
        wait_until(
            lambda: any(b < a for a, b in zip(positions, positions[1:], strict=False)),
            10 * (end - start) + 10,
            "the loop to go back to the stretch's start",
        )
        assert window.player.playing
        assert min(positions) >= start - 1e-3 and max(positions) <= end + 1e-3
    finally:
        window.loop_action.setChecked(False)
        window.player.stop()


def test_play_all_starts_before_the_text_is_rendered_and_plays_every_take(playing_window):
    """Take > Play all takes (Shift+Space) right after Render: the sound starts while later
    takes are still being made, each is added as its render comes, all are heard in order."""
    window, sink = playing_window
    text = "One comes first. Two follows it. Three is next. Four is near the end. Five ends it."
    before = list(window.project.takes)
    window.text_edit.setPlainText(text)
    window.render_text()
    wait_until(
        lambda: window.project.takes != before and len(window.project.takes) == 5, 60, "takes"
    )
    takes = list(window.project.takes)
    unrendered = sum(take.rendered is None for take in takes)
    window.play_all()
    assert window.player.playing
    assert unrendered > 0, "every take was rendered before Play all: nothing to stream"
    wait_until(lambda: all(t.rendered for t in takes), 60, "every take rendered")
    rate = takes[0].rendered.sample_rate
    total = sum(len(t.rendered.audio) for t in takes) / rate
    wait_until(lambda: not window.player.playing, total + 20, "every take to be played")
    assert len(window.player.audio) == sum(len(t.rendered.audio) for t in takes)
    assert np.array_equal(
        window.player.audio[: len(takes[0].rendered.audio)], takes[0].rendered.audio
    )
