"""The main window: type text, render it, see and hear each sentence's take, retime it.

The window owns the project (the document) and its undo stack; the engine process does every
computation. A render is two steps in the engine: ``prepare`` turns the text into one take per
sentence (phonemes, predicted durations), then each take is rendered. Every edit of durations
is an undoable command; the take's audio follows by a re-render with the same seed (or at
once, from the renders the take remembers).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import soundfile as sf
from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QInputDialog,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from studio import appearance, recovery
from studio import durations as dur
from studio import project as projects
from studio.commands import ReplaceTakes, SetDurations
from studio.engine_client import EngineClient
from studio.message_bar import MessageBar
from studio.panels.synthesis import SynthesisPanel
from studio.playback import Player
from studio.project import Project, Rendered, Take
from studio.views.take_view import TakeView

APP_NAME = "Glottis"
AUTOSAVE_MS = 30_000
RECENT_KEPT = 8
DEFAULT_FRAME_SECONDS = 256 / 22050


class MainWindow(QMainWindow):
    """One project in one window, with its own engine process."""

    def __init__(self, autosave_ms: int = AUTOSAVE_MS, offer_recovery: bool = True) -> None:
        super().__init__()
        self.settings = QSettings()
        self.project = Project()
        self.path: Path | None = None
        self.engine_info: dict = {}
        self.undo_stack = QUndoStack(self)
        self.engine = EngineClient(self)
        self.player = Player(self)
        self.autosave = recovery.Autosave()
        self._prepare_job: int | None = None
        self._render_jobs: dict[int, tuple[int, tuple[int, ...]]] = {}
        self._requested: set[tuple[int, tuple[int, ...]]] = set()
        self._autosaved_state: tuple[int, str] | None = None
        self._text_dirty = False
        self._autosave_error = ""
        self._override: tuple[int, Take] | None = None
        self._override_job: int | None = None
        self._ab: tuple[int, tuple[int, ...]] | None = None
        self.last_render: Rendered | None = None
        self._build_widgets()
        self._build_actions()
        self._connect()
        self._restore_settings()
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(autosave_ms)
        self.autosave_timer.timeout.connect(self._check_autosave_error)
        self.autosave_timer.timeout.connect(self.write_autosave)
        self.autosave_timer.start()
        self.engine.start()
        self.engine.load(self.settings.value("voice") or None)
        self._update_title()
        self._update_actions()
        if not self.player.available:
            self.play_action.setToolTip(f"Playback is off: {self.player.unavailable_reason}")
        if offer_recovery:
            self._offer_recovery()

    # ---- building -------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.text_edit = QPlainTextEdit()
        self.text_edit.setPlaceholderText("Type what the voice should say, then press Ctrl+R.")
        self.render_button = QPushButton("Render")
        self.takes_list = QListWidget()
        self.takes_list.setToolTip("One take per sentence; select one to see and edit it")
        self.panel = SynthesisPanel()
        self.take_view = TakeView()
        self.message_bar = MessageBar()
        left = QWidget()
        column = QVBoxLayout(left)
        column.addWidget(QLabel("Text"))
        column.addWidget(self.text_edit, 2)
        column.addWidget(self.render_button)
        column.addWidget(QLabel("Takes"))
        column.addWidget(self.takes_list, 2)
        column.addWidget(self.panel)
        right = QWidget()
        stack = QVBoxLayout(right)
        stack.setContentsMargins(0, 0, 0, 0)
        stack.addWidget(self.message_bar)
        stack.addWidget(self.take_view, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        self.setCentralWidget(splitter)
        self.device_label = QLabel("Engine: starting...")
        self.render_label = QLabel("")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        bar = self.statusBar()
        bar.addPermanentWidget(self.render_label)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)
        bar.addPermanentWidget(self.device_label)
        self.resize(1280, 800)

    def _action(self, menu, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_actions(self) -> None:
        menus = self.menuBar()
        file = menus.addMenu("&File")
        self._action(file, "&New", self.new_project, QKeySequence.StandardKey.New)
        self._action(
            file, "&Open project...", self.open_project_dialog, QKeySequence.StandardKey.Open
        )
        self.recent_menu = file.addMenu("Open &recent")
        self._action(file, "&Save", self.save, QKeySequence.StandardKey.Save)
        self._action(file, "Save &as...", self.save_as, QKeySequence.StandardKey.SaveAs)
        file.addSeparator()
        self.export_action = self._action(
            file, "&Export take as WAV...", self.export_take, "Ctrl+E"
        )
        self.export_all_action = self._action(
            file, "Export &all takes joined...", self.export_all, "Ctrl+Shift+E"
        )
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        edit = menus.addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.StandardKey.Redo])
        edit.addAction(undo)
        edit.addAction(redo)
        edit.addSeparator()
        self.stretch_action = self._action(
            edit, "&Stretch selection...", self.stretch_selection, "Ctrl+T"
        )
        self.reset_action = self._action(
            edit, "Reset to &predicted durations", self.reset_selection, "Ctrl+Shift+R"
        )
        self.override_action = self._action(
            edit, "&Override a word's phonemes...", self.override_phonemes, "Ctrl+P"
        )

        take = menus.addMenu("&Take")
        self.render_action = self._action(
            take,
            "&Render",
            self.render_text,
            "Ctrl+R",
            "Make one take per sentence and render them",
        )
        self.play_action = self._action(take, "&Play / Stop", self.toggle_play, Qt.Key.Key_Space)
        self.mark_a_action = self._action(take, "Mark this version as &A", self.mark_a, "Ctrl+M")
        self.play_a_action = self._action(take, "Play version A", self.play_a, "Ctrl+Shift+A")

        view = menus.addMenu("&View")
        themes = view.addMenu("&Theme")
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for name in appearance.THEMES:
            action = QAction(name.capitalize(), self, checkable=True)
            action.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            group.addAction(action)
            themes.addAction(action)
            self.theme_actions[name] = action

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        for action in (self.render_action, self.play_action, self.export_action):
            toolbar.addAction(action)
        toolbar.addAction(undo)
        toolbar.addAction(redo)

    def _connect(self) -> None:
        self.render_button.clicked.connect(self.render_text)
        self.cancel_button.clicked.connect(self.engine.cancel_all)
        self.takes_list.currentRowChanged.connect(self._on_take_selected)
        self.take_view.boundary_moved.connect(self.move_boundary)
        self.take_view.boundary_dragged.connect(lambda text: self.statusBar().showMessage(text))
        self.take_view.nudge_requested.connect(self.nudge_selection)
        self.take_view.seek_requested.connect(self.seek)
        self.take_view.selection_changed.connect(lambda *_: self._update_actions())
        self.engine.loaded.connect(self._on_loaded)
        self.engine.finished.connect(self._on_finished)
        self.engine.finished.connect(self._on_override)
        self.engine.failed.connect(self._on_failed)
        self.engine.progress.connect(self._on_progress)
        self.engine.busy_changed.connect(self._on_busy)
        self.engine.crashed.connect(self._on_crashed)
        self.engine.cancelled.connect(self._on_cancelled)
        self.player.position_changed.connect(self.take_view.set_playhead)
        self.player.state_changed.connect(lambda _: self._update_actions())
        self.panel.voice_chosen.connect(self.load_voice)
        self.panel.vocoder_chosen.connect(self.load_vocoder)
        self.undo_stack.cleanChanged.connect(lambda _: self._update_title())
        self.undo_stack.indexChanged.connect(lambda _: self._update_actions())
        self.text_edit.textChanged.connect(self._on_text_changed)

    # ---- the engine ---------------------------------------------------------------------------

    def load_voice(self, voice: str) -> None:
        self.device_label.setText(f"Engine: loading {Path(voice).name}...")
        self.engine.load(voice, self.project.vocoder)

    def load_vocoder(self, vocoder: str) -> None:
        self.engine.load(self.engine_info.get("voice"), vocoder)

    @Slot(dict)
    def _on_loaded(self, info: dict) -> None:
        self.engine_info = info
        self.panel.show_engine(info)
        if self.project.controls:
            self.panel.set_values(self.project.controls)
        runtime = f" ({info['runtime']})" if info.get("runtime") else ""
        self.device_label.setText(f"{info['voice']} on {info['device']}{runtime}")
        self.settings.setValue("voice", info["voice"])
        if self.project.voice and self.project.voice != info["voice"]:
            self.message_bar.show_message(
                f"This project was made with the voice {self.project.voice}; "
                f"{info['voice']} is loaded now, and new renders use it.",
                "warning",
            )
        self._request_renders()
        self._update_actions()

    @property
    def frame_seconds(self) -> float:
        info = self.engine_info
        if info.get("hop_length") and info.get("sample_rate"):
            return info["hop_length"] / info["sample_rate"]
        return DEFAULT_FRAME_SECONDS

    def render_text(self) -> None:
        """Prepare the text as takes (one per sentence) with the panel's controls and seed."""
        text = self.text_edit.toPlainText().strip()
        if not text:
            self.message_bar.show_message("Type some text to render first.", "warning")
            return
        if self._prepare_job is not None:
            self.engine.cancel(self._prepare_job)
        controls = self.panel.values()
        self.project.controls = controls
        self.project.seed = self.panel.seed_for_render()
        self.project.seed_locked = self.panel.seed_lock.isChecked()
        self.project.text = self.text_edit.toPlainText()
        self._prepare_job = self.engine.prepare(text, controls, self.project.seed)
        self.message_bar.hide()

    def _request_renders(self) -> None:
        """Ask the engine for each take's audio at its current durations, where missing."""
        if not self.engine_info:
            return
        for take in self.project.takes:
            key = (id(take.renders), take.durations)
            if take.rendered is None and key not in self._requested:
                job = self.engine.render(take.utterance)
                self._render_jobs[job] = key
                self._requested.add(key)

    @Slot(int, str, dict)
    def _on_finished(self, job: int, op: str, result: dict) -> None:
        if op == "prepare" and job == self._prepare_job:
            self._prepare_job = None
            takes = [Take(utterance) for utterance in result["takes"]]
            self.undo_stack.push(
                ReplaceTakes(
                    self,
                    self.project.takes,
                    takes,
                    "Render text",
                    0,
                    max(self.takes_list.currentRow(), 0),
                )
            )
            if result.get("warnings"):
                self.message_bar.show_message("; ".join(result["warnings"]), "warning")
        elif op == "render" and job in self._render_jobs:
            key = self._render_jobs.pop(job)
            self._requested.discard(key)
            rendered = Rendered.from_result(result)
            for index, take in enumerate(self.project.takes):
                if id(take.renders) == key[0]:
                    take.remember(key[1], rendered)
                    self._refresh_take_item(index)
                    if index == self.current_index:
                        self._show_current()
                    break
            self.last_render = rendered
            self.render_label.setText(
                f"last render {result['synthesis_seconds']:.2f} s for "
                f"{result['seconds']:.2f} s of audio, RTF {result['rtf']:.3f}"
            )
            self._update_actions()

    @Slot(int, str, str)
    def _on_failed(self, job: int, op: str, message: str) -> None:
        if job == self._prepare_job:
            self._prepare_job = None
        key = self._render_jobs.pop(job, None)
        if key is not None:
            self._requested.discard(key)
        if op == "load":
            self.device_label.setText("Engine: no voice loaded")
            self.message_bar.show_message(f"The voice could not be loaded: {message}", "error")
        elif message != "the engine stopped before it finished":
            self.message_bar.show_message(f"{op.capitalize()} failed: {message}", "error")

    @Slot(int)
    def _on_cancelled(self, job: int) -> None:
        if job == self._prepare_job:
            self._prepare_job = None
        key = self._render_jobs.pop(job, None)
        if key is not None:
            self._requested.discard(key)
        self.statusBar().showMessage("Cancelled", 3000)

    @Slot(int, int, int)
    def _on_progress(self, _job: int, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    @Slot(bool)
    def _on_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)

    @Slot(str)
    def _on_crashed(self, message: str) -> None:
        self._render_jobs.clear()
        self._requested.clear()
        self._prepare_job = None
        self.device_label.setText("Engine: restarting...")
        self.message_bar.show_message(message, "error")

    # ---- takes and edits ------------------------------------------------------------------

    @property
    def current_index(self) -> int:
        return self.takes_list.currentRow()

    @property
    def current_take(self) -> Take | None:
        index = self.current_index
        return self.project.takes[index] if 0 <= index < len(self.project.takes) else None

    def apply_takes(self, takes: list[Take], current: int) -> None:
        """The undo commands' way to set the takes (a new render, an override, undone)."""
        self.project.takes = list(takes)
        self.takes_list.blockSignals(True)
        self.takes_list.clear()
        for index in range(len(takes)):
            self.takes_list.addItem("")
            self._refresh_take_item(index)
        self.takes_list.blockSignals(False)
        if takes:
            self.takes_list.setCurrentRow(min(max(current, 0), len(takes) - 1))
        self._show_current()
        self._request_renders()
        self._update_actions()

    def apply_durations(self, index: int, durations: Sequence[int]) -> None:
        """The undo commands' way to set one take's durations."""
        self.project.takes[index] = self.project.takes[index].with_durations(durations)
        if self.current_index != index:
            self.takes_list.setCurrentRow(index)
        self._refresh_take_item(index)
        self._show_current()
        self._request_renders()
        self._update_actions()

    def _refresh_take_item(self, index: int) -> None:
        take = self.project.takes[index]
        rendered = take.rendered
        length = f"{rendered.seconds:.2f} s" if rendered else "rendering..."
        edited = " (edited)" if take.durations != take.predicted else ""
        self.takes_list.item(index).setText(f"{index + 1}. {take.text}  [{length}]{edited}")

    def _on_take_selected(self, _row: int) -> None:
        self.player.stop()
        self.take_view.set_selection(-1, -1)
        self.take_view.set_playhead(0.0)
        self._show_current()
        self._update_actions()

    def _show_current(self) -> None:
        take = self.current_take
        rendered = None if take is None else (take.rendered or take.latest)
        self.take_view.show_take(take, rendered, self.frame_seconds)

    def _edit_durations(self, after: Sequence[int], text: str) -> None:
        take = self.current_take
        if take is None or tuple(after) == take.durations:
            self._show_current()
            return
        self.undo_stack.push(SetDurations(self, self.current_index, take.durations, after, text))

    @Slot(int, int)
    def move_boundary(self, boundary: int, frames: int) -> None:
        """A boundary dragged ``frames`` frames: time moves between its two neighbours."""
        take = self.current_take
        if take is None:
            return
        parts = dur.segments(take.tokens)
        after = dur.move_boundary(take.durations, parts, boundary, frames)
        names = f"{parts[boundary - 1].label or '·'}|{parts[boundary].label or '·'}"
        self._edit_durations(after, f"Move boundary {names} by {frames:+d} frames")

    @Slot(int)
    def nudge_selection(self, frames: int) -> None:
        """The selected phonemes each ``frames`` frames longer (or shorter)."""
        take, (first, last) = self.current_take, self._selection()
        if take is None or first < 0:
            return
        parts = dur.segments(take.tokens)
        after = list(take.durations)
        for segment in parts[first : last + 1]:
            after = dur.nudge(after, segment, frames)
        self._edit_durations(after, f"Nudge {frames:+d} frame")

    def stretch_selection(self, factor: float | None = None) -> None:
        take, (first, last) = self.current_take, self._selection()
        if take is None or first < 0:
            self.message_bar.show_message("Select phonemes (or a word) to stretch.", "warning")
            return
        if not factor:
            factor, ok = QInputDialog.getDouble(
                self, "Stretch", "Factor (above 1: longer)", 1.25, 0.1, 10.0, 2
            )
            if not ok:
                return
        parts = dur.segments(take.tokens)
        try:
            after = dur.stretch(take.durations, parts, first, last, factor)
        except dur.DurationEditError as error:
            self.message_bar.show_message(str(error), "warning")
            return
        self._edit_durations(after, f"Stretch by {factor:g}")

    def reset_selection(self) -> None:
        """The selection (or, with none, the whole take) back to the predicted durations."""
        take = self.current_take
        if take is None:
            return
        parts = dur.segments(take.tokens)
        first, last = self._selection()
        if first < 0:
            first, last = 0, len(parts) - 1
        after = dur.reset(take.durations, take.predicted, parts, first, last)
        self._edit_durations(after, "Reset to predicted durations")

    def override_phonemes(self) -> None:
        """Give the selected word its phonemes (IPA or ARPAbet, as the voice reads them)."""
        take, (first, _last) = self.current_take, self._selection()
        if take is None or first < 0:
            self.message_bar.show_message("Select a word to give its phonemes.", "warning")
            return
        parts = dur.segments(take.tokens)
        word_first, word_last = dur.word_at(parts, first)
        phonemes = "".join(p.label for p in parts[word_first : word_last + 1])
        kind = "ARPAbet" if self.engine_info.get("phoneme_type") == "arpabet" else "IPA"
        word, ok = QInputDialog.getText(self, "Override phonemes", "The word as written:")
        if not ok or not word.strip():
            return
        given, ok = QInputDialog.getText(
            self, "Override phonemes", f"Phonemes of {word!r} in {kind}:", text=phonemes
        )
        if ok and given.strip():
            self.replace_word(word.strip(), given.strip())

    def replace_word(self, word: str, phonemes: str) -> None:
        """Re-prepare the current take with ``word`` spoken as ``phonemes`` (``[[...]]``)."""
        take = self.current_take
        if take is None:
            return
        if word not in take.text:
            self.message_bar.show_message(f"{word!r} is not in this take's text.", "warning")
            return
        text = take.text.replace(word, f"[[{phonemes}]]", 1)
        self._override = (self.current_index, take)
        self._override_job = self.engine.prepare(text, take.utterance["controls"], take.seed)

    @Slot(int, str, dict)
    def _on_override(self, job: int, op: str, result: dict) -> None:
        if job != self._override_job or self._override is None:
            return
        index, before = self._override
        self._override_job = self._override = None
        takes = list(self.project.takes)
        if index >= len(takes) or takes[index] is not before or len(result["takes"]) != 1:
            self.message_bar.show_message("The override did not give one sentence.", "warning")
            return
        takes[index] = Take(result["takes"][0])
        self.undo_stack.push(
            ReplaceTakes(self, self.project.takes, takes, "Override phonemes", index, index)
        )

    def _selection(self) -> tuple[int, int]:
        return self.take_view.first, self.take_view.last

    # ---- playback -------------------------------------------------------------------------

    def toggle_play(self) -> None:
        if self.player.playing:
            self.player.stop()
            return
        take = self.current_take
        rendered = take.rendered if take else None
        if rendered is None:
            self.statusBar().showMessage("Nothing rendered to play yet", 3000)
            return
        self._play(rendered)

    def _play(self, rendered: Rendered) -> None:
        if not self.player.available:
            self.message_bar.show_message(
                f"Playback is off: {self.player.unavailable_reason}. Export still works.",
                "warning",
            )
            return
        start = self.take_view.playhead
        if start >= rendered.seconds - 0.01:
            start = 0.0
        try:
            self.player.play(rendered.audio, rendered.sample_rate, start)
        except RuntimeError as error:
            self.message_bar.show_message(str(error), "error")

    def seek(self, seconds: float) -> None:
        self.take_view.set_playhead(seconds)
        if self.player.playing:
            take = self.current_take
            if take is not None and take.rendered is not None:
                self._play(take.rendered)

    def mark_a(self) -> None:
        take = self.current_take
        if take is not None and take.rendered is not None:
            self._ab = (id(take.renders), take.durations)
            self.statusBar().showMessage("This version is A; edit, then compare with Play A", 4000)

    def play_a(self) -> None:
        take = self.current_take
        if take is None or self._ab is None or self._ab[0] != id(take.renders):
            self.statusBar().showMessage("Mark a version of this take as A first", 3000)
            return
        rendered = take.renders.get(self._ab[1])
        if rendered is None:
            self.statusBar().showMessage("Version A is no longer kept; mark it again", 3000)
            return
        self.player.stop()
        self.take_view.set_playhead(0.0)
        self._play(rendered)

    # ---- export ---------------------------------------------------------------------------

    def export_take(self, path: str | None = None) -> Path | None:
        take = self.current_take
        if take is None or take.rendered is None:
            self.message_bar.show_message("Render a take before exporting it.", "warning")
            return None
        return self._export(take.rendered.audio, take.rendered.sample_rate, path)

    def export_all(self, path: str | None = None) -> Path | None:
        takes = self.project.takes
        if not takes or any(t.rendered is None for t in takes):
            self.message_bar.show_message("Wait until every take is rendered.", "warning")
            return None
        audio = np.concatenate([t.rendered.audio for t in takes])
        return self._export(audio, takes[0].rendered.sample_rate, path)

    def _export(self, audio: np.ndarray, sample_rate: int, path: str | None) -> Path | None:
        if not path:
            start = str(self.settings.value("export_dir") or Path.home())
            path, _ = QFileDialog.getSaveFileName(self, "Export WAV", start, "WAV (*.wav)")
            if not path:
                return None
        target = Path(path)
        if target.suffix.lower() != ".wav":
            target = target.with_suffix(".wav")
        try:
            projects.atomic_write(
                target, lambda f: sf.write(f, audio, sample_rate, format="WAV", subtype="PCM_16")
            )
        except OSError as error:
            self.message_bar.show_message(f"Cannot write {target}: {error.strerror}", "error")
            return None
        self.settings.setValue("export_dir", str(target.parent))
        self.statusBar().showMessage(f"Exported {target}", 5000)
        return target

    # ---- projects -------------------------------------------------------------------------

    def new_project(self) -> None:
        if not self._may_discard():
            return
        self._set_project(Project(), None)

    def open_project_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a project folder")
        if folder:
            self.open_project(Path(folder))

    def open_project(self, folder: Path, ask: bool = True) -> bool:
        if ask and not self._may_discard():
            return False
        try:
            project = projects.load(folder)
        except projects.ProjectError as error:
            self.message_bar.show_message(str(error), "error")
            return False
        self._set_project(project, Path(folder))
        self._remember_recent(Path(folder))
        return True

    def _set_project(self, project: Project, path: Path | None) -> None:
        self.player.stop()
        self.project = project
        self.path = path
        self.undo_stack.clear()
        self._text_dirty = False
        self.text_edit.blockSignals(True)
        self.text_edit.setPlainText(project.text)
        self.text_edit.blockSignals(False)
        self.panel.seed.setValue(project.seed)
        self.panel.seed_lock.setChecked(project.seed_locked)
        if project.controls:
            self.panel.set_values(project.controls)
        self.apply_takes(project.takes, 0)
        self.message_bar.hide()
        wanted = project.voice
        if wanted and wanted != self.engine_info.get("voice"):
            self.engine.load(wanted, project.vocoder)
        self._update_title()

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        folder, _ = QFileDialog.getSaveFileName(self, "Save project as (a folder)")
        return bool(folder) and self.save_to(Path(folder))

    def save_to(self, folder: Path) -> bool:
        self._sync_project()
        try:
            projects.save(self.project, folder)
        except OSError as error:
            self.message_bar.show_message(f"Cannot save to {folder}: {error}", "error")
            return False
        self.path = Path(folder)
        self._text_dirty = False
        self.undo_stack.setClean()
        self._remember_recent(self.path)
        self._update_title()
        self.statusBar().showMessage(f"Saved {folder}", 4000)
        return True

    def _sync_project(self) -> None:
        self.project.text = self.text_edit.toPlainText()
        self.project.voice = self.engine_info.get("voice", self.project.voice)
        self.project.vocoder = self.engine_info.get("vocoder", self.project.vocoder)
        self.project.controls = self.panel.values() or self.project.controls
        self.project.seed = self.panel.seed.value()
        self.project.seed_locked = self.panel.seed_lock.isChecked()

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean() or self._text_dirty

    def _on_text_changed(self) -> None:
        self._text_dirty = True
        self._update_title()

    def write_autosave(self) -> Future | None:
        """Start writing the recovery copy when anything changed since the last one."""
        state = (self.undo_stack.index(), self.text_edit.toPlainText())
        if self.autosave.busy or state == self._autosaved_state:
            return None
        if not (self.project.takes or state[1]):
            return None
        self._sync_project()
        future = self.autosave.write(self.project, self.path)
        future.add_done_callback(self._autosave_done)
        self._autosaved_state = state
        return future

    def _autosave_done(self, future: Future) -> None:
        """On the writer's thread: a failure is kept for the UI thread to show."""
        error = future.exception()
        if error is not None:
            self._autosave_error = f"Autosave failed: {error}"

    def _check_autosave_error(self) -> None:
        if self._autosave_error:
            self.message_bar.show_message(self._autosave_error, "error")
            self._autosave_error = ""
            self._autosaved_state = None

    def _offer_recovery(self) -> None:
        found = recovery.orphans()
        if not found:
            return
        folder = found[0]
        self.message_bar.show_message(
            "Glottis did not close properly last time. Recover the unsaved work?",
            "warning",
            "Recover",
            lambda: self.recover(folder),
        )

    def recover(self, folder: Path) -> bool:
        """Open the autosaved copy in ``folder`` as an unsaved project, and retire the copy."""
        try:
            project = projects.load(folder)
        except projects.ProjectError as error:
            self.message_bar.show_message(f"Nothing could be recovered: {error}", "error")
            return False
        self._set_project(project, recovery.saved_as(folder))
        self._text_dirty = True
        self._update_title()
        written = self.write_autosave()
        if written is not None:
            written.result()  # our own copy is on disk before the crashed one goes
        recovery.discard(folder)
        self.statusBar().showMessage("Recovered; save the project to keep it", 6000)
        return True

    def _may_discard(self) -> bool:
        if not self.modified:
            return True
        answer = QMessageBox.question(
            self,
            APP_NAME,
            "Save the changes to this project first?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _remember_recent(self, folder: Path) -> None:
        recent = [str(folder)] + [p for p in self._recent() if p != str(folder)]
        self.settings.setValue("recent", recent[:RECENT_KEPT])
        self._fill_recent_menu()

    def _recent(self) -> list[str]:
        value = self.settings.value("recent") or []
        return [value] if isinstance(value, str) else list(value)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self._recent():
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.open_project(Path(p)))
        self.recent_menu.setEnabled(bool(self._recent()))

    # ---- settings, title, state -----------------------------------------------------------

    def _restore_settings(self) -> None:
        geometry = self.settings.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = self.settings.value("window_state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        self.set_theme(str(self.settings.value("theme") or "system"))
        self._fill_recent_menu()

    def set_theme(self, theme: str) -> None:
        theme = theme if theme in appearance.THEMES else "system"
        app = QApplication.instance()
        appearance.apply_theme(app, theme)
        self.take_view.apply_palette(*appearance.plot_colors(app))
        self.theme_actions[theme].setChecked(True)
        self.settings.setValue("theme", theme)

    def _update_title(self) -> None:
        name = self.path.name if self.path else "Untitled"
        self.setWindowTitle(f"{name}[*] - {APP_NAME}")
        self.setWindowModified(self.modified)

    def _update_actions(self) -> None:
        ready = bool(self.engine_info)
        take = self.current_take
        rendered = take is not None and take.rendered is not None
        self.render_action.setEnabled(ready)
        self.render_button.setEnabled(ready)
        self.play_action.setEnabled(rendered and self.player.available or self.player.playing)
        self.export_action.setEnabled(rendered)
        self.export_all_action.setEnabled(
            bool(self.project.takes) and all(t.rendered for t in self.project.takes)
        )
        selected = self.take_view.first >= 0
        self.stretch_action.setEnabled(selected)
        self.override_action.setEnabled(selected)
        self.reset_action.setEnabled(take is not None)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        if not self._may_discard():
            event.ignore()
            return
        self.player.stop()
        self.autosave_timer.stop()
        self.autosave.discard()
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState())
        self.engine.shutdown()
        event.accept()
