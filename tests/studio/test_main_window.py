"""The window end to end: type, render with the bundled voice, drag a boundary with the mouse,
nudge with the keyboard, undo, export, and a UI thread that never waits on the engine."""

from __future__ import annotations

import os
import re
import signal
import time

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from studio import durations as dur
from studio.words import spoken_words as dur_words
from tests.studio.conftest import drag, render, rendered, wait_until

LONG_TEXT = " ".join(
    f"This is sentence number {n}, which the engine renders while the window stays awake."
    for n in range(1, 13)
)


def can_move_later(take, boundary: int) -> bool:
    """Whether ``boundary`` can move a frame later (the phoneme after it has a frame to give:
    which boundaries can depends on the take's seed)."""
    parts = dur.segments(take.tokens)
    here = sum(take.durations[: parts[boundary].first])
    return dur.boundary_limits(take.durations, parts, boundary)[1] > here


def room_later(take, boundary: int) -> int:
    """How many frames ``boundary`` can move later."""
    parts = dur.segments(take.tokens)
    here = sum(take.durations[: parts[boundary].first])
    return dur.boundary_limits(take.durations, parts, boundary)[1] - here


def movable(take) -> int:
    return next(b for b in range(1, len(dur.segments(take.tokens))) if can_move_later(take, b))


def test_type_render_drag_nudge_undo_export(window, tmp_path):
    window.text_edit.clear()
    window.text_edit.setFocus()
    QTest.keyClicks(window.text_edit, "Hello there. Drag my vowels.")
    QTest.mouseClick(window.render_button, Qt.MouseButton.LeftButton)
    wait_until(lambda: window.project.takes, 60, "the takes")
    rendered(window)
    assert [t.text for t in window.project.takes] == ["Hello there.", "Drag my vowels."]
    assert "CPU" in window.device_label.text() or "NVIDIA" in window.device_label.text()
    assert "RTF" in window.render_label.text()
    # VITS makes audio itself: no vocoder, no alignment matrix, its three knobs only.
    assert window.engine_info.voice in window.model_label.text()
    assert not window.panel.vocoder.isEnabled() and not window.take_view.matrix_shown
    knobs = {name for name, w in window.panel.widgets.items() if w.isEnabled()}
    assert knobs == set(window.engine_info.control_names)
    assert knobs == {"noise_scale", "noise_w", "length_scale"}

    take = window.current_take
    original = take.rendered
    before = take.durations
    parts = dur.segments(take.tokens)
    assert len(original.audio) == sum(before) * window.engine_info.hop_length

    # Drag a boundary later with mouse events, as far as its right neighbour allows (<= 3).
    view, plot = window.take_view, window.take_view.alignment
    boundary = movable(take)
    left, right = parts[boundary - 1], parts[boundary]
    frames = min(3, right.frames(before) - dur.minimum_frames(before, right))
    assert frames >= 1
    start = plot.boundary_seconds(boundary)
    drag(view, plot, start, start + frames * window.frame_seconds)
    wait_until(lambda: window.current_take.durations != before, 10, "the drag to be applied")
    assert window.statusBar().currentMessage() == ""  # the drag's readout went with it
    after = window.current_take.durations
    assert left.frames(after) == left.frames(before) + frames
    assert right.frames(after) == right.frames(before) - frames
    assert sum(after) == sum(before)
    rendered(window)
    dragged = window.current_take.rendered
    assert dragged is not original
    assert not np.array_equal(dragged.audio, original.audio)

    # Select a phoneme and lengthen it by one frame with the arrow key: the take gets longer.
    view.set_selection(3, 3)
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Right)
    wait_until(lambda: sum(window.current_take.durations) == sum(before) + 1, 10, "the nudge")
    rendered(window)
    hop = window.engine_info.hop_length
    assert len(window.current_take.rendered.audio) == len(original.audio) + hop

    # Undo both edits: the durations and (remembered, not re-rendered) audio come back.
    window.undo_stack.undo()
    assert window.current_take.durations == after
    window.undo_stack.undo()
    assert window.current_take.durations == before
    assert window.current_take.rendered is original
    window.undo_stack.redo()
    assert window.current_take.durations == after

    # Export the take and read it back.
    path = window.export_take(str(tmp_path / "take.wav"))
    audio, rate = sf.read(path, dtype="float32")
    assert rate == window.engine_info.sample_rate
    expected = window.current_take.rendered.audio
    assert len(audio) == len(expected)
    # At full scale, as glottis say writes each sentence.
    assert np.max(np.abs(audio)) > 0.99
    assert np.max(np.abs(audio - expected / np.max(np.abs(expected)))) < 1e-3

    joined = window.export_all(str(tmp_path / "all.wav"))
    audio, _ = sf.read(joined, dtype="float32")
    assert len(audio) == sum(len(t.rendered.audio) for t in window.project.takes)


