"""The recorder: read the prompts aloud into a dataset, watching the level and the coverage.

Keys (shown in the panel): **R** record the selected prompt, **Space** record / stop,
**S** stop and keep, **Backspace** re-take (while recording: start the take again; after
it: record the last kept prompt again), **N** skip to the next prompt, **P** play the take,
**Esc** drop the running take, **Up/Down** choose a prompt.

The input stream runs on PortAudio's thread and feeds an :class:`InputProcessor`; the panel
polls its meter with a QTimer (``LevelMeter.read`` gives the highest peak since the last
poll, so no peak is missed). A kept take is trimmed of its leading and trailing silence and
written mono 16-bit at the voice's sample rate in LJSpeech layout by
:class:`~engine.dataset.layout.DatasetWriter` in the task process (:mod:`studio.tasks`), one
take after another. Reading the voice's card and the prompts, importing a folder and counting
the phoneme coverage run there too; the window holds only the folder's list of takes.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.api.dataset import WAVS, ImportReport, Prompt, SoundCounts, nothing_imported
from engine.api.tasks import (
    DATASET_IMPORT,
    OPEN_DATASET,
    PHONEME_COUNTS,
    RECORDER_SETUP,
    SAVE_TAKE,
    DatasetTakes,
    RecorderSetup,
    SavedTake,
    VoiceRef,
)
from engine.audio.levels import is_clipped
from engine.audio.recording import (
    InputDevice,
    Level,
    Recorder,
    RecordingError,
    Take,
    list_input_devices,
)
from studio.message_bar import MessageBar
from studio.panels.level_meter import LevelMeterView
from studio.panels.voice import DATASET_FOLDER_KEY, default_dataset_folder
from studio.playback import Player
from studio.tasks import Task, run_task

METER_INTERVAL_MS = 33
CLIP_HOLD_SECONDS = 1.5
# Shorter than this a take is a slip of the key, not a reading.
MIN_TAKE_SECONDS = 0.3
SETTINGS_DEVICE = "voice/input_device"
KEYS_HELP = (
    "R record · Space record/stop · S stop and keep · Backspace re-take · N skip · "
    "P play · Esc drop the take · Up/Down choose"
)
STATUS_RECORDED = "recorded"
STATUS_SKIPPED = "skipped"
STATUS_RECORDING = "recording"


class RecorderPanel(QWidget):
    """Record prompts into an LJSpeech-layout dataset folder; import a folder of recordings.

    ``sample_rate`` is the voice's (takes are written at it); None: read from the card of
    ``voice``, which the task process reads (default: the default voice). ``prompts`` default to
    ``engine/resources/prompts/en.txt``. Without an input device the panel says so, recording is
    off, and importing still works.
    """

    take_saved = Signal(str)  # the clip id, once its WAV and line are on disk
    import_finished = Signal(object)  # the ImportReport
    check_requested = Signal(str)  # a dataset folder the person wants checked

    def __init__(
        self,
        folder: str | Path | None = None,
        *,
        sample_rate: int | None = None,
        voice: VoiceRef | None = None,
        prompts: list[Prompt] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Record prompts - Glottis")
        self.settings = QSettings()
        self.prompts: list[Prompt] = []
        self.sample_rate = sample_rate
        self._voice = voice or VoiceRef()
        self._given_prompts = prompts
        self.card: dict[str, Any] | None = None
        self.sounds: SoundCounts | None = None
        self.folder: Path | None = None
        self.dataset: DatasetTakes | None = None  # the folder's takes, once it is open
        self.recorder: Recorder | None = None
        self.devices: list[InputDevice] = []
        self.device_problem = ""
        self.skipped: set[str] = set()
        self.last_kept: str | None = None
        self.last_import: ImportReport | None = None
        self._pending_prompt: tuple[str, str | None] | None = None
        self._take_prompt: Prompt | None = None
        self._take_started = 0.0
        self._clip_until = 0.0
        self._save_queue: list[tuple[Prompt, Take]] = []
        self._take_notes: dict[str, list[str]] = {}
        self._save_job: Task | None = None
        self._setup_job: Task | None = None
        self._sounds_job: Task | None = None
        self._import_job: Task | None = None
        self._open_job: Task | None = None
        self.player = Player(self)
        self._build()
        self._build_actions()
        self.meter_timer = QTimer(self)
        self.meter_timer.setInterval(METER_INTERVAL_MS)
        self.meter_timer.timeout.connect(self._poll_meter)
        chosen = folder or self.settings.value(DATASET_FOLDER_KEY)
        if chosen:
            self.set_folder(Path(chosen))
        self.refresh_devices()
        self._read_setup()

    # ---- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.device_combo = QComboBox()
        self.device_combo.setToolTip("The microphone to record from")
        self.device_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("List the input devices again (after plugging one in)")
        self.folder_label = QLabel()
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder_button = QPushButton("Dataset folder...")
        self.import_button = QPushButton("Import folder...")
        self.import_button.setToolTip(
            "Bring in recordings made elsewhere: a folder in LJSpeech layout "
            "(metadata.csv, wavs/) or of WAV files each with a .txt transcript"
        )
        top = QGridLayout()
        top.addWidget(QLabel("Input"), 0, 0)
        top.addWidget(self.device_combo, 0, 1)
        top.addWidget(self.refresh_button, 0, 2)
        top.addWidget(QLabel("Dataset"), 1, 0)
        top.addWidget(self.folder_label, 1, 1)
        top.addWidget(self.folder_button, 1, 2)
        top.addWidget(self.import_button, 1, 3)
        top.setColumnStretch(1, 1)

        self.meter = LevelMeterView()
        self.peak_label = QLabel()
        self.rms_label = QLabel()
        self.noise_label = QLabel()
        self.noise_label.setToolTip(
            "The room's level between words: the quietest tenth of the last 5 seconds"
        )
        self.clip_label = QLabel(f"Clipping: peak above {-1:g} dBFS; lower the input gain")
        self.clip_label.setStyleSheet("background: #d63031; color: white; padding: 2px 6px;")
        self.clip_label.hide()
        readings = QHBoxLayout()
        for label in (self.peak_label, self.rms_label, self.noise_label):
            readings.addWidget(label)
        readings.addStretch(1)
        readings.addWidget(self.clip_label)
        self._show_level(None)

        self.message_bar = MessageBar()

        self.prompt_table = QTableWidget(0, 3)
        self.prompt_table.setHorizontalHeaderLabels(["Take", "Id", "Prompt"])
        self.prompt_table.verticalHeader().hide()
        self.prompt_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.prompt_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.prompt_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.prompt_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.prompt_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)

        self.prompt_label = QLabel()
        self.prompt_label.setWordWrap(True)
        self.prompt_label.setMinimumHeight(80)
        self.prompt_label.setFrameShape(QFrame.Shape.StyledPanel)
        self.prompt_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = QFont(self.prompt_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        self.prompt_label.setFont(font)
        self.take_label = QLabel()
        self.take_label.setWordWrap(True)
        self.kept_label = QLabel()
        self.kept_label.setWordWrap(True)
        self.kept_label.setToolTip("The last take kept, and what to know about it")
        self.buttons = QHBoxLayout()
        self.keys_label = QLabel(KEYS_HELP)
        self.keys_label.setWordWrap(True)
        self.keys_label.setEnabled(False)

        self.coverage_label = QLabel("Phoneme coverage: working it out...")
        self.coverage_label.setWordWrap(True)
        self.coverage_table = QTableWidget(0, 3)
        self.coverage_table.setHorizontalHeaderLabels(["Sound", "In takes", "In the list"])
        self.coverage_table.verticalHeader().hide()
        self.coverage_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.coverage_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.coverage_table.setSortingEnabled(True)
        self.coverage_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

        right = QWidget()
        column = QVBoxLayout(right)
        column.addWidget(self.prompt_label)
        column.addWidget(self.take_label)
        column.addWidget(self.kept_label)
        column.addLayout(self.buttons)
        column.addWidget(self.keys_label)
        column.addWidget(self.coverage_label)
        column.addWidget(self.coverage_table, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.prompt_table)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        self.import_box = QGroupBox("Import")
        self.import_progress = QProgressBar()
        self.import_cancel = QPushButton("Cancel")
        self.import_summary = QLabel()
        self.import_summary.setWordWrap(True)
        self.check_import_button = QPushButton("Check the imported dataset")
        self.rejected_list = QListWidget()
        self.rejected_list.setToolTip("Files that could not be imported, and why")
        self.rejected_list.setMaximumHeight(120)
        box = QGridLayout(self.import_box)
        box.addWidget(self.import_progress, 0, 0)
        box.addWidget(self.import_cancel, 0, 1)
        box.addWidget(self.import_summary, 1, 0)
        box.addWidget(self.check_import_button, 1, 1)
        box.addWidget(self.rejected_list, 2, 0, 1, 2)
        self.import_box.hide()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.meter)
        layout.addLayout(readings)
        layout.addWidget(self.message_bar)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.import_box)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.resize(1000, 700)

        self.device_combo.activated.connect(self._on_device_chosen)
        self.refresh_button.clicked.connect(self.refresh_devices)
        self.folder_button.clicked.connect(self.choose_folder)
        self.import_button.clicked.connect(lambda: self.import_folder())
        self.import_cancel.clicked.connect(self._cancel_import)
        self.check_import_button.clicked.connect(self._check_import)
        self.prompt_table.itemSelectionChanged.connect(self._show_prompt)

    def _cancel_import(self) -> None:
        if self._import_job is not None:
            self._import_job.cancel()

    def _build_actions(self) -> None:
        def action(text: str, keys: list[str], slot: Callable[[], None], tip: str) -> QAction:
            act = QAction(text, self)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setToolTip(f"{tip} ({' or '.join(keys)})")
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.record_action = action("Record", ["R"], self.record, "Record the selected prompt")
        self.stop_action = action("Stop", ["S"], self.stop, "Stop and keep the take")
        self.toggle_action = action("Record/Stop", ["Space"], self.toggle, "Record or stop")
        self.retake_action = action("Re-take", ["Backspace"], self.retake, "Record it again")
        self.skip_action = action("Skip", ["N"], self.skip, "Skip to the next prompt")
        self.play_action = action("Play take", ["P"], self.play_take, "Play the prompt's take")
        self.discard_action = action("Drop take", ["Esc"], self.discard, "Drop the running take")
        action("Previous", ["Up"], lambda: self._move(-1), "The previous prompt")
        action("Next", ["Down"], lambda: self._move(1), "The next prompt")
        for act in (
            self.record_action,
            self.stop_action,
            self.retake_action,
            self.skip_action,
            self.play_action,
        ):
            button = QToolButton()
            button.setDefaultAction(act)
            button.setText(f"{act.text()} ({act.shortcut().toString()})")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.buttons.addWidget(button)
        self.buttons.addStretch(1)

    # ---- the dataset folder and the voice ----------------------------------------------------

    def set_folder(self, folder: str | Path) -> None:
        """Record into ``folder`` (created if missing; an existing dataset is added to)."""
        self.folder = Path(folder)
        self.folder_label.setText(str(self.folder))
        self.settings.setValue(DATASET_FOLDER_KEY, str(self.folder))
        self.skipped.clear()  # skipped in the other folder, not in this one
        self.dataset = None
        self._open_dataset()
        self._fill_prompts()
        self._show_coverage()

    def choose_folder(self) -> None:
        start = str(self.folder) if self.folder else ""
        folder = QFileDialog.getExistingDirectory(self, "Dataset folder", start)
        if folder:
            self.set_folder(folder)

    def set_voice(self, sample_rate: int | None, voice: VoiceRef) -> None:
        """Record for another voice (the engine loaded one): its rate and its sounds."""
        self.sample_rate = sample_rate
        self._voice = voice
        self.card = self.sounds = None
        self.dataset = None
        if self._sounds_job is not None:
            self._sounds_job.abandon()  # it counts the previous voice's sounds
        self._sounds_job = None
        self._update_actions()
        self._read_setup()

    @property
    def ready(self) -> bool:
        """The prompts, the voice's rate and the dataset folder are known."""
        return self.card is not None and self.dataset is not None

    def _open_dataset(self) -> None:
        """Open the folder at the voice's rate in the task process (made when missing; an
        existing dataset's takes are read)."""
        if self.sample_rate is None or self.folder is None or self.dataset is not None:
            return
        if self._open_job is not None:
            self._open_job.abandon()  # it opens the previous folder or rate
        folder = self.folder
        self._open_job = run_task(
            OPEN_DATASET, self, folder=str(folder), sample_rate=self.sample_rate
        )
        self._open_job.succeeded.connect(self._on_dataset_open)
        self._open_job.failed.connect(
            lambda message: self.message_bar.show_message(
                f"Cannot record into {folder}: {message}", "error"
            )
        )

    def _on_dataset_open(self, dataset: DatasetTakes) -> None:
        self.dataset = dataset
        self._fill_prompts()
        self._show_coverage()
        self._update_actions()
        self._save_next()  # takes stopped while the folder was opening
        self._count_sounds([])

    def _read_setup(self) -> None:
        if self._setup_job is not None:
            self._setup_job.abandon()  # never wait on the UI thread for a voice load
        given = self.prompts or self._given_prompts
        self._setup_job = run_task(RECORDER_SETUP, self, voice=self._voice, prompts=given)
        self._setup_job.succeeded.connect(self._on_setup)
        self._setup_job.failed.connect(
            lambda message: self.message_bar.show_message(
                f"The prompts or the voice's card cannot be read ({message}); "
                "takes cannot be saved.",
                "error",
            )
        )
        self.take_label.setText("Reading the prompts and the voice...")

    def _on_setup(self, setup: RecorderSetup) -> None:
        self.card = setup.card
        self.prompts = setup.prompts
        if self.sample_rate is None:
            self.sample_rate = int(setup.card["sample_rate"])
        if self.folder is None:
            self.set_folder(default_dataset_folder())
        else:
            self._open_dataset()
            self._fill_prompts()
        if self._pending_prompt is not None:
            self.select_prompt(*self._pending_prompt)
            self._pending_prompt = None
        self._save_next()  # takes stopped while the voice was changing
        self._count_sounds(p.text for p in self.prompts)

    def _count_sounds(self, texts: Iterable[str]) -> None:
        """Phonemize the texts not counted yet (in the task process), then show the
        coverage."""
        if self.card is None:
            return
        known = self.sounds.per_text if self.sounds else {}
        wanted = [t for t in dict.fromkeys(list(texts) + self._take_texts()) if t not in known]
        if not wanted or (self._sounds_job is not None and self._sounds_job.busy):
            return
        self._sounds_job = run_task(PHONEME_COUNTS, self, card=self.card, texts=wanted)
        self._sounds_job.succeeded.connect(self._on_sounds)
        self._sounds_job.failed.connect(
            lambda message: self.coverage_label.setText(f"Phoneme coverage failed: {message}")
        )

    def _on_sounds(self, counted: SoundCounts) -> None:
        known = self.sounds.per_text if self.sounds else {}
        self.sounds = SoundCounts(counted.inventory, {**known, **counted.per_text})
        self._show_coverage()
        self._count_sounds([])  # texts recorded while this job ran

    # ---- devices and the meter ---------------------------------------------------------------

    def refresh_devices(self) -> None:
        """List the input devices again and open the chosen (or default) one."""
        self.close_device()
        self.device_combo.clear()
        try:
            self.devices = list_input_devices()
        except RecordingError as error:  # NoInputDevice included
            self.devices = []
            self._no_device(str(error))
            return
        wanted = self.settings.value(SETTINGS_DEVICE)
        for device in self.devices:
            default = " (default)" if device.is_default else ""
            self.device_combo.addItem(f"{device.name}{default} - {device.host_api}")
        names = [d.name for d in self.devices]
        self.open_device(names.index(wanted) if wanted in names else 0)

    def open_device(self, row: int) -> bool:
        """Open the ``row``-th listed input device and start the meter."""
        self.close_device()
        device = self.devices[row]
        self.device_combo.setCurrentIndex(row)
        recorder = Recorder(device=device.index)
        try:
            recorder.open()
        except RecordingError as error:
            self._no_device(str(error), keep_list=True)
            return False
        self.recorder = recorder
        self.device_problem = ""
        if self.message_bar.level in ("warning", "error") and "input" in self.message_bar.text():
            self.message_bar.hide()
        self.meter_timer.start()
        self._update_actions()
        return True

    def close_device(self) -> None:
        self.meter_timer.stop()
        if self.recorder is not None:
            self.recorder.close()
        self.recorder = None
        self._take_prompt = None
        self._show_level(None)
        self._update_actions()

    def _on_device_chosen(self, row: int) -> None:
        if 0 <= row < len(self.devices) and self.open_device(row):
            self.settings.setValue(SETTINGS_DEVICE, self.devices[row].name)

    def _no_device(self, reason: str, keep_list: bool = False) -> None:
        self.device_problem = reason
        if not keep_list:
            self.device_combo.addItem("No input device")
        self.message_bar.show_message(
            f"Recording is off: {reason} Importing a folder of recordings still works.",
            "warning",
        )
        self._update_actions()

    def _poll_meter(self) -> None:
        if self.recorder is None:
            return
        level = self.recorder.read_level()
        self._show_level(level)
        if self._take_prompt is not None:
            seconds = time.monotonic() - self._take_started
            self.take_label.setText(f"Recording {self._take_prompt.id}: {seconds:.1f} s")

    def _show_level(self, level: Level | None) -> None:
        now = time.monotonic()
        if level is None:
            self.meter.set_level(Level(-120.0, -120.0, False, -120.0))
            for label in (self.peak_label, self.rms_label, self.noise_label):
                label.setText("")
            self.clip_label.hide()
            return
        self.meter.set_level(level)
        self.peak_label.setText(f"Peak {level.peak_dbfs:.1f} dBFS")
        self.rms_label.setText(f"RMS {level.rms_dbfs:.1f} dBFS")
        self.noise_label.setText(f"Noise floor {level.noise_floor_dbfs:.0f} dBFS")
        if level.clipping:
            self._clip_until = now + CLIP_HOLD_SECONDS
        self.clip_label.setVisible(now < self._clip_until)

    @property
    def clipping_shown(self) -> bool:
        return not self.clip_label.isHidden()

    # ---- prompts -----------------------------------------------------------------------------

    def _take_texts(self) -> list[str]:
        return list(self.dataset.takes.values()) if self.dataset else []

    def recorded_ids(self) -> set[str]:
        return set(self.dataset.takes) if self.dataset else set()

    def wav_path(self, clip_id: str) -> Path | None:
        """Where the take ``clip_id`` of the open folder lives (None: no folder is open)."""
        return Path(self.dataset.folder) / WAVS / f"{clip_id}.wav" if self.dataset else None

    def _fill_prompts(self) -> None:
        current = self.current_prompt
        recorded = self.recorded_ids()
        self.prompt_table.setRowCount(len(self.prompts))
        for row, prompt in enumerate(self.prompts):
            self.prompt_table.setItem(row, 0, QTableWidgetItem(self._status(prompt, recorded)))
            self.prompt_table.setItem(row, 1, QTableWidgetItem(prompt.id))
            self.prompt_table.setItem(row, 2, QTableWidgetItem(prompt.text))
        if current is not None:
            self.select_prompt(current.id)
        elif self.prompts:
            self.select_prompt(self._next_open(-1) or self.prompts[0].id)

    def _status(self, prompt: Prompt, recorded: set[str]) -> str:
        if self._take_prompt is not None and prompt.id == self._take_prompt.id:
            return STATUS_RECORDING
        if prompt.id in recorded:
            return STATUS_RECORDED
        return STATUS_SKIPPED if prompt.id in self.skipped else ""

    def _refresh_status(self, prompt_id: str) -> None:
        row = self._row(prompt_id)
        item = self.prompt_table.item(row, 0) if row >= 0 else None
        if item is not None:
            item.setText(self._status(self.prompts[row], self.recorded_ids()))

    def status_of(self, prompt_id: str) -> str:
        row = self._row(prompt_id)
        item = self.prompt_table.item(row, 0) if row >= 0 else None
        return item.text() if item is not None else ""

    def _row(self, prompt_id: str) -> int:
        return next((i for i, p in enumerate(self.prompts) if p.id == prompt_id), -1)

    @property
    def current_prompt(self) -> Prompt | None:
        rows = self.prompt_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.prompts):
            return None
        return self.prompts[rows[0].row()]

    def select_prompt(self, prompt_id: str, text: str | None = None) -> None:
        """Make ``prompt_id`` the current prompt; an id not in the list (an imported clip to
        record again) is added to its top with ``text``."""
        if self.card is None:  # the prompts are still being read
            self._pending_prompt = (prompt_id, text)
            return
        row = self._row(prompt_id)
        if row < 0:
            if text is None:
                raise KeyError(f"no prompt {prompt_id!r}")
            self.prompts.insert(0, Prompt(prompt_id, text))
            self._fill_prompts_keeping(prompt_id)
            row = 0
        self.prompt_table.selectRow(row)
        item = self.prompt_table.item(row, 2)
        if item is not None:
            self.prompt_table.scrollToItem(item)

    def _fill_prompts_keeping(self, prompt_id: str) -> None:
        self.prompt_table.clearSelection()
        self._fill_prompts()
        self.prompt_table.selectRow(self._row(prompt_id))

    def _show_prompt(self) -> None:
        prompt = self.current_prompt
        self.prompt_label.setText(prompt.text if prompt else "")
        if prompt is not None and self._take_prompt is None:
            recorded = prompt.id in self.recorded_ids()
            self.take_label.setText(
                f"{prompt.id}: recorded (P plays it, Backspace records it again)"
                if recorded
                else f"{prompt.id}: not recorded yet (R records it)"
            )
        self._update_actions()

    def _move(self, step: int) -> None:
        prompt = self.current_prompt
        if prompt is None or self._take_prompt is not None:
            return
        row = min(max(self._row(prompt.id) + step, 0), len(self.prompts) - 1)
        self.select_prompt(self.prompts[row].id)

    def _next_open(self, after: int) -> str | None:
        """The id of the first prompt after row ``after`` neither recorded nor skipped."""
        done = self.recorded_ids() | self.skipped
        for prompt in self.prompts[after + 1 :]:
            if prompt.id not in done:
                return prompt.id
        return None

    def _advance(self, prompt: Prompt) -> None:
        following = self._next_open(self._row(prompt.id))
        if following is None:
            self.take_label.setText(
                self.take_label.text() + "; no prompt after this one is left to record"
            )
            return
        self.select_prompt(following)

    # ---- takes -------------------------------------------------------------------------------

    @property
    def recording(self) -> bool:
        return self._take_prompt is not None

    def record(self) -> None:
        """Start a take of the selected prompt (a running take is started again)."""
        prompt = self.current_prompt
        if prompt is None or self.recorder is None or self.dataset is None:
            self._explain_why_not()
            return
        self.player.stop()
        self.recorder.start_take()
        self.recorder.meter.clipped = False
        self._take_prompt = prompt
        self._take_started = time.monotonic()
        self._refresh_status(prompt.id)
        self.take_label.setText(f"Recording {prompt.id}...")
        self._update_actions()

    def stop(self) -> None:
        """Stop the take and keep it."""
        prompt, self._take_prompt = self._take_prompt, None
        if prompt is None or self.recorder is None:
            return
        self.keep_take(prompt, self.recorder.stop_take())

    def keep_take(self, prompt: Prompt, take: Take) -> None:
        """Keep a take of ``prompt``: trimmed and written in the task process, after the
        takes kept before it; then the next open prompt is selected."""
        clipped = is_clipped(take.audio)  # the dataset check's rule, not the meter's light
        self._refresh_status(prompt.id)
        if take.duration_s < MIN_TAKE_SECONDS:
            self.kept_label.setText(f"{prompt.id}: the take was too short to keep")
            self._update_actions()
            return
        notes = []
        if clipped:
            notes.append("it clipped: lower the input gain and record it again (Backspace)")
        if take.overflows:
            notes.append(f"{take.overflows} gaps where the computer fell behind")
        self._take_notes[prompt.id] = notes
        self.kept_label.setText(
            f"Keeping {prompt.id} ({take.duration_s:.1f} s)..."
            + (f" {'; '.join(notes)}" if notes else "")
        )
        self._save_queue.append((prompt, take))
        self._save_next()
        self._advance(prompt)
        self._update_actions()

    def toggle(self) -> None:
        if self.recording:
            self.stop()
        else:
            self.record()

    def retake(self) -> None:
        """While recording: start the take again. Otherwise record the last kept prompt again
        (or the selected one, when nothing was kept in this session)."""
        if self.recording:
            self.record()
            return
        if self.last_kept is not None and self._row(self.last_kept) >= 0:
            self.select_prompt(self.last_kept)
        self.record()

    def skip(self) -> None:
        """Leave the selected prompt unrecorded and go to the next open one."""
        if self.recording:
            self.discard()
        prompt = self.current_prompt
        if prompt is None:
            return
        if prompt.id not in self.recorded_ids():
            self.skipped.add(prompt.id)
            self._refresh_status(prompt.id)
        self._advance(prompt)

    def discard(self) -> None:
        """Drop the running take."""
        prompt, self._take_prompt = self._take_prompt, None
        if prompt is None or self.recorder is None:
            return
        self.recorder.stop_take()
        self._refresh_status(prompt.id)
        self.take_label.setText(f"{prompt.id}: take dropped")
        self._update_actions()

    def play_take(self) -> None:
        """Play the selected prompt's saved take."""
        prompt = self.current_prompt
        path = self.wav_path(prompt.id) if prompt is not None else None
        if prompt is None or path is None or prompt.id not in self.recorded_ids():
            self.take_label.setText("This prompt has no take to play yet")
            return
        if not self.player.available:
            self.message_bar.show_message(
                f"Playback is off: {self.player.unavailable_reason}", "warning"
            )
            return
        if self.player.playing:
            self.player.stop()
            return
        audio, rate = sf.read(path, dtype="float32")
        try:
            self.player.play(np.asarray(audio).reshape(-1), rate)
        except RuntimeError as error:
            self.message_bar.show_message(str(error), "error")

    def _explain_why_not(self) -> None:
        if self.recorder is None:
            reason = self.device_problem or "no input device is open"
        elif self.dataset is None:
            reason = (
                "the voice's sample rate is not known yet (its card is being read)"
                if self.sample_rate is None
                else f"the dataset folder {self.folder} is not open"
            )
        else:
            reason = "choose a prompt first"
        self.take_label.setText(f"Cannot record: {reason}")

    def _save_next(self) -> None:
        if self._save_job is not None and self._save_job.busy:
            return
        if not self._save_queue or self.dataset is None or self.sample_rate is None:
            return
        prompt, take = self._save_queue.pop(0)
        self._save_job = self._save_task(prompt, take, self)
        self._save_job.succeeded.connect(self._on_saved)
        self._save_job.failed.connect(self._on_save_failed)

    def _save_task(self, prompt: Prompt, take: Take, parent: QWidget | None) -> Task:
        """Ask the task process to write a take (``parent``: None for one that must outlive
        the panel)."""
        assert self.dataset is not None
        return run_task(
            SAVE_TAKE,
            parent,
            folder=self.dataset.folder,
            sample_rate=self.sample_rate,
            clip_id=prompt.id,
            text=prompt.text,
            audio=take.audio,
            audio_rate=take.sample_rate,
        )

    def _on_saved(self, saved: SavedTake) -> None:
        self.dataset = saved.dataset
        self._save_next()
        clip_id = saved.clip_id
        self.last_kept = clip_id
        seconds = saved.seconds
        notes = self._take_notes.pop(clip_id, [])
        self.kept_label.setText(
            f"Kept {clip_id}: {seconds:.1f} s after trimming the silence around it"
            + (f"; {'; '.join(notes)}" if notes else "")
        )
        self.skipped.discard(clip_id)
        self._refresh_status(clip_id)
        if self.current_prompt is not None and self.current_prompt.id == clip_id:
            self._show_prompt()
        self._count_sounds([])
        self._show_coverage()
        self.take_saved.emit(clip_id)

    def _on_save_failed(self, message: str) -> None:
        self._save_next()
        self.kept_label.setText("")
        self.message_bar.show_message(f"The take was not kept: {message}", "error")

    @property
    def saving(self) -> bool:
        running = self._save_job is not None and self._save_job.busy
        return running or bool(self._save_queue)

    # ---- coverage ----------------------------------------------------------------------------

    def coverage(self) -> tuple[Counter[str], Counter[str]] | None:
        """Each sound's count in the kept takes and in the whole prompt list (None until the
        prompts are phonemized)."""
        if self.sounds is None:
            return None
        return self.sounds.total(self._take_texts()), self.sounds.total(
            p.text for p in self.prompts
        )

    def _show_coverage(self) -> None:
        counts = self.coverage()
        if counts is None or self.sounds is None:
            return
        takes, listed = counts
        inventory = self.sounds.inventory
        self.coverage_table.setSortingEnabled(False)
        self.coverage_table.setRowCount(len(inventory))
        for row, sound in enumerate(inventory):
            cells = (sound, takes[sound], listed[sound])
            for col, value in enumerate(cells):
                item = QTableWidgetItem()
                item.setData(Qt.ItemDataRole.DisplayRole, value)
                if col == 1 and not value:
                    item.setForeground(Qt.GlobalColor.red)
                self.coverage_table.setItem(row, col, item)
        self.coverage_table.setSortingEnabled(True)
        self.coverage_table.sortItems(1, Qt.SortOrder.AscendingOrder)
        covered = sum(1 for s in inventory if takes[s])
        rarest = sorted(inventory, key=lambda s: (takes[s], s))[:6]
        missing = [s for s in inventory if not listed[s]]
        self.coverage_label.setText(
            f"Phoneme coverage: the {len(self.recorded_ids())} takes cover {covered} of "
            f"{len(inventory)} sounds (rarest: {', '.join(f'{s} {takes[s]}' for s in rarest)}). "
            + (
                f"The list of {len(self.prompts)} prompts covers every sound, the rarest "
                f"{min(listed.values(), default=0)} times."
                if not missing
                else f"The list lacks {' '.join(missing)}."
            )
        )

    # ---- import ------------------------------------------------------------------------------

    def import_folder(self, src: str | Path | None = None, out: str | Path | None = None) -> None:
        """Import a folder of recordings into a new dataset folder, off the UI thread."""
        if self.importing:
            return
        if self.sample_rate is None:
            self.message_bar.show_message(
                "The voice's sample rate is not known yet; try again in a moment.", "warning"
            )
            return
        if src is None:
            src = QFileDialog.getExistingDirectory(self, "Folder of recordings to import")
        if not src:
            return
        if out is None:
            out = QFileDialog.getExistingDirectory(
                self, "New, empty folder for the imported dataset", str(Path(src).parent)
            )
        if not out:
            return
        rate = self.sample_rate
        source, target = Path(src), Path(out)
        job = run_task(DATASET_IMPORT, self, src=str(source), out=str(target), sample_rate=rate)
        job.progressed.connect(self._on_import_progress)
        job.succeeded.connect(lambda report: self._on_imported(report, source))
        job.failed.connect(lambda message: self._import_ended(f"Import failed: {message}"))
        job.cancelled.connect(lambda: self._import_ended("Import cancelled; nothing was written"))
        self._import_job = job
        self.import_box.show()
        self.import_box.setTitle(f"Importing {source}")
        self.import_progress.setRange(0, 0)
        self.import_progress.show()
        self.import_cancel.show()
        self.check_import_button.hide()
        self.import_summary.setText("Reading the folder...")
        self.rejected_list.clear()

    @property
    def importing(self) -> bool:
        return self._import_job is not None and self._import_job.busy

    def _on_import_progress(self, done: int, total: int) -> None:
        self.import_progress.setRange(0, total)
        self.import_progress.setValue(done)
        self.import_summary.setText(f"{done} of {total} clips")

    def _on_imported(self, report: ImportReport, source: Path) -> None:
        self.last_import = report
        seconds = sum(clip.duration_s for clip in report.imported)
        minutes, seconds = divmod(seconds, 60)
        if report.out is None:
            text = f"Import failed: {nothing_imported(source)}."
        else:
            text = (
                f"Imported {len(report.imported)} clips ({int(minutes)} min {seconds:.0f} s, "
                f"{report.layout}) into {report.out} at {report.sample_rate} Hz; "
                f"{len(report.rejected)} rejected."
            )
        for item in report.rejected:
            self.rejected_list.addItem(f"{item.source}: {item.reason}")
        self._import_ended(text)
        self.check_import_button.setVisible(report.out is not None)
        self.import_finished.emit(report)

    def _import_ended(self, text: str) -> None:
        self.import_summary.setText(text)
        self.import_progress.hide()
        self.import_cancel.hide()
        self.rejected_list.setVisible(self.rejected_list.count() > 0)

    def _check_import(self) -> None:
        if self.last_import is not None and self.last_import.out is not None:
            self.check_requested.emit(str(self.last_import.out))

    # ---- state -------------------------------------------------------------------------------

    def _update_actions(self) -> None:
        ready = self.recorder is not None and self.dataset is not None
        self.record_action.setEnabled(ready)
        self.toggle_action.setEnabled(ready)
        self.retake_action.setEnabled(ready)
        self.stop_action.setEnabled(self.recording)
        self.discard_action.setEnabled(self.recording)
        prompt = self.current_prompt
        self.play_action.setEnabled(
            prompt is not None and prompt.id in self.recorded_ids() and self.player.available
        )
        self.device_combo.setEnabled(bool(self.devices) and not self.recording)

    def shutdown(self) -> None:
        """Close the input device and stop the tasks (the window is going away). Takes still
        waiting to be saved are handed to the task process, which writes them before it
        ends."""
        self.player.stop()
        self.close_device()
        for job in (self._setup_job, self._sounds_job, self._import_job, self._open_job):
            if job is not None:
                job.abandon()
        if self.dataset is not None:
            while self._save_queue:
                self._save_task(*self._save_queue.pop(0), parent=None)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        if self.recording:
            self.discard()
        self.player.stop()
        self.close_device()
        super().closeEvent(event)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self.recorder is None and self.devices and not self.device_problem:
            self.open_device(max(self.device_combo.currentIndex(), 0))
