"""The main window: type text, render it, see and hear each sentence's take, retime it.

The window owns the project (the document) and its undo stack; the engine process does every
computation. A render is two steps in the engine: ``prepare`` turns the text into one take per
sentence (phonemes, predicted durations), then each take is rendered. Every edit of durations
is an undoable command; the take's audio follows by a re-render with the same seed (or at
once, from the renders the take remembers).

The acoustic model is a voice or an imported VITS, Glow-TTS or Grad-TTS checkpoint; mel models
speak through a vocoder (Griffin-Lim, or an imported HiFi-GAN or WaveGlow). A file the engine
refuses is said in the message bar and the model loaded before stays. Takes made with another
model can move to the loaded one with their timing (``transplant``), and every render of a
sentence is kept for the session as a version to compare A/B.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import asdict
from pathlib import Path

import numpy as np
import soundfile as sf
from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, QTimer, Slot
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QKeyEvent,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
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

from engine import alignment_export as alignments
from engine.api import (
    LOAD,
    MAX_NOISE_GAIN,
    MAX_PITCH_SHIFT,
    PREPARE,
    RENDER,
    TRANSPLANT,
    CatalogueModel,
    LoadAnswer,
    PrepareAnswer,
    RenderAnswer,
)
from engine.api.tasks import PROOF_LISTEN, ProofListening
from engine.audio.levels import peak_normalize
from engine.errors import SynthesisError
from engine.families import GRIFFIN_LIM, VOCODER
from studio import appearance, recovery, words
from studio import durations as dur
from studio import project as projects
from studio.app import application
from studio.commands import ReplaceTakes, SetDurations, SetTake
from studio.engine_client import EngineClient
from studio.message_bar import MessageBar
from studio.model_fetch import ModelFetcher
from studio.panels import install_voice_panels
from studio.panels.synthesis import SynthesisPanel
from studio.playback import Player
from studio.project import Project, ProjectError, Rendered, Take
from studio.tasks import Task, run_task
from studio.views.compare import VERSIONS_KEPT, CompareView, Version
from studio.views.duration_table import BREAK_LABEL, DurationTable
from studio.views.take_view import ZOOM_STEP, TakeView

APP_NAME = "Glottis"
# Emphasis as this model can give it: the word longer and its noise livelier (VITS has no
# stress or pitch input; see the README).
EMPHASIS_STRETCH = 1.25
EMPHASIS_NOISE = 1.5
PITCH_STEP = 1.0  # semitones a Raise or Lower moves the selection's F0
MAX_PAUSE_MS = 5000
AUTOSAVE_MS = 30_000
RECENT_KEPT = 8
IMPORTS_KEPT = 8  # imported models and vocoders offered again in the selectors
# What is remembered of the loaded model between sessions (QSettings group "model").
MODEL_KEYS = ("voice", "config", "vocoder", "vocoder_config")


class MainWindow(QMainWindow):
    """One project in one window, with its own engine process."""

    def __init__(self, autosave_ms: int = AUTOSAVE_MS, offer_recovery: bool = True) -> None:
        super().__init__()
        self.settings = QSettings()
        self.project = Project()
        self.path: Path | None = None
        self.engine_info: LoadAnswer | None = None  # what the engine loaded last
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
        # A take prepared again (overridden, rendered alone): index, the take, the tokens that
        # change, the undo step's name, whether its timing is kept.
        self._again: tuple[int, Take, tuple[int, int] | None, str, bool] | None = None
        self._proof_task: Task | None = None
        # Play all: where each take starts in what plays, while it plays; and whether takes
        # are still to be added as they are rendered.
        self._play_all: list[float] | None = None
        self._play_all_feeding = False
        self._again_job: int | None = None
        self._transplant_jobs: dict[int, int] = {}  # job -> take index
        self._transplanted: list[Take] | None = None
        self._loading: str | None = None  # what the load in progress is, in words
        # Render jobs asked for since the engine was last idle, and how many have ended: the
        # progress bar counts takes ("take 7 of 15"), not one sentence's 0-100 % each time.
        self._renders_asked = self._renders_ended = 0
        self.versions: dict[str, list[Version]] = {}  # per sentence text, oldest first
        self._picked: dict[str, Version | None] = {"A": None, "B": None}
        self._sounding: str | None = None  # "A" or "B" while a version plays
        self._version_count = 0
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
        fields = [*self.findChildren(QLineEdit), *self.findChildren(QAbstractSpinBox)]
        for field in [*fields, self.text_edit]:
            field.installEventFilter(self)  # the window's shortcuts reach it from its fields
        self.engine.start()
        self._load_remembered()
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
        self.readout = self._cursor_readout()
        stack.addWidget(self.readout)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        self.setCentralWidget(splitter)
        self.compare = CompareView()
        self.compare_dock = QDockWidget("Compare A/B", self)
        self.compare_dock.setObjectName("compare-dock")
        self.compare_dock.setWidget(self.compare)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.compare_dock)
        self.compare_dock.hide()
        self.duration_table = DurationTable()
        self.durations_dock = QDockWidget("Durations", self)
        self.durations_dock.setObjectName("durations-dock")
        self.durations_dock.setWidget(self.duration_table)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.durations_dock)
        self.durations_dock.hide()
        self.model_label = QLabel("")
        self.model_label.setToolTip("The acoustic model and the vocoder in use")
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
        bar.addPermanentWidget(self.model_label)
        bar.addPermanentWidget(self.device_label)
        # Said where it stays in sight: Play is greyed out, so its warning would never show.
        self.sound_label = QLabel("No sound output")
        self.sound_label.setVisible(not self.player.available)
        self.sound_label.setToolTip(
            f"Playback is off: {self.player.unavailable_reason}. Rendering and export work."
        )
        bar.addPermanentWidget(self.sound_label)
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
        self.export_alignment_action = self._action(
            file,
            "Export a&lignment...",
            self.export_alignment,
            tip="The take's word and phoneme timings: Praat TextGrid, JSON, SRT or WebVTT",
        )
        self.export_all_alignment_action = self._action(
            file,
            "Export alignment of all takes &joined...",
            lambda: self.export_alignment(every_take=True),
            tip="The timings of every take, joined as Export all takes joins their audio",
        )
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        edit = menus.addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        # Every platform binding of Redo, and Ctrl+Shift+Z where the platform lacks it; a key
        # given twice is an ambiguous shortcut, which Qt ignores.
        redo_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
        if QKeySequence("Ctrl+Shift+Z") not in redo_keys:
            redo_keys.append(QKeySequence("Ctrl+Shift+Z"))
        redo.setShortcuts(redo_keys)
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
        edit.addSeparator()
        self.reroll_action = self._action(
            edit,
            "Re-ro&ll the selection",
            self.reroll_selection,
            "Ctrl+Shift+N",
            "A new random take of the selected phonemes; the rest of the take stays as it is",
        )
        self.noise_action = self._action(
            edit,
            "&Noise scale of the selection...",
            lambda: self.scale_selection_noise(),  # not with the action's "checked"
            None,
            "How lively the selected phonemes are (their noise scale, times the take's)",
        )
        self.emphasis_action = self._action(
            edit,
            "&Emphasize the selection",
            self.emphasize_selection,
            "Ctrl+Shift+U",
            f"The selected word {EMPHASIS_STRETCH:g} times as long and "
            f"{EMPHASIS_NOISE:g} times as lively, in one step",
        )
        self.raise_action = self._action(
            edit,
            "&Raise the pitch of the selection",
            lambda: self.shift_selection_pitch(PITCH_STEP),
            "Ctrl+Shift+Up",
            f"The selected phonemes' F0 {PITCH_STEP:g} semitone higher (again for more)",
        )
        self.lower_action = self._action(
            edit,
            "Lo&wer the pitch of the selection",
            lambda: self.shift_selection_pitch(-PITCH_STEP),
            "Ctrl+Shift+Down",
            f"The selected phonemes' F0 {PITCH_STEP:g} semitone lower (again for more)",
        )
        self.flatten_action = self._action(
            edit,
            "&Flatten the pitch of the selection",
            self.flatten_selection_pitch,
            None,
            "The selected phonemes' F0 held at its mean (a monotone)",
        )
        self.pause_action = self._action(
            edit,
            "Insert a &pause...",
            lambda: self.insert_pause(),  # not with the action's "checked"
            "Ctrl+Shift+Space",
            "A pause of the length you give at the word break after the selection",
        )
        self.unpause_action = self._action(
            edit,
            "Re&move the pause",
            self.remove_pause,
            None,
            "The word break after the selection back to its predicted length",
        )

        take = menus.addMenu("&Take")
        self.render_action = self._action(
            take,
            "&Render",
            self.render_text,
            "Ctrl+R",
            "Make one take per sentence and render them",
        )
        self.again_action = self._action(
            take,
            "Render &this take again",
            self.render_take_again,
            "Ctrl+Alt+R",
            "The selected take alone, with the controls and seed on the left (a retimed take "
            "keeps its timing)",
        )
        self.play_action = self._action(
            take,
            "&Play / Stop",
            self.toggle_play,
            Qt.Key.Key_Space,
            "Play the selected time (drag across the waveform or spectrogram, or select "
            "phonemes), else from the playhead",
        )
        self.play_all_action = self._action(
            take,
            "Play &all takes",
            self.play_all,
            "Shift+Space",
            "Every take in order, starting as soon as the first is rendered (the rest follow as "
            "they come)",
        )
        self.loop_action = self._action(
            take,
            "&Loop playback",
            self._on_loop_toggled,
            "Ctrl+L",
            "Play the selected time (or the whole take) over and over until stopped",
        )
        self.loop_action.setCheckable(True)
        take.addSeparator()
        self.mark_a_action = self._action(
            take, "Mark this version as &A", self.mark_a, "Ctrl+M", "Compare later versions with it"
        )
        self.switch_action = self._action(
            take,
            "Switch &A/B",
            self.switch_ab,
            "Ctrl+B",
            "Play version A, or switch what plays to the other version at the same place",
        )
        self.proof_action = self._action(
            take,
            "Proof-&listen",
            self.proof_listen,
            "Ctrl+Shift+L",
            "Whisper listens to the take and underlines the words it did not hear as written",
        )
        self.transplant_action = self._action(
            take,
            "&Move takes to the loaded model",
            self.transplant_takes,
            "Ctrl+Shift+M",
            "Re-make the takes with the loaded model, keeping their timing phoneme by phoneme",
        )

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
        # Praat's zoom: in (Ctrl+I, or Ctrl+=), out, the whole take, the selection.
        self.zoom_in_action = self._action(
            view, "Zoom &in", lambda: self.take_view.zoom(ZOOM_STEP), "Ctrl+I"
        )
        self.zoom_in_action.setShortcuts([QKeySequence("Ctrl+I"), QKeySequence("Ctrl+=")])
        self.zoom_out_action = self._action(
            view, "Zoom &out", lambda: self.take_view.zoom(1 / ZOOM_STEP), "Ctrl+-"
        )
        self.show_all_action = self._action(
            view, "Show the &whole take", self.take_view.show_all, "Ctrl+0"
        )
        self.zoom_selection_action = self._action(
            view,
            "Zoom to the &selection",
            self.take_view.zoom_to_selection,
            "Ctrl+Shift+I",
            "The selected phonemes fill the view",
        )
        view.addSeparator()
        compare = self.compare_dock.toggleViewAction()
        compare.setText("&Compare A/B")
        compare.setShortcut(QKeySequence("Ctrl+Shift+B"))
        view.addAction(compare)
        durations = self.durations_dock.toggleViewAction()
        durations.setText("&Durations table")
        durations.setShortcut(QKeySequence("Ctrl+D"))
        durations.setStatusTip("The take's phonemes with their durations in ms, to type into")
        view.addAction(durations)
        self._build_track_actions(view)

        # The "Voice" menu: recorder, dataset check, import, training.
        self.voice_panels = install_voice_panels(self)

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        for action in (self.render_action, self.play_action, self.export_action):
            toolbar.addAction(action)
        toolbar.addAction(undo)
        toolbar.addAction(redo)

    def _cursor_readout(self) -> QLabel:
        """The line under the views that says, as Praat's does, the time, frequency, phoneme,
        word, pitch and intensity under the mouse (empty when it is off the views)."""
        label = QLabel("")
        label.setToolTip("What lies under the mouse on the views")
        label.setMinimumHeight(label.fontMetrics().height() + 4)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.take_view.readout_changed.connect(label.setText)
        return label

    def _build_track_actions(self, view) -> None:
        """View > Pitch track and Intensity track: shown or hidden, remembered (QSettings
        "view/pitch", "view/intensity")."""
        view.addSeparator()
        self.track_actions: dict[str, QAction] = {}
        for key, text, tip in (
            ("pitch", "&Pitch track", "The F0 over the spectrogram, on the right in Hz"),
            ("intensity", "I&ntensity track", "The intensity over the waveform, in dB"),
        ):
            action = self._action(view, text, self._on_tracks_toggled, tip=tip)
            action.setCheckable(True)
            action.setChecked(bool(self.settings.value(f"view/{key}", True, type=bool)))
            self.track_actions[key] = action
        self._on_tracks_toggled()

    def _on_tracks_toggled(self) -> None:
        shown = {key: action.isChecked() for key, action in self.track_actions.items()}
        for key, value in shown.items():
            self.settings.setValue(f"view/{key}", value)
        self.take_view.show_tracks(shown["pitch"], shown["intensity"])

    def _connect(self) -> None:
        self.render_button.clicked.connect(self.render_text)
        self.cancel_button.clicked.connect(self.engine.cancel_all)
        self.takes_list.currentRowChanged.connect(self._on_take_selected)
        self.take_view.boundary_moved.connect(self._on_boundary_released)
        self.take_view.boundary_dragged.connect(lambda text: self.statusBar().showMessage(text))
        self.take_view.nudge_requested.connect(self.nudge_selection)
        self.take_view.seek_requested.connect(self.seek)
        self.take_view.selection_changed.connect(lambda *_: self._update_actions())
        self.take_view.range_changed.connect(self._on_range_changed)
        self.take_view.selection_changed.connect(self.duration_table.select)
        self.duration_table.rows_selected.connect(self.take_view.set_selection)
        self.duration_table.frames_typed.connect(self.set_segment_frames)
        self.duration_table.refused.connect(self._warn)
        self.engine.loaded.connect(self._on_loaded)
        self.engine.finished.connect(self._on_finished)
        self.engine.finished.connect(self._on_prepared_again)
        self.engine.failed.connect(self._on_failed)
        self.engine.lost.connect(self._on_lost)
        self.engine.progress.connect(self._on_progress)
        self.engine.busy_changed.connect(self._on_busy)
        self.engine.crashed.connect(self._on_crashed)
        self.engine.cancelled.connect(self._on_cancelled)
        self.player.position_changed.connect(self._show_position)
        self.player.state_changed.connect(lambda _: self._update_actions())
        self.panel.model_chosen.connect(self.load_model)
        self.panel.vocoder_chosen.connect(self.load_vocoder)
        self.fetcher = ModelFetcher(self, self.message_bar)
        self.panel.fetch_requested.connect(self.fetcher.fetch)
        self.fetcher.fetched.connect(self._use_fetched)
        self.compare.switch_requested.connect(self.switch_ab)
        self.compare.changed.connect(self._on_compare_picked)
        self.player.position_changed.connect(self._on_position)
        self.player.state_changed.connect(self._on_player_state)
        # Bound methods, not lambdas: Qt drops them with the window, so the undo stack's last
        # signals, sent as the window is deleted, reach nothing.
        self.undo_stack.cleanChanged.connect(self._on_undo_clean)
        self.undo_stack.indexChanged.connect(self._on_undo_index)
        self.text_edit.textChanged.connect(self._on_text_changed)

    # ---- the engine ---------------------------------------------------------------------------

    def _load_remembered(self) -> None:
        """At start: the model and vocoder used last (or the bundled voice)."""
        self.settings.beginGroup("model")
        remembered = {k: self.settings.value(k) or None for k in MODEL_KEYS}
        self.settings.endGroup()
        self._loading = "the voice used last"
        self.engine.load(
            remembered["voice"],
            remembered["vocoder"],
            remembered["config"],
            remembered["vocoder_config"],
            vocoder_optional=True,
        )

    def load_model(self, voice: str, config: str | None = None) -> None:
        """Load an acoustic model: a voice's name or a checkpoint's path (and its config);
        the vocoder in use stays where it fits the new model's mels."""
        self._loading = f"the acoustic model {Path(voice).name}"
        self.device_label.setText(f"Engine: loading {Path(voice).name}...")
        info = self.engine_info
        self.engine.load(
            voice,
            info.vocoder if info else None,
            config,
            info.vocoder_config if info else None,
            vocoder_optional=True,
        )

    def _use_fetched(self, model: CatalogueModel, path: str) -> None:
        """A catalogue model just fetched: loaded as the model or the vocoder it is."""
        if model.role == VOCODER:
            self.load_vocoder(path)
        else:
            self.load_model(path)

    def load_vocoder(self, vocoder: str, config: str | None = None) -> None:
        """Pair the loaded mel model with a vocoder: "griffin-lim" or a checkpoint path."""
        info = self.engine_info
        self._loading = f"the vocoder {Path(vocoder).name}"
        self.engine.load(
            info.voice if info else None, vocoder, info.config if info else None, config
        )

    @Slot(object)
    def _on_loaded(self, info: LoadAnswer) -> None:
        # Another vocoder for the same model keeps the knobs as they are.
        before = self.engine_info
        kept = self.panel.values() if before and info.voice == before.voice else None
        self.engine_info = info
        self._loading = None
        self._remember_imports(info)
        self.panel.show_engine(info, self._imports("models"), self._imports("vocoders"))
        if kept:
            self.panel.set_values(kept)
        elif self.project.controls and self.project.voice == info.voice:
            self.panel.set_values(self.project.controls)
        if self.project.speaker is not None and self.project.voice == info.voice:
            self.panel.speaker.setValue(self.project.speaker)
        self.take_view.show_matrix(info.mel_model)
        if info.mel_scale is not None:
            self.take_view.set_mel_scale(info.mel_scale)
        vocoder = f" + {info.vocoder_label}" if info.vocoder_label else ""
        self.model_label.setText(f"{info.label}{vocoder}")
        self.device_label.setText(f"on {info.device} ({info.runtime})")
        self.settings.beginGroup("model")
        for key in MODEL_KEYS:
            self.settings.setValue(key, getattr(info, key) or "")
        self.settings.endGroup()
        warned = " ".join(info.warnings)
        if any(take.voice != info.voice for take in self.project.takes):
            self._offer_transplant(warned)
        elif warned:
            self.message_bar.show_message(warned, "warning")
        self._request_renders()
        self._update_actions()

    def _offer_transplant(self, warned: str = "") -> None:
        self.message_bar.show_message(
            f"{warned} " * bool(warned) + "Some takes were made with another model; "
            f"{self.engine_info.label if self.engine_info else 'another model'} is loaded now. "
            "Move them to it, keeping their "
            "timing?",
            "warning",
            "Move takes",
            self.transplant_takes,
        )

    def _remember_imports(self, info: LoadAnswer) -> None:
        """Checkpoint files that loaded are offered again in the selectors (QSettings)."""
        entries: list[tuple[str, str, str | None, str | None]] = []
        if info.voice not in info.voices:
            entries.append(("models", info.voice, info.config, info.label))
        if info.vocoder and info.vocoder != GRIFFIN_LIM:
            entries.append(("vocoders", info.vocoder, info.vocoder_config, info.vocoder_label))
        for kind, path, config, label in entries:
            entry = {"path": path, "config": config, "label": label or Path(path).name}
            kept = [entry] + [e for e in self._imports(kind) if e["path"] != path]
            self.settings.setValue(f"imported/{kind}", json.dumps(kept[:IMPORTS_KEPT]))

    def _imports(self, kind: str) -> list[dict]:
        try:
            entries = json.loads(str(self.settings.value(f"imported/{kind}") or "[]"))
        except json.JSONDecodeError:
            return []
        return [e for e in entries if isinstance(e, dict) and "path" in e and "label" in e]

    @property
    def _phoneme_type(self) -> str:
        return self.engine_info.phoneme_type if self.engine_info else "ipa"

    @property
    def frame_seconds(self) -> float:
        info = self.engine_info
        return info.frame_seconds if info else dur.DEFAULT_FRAME_SECONDS

    def render_text(self) -> None:
        """Prepare the text as takes (one per sentence) with the panel's controls and seed."""
        text = self.text_edit.toPlainText().strip()
        if not text:
            self.message_bar.show_message("Type some text to render first.", "warning")
            return
        if self._prepare_job is not None:
            self.engine.cancel(self._prepare_job)
        self.panel.seed_for_render()
        self._sync_project()
        project = self.project
        self._prepare_job = self.engine.prepare(
            text, project.controls, project.seed, project.speaker
        )
        self.message_bar.hide()

    def _keeping_edits(self, prepared: list[Take]) -> tuple[list[Take], int]:
        """The new takes, where each sentence the person edited (its durations) and still has,
        word for word and for the same voice, stays the take it was: durations, overrides, seed
        and controls, with its renders. Also how many edited takes found no sentence."""
        edited = [take for take in self.project.takes if take.edited]
        takes = []
        for take in prepared:
            kept = next(
                (old for old in edited if (old.text, old.voice) == (take.text, take.voice)), None
            )
            if kept is not None:
                edited.remove(kept)
            takes.append(kept or take)
        return takes, len(edited)

    def _request_renders(self) -> None:
        """Ask the engine for each take's audio at its current durations, where missing."""
        if not self.engine_info:
            return
        voice = self.engine_info.voice
        for take in self.project.takes:
            key = (id(take.renders), take.durations)
            if take.voice != voice:
                continue  # made with another model: moved to this one only when asked
            if take.rendered is None and key not in self._requested:
                job = self.engine.render(take.utterance)
                self._render_jobs[job] = key
                self._requested.add(key)
                self._renders_asked += 1

    @Slot(int, str, object)
    def _on_finished(self, job: int, op: str, answer: object) -> None:
        if op == PREPARE and job == self._prepare_job:
            assert isinstance(answer, PrepareAnswer)
            self._prepare_job = None
            takes, lost = self._keeping_edits([Take(take) for take in answer.takes])
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
            said = list(answer.warnings)
            if lost:
                said.append(
                    f"{lost} edited take{'s were' if lost > 1 else ' was'} replaced because "
                    "the sentence changed; Undo Render text brings the edits back"
                )
            if said:
                self.message_bar.show_message("; ".join(said), "warning")
        elif op == TRANSPLANT and job in self._transplant_jobs:
            assert isinstance(answer, PrepareAnswer)
            self._on_transplanted(self._transplant_jobs.pop(job), answer)
        elif op == RENDER and job in self._render_jobs:
            assert isinstance(answer, RenderAnswer)
            key = self._render_jobs.pop(job)
            self._requested.discard(key)
            self._count_render_ended()
            rendered = Rendered.from_answer(answer)
            for index, take in enumerate(self.project.takes):
                if id(take.renders) == key[0]:
                    take.remember(key[1], rendered)
                    self._add_version(take, key[1], rendered)
                    self._refresh_take_item(index)
                    if index == self.current_index:
                        self._show_current()
                    break
            self._feed_play_all()
            self.last_render = rendered
            self.render_label.setText(render_summary(answer))
            self._update_actions()

    @Slot(int, str, str)
    def _on_failed(self, job: int, op: str, message: str) -> None:
        self._forget_job(job)
        if op == LOAD:
            self._on_load_failed(message)
        else:
            self.message_bar.show_message(f"{op.capitalize()} failed: {message}", "error")

    @Slot(int, str)
    def _on_lost(self, job: int, op: str) -> None:
        """A job the engine did not answer before it stopped: the crash is said once, by
        ``_on_crashed``; a load that was lost is said as a load that failed."""
        self._forget_job(job)
        if op == LOAD:
            self._on_load_failed("the engine stopped before it finished")

    def _forget_job(self, job: int) -> None:
        if job == self._prepare_job:
            self._prepare_job = None
        if self._transplant_jobs.pop(job, None) is not None:
            self._transplant_jobs.clear()  # the others' answers are let go
            self._transplanted = None
        key = self._render_jobs.pop(job, None)
        if key is not None:
            self._requested.discard(key)
            self._count_render_ended()

    def _on_load_failed(self, message: str) -> None:
        """Say what was refused; the model loaded before stays (the engine keeps it)."""
        what, self._loading = self._loading or "the model", None
        info = self.engine_info
        if info:
            vocoder = f" with {info.vocoder_label}" if info.vocoder_label else ""
            still = f" {info.label}{vocoder} is still loaded."
            self.device_label.setText(f"on {info.device} ({info.runtime})")
            said = message.rstrip(".")
            self.message_bar.show_message(f"Could not load {what}: {said}.{still}", "error")
            return
        self.device_label.setText("Engine: no voice loaded")
        self.message_bar.show_message(f"Could not load {what}: {message}", "error")
        if what == "the voice used last":
            self._loading = "the bundled voice"
            self.engine.load(None)

    @Slot(int)
    def _on_cancelled(self, job: int) -> None:
        if job == self._prepare_job:
            self._prepare_job = None
        key = self._render_jobs.pop(job, None)
        if key is not None:
            self._requested.discard(key)
        self.statusBar().showMessage("Cancelled", 3000)

    @Slot(int, int, int)
    def _on_progress(self, job: int, done: int, total: int) -> None:
        if job in self._render_jobs:
            self._show_render_count()
            return
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat("%p%")

    def _count_render_ended(self) -> None:
        self._renders_ended += 1
        self._show_render_count()

    def _show_render_count(self) -> None:
        asked, ended = self._renders_asked, self._renders_ended
        self.progress.setRange(0, max(asked, 1))
        self.progress.setValue(ended)
        self.progress.setFormat(f"take {min(ended + 1, asked)} of {asked}")

    @Slot(bool)
    def _on_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)
        else:
            self._renders_asked = self._renders_ended = 0

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
        self.apply_take(index, self.project.takes[index].with_durations(durations))

    def apply_take(self, index: int, take: Take) -> None:
        """The undo commands' way to set one take, the selection kept."""
        self.project.takes[index] = take
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
        edited = " (edited)" if take.edited else ""
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
        if take is None:
            self.duration_table.show_take([], [], self.frame_seconds)
        else:
            self.duration_table.show_take(take.tokens, take.durations, self.frame_seconds)
        self.duration_table.select(self.take_view.first, self.take_view.last)
        shown = self.compare.versions
        if take is None or not shown or shown[0].text != take.text:
            self._show_versions()

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

    @Slot(int, int)
    def set_segment_frames(self, segment: int, frames: int) -> None:
        """Phoneme ``segment`` lasting ``frames`` frames, as typed into the durations table
        (held at its minimum, saying so)."""
        take = self.current_take
        if take is None:
            return
        parts = dur.segments(take.tokens)
        after = dur.resize(take.durations, parts[segment], frames)
        given = parts[segment].frames(after)
        label = parts[segment].label.strip() or BREAK_LABEL
        if given != frames:
            self._warn(
                f"{label} cannot be shorter than {given} frame{'s' if given != 1 else ''} "
                "(one for each of its tokens)."
            )
        self._edit_durations(after, f"Set {label} to {given} frames")

    def _selected_tokens(self, what: str) -> tuple[Take, int, int] | None:
        """The current take and the first and last token of the selected phonemes, or None
        (said) without a selection."""
        take, (first, last) = self.current_take, self._selection()
        if take is None or first < 0:
            self._warn(f"Select phonemes (or a word) to {what}.")
            return None
        parts = dur.segments(take.tokens)
        return take, parts[first].first, parts[last].stop - 1

    def _shape_noise(self, take: Take, rolls: Sequence[int], gains: Sequence[float]) -> Take | None:
        try:
            return Take(take.utterance.with_token_noise([rolls], [gains]))
        except SynthesisError as error:
            self._warn(f"{str(error)[0].upper()}{str(error)[1:]}.")
            return None

    def reroll_selection(self) -> None:
        """A new random take of the selected phonemes (their noise drawn afresh), the rest of
        the take as it was beyond the decoder's reach."""
        selected = self._selected_tokens("re-roll")
        if selected is None:
            return
        take, first, last = selected
        rolls = list(take.plan.rolls) or [0] * len(take.tokens)
        highest = max(rolls[first : last + 1])
        for token in range(first, last + 1):
            rolls[token] = highest + 1
        changed = self._shape_noise(take, rolls, take.plan.noise_gains)
        if changed is not None:
            changed = changed.with_durations(take.durations)
            self.undo_stack.push(SetTake(self, self.current_index, take, changed, "Re-roll"))

    def scale_selection_noise(self, factor: float | None = None) -> None:
        """The selected phonemes' noise scale, times the take's (1 leaves it as it is)."""
        selected = self._selected_tokens("give a noise scale")
        if selected is None:
            return
        take, first, last = selected
        gains = list(take.plan.noise_gains) or [1.0] * len(take.tokens)
        if factor is None:
            factor, ok = QInputDialog.getDouble(
                self, "Noise scale", "Times the take's (above 1: livelier)", 1.5, 0.0, 3.0, 2
            )
            if not ok:
                return
        for token in range(first, last + 1):
            gains[token] = factor
        changed = self._shape_noise(take, take.plan.rolls, gains)
        if changed is not None:
            changed = changed.with_durations(take.durations)
            self.undo_stack.push(
                SetTake(self, self.current_index, take, changed, f"Noise scale x{factor:g}")
            )

    def emphasize_selection(self) -> None:
        """Stress the selected word the way this model can: longer and livelier, one step."""
        selected = self._selected_tokens("emphasize")
        if selected is None:
            return
        take, first, last = selected
        parts = dur.segments(take.tokens)
        durations = dur.stretch(take.durations, parts, *self._selection(), EMPHASIS_STRETCH)
        gains = list(take.plan.noise_gains) or [1.0] * len(take.tokens)
        for token in range(first, last + 1):
            gains[token] = min(gains[token] * EMPHASIS_NOISE, MAX_NOISE_GAIN)
        changed = self._shape_noise(take, take.plan.rolls, gains)
        if changed is not None:
            changed = changed.with_durations(durations)
            self.undo_stack.push(SetTake(self, self.current_index, take, changed, "Emphasize"))

    def shift_selection_pitch(self, semitones: float) -> None:
        """The selected phonemes' F0 ``semitones`` higher (lower when negative) than now."""
        self._edit_pitch(
            lambda shift, flat: (shift + semitones, flat), f"Pitch {semitones:+g} semitone"
        )

    def flatten_selection_pitch(self) -> None:
        """The selected phonemes' F0 held at its mean."""
        self._edit_pitch(lambda shift, _flat: (shift, 1.0), "Flatten pitch")

    def _edit_pitch(self, change, text: str) -> None:
        """Each selected token's (shift, flatness) as ``change`` makes it, one undoable step;
        the edit is made on the rendered sound (engine.audio.pitch_edit)."""
        selected = self._selected_tokens("change the pitch of")
        if selected is None:
            return
        take, first, last = selected
        count = len(take.tokens)
        shifts = list(take.plan.pitch_shifts) or [0.0] * count
        flatness = list(take.plan.pitch_flatness) or [0.0] * count
        for token in range(first, last + 1):
            shifts[token], flatness[token] = change(shifts[token], flatness[token])
        if any(abs(shift) > MAX_PITCH_SHIFT for shift in shifts):
            self._warn(f"The pitch moves at most {MAX_PITCH_SHIFT:g} semitones either way.")
            return
        try:
            changed = Take(take.utterance.with_pitch([shifts], [flatness]))
        except SynthesisError as error:
            self._warn(f"{str(error)[0].upper()}{str(error)[1:]}.")
            return
        changed = changed.with_durations(take.durations)
        self.undo_stack.push(SetTake(self, self.current_index, take, changed, text))

    def _break_after_selection(self) -> tuple[Take, list[dur.Segment], int] | None:
        """The current take, its segments and the word break at or after the selection."""
        take, (first, last) = self.current_take, self._selection()
        if take is None or first < 0:
            self._warn("Select a word (or the break between two words) first.")
            return None
        parts = dur.segments(take.tokens)
        index = next((i for i in range(last, len(parts)) if parts[i].label == dur.WORD_BREAK), None)
        if index is None:
            self._warn("No word follows the selection: a pause goes between two words.")
            return None
        return take, parts, index

    def insert_pause(self, milliseconds: int | None = None) -> None:
        """The word break after the selection lasting ``milliseconds``: the model's own
        word-break token held that long (the words either side join it as the model joins
        them; it sounds as a quiet room, about 20 dB below speech). The blanks after it keep
        their frames: held, a blank would carry the next phoneme's onset."""
        found = self._break_after_selection()
        if found is None:
            return
        take, parts, index = found
        if milliseconds is None:
            milliseconds, ok = QInputDialog.getInt(
                self, "Insert a pause", "Length of the pause (ms)", 300, 10, MAX_PAUSE_MS, 50
            )
            if not ok:
                return
        frames = max(1, round(milliseconds / (self.frame_seconds * 1000)))
        segment = parts[index]
        after = list(take.durations)
        blanks = sum(after[segment.first + 1 : segment.stop])
        after[segment.first] = max(1, frames - blanks)
        self._edit_durations(after, f"Pause of {milliseconds} ms")

    def remove_pause(self) -> None:
        """The word break after the selection back to its predicted length."""
        found = self._break_after_selection()
        if found is None:
            return
        take, parts, index = found
        after = dur.reset(take.durations, take.predicted, parts, index, index)
        self._edit_durations(after, "Remove the pause")

    @Slot(str)
    def _warn(self, text: str) -> None:
        self.message_bar.show_message(text, "warning")

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
        """Give the selected word its phonemes (IPA or ARPAbet, as the voice reads them). The
        word is the one selected; only where the text's words and the spoken ones do not
        match (a number read as two words, say) is the person asked which it is."""
        take, (first, _last) = self.current_take, self._selection()
        if take is None or first < 0:
            self.message_bar.show_message("Select a word to give its phonemes.", "warning")
            return
        parts = dur.segments(take.tokens)
        word_first, word_last = dur.word_at(parts, first)
        arpabet = self._phoneme_type == "arpabet"
        phonemes = words.sounds_of(parts, word_first, word_last, " " if arpabet else "")
        kind = "ARPAbet, phones between spaces" if arpabet else "IPA"
        span = words.written_word_at(take.text, parts, word_first)
        tokens = None
        if span is not None:
            word, at = take.text[span[0] : span[1]], span[0]
            tokens = (parts[word_first].first, parts[word_last].stop)
        else:
            word, ok = QInputDialog.getText(self, "Override phonemes", "The word as written:")
            word, at = word.strip(), None
            if not ok or not word:
                return
        given, ok = QInputDialog.getText(
            self, "Override phonemes", f"Phonemes of {word!r} in {kind}:", text=phonemes
        )
        if ok and given.strip():
            self.replace_word(word, given.strip(), at, tokens)

    def replace_word(
        self,
        word: str,
        phonemes: str,
        at: int | None = None,
        tokens: tuple[int, int] | None = None,
    ) -> None:
        """Re-prepare the current take with ``word`` (the one at character ``at`` of its text,
        else the first) spoken as ``phonemes``, written as the loaded model's front end takes
        an override: ``[[IPA]]`` (VITS, Piper) or ``{HH AH0 L OW1}`` (ARPAbet: Glow-TTS,
        Grad-TTS). The other words keep their timing, and the word (``tokens``, the take's
        tokens it spans; None: those that come out different) its stretch."""
        take = self.current_take
        if take is None:
            return
        at = take.text.find(word) if at is None else at
        if at < 0 or take.text[at : at + len(word)] != word:
            self.message_bar.show_message(f"{word!r} is not in this take's text.", "warning")
            return
        if self._phoneme_type == "arpabet":
            override = "{" + " ".join(phonemes.strip("{}").split()) + "}"
        else:
            override = f"[[{phonemes.strip('[]')}]]"
        text = take.text[:at] + override + take.text[at + len(word) :]
        controls = asdict(take.utterance.controls)
        self._prepare_take_again(text, controls, take.seed, tokens, "Override phonemes", True)

    def render_take_again(self) -> None:
        """The current take alone made again with the controls and seed on the left; a take
        the person retimed keeps its timing, one they did not gets the new prediction."""
        take = self.current_take
        if take is None:
            self.statusBar().showMessage("Render some text first", 3000)
            return
        seed = self.panel.seed_for_render()
        controls = self.panel.values() or asdict(take.utterance.controls)
        retimed = take.durations != take.predicted
        self._prepare_take_again(take.text, controls, seed, None, "Render take again", retimed)

    def _prepare_take_again(
        self,
        text: str,
        controls: dict,
        seed: int,
        word: tuple[int, int] | None,
        label: str,
        keep_timing: bool,
    ) -> None:
        """Prepare the current take's sentence as ``text`` again; the answer replaces the take
        (one undoable step called ``label``), its timing carried over when ``keep_timing``
        (``word``: the tokens that change, None: those that come out different)."""
        take = self.current_take
        if take is None:
            return
        self._again = (self.current_index, take, word, label, keep_timing)
        self._again_job = self.engine.prepare(text, controls, seed, take.utterance.speaker)

    @Slot(int, str, object)
    def _on_prepared_again(self, job: int, op: str, answer: object) -> None:
        if job != self._again_job or self._again is None:
            return
        assert isinstance(answer, PrepareAnswer)
        index, before, word, label, keep_timing = self._again
        self._again_job = self._again = None
        takes = list(self.project.takes)
        if index >= len(takes) or takes[index] is not before or len(answer.takes) != 1:
            self.message_bar.show_message(
                f"{label}: the text did not give one sentence.", "warning"
            )
            return
        changed = Take(answer.takes[0])
        if keep_timing:
            kept = dur.carry_over(
                before.tokens,
                before.durations,
                before.predicted,
                changed.tokens,
                changed.predicted,
                (len(before.tokens), 0) if word is None else word,
            )
            try:
                changed = changed.with_durations(kept)
            except ProjectError:
                pass  # the kept timing does not fit: the predicted one
        takes[index] = changed
        self.undo_stack.push(ReplaceTakes(self, self.project.takes, takes, label, index, index))

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
        """Play the selected time, else from the playhead to the end (from the start when
        the playhead is at the end); over and over while Loop is on."""
        if not self.player.available:
            self.message_bar.show_message(
                f"Playback is off: {self.player.unavailable_reason}. Export still works.",
                "warning",
            )
            return
        end = None
        loop = self.loop_action.isChecked()
        if self.take_view.time_range is not None:
            start, end = self.take_view.time_range
        else:
            start = self.take_view.playhead
            if start >= rendered.seconds - 0.01 or loop:
                start = 0.0
        try:
            self.player.play(rendered.audio, rendered.sample_rate, start, end, loop)
        except RuntimeError as error:
            self.message_bar.show_message(str(error), "error")

    def play_all(self) -> None:
        """Every take in order, from the first as soon as it is rendered: each take is added to
        what plays when its render comes (the engine renders them in order), so a paragraph is
        heard while its later sentences are still being made; the take heard is shown."""
        if self.player.playing:
            self.player.stop()
            return
        if not self.project.takes:
            self.statusBar().showMessage("Render some text first", 3000)
            return
        if not self.player.available:
            self._warn(f"Playback is off: {self.player.unavailable_reason}. Export still works.")
            return
        rate = next((t.rendered.sample_rate for t in self.project.takes if t.rendered), None)
        if rate is None and self.engine_info is not None:
            rate = self.engine_info.sample_rate
        try:
            self.player.play(np.zeros(0, dtype=np.float32), rate or 22050, growing=True)
        except RuntimeError as error:
            self.message_bar.show_message(str(error), "error")
            return
        self._play_all = []
        self._play_all_feeding = True
        self._feed_play_all()

    def _feed_play_all(self) -> None:
        """Add to Play all what has been rendered since, in order; end it after the last."""
        starts = self._play_all
        if starts is None or not self._play_all_feeding:
            return
        takes = self.project.takes
        while len(starts) < len(takes):
            rendered = takes[len(starts)].rendered
            if rendered is None:
                break
            starts.append(len(self.player.audio) / rendered.sample_rate)
            self.player.extend(rendered.audio)
        if len(starts) == len(takes):
            self.player.end_growing()
            self._play_all_feeding = False

    def _show_position(self, seconds: float) -> None:
        """The playhead where the player is; while playing all, within the take shown."""
        starts = self._play_all
        index = self.current_index
        if starts is not None and 0 <= index < len(starts):
            seconds = max(seconds - starts[index], 0.0)
        self.take_view.set_playhead(seconds)

    def _on_loop_toggled(self) -> None:
        """Loop turned on or off while playing: what plays goes on the new way at once."""
        take = self.current_take
        if self.player.playing and take is not None and take.rendered is not None:
            self._play(take.rendered)

    def _on_range_changed(self, start: float, end: float) -> None:
        if start < 0:
            self.statusBar().clearMessage()
            return
        self.statusBar().showMessage(
            f"Selected {start:.3f} to {end:.3f} s ({(end - start) * 1000:.0f} ms): "
            "Space plays it, Ctrl+L loops it, Ctrl+Shift+I zooms to it"
        )

    def seek(self, seconds: float) -> None:
        self.take_view.set_playhead(seconds)
        if self.player.playing:
            take = self.current_take
            if take is not None and take.rendered is not None:
                self._play(take.rendered)

    # ---- versions, A/B ------------------------------------------------------------------

    def _add_version(self, take: Take, durations: Sequence[int], rendered: Rendered) -> None:
        """Keep a render as a version of its sentence; B follows the newest unless picked."""
        versions = self.versions.setdefault(take.text, [])
        if any(v.rendered is rendered for v in versions):
            return
        self._version_count += 1
        info = self.engine_info
        vocoder = f" + {info.vocoder_label}" if info and info.vocoder_label else ""
        edited = ", edited" if tuple(durations) != take.predicted else ""
        label = (
            f"#{self._version_count} {info.label if info else take.voice}{vocoder}, "
            f"seed {take.seed}{edited}, {rendered.seconds:.2f} s"
        )
        follow = self._picked["B"] is None or (versions and self._picked["B"] is versions[-1])
        versions.append(Version(label, take.text, tuple(durations), rendered))
        while len(versions) > VERSIONS_KEPT:
            old = next(v for v in versions if v not in self._picked.values())
            versions.remove(old)
        if self._picked["B"] is None or self._picked["B"].text != take.text or follow:
            self._picked["B"] = versions[-1]
        if self._picked["A"] is None or self._picked["A"].text != take.text:
            self._picked["A"] = versions[-2] if len(versions) > 1 else None
        if take is self.current_take:
            self._show_versions()

    def _show_versions(self) -> None:
        take = self.current_take
        versions = self.versions.get(take.text, []) if take is not None else []
        a, b = self._picked["A"], self._picked["B"]
        if take is not None and (a is None or a.text != take.text):
            a = versions[-2] if len(versions) > 1 else None
        if take is not None and (b is None or b.text != take.text):
            b = versions[-1] if versions else None
        self._picked = {"A": a, "B": b}
        self.compare.show_versions(versions, a, b)

    def _on_compare_picked(self) -> None:
        self._picked = {"A": self.compare.version("A"), "B": self.compare.version("B")}

    def mark_a(self) -> None:
        """The current take's audio as version A (then edit, and switch A/B to compare)."""
        take = self.current_take
        rendered = take.rendered if take is not None else None
        version = (
            next((v for v in self.versions.get(take.text, []) if v.rendered is rendered), None)
            if take is not None and rendered is not None
            else None
        )
        if version is None:
            self.statusBar().showMessage("Render this take first", 3000)
            return
        self._picked["A"] = version
        self.compare.pick("A", version)
        self.compare_dock.show()
        self.statusBar().showMessage("This version is A; edit, then switch A/B (Ctrl+B)", 4000)

    def switch_ab(self) -> None:
        """Play version A; while one version plays, go on with the other at the same place."""
        self.compare_dock.show()
        target = "B" if self._sounding == "A" else "A"
        version = self.compare.version(target)
        if version is None:
            self.statusBar().showMessage("Render this sentence twice to compare versions", 3000)
            return
        if not self.player.available:
            self.message_bar.show_message(
                f"Playback is off: {self.player.unavailable_reason}. Export still works.",
                "warning",
            )
            return
        audio, rate = version.rendered.audio, version.rendered.sample_rate
        try:
            if self._sounding is None:
                self.player.play(audio, rate, 0.0)
            else:
                self.player.swap(audio, rate)
        except RuntimeError as error:
            self.message_bar.show_message(str(error), "error")
            return
        self._sounding = target
        self.compare.set_sounding(target, self.player.position)

    def _on_position(self, seconds: float) -> None:
        if self._sounding is not None:
            self.compare.set_sounding(self._sounding, seconds)

    def _on_player_state(self, playing: bool) -> None:
        if not playing:
            self._sounding = None
            self.compare.set_sounding(None)
            self._play_all, self._play_all_feeding = None, False

    # ---- moving takes to another model -----------------------------------------------------

    def proof_listen(self) -> None:
        """Whisper tiny.en (in the task process) listens to the current take; the words it
        did not hear as written are underlined in the strip and named."""
        take = self.current_take
        rendered = take.rendered if take is not None else None
        if take is None or rendered is None:
            self.statusBar().showMessage("Render this take first", 3000)
            return
        if self._proof_task is not None and self._proof_task.busy:
            return
        self.statusBar().showMessage("Whisper is listening to the take...")
        self._proof_task = run_task(
            PROOF_LISTEN,
            self,
            text=take.text,
            audio=rendered.audio,
            sample_rate=rendered.sample_rate,
        )
        self._proof_task.succeeded.connect(lambda answer, t=take: self._on_proof(t, answer))
        self._proof_task.failed.connect(
            lambda message: self.message_bar.show_message(
                f"Proof-listening failed: {message}", "error"
            )
        )

    def _on_proof(self, take: Take, answer: ProofListening) -> None:
        self.statusBar().clearMessage()
        if take is not self.current_take:
            return  # the take changed while Whisper listened: its verdict is of the old one
        written = words.written_words(take.text)
        missed = [take.text[written[i][0] : written[i][1]] for i in answer.missed]
        self.take_view.alignment.mark(words.spoken_spans(take.text, take.tokens, answer.missed))
        if not missed:
            self.message_bar.show_message(
                f"Whisper heard every word as written: \u201c{answer.heard}\u201d", "info"
            )
            return
        self.message_bar.show_message(
            f"Whisper heard \u201c{answer.heard}\u201d; not as written: {', '.join(missed)} "
            "(underlined in red).",
            "warning",
        )

    def transplant_takes(self) -> None:
        """Re-make every take of another model with the loaded one, keeping each phoneme's
        time; one undoable step once all have come back."""
        voice = self.engine_info.voice if self.engine_info else None
        foreign = [i for i, t in enumerate(self.project.takes) if t.voice != voice]
        if not voice or not foreign:
            self.statusBar().showMessage("The takes are the loaded model's already", 3000)
            return
        self._transplanted = list(self.project.takes)
        self._transplant_jobs.clear()
        controls = self.panel.values()
        for index in foreign:
            job = self.engine.transplant(self.project.takes[index].utterance, controls)
            self._transplant_jobs[job] = index
        self.message_bar.hide()

    def _on_transplanted(self, index: int, answer: PrepareAnswer) -> None:
        if self._transplanted is None:
            return
        self._transplanted[index] = Take(answer.takes[0])
        if self._transplant_jobs:
            return
        after, self._transplanted = self._transplanted, None
        current = max(self.current_index, 0)
        label = self.engine_info.label if self.engine_info else "the loaded model"
        self.undo_stack.push(
            ReplaceTakes(
                self, self.project.takes, after, f"Move takes to {label}", current, current
            )
        )

    # ---- export ---------------------------------------------------------------------------

    def export_take(self, path: str | None = None) -> Path | None:
        take = self.current_take
        if take is None or take.rendered is None:
            self.message_bar.show_message("Render a take before exporting it.", "warning")
            return None
        suggested = f"take-{self.current_index + 1:03d}.wav"
        audio = peak_normalize(take.rendered.audio)
        return self._export(audio, take.rendered.sample_rate, path, suggested)

    def export_all(self, path: str | None = None) -> Path | None:
        renders = [take.rendered for take in self.project.takes]
        if not renders or any(rendered is None for rendered in renders):
            self.message_bar.show_message("Wait until every take is rendered.", "warning")
            return None
        done = [rendered for rendered in renders if rendered is not None]
        audio = np.concatenate([peak_normalize(r.audio) for r in done])
        suggested = f"{self.path.name if self.path else 'glottis'}.wav"
        return self._export(audio, done[0].sample_rate, path, suggested)

    def _export(
        self, audio: np.ndarray, sample_rate: int, path: str | None, suggested: str
    ) -> Path | None:
        """Write 16-bit PCM, each take brought to full scale as ``glottis say`` brings each
        sentence (Piper's convention); without ``path``, ask where, offering ``suggested``."""
        if not path:
            start = Path(str(self.settings.value("export_dir") or Path.home())) / suggested
            path, _ = QFileDialog.getSaveFileName(self, "Export WAV", str(start), "WAV (*.wav)")
            if not path:
                return None
        target = Path(path)
        if target.suffix.lower() != ".wav":
            target = target.with_suffix(".wav")
        try:
            projects.atomic_write(
                target,
                lambda f: sf.write(f, audio, sample_rate, format="WAV", subtype="PCM_16"),
            )
        except OSError as error:
            self.message_bar.show_message(f"Cannot write {target}: {error.strerror}", "error")
            return None
        self.settings.setValue("export_dir", str(target.parent))
        self.statusBar().showMessage(f"Exported {target}", 5000)
        return target

    def export_alignment(self, path: str | None = None, every_take: bool = False) -> Path | None:
        """The current take's word and phoneme timings (or every take's, end to end as
        ``export_all`` joins their audio), in the format of the file's extension, else of the
        dialog's filter; without ``path``, ask where, offering the last format used."""
        take = self.current_take
        takes = list(self.project.takes) if every_take else [take] if take else []
        if not takes or any(t.rendered is None for t in takes):
            self.message_bar.show_message(
                "Wait until every take is rendered." if every_take else "Render a take first.",
                "warning",
            )
            return None
        extension = str(self.settings.value("alignment_format") or alignments.TEXTGRID)
        extension = extension if extension in alignments.FORMATS else alignments.TEXTGRID
        if not path:
            if every_take:
                stem = self.path.name if self.path else "glottis"
            else:
                stem = f"take-{self.current_index + 1:03d}"
            start = Path(str(self.settings.value("export_dir") or Path.home())) / stem
            filters = {f"{name} (*{ext})": ext for ext, name in alignments.FORMATS.items()}
            chosen = next(f for f, ext in filters.items() if ext == extension)
            path, chosen = QFileDialog.getSaveFileName(
                self, "Export alignment", f"{start}{extension}", ";;".join(filters), chosen
            )
            if not path:
                return None
            extension = filters.get(chosen, extension)
        target = Path(path)
        try:
            extension = alignments.format_of(target)
        except alignments.AlignmentFormatError:
            target = target.with_suffix(extension)
        timings = alignments.alignment([t.utterance for t in takes], self.frame_seconds)
        try:
            alignments.write_alignment(timings, target)
        except OSError as error:
            self.message_bar.show_message(f"Cannot write {target}: {error.strerror}", "error")
            return None
        self.settings.setValue("export_dir", str(target.parent))
        self.settings.setValue("alignment_format", extension)
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
        """Open the project in ``folder``; it is read before the person is asked whether to
        save the open one, so that a folder that cannot be opened costs them no question."""
        try:
            project = projects.load(folder)
        except projects.ProjectError as error:
            self.message_bar.show_message(f"Could not open the project: {error}", "error")
            return False
        if ask and not self._may_discard():
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
        info = self.engine_info
        loaded = (info.voice, info.vocoder) if info else (None, None)
        wanted = (project.voice, project.vocoder or loaded[1])
        if project.voice and wanted != loaded:
            self._loading = f"the project's model {Path(project.voice).name}"
            self.engine.load(
                project.voice,
                project.vocoder,
                project.voice_config,
                project.vocoder_config,
                vocoder_optional=True,
            )
        elif project.speaker is not None and self.panel.speaker.isEnabled():
            self.panel.speaker.setValue(project.speaker)
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
        info = self.engine_info
        if info:
            self.project.voice = info.voice
            self.project.voice_config = info.config
            self.project.vocoder = info.vocoder
            self.project.vocoder_config = info.vocoder_config
            self.project.speaker = self.panel.speaker_for_render()
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
        app = application()
        appearance.apply_theme(app, theme)
        colors = appearance.plot_colors(app)
        self.take_view.apply_palette(colors)
        self.compare.apply_palette(colors)
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
        info = self.engine_info
        self.again_action.setEnabled(
            info is not None and take is not None and take.voice == info.voice
        )
        self.play_action.setEnabled(rendered and self.player.available or self.player.playing)
        self.export_action.setEnabled(rendered)
        self.export_all_action.setEnabled(
            bool(self.project.takes) and all(t.rendered for t in self.project.takes)
        )
        self.export_alignment_action.setEnabled(rendered)
        self.export_all_alignment_action.setEnabled(self.export_all_action.isEnabled())
        selected = self.take_view.first >= 0
        for action in (
            self.stretch_action,
            self.override_action,
            self.reroll_action,
            self.noise_action,
            self.emphasis_action,
            self.raise_action,
            self.lower_action,
            self.flatten_action,
            self.pause_action,
            self.unpause_action,
        ):
            action.setEnabled(selected)
        self.reset_action.setEnabled(take is not None)
        voice = self.engine_info.voice if self.engine_info else None
        self.transplant_action.setEnabled(
            bool(voice) and any(t.voice != voice for t in self.project.takes)
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        """A text field asks first whether a key is its own (ShortcutOverride): the window's
        Ctrl and Alt shortcuts (Ctrl+E, Ctrl+R, ...) are not, except the editing ones (undo,
        redo, cut, copy, paste, select all), so a focused seed or text box no longer swallows
        them (X11's line edits took Ctrl+E as "end of line")."""
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(watched, QLineEdit | QAbstractSpinBox | QPlainTextEdit)
            and isinstance(event, QKeyEvent)
            and self._is_window_shortcut(event)
        ):
            return True  # not delivered, so not claimed: the shortcut fires
        return super().eventFilter(watched, event)

    def _is_window_shortcut(self, event: QKeyEvent) -> bool:
        modifiers = event.modifiers()
        if not modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            return False
        if any(event.matches(key) for key in _EDITING_KEYS):
            return False
        pressed = QKeySequence(event.keyCombination())
        return any(
            pressed.matches(key) == QKeySequence.SequenceMatch.ExactMatch
            for action in self.findChildren(QAction)
            for key in action.shortcuts()
        )

    def _on_boundary_released(self, boundary: int, frames: int) -> None:
        self.statusBar().clearMessage()  # the drag's readout, which showed what it would make
        self.move_boundary(boundary, frames)

    def _on_undo_clean(self, _clean: bool) -> None:
        self._update_title()

    def _on_undo_index(self, _index: int) -> None:
        self._update_actions()

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


_EDITING_KEYS = (
    QKeySequence.StandardKey.Undo,
    QKeySequence.StandardKey.Redo,
    QKeySequence.StandardKey.Cut,
    QKeySequence.StandardKey.Copy,
    QKeySequence.StandardKey.Paste,
    QKeySequence.StandardKey.SelectAll,
)


def render_summary(answer: RenderAnswer) -> str:
    """The status bar's account of a render: its time (split into the acoustic model's and
    the vocoder's for mel models), the audio's length and the real-time factor."""
    timings = answer.timings
    split = ""
    if "acoustic" in timings and "vocoder" in timings:
        split = f" (model {timings['acoustic']:.2f} s, vocoder {timings['vocoder']:.2f} s)"
    return (
        f"last render {answer.synthesis_seconds:.2f} s{split} for "
        f"{answer.seconds:.2f} s of audio, RTF {answer.rtf:.3f}"
    )