def test_bad_input_is_said_and_nothing_is_lost(window):
    render(window, "One short take.")
    takes = list(window.project.takes)
    window.text_edit.setPlainText("   ")
    window.render_text()
    assert "Type some text" in window.message_bar.text()
    window.text_edit.setPlainText("...")
    window.render_text()
    wait_until(lambda: "failed" in window.message_bar.text(), 30, "the engine's refusal")
    assert window.project.takes == takes


def test_ui_thread_never_waits_on_a_long_render(window):
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    started = time.perf_counter()
    render(window, LONG_TEXT, timeout=300)
    timer.stop()
    busy = time.perf_counter() - started
    assert len(window.project.takes) == 12
    assert busy > 1.0, "the render was too short to tell anything"
    print(f"render of 12 takes: {busy:.1f} s; longest UI timer gap {max(gaps) * 1000:.0f} ms")
    assert max(gaps) < 0.100


def test_killing_the_engine_mid_render_keeps_the_document(window):
    render(window, "The document before the crash.")
    before = [(t.text, t.durations) for t in window.project.takes]
    text = window.text_edit.toPlainText()
    old_pid = window.engine.pid
    # Renders of the current takes at other durations keep the engine busy.
    window.project.takes[0] = window.project.takes[0].with_durations(
        [d + 40 for d in window.project.takes[0].durations]
    )
    window._request_renders()
    wait_until(lambda: window.engine.busy, 10, "the engine to be busy")
    os.kill(old_pid, signal.SIGKILL)
    wait_until(lambda: "engine process stopped" in window.message_bar.text(), 30, "the notice")
    wait_until(
        lambda: window.engine.pid != old_pid and window.engine_info and not window.engine.busy,
        120,
        "the engine to be restarted with the voice loaded",
    )
    window.undo_stack.undo()
    window.undo_stack.redo()
    assert window.text_edit.toPlainText() == text
    assert [t.text for t in window.project.takes] == [b[0] for b in before]
    render(window, "After the crash, rendering works again.")
    assert window.project.takes[0].rendered is not None


def test_a_word_spoken_as_given_ipa(window, monkeypatch):
    """Edit > Override a word's phonemes: with a word selected the dialog asks only for its
    phonemes, offering its IPA without the sentence's full stop (VITS reads ``[[IPA]]``); the
    take is prepared again saying them, the other words keep their timing and the word its
    stretch; undo gives the take back."""
    from PySide6.QtWidgets import QInputDialog

    render(window, "Say the word, the tomato.")
    take = window.current_take
    parts = dur.segments(take.tokens)
    first, last = dur.word_at(parts, len(parts) - 3)  # a phoneme of "tomato"
    window.take_view.set_selection(first, last)
    window.stretch_selection(2.0)
    stretched = window.current_take
    offered = {}
    answers = iter([("təmɑːtoʊ", True)])

    def ask(_parent, _title, label, text=""):
        offered[label] = text
        return next(answers)

    monkeypatch.setattr(QInputDialog, "getText", ask)
    before = window.undo_stack.index()
    window.override_action.trigger()
    wait_until(lambda: window.undo_stack.index() > before, 30, "the override")
    said = "".join(p.label for p in parts[first : last + 1] if p.label != ".")
    assert list(offered.values()) == [said], offered
    assert "'tomato'" in next(iter(offered))
    changed = window.current_take
    assert changed.text == "Say the word, the [[təmɑːtoʊ]]."
    assert "ɑ" in changed.tokens and "ɑ" not in take.tokens
    head = parts[first].first  # the tokens before "tomato" keep the frames they had
    assert changed.durations[:head] == stretched.durations[:head]
    word_end = len(changed.tokens) - (len(take.tokens) - parts[last].stop)
    ratio = sum(changed.durations[head:word_end]) / sum(changed.predicted[head:word_end])
    assert ratio == pytest.approx(
        sum(stretched.durations[head : parts[last].stop])
        / sum(stretched.predicted[head : parts[last].stop]),
        abs=0.05,
    )
    rendered(window)
    window.undo_stack.undo()
    assert window.current_take.tokens == take.tokens


def test_the_selected_word_is_the_one_respelled(window, monkeypatch):
    """Of two words written alike, the selected second one is the one given phonemes; where
    the spoken words do not match the written ones (a number read as two words), the dialog
    asks which word is meant."""
    from PySide6.QtWidgets import QInputDialog

    render(window, "Read the read book.")
    parts = dur.segments(window.current_take.tokens)
    spoken = dur_words(parts)
    window.take_view.set_selection(spoken[2][0], spoken[2][0])  # the second "read"
    asked = []

    def ask(_parent, _title, label, text=""):
        asked.append(label)
        return ("ɹɛd", True)

    monkeypatch.setattr(QInputDialog, "getText", ask)
    before = window.undo_stack.index()
    window.override_action.trigger()
    wait_until(lambda: window.undo_stack.index() > before, 30, "the override")
    assert window.current_take.text == "Read the [[ɹɛd]] book."
    assert len(asked) == 1

    render(window, "I have 42 cats.")
    parts = dur.segments(window.current_take.tokens)
    forty = dur_words(parts)[2][0]  # "forty", one of the two words "42" is said as
    window.take_view.set_selection(forty, forty)
    asked.clear()
    answers = iter([("cats", True), ("kæts", True)])
    monkeypatch.setattr(
        QInputDialog, "getText", lambda _p, _t, label, text="": asked.append(label) or next(answers)
    )
    before = window.undo_stack.index()
    window.override_action.trigger()
    wait_until(lambda: window.undo_stack.index() > before, 30, "the override")
    assert asked[0] == "The word as written:" and len(asked) == 2
    assert window.current_take.text == "I have 42 [[kæts]]."

    render(window, "I have 42 dogs.")  # the words after "42" still pair one to one
    parts = dur.segments(window.current_take.tokens)
    window.take_view.set_selection(dur_words(parts)[-1][0], dur_words(parts)[-1][0])
    asked.clear()
    answers = iter([("dɔɡz", True)])
    before = window.undo_stack.index()
    window.override_action.trigger()
    wait_until(lambda: window.undo_stack.index() > before, 30, "the override")
    assert len(asked) == 1 and window.current_take.text == "I have 42 [[dɔɡz]]."


def test_standard_shortcuts_and_recent_projects(window, monkeypatch, tmp_path):
    """Ctrl+R renders, Ctrl+E exports, Ctrl+S saves (asking where the first time), Ctrl+N
    starts afresh, Ctrl+O opens, Space plays outside the text and types inside it; saved
    projects are listed newest first under Open recent, which opens them."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QFileDialog

    keys = {
        "&New": "Ctrl+N",
        "&Open project...": "Ctrl+O",
        "&Save": "Ctrl+S",
        "&Export take as WAV...": "Ctrl+E",
        "&Render": "Ctrl+R",
        "&Play / Stop": "Space",
    }
    actions = {a.text(): a for a in window.findChildren(type(window.render_action))}
    for text, key in keys.items():
        assert actions[text].shortcut().toString() == key, text

    def press(key: Qt.Key, widget=None) -> None:
        window.activateWindow()
        QTest.keyClick(widget or window, key, Qt.KeyboardModifier.ControlModifier)

    window.undo_stack.setClean()
    window.text_edit.setPlainText("Shortcuts work.")
    window.text_edit.setFocus()
    before = window.undo_stack.index()
    press(Qt.Key.Key_R)
    wait_until(lambda: window.undo_stack.index() > before, 30, "Ctrl+R to render")
    rendered(window)

    wav = tmp_path / "shortcut.wav"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(wav), ""))
    press(Qt.Key.Key_E)
    assert wav.exists()

    folders = [tmp_path / f"project{n}" for n in range(3)]
    for folder in folders:
        window.path = None  # Ctrl+S asks where, as for a new project
        monkeypatch.setattr(
            QFileDialog, "getSaveFileName", lambda *_a, f=folder, **_k: (str(f), "")
        )
        press(Qt.Key.Key_S)
        assert (folder / "project.json").exists() and window.path == folder
    recent = [a.text() for a in window.recent_menu.actions()]
    assert recent[:3] == [str(f) for f in reversed(folders)]
    assert QSettings().value("recent")[:3] == recent[:3]

    press(Qt.Key.Key_N)
    assert not window.project.takes and window.path is None
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_a, **_k: str(folders[0]))
    press(Qt.Key.Key_O)
    assert window.path == folders[0] and window.current_take.text == "Shortcuts work."
    assert [a.text() for a in window.recent_menu.actions()][0] == str(folders[0])
    window.recent_menu.actions()[1].trigger()
    assert window.path == folders[2]

    played = []
    window.play_action.triggered.connect(lambda: played.append(True))
    # Without an output device the action is off (its tooltip says why); the key is the test.
    window.play_action.setEnabled(True)
    window.text_edit.setFocus()
    typed = window.text_edit.toPlainText()
    QTest.keyClick(window.text_edit, Qt.Key.Key_Space)
    assert not played and window.text_edit.toPlainText().count(" ") == typed.count(" ") + 1
    window.take_view.setFocus()
    QTest.keyClick(window.take_view, Qt.Key.Key_Space)
    assert played
    window.player.stop()
    window.undo_stack.setClean()
    window._text_dirty = False


def test_quit_discarding_changes_leaves_no_traceback(studio_app, glottis_data_dir, monkeypatch):
    """Quit > Discard on a changed project: the window goes without a slot of it running
    after its deletion (a traceback, 'MainWindow already deleted', was printed)."""
    import shiboken6
    from PySide6.QtGui import QUndoCommand
    from PySide6.QtWidgets import QMessageBox

    from tests.studio.conftest import open_window

    window = open_window()
    window.undo_stack.push(QUndoCommand("an edit"))
    assert window.modified
    monkeypatch.setattr(
        QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Discard
    )
    errors: list[BaseException] = []
    monkeypatch.setattr("sys.excepthook", lambda kind, error, trace: errors.append(error))
    assert window.close()
    shiboken6.delete(window)
    studio_app.processEvents()
    assert errors == []


def test_the_knobs_offer_the_engine_s_ranges(window):
    """One table (engine.controls.CONTROL_SPECS) for the window, the command line and the
    engine: the noise scale the engine takes up to 10 is no longer cut at 2 in the window."""
    from engine.controls import CONTROL_SPECS

    for spec in CONTROL_SPECS:
        knob = window.panel.widgets[spec.name]
        assert (knob.minimum(), knob.maximum()) == (spec.low, spec.high), spec.name
        assert spec.meaning in knob.toolTip().lower()


def test_redo_shortcuts_reach_the_redo_action(window):
    """Ctrl+Shift+Z (and the platform's Redo keys) redo; given twice, the same key was an
    ambiguous shortcut that Qt ignored."""
    from PySide6.QtGui import QKeySequence, QUndoCommand

    window.activateWindow()
    assert QTest.qWaitForWindowActive(window, 5000)  # shortcuts reach the active window only
    window.text_edit.clearFocus()
    keys = [QKeySequence("Ctrl+Shift+Z"), *QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)]
    for key in keys:
        window.undo_stack.push(QUndoCommand("an edit"))
        window.undo_stack.undo()
        before = window.undo_stack.index()
        QTest.keySequence(window, key)
        assert window.undo_stack.index() == before + 1, key.toString()
    window.undo_stack.setClean()


def test_a_reopened_project_shows_its_spectrogram(window, tmp_path):
    """Takes open with the spectrogram they were rendered with (it was blank after
    reopening or recovering a project)."""
    render(window, "A take to save. And a second one.")
    shown = window.take_view.spectrogram.image.image
    assert shown is not None and shown.size
    assert window.save_to(tmp_path / "project")
    assert window.open_project(tmp_path / "project", ask=False)
    window.takes_list.setCurrentRow(1)
    reopened = window.take_view.spectrogram.image.image
    assert reopened is not None and reopened.shape == window.current_take.rendered.mel.shape
    assert np.allclose(reopened, window.current_take.rendered.mel)


def test_the_zoom_stays_across_an_edit_and_its_render(window):
    """Zoom in, drag a boundary: after the release and the re-render the view is where the
    person put it (it showed the whole take again); another take is shown whole."""
    render(window, "The zoom should stay where it was. A second take.")
    window.takes_list.setCurrentRow(0)
    view, plot = window.take_view, window.take_view.alignment
    take = window.current_take
    whole = sum(take.durations) * window.frame_seconds
    plot.setXRange(0.1 * whole, 0.5 * whole, padding=0)
    zoomed = plot.viewRange()[0]
    settled = time.monotonic() + 0.3  # the view's new transform is applied by the event loop
    wait_until(lambda: time.monotonic() > settled, 5, "the zoom to be drawn")
    parts = dur.segments(take.tokens)
    inside = [
        b
        for b in range(1, len(parts))
        if zoomed[0] < plot.boundary_seconds(b) < 0.8 * zoomed[1] and can_move_later(take, b)
    ]
    boundary = max(inside, key=lambda b: room_later(take, b))
    frames = min(3, room_later(take, boundary))
    before = take.durations
    start = plot.boundary_seconds(boundary)
    # A move shorter than Qt's drag distance is a click, not a drag: the take's length (its
    # seed's durations) decided how many pixels one frame was.
    pixels = frames * window.frame_seconds / (zoomed[1] - zoomed[0]) * plot.vb.width()
    assert pixels > QApplication.startDragDistance(), (pixels, frames)
    drag(view, plot, start, start + frames * window.frame_seconds)
    wait_until(lambda: window.current_take.durations != before, 10, "the drag to be applied")
    rendered(window)
    assert plot.viewRange()[0] == pytest.approx(zoomed, abs=1e-6)
    window.takes_list.setCurrentRow(1)
    second = window.current_take
    assert plot.viewRange()[0] == pytest.approx(
        [0, sum(second.durations) * window.frame_seconds], abs=1e-6
    )


def test_a_typed_seed_is_the_seed_of_the_next_render(window):
    """Typing a seed locks it (it was ignored unless Lock was ticked, so changing a control
    gave another random take)."""
    window.panel.seed_lock.setChecked(False)
    window.panel.seed.selectAll()
    QTest.keyClicks(window.panel.seed, "4242")
    assert window.panel.seed_lock.isChecked()
    render(window, "The seed I typed.")
    assert window.current_take.seed == 4242
    window.panel.seed_lock.setChecked(False)


def test_shortcuts_reach_the_window_from_the_seed_box(window):
    """A focused field asks first whether a key is its own; X11's line edits claim Ctrl+E
    ("end of line"), so with the seed box focused Ctrl+E did not export. The window now
    keeps its Ctrl shortcuts, and leaves the field its editing keys."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent

    def override(key: Qt.Key) -> QKeyEvent:
        return QKeyEvent(
            QEvent.Type.ShortcutOverride, key, Qt.KeyboardModifier.ControlModifier
        )

    for field in (window.panel.seed, window.panel.seed.lineEdit(), window.text_edit):
        assert window.eventFilter(field, override(Qt.Key.Key_E))  # Export take
        assert window.eventFilter(field, override(Qt.Key.Key_R))  # Render
        assert not window.eventFilter(field, override(Qt.Key.Key_Z))  # the field's undo
        assert not window.eventFilter(field, override(Qt.Key.Key_C))  # the field's copy


def test_progress_counts_the_takes_of_a_render(window, monkeypatch):
    """Five sentences: the bar says which take of five is rendering (it went 0-100 % once
    per sentence, with no count)."""
    shown: list[str] = []
    count = window._show_render_count

    def record() -> None:
        count()
        shown.append(window.progress.format())

    monkeypatch.setattr(window, "_show_render_count", record)
    render(window, "One. Two here. Three now. Four more. Five at last.")
    assert shown and shown[-1] == "take 5 of 5", shown
    assert all(re.fullmatch(r"take [1-5] of 5", text) for text in shown), shown


def test_the_views_before_the_first_render_show_sensible_axes(studio_app, glottis_data_dir):
    """Not pyqtgraph's placeholders: -400 to 400 ms, and a 'mel bin (x0.001)' label."""
    from tests.studio.conftest import close_window, open_window

    fresh = open_window()
    try:
        view = fresh.take_view
        assert view.waveform.viewRange()[0] == pytest.approx([0, 1])
        assert view.spectrogram.viewRange()[1] == pytest.approx([0, 80])
        assert "x0.001" not in view.spectrogram.getAxis("left").labelString()
        for plot in view.plots:  # tick values as they are, no SI scaling of bins or seconds
            assert plot.getAxis("left").autoSIPrefixScale == 1.0
            assert plot.getAxis("bottom").autoSIPrefixScale == 1.0
    finally:
        close_window(fresh)


@pytest.mark.parametrize("has_output", [False, True])
def test_no_sound_output_is_said_in_the_status_bar(
    studio_app, glottis_data_dir, monkeypatch, has_output
):
    """Play is greyed out without an output device, so its warning never showed: the status
    bar says it instead (the README promises a notice)."""
    from studio.playback import Player
    from tests.studio.conftest import close_window, open_window

    monkeypatch.setattr(Player, "_has_output", lambda self: has_output)
    fresh = open_window()
    try:
        if Player(fresh).unavailable_reason.startswith("no sound library"):
            pytest.skip("PortAudio is missing here, so no device can be said to exist")
        assert fresh.sound_label.isVisible() is not has_output
        if not has_output:
            assert "no audio output device" in fresh.sound_label.toolTip()
    finally:
        close_window(fresh)


def test_render_keeps_the_edits_of_unchanged_sentences(window):
    """Retime take 1, change sentence 3, render: take 1 keeps its durations and seed, take 3
    is new; an edited take whose sentence changed is said to be replaced, and Undo brings
    it back (Render threw every edit away without a word)."""
    render(window, "The first sentence stays. The second one too. The third will change.")
    window.takes_list.setCurrentRow(0)
    first = window.current_take
    window.move_boundary(movable(first), 1)
    edited = window.current_take
    assert edited.durations != first.durations
    window.takes_list.setCurrentRow(1)
    window.move_boundary(movable(window.current_take), 1)
    second = window.current_take
    render(window, "The first sentence stays. The second one changed. The third is new.")
    takes = window.project.takes
    assert takes[0] is edited and takes[0].seed == edited.seed
    assert takes[1].text == "The second one changed." and takes[1].durations == takes[1].predicted
    assert "1 edited take was replaced" in window.message_bar.text()
    window.undo_stack.undo()
    assert window.project.takes[1] is second


def test_zoom_keys_narrow_widen_show_all_and_fit_the_selection(window):
    """Praat's zoom from the keyboard: Ctrl+I halves the time shown about the playhead,
    Ctrl+- doubles it, Ctrl+0 shows the whole take, Ctrl+Shift+I fits the selection."""
    render(window, "Zoom keys work like Praat's.")
    window.takes_list.setCurrentRow(0)
    plot = window.take_view.waveform
    whole = window.take_view.take_seconds
    window.take_view.set_playhead(0.25 * whole)
    window.activateWindow()
    assert QTest.qWaitForWindowActive(window, 5000)  # shortcuts reach the active window only
    window.take_view.setFocus()

    def shown() -> tuple[float, float]:
        low, high = plot.viewRange()[0]
        return low, high

    QTest.keyClick(window.take_view, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    low, high = shown()
    assert high - low == pytest.approx(whole / 2, rel=1e-3)
    assert low <= 0.25 * whole <= high and low >= 0
    QTest.keyClick(window.take_view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert shown()[1] - shown()[0] == pytest.approx(whole, rel=1e-3)
    QTest.keyClick(window.take_view, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(window.take_view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert shown() == pytest.approx((0, whole), abs=1e-6)
    window.take_view.set_selection(2, 3)
    QTest.keyClick(
        window.take_view,
        Qt.Key.Key_I,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    plot_ = window.take_view.alignment
    left = plot_.boundary_seconds(2)
    right = plot_.boundary_seconds(4)
    assert shown() == pytest.approx((left, right), abs=1e-6)
