"""The training panel: fine-tune or train a model, watch it learn, hear it, use it.

The run happens in a training process of its own (:mod:`engine.training.worker`), never in
the window's: the panel sends it the run's options and reads its events through a
:class:`~studio.process_link.ProcessLink`, as the render engine's client does. Loss curves are
redrawn from a timer a few times a second (not once per step), so a fast run cannot keep the
UI thread busy.

"Start (fine-tune from...)" begins a new run in an empty output folder from the weights named
in "From" (the bundled voice, for vits-finetune, when empty); "Resume" continues the run the
output folder holds, exactly where its last checkpoint left it. The two are never mixed: an
output folder that holds a run can only be resumed, so nothing is overwritten.

Every ending is shown: done, cancelled (with the checkpoint kept), out of memory or failed
(with the engine's advice), and a training process that died (with the last checkpoint, which
the engine writes atomically, so it loads).

A voice fine-tune also says how close it is: each validation measures the voice's renders of
the held-out sentences against the person's recordings (speaker similarity) and with Whisper
(character error rate), from the starting voice at step 0 on, drawn beside the loss curves;
the best checkpoint is kept by the rule the panel states, and "Use this voice" loads it once
one is better than the start. Before a fine-tune starts, the dataset is checked in the task
process (:mod:`studio.tasks`) and what would hold the voice back is named; the person can
still go on.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.api.dataset import METADATA
from engine.api.pipe import CANCEL
from engine.api.tasks import DATASET_ASSESS, Assessment
from engine.api.training import (
    BEST_FOLDER,
    BEST_RULE,
    CHECKPOINTS,
    LAST,
    OPTIONS_FILE,
    START,
    WORKER_MODULE,
)
from engine.user_data import data_dir, voices_dir
from studio.message_bar import MessageBar
from studio.panels.voice import DATASET_FOLDER_KEY, default_dataset_folder
from studio.playback import Player
from studio.process_link import ProcessLink
from studio.tasks import Task, run_task

RECIPES = {
    "vits-finetune": "Fine-tune a VITS voice",
    "glow-tts": "Glow-TTS (acoustic model)",
    "grad-tts": "Grad-TTS (acoustic model)",
    "hifigan": "HiFi-GAN (vocoder)",
}
START_FROM_DEFAULT = {
    "vits-finetune": "the bundled voice",
    "glow-tts": "scratch",
    "grad-tts": "scratch",
    "hifigan": "scratch",
}
SETTINGS_PREFIX = "training/"
PLOT_INTERVAL_MS = 250  # loss curves are redrawn at most this often
STOP_TIMEOUT = 5.0  # a closing studio waits this long for a run to save its checkpoint
LAST_CHECKPOINT = Path(CHECKPOINTS) / LAST
DEFAULT_MINUTES = {"vits-finetune": 30}
DEFAULT_CHECKPOINT_EVERY = {"vits-finetune": 100}  # a light step takes about 2 s on a CPU
AB_GAP_SECONDS = 0.4
MODES = {None: "Automatic (light without a GPU)", "light": "Light", "full": "Full"}


def default_output_folder(recipe: str) -> Path:
    """Where a run writes unless told: a VITS fine-tune into the user's voices folder (so the
    result is in the voice list as soon as it has a checkpoint), the others under
    ``<user data>/training``."""
    if recipe == "vits-finetune":
        return voices_dir() / "my-voice"
    return data_dir() / "training" / recipe


def stored_run(out: Path) -> dict[str, Any] | None:
    """The options of the run ``out`` holds (``train.json``), or None when it holds none that
    can be resumed (no ``checkpoints/last.pt``)."""
    if not (out / LAST_CHECKPOINT).is_file():
        return None
    try:
        return json.loads((out / OPTIONS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def format_duration(seconds: float) -> str:
    if not math.isfinite(seconds) or seconds < 0:
        return "--:--"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class TrainingPanel(QWidget):
    """Set up a run, start or resume it, and follow it to its end.

    ``advanced`` holds further :class:`~engine.training.options.TrainOptions` fields for the next
    run (``recipe_options``, ``sample_texts``, ``learning_rate``, ``segment_frames``, ...), for a
    person who scripts the studio and for tests that train tiny models.
    """

    use_voice_requested = Signal(str)  # a voice folder for the studio to load
    run_finished = Signal(dict)  # the worker's "finished" event
    worker_ready = Signal(list)  # the devices the training process can use

    def __init__(
        self,
        dataset: str | Path | None = None,
        out: str | Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Train a voice - Glottis")
        self.settings = QSettings()
        self.advanced: dict[str, Any] = {}
        self.link = ProcessLink(WORKER_MODULE, self)
        self.link.received.connect(self._on_event)
        self.link.exited.connect(self._on_worker_exit)
        self.running = False
        self.run_recipe: str | None = None
        self.last_checkpoint: str | None = None
        self.step = 0
        self.losses: dict[str, tuple[list[int], list[float]]] = {}
        self.validation: tuple[list[int], list[float]] = ([], [])
        self.closeness: dict[str, tuple[list[int], list[float]]] = {
            "similarity": ([], []),
            "cer": ([], []),
        }
        self.best: tuple[int, float] | None = None
        self.best_step: int | None = None
        self.budgeted = False  # the run ends at its time budget rather than its step limit
        self.pitch: tuple[float | None, float | None] = (None, None)
        self.assessed: Assessment | None = None
        self._assess_job: Task | None = None
        self.confirm_findings = self._ask_to_go_on
        self.samples: list[dict[str, Any]] = []
        self.rejected: list[tuple[str, ...]] = []
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._plot_dirty = False
        self.player = Player(self)
        self._build()
        recipe = self.settings.value(SETTINGS_PREFIX + "recipe") or "vits-finetune"
        self.recipe_box.setCurrentIndex(max(self.recipe_box.findData(recipe), 0))
        chosen = dataset or self.settings.value(DATASET_FOLDER_KEY) or default_dataset_folder()
        self.data_edit.setText(str(chosen))
        self.out_edit.setText(str(out or default_output_folder(self.recipe)))
        self.out_edit.textChanged.connect(lambda _text: self._update_actions())
        self.recipe_box.currentIndexChanged.connect(lambda _i: self._on_recipe_changed())
        self._on_recipe_changed(keep_out=True)
        self._plot_timer = QTimer(self)
        self._plot_timer.setInterval(PLOT_INTERVAL_MS)
        self._plot_timer.timeout.connect(self._redraw)
        self._plot_timer.start()
        self.start_worker()

    # ---- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.recipe_box = QComboBox()
        for name, label in RECIPES.items():
            self.recipe_box.addItem(f"{label} ({name})", name)
        self.from_edit = QLineEdit()
        self.from_edit.setToolTip(
            "Weights to start from: a voice folder, a Piper .onnx or an official checkpoint"
        )
        from_button = QPushButton("Browse...")
        from_button.clicked.connect(self._choose_from)
        self.data_edit = QLineEdit()
        self.data_edit.setToolTip("An LJSpeech-layout folder: metadata.csv (id|text) and wavs/")
        data_button = QPushButton("Browse...")
        data_button.clicked.connect(lambda: self._choose_folder(self.data_edit, "Dataset folder"))
        self.out_edit = QLineEdit()
        self.out_edit.setToolTip(
            "The run's folder: checkpoints, metrics.jsonl, samples, and the model as it stands"
        )
        out_button = QPushButton("Browse...")
        out_button.clicked.connect(lambda: self._choose_folder(self.out_edit, "Output folder"))
        self.steps_spin = QSpinBox()
        self.steps_spin.setRange(1, 10_000_000)
        self.steps_spin.setValue(self._setting("max_steps", 10_000))
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(0, 1024)
        self.batch_spin.setSpecialValueText("recipe default")
        self.batch_spin.setValue(self._setting("batch_size", 0))
        self.sample_spin = QSpinBox()
        self.sample_spin.setRange(1, 1_000_000)
        self.sample_spin.setValue(self._setting("sample_every", 500))
        self.checkpoint_spin = QSpinBox()
        self.checkpoint_spin.setRange(1, 1_000_000)
        self.checkpoint_spin.setToolTip("A checkpoint and a validation every this many steps")
        self.device_box = QComboBox()
        self.device_box.addItem("Automatic", None)
        self.device_box.addItem("CPU", "cpu")
        self.mode_box = QComboBox()
        for mode, label in MODES.items():
            self.mode_box.addItem(label, mode)
        self.mode_box.setToolTip(
            "Light: the decoder, flow and posterior learn your voice against a small "
            "discriminator, the text side stays (minutes on a CPU). Full: every part, the "
            "official discriminators (hours; for a GPU)."
        )
        self.minutes_spin = QSpinBox()
        self.minutes_spin.setRange(0, 100_000)
        self.minutes_spin.setSpecialValueText("no limit")
        self.minutes_spin.setSuffix(" min")
        self.minutes_spin.setToolTip(
            "Wall-clock budget, preparation included: the run stops cleanly when it is spent"
        )

        form = QFormLayout()
        form.addRow("Recipe", self.recipe_box)
        form.addRow("From", _row(self.from_edit, from_button))
        form.addRow("Dataset", _row(self.data_edit, data_button))
        form.addRow("Output folder", _row(self.out_edit, out_button))
        numbers = QHBoxLayout()
        for label, spin in (
            ("Steps", self.steps_spin),
            ("Batch", self.batch_spin),
            ("Samples every", self.sample_spin),
            ("Checkpoint every", self.checkpoint_spin),
        ):
            numbers.addWidget(QLabel(label))
            numbers.addWidget(spin)
        numbers.addWidget(QLabel("Device"))
        numbers.addWidget(self.device_box)
        numbers.addStretch(1)
        form.addRow(numbers)
        budget = QHBoxLayout()
        budget.addWidget(QLabel("Time budget"))
        budget.addWidget(self.minutes_spin)
        budget.addWidget(QLabel("Mode"))
        budget.addWidget(self.mode_box)
        budget.addStretch(1)
        form.addRow(budget)

        self.start_button = QPushButton("Start (fine-tune from...)")
        self.start_button.clicked.connect(self.start_run)
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue the run in the output folder where it stopped")
        self.resume_button.clicked.connect(self.resume_run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop after this step; the checkpoint at it is kept")
        self.cancel_button.clicked.connect(self.cancel_run)
        self.use_button = QPushButton("Use this voice")
        self.use_button.setToolTip(
            "Load the run's best checkpoint in the studio (once one is better than the start)"
        )
        self.use_button.clicked.connect(self.use_voice)
        buttons = QHBoxLayout()
        for button in (self.start_button, self.resume_button, self.cancel_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.use_button)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Not started")
        self.status_label = QLabel("Choose a dataset and press Start.")
        self.status_label.setWordWrap(True)
        self.validation_label = QLabel("Validation loss: none yet")
        self.closeness_label = QLabel("How close: measured at each validation")
        self.closeness_label.setWordWrap(True)
        self.rule_label = QLabel(BEST_RULE)
        self.rule_label.setWordWrap(True)
        self.rule_label.setToolTip("How the run picks the checkpoint that becomes your voice")
        self.message_bar = MessageBar()

        self.plot = pg.PlotWidget()
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "loss")
        self.plot.addLegend()
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self._validation_curve = self.plot.plot(
            [], [], pen=None, symbol="o", symbolSize=7, symbolBrush="w", name="validation"
        )
        self._best_marker = pg.ScatterPlotItem(symbol="star", size=16, brush="y", pen="k")
        self.plot.addItem(self._best_marker)
        self.closeness_plot = pg.PlotWidget()
        self.closeness_plot.setXLink(self.plot)
        self.closeness_plot.setLabel("bottom", "step")
        self.closeness_plot.setLabel("left", "similarity / error rate")
        self.closeness_plot.setYRange(0, 1)
        self.closeness_plot.addLegend()
        self.closeness_plot.showGrid(x=True, y=True, alpha=0.3)
        self._closeness_curves = {
            "similarity": self.closeness_plot.plot(
                [],
                [],
                pen=pg.mkPen("c", width=2),
                symbol="o",
                symbolSize=6,
                name="similarity to your recordings",
            ),
            "cer": self.closeness_plot.plot(
                [],
                [],
                pen=pg.mkPen("m", width=2),
                symbol="t",
                symbolSize=6,
                name="Whisper error rate",
            ),
        }

        self.sample_list = QTreeWidget()
        self.sample_list.setHeaderLabels(["Step", "Sentence"])
        self.sample_list.setRootIsDecorated(False)
        self.sample_list.itemDoubleClicked.connect(lambda _item, _column: self.play_selected())
        self.sample_list.itemSelectionChanged.connect(self._update_actions)
        self.play_button = QPushButton("Play sample")
        self.play_button.clicked.connect(self.play_selected)
        self.ab_button = QPushButton("A/B with the start")
        self.ab_button.setToolTip(
            "Play the starting voice's take of the selected sentence, then the selected take"
        )
        self.ab_button.clicked.connect(self.play_against_start)
        if not self.player.available:
            self.play_button.setToolTip(f"Playback is off: {self.player.unavailable_reason}")
        samples = QWidget()
        samples_layout = QVBoxLayout(samples)
        samples_layout.setContentsMargins(0, 0, 0, 0)
        samples_layout.addWidget(QLabel("Samples of the test sentences"))
        samples_layout.addWidget(self.sample_list, 1)
        sample_buttons = QHBoxLayout()
        sample_buttons.addWidget(self.play_button)
        sample_buttons.addWidget(self.ab_button)
        samples_layout.addLayout(sample_buttons)
        plots = QSplitter(Qt.Orientation.Vertical)
        plots.addWidget(self.plot)
        plots.addWidget(self.closeness_plot)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(plots)
        splitter.addWidget(samples)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addWidget(self.validation_label)
        layout.addWidget(self.closeness_label)
        layout.addWidget(self.rule_label)
        layout.addWidget(splitter, 1)
        self.resize(960, 760)

    # ---- form -----------------------------------------------------------------------------

    @property
    def recipe(self) -> str:
        return str(self.recipe_box.currentData())

    @property
    def out(self) -> Path:
        return Path(self.out_edit.text().strip()).expanduser()

    def _on_recipe_changed(self, keep_out: bool = False) -> None:
        self.from_edit.setPlaceholderText(f"empty: from {START_FROM_DEFAULT[self.recipe]}")
        fine_tune = self.recipe == "vits-finetune"
        self.mode_box.setEnabled(fine_tune)
        self.closeness_plot.setVisible(fine_tune)
        self.closeness_label.setVisible(fine_tune)
        self.rule_label.setVisible(fine_tune)
        for spin, key, defaults, fallback in (
            (self.minutes_spin, "minutes", DEFAULT_MINUTES, 0),
            (self.checkpoint_spin, "checkpoint_every", DEFAULT_CHECKPOINT_EVERY, 250),
        ):
            default = defaults.get(self.recipe, fallback)
            spin.setValue(self._setting(f"{key}/{self.recipe}", default))
        if not keep_out and self.out_edit.text() in {
            str(default_output_folder(name)) for name in RECIPES
        }:
            self.out_edit.setText(str(default_output_folder(self.recipe)))
        self._update_actions()

    def _choose_folder(self, edit: QLineEdit, title: str) -> None:
        folder = QFileDialog.getExistingDirectory(self, title, edit.text())
        if folder:
            edit.setText(folder)

    def _choose_from(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            "Start from",
            self.from_edit.text(),
            "Voices and checkpoints (card.json *.onnx *.pth *.pt *.ckpt);;All files (*)",
        )
        if path:
            chosen = Path(path)
            self.from_edit.setText(str(chosen.parent if chosen.name == "card.json" else chosen))

    def options(self, resume: bool) -> dict[str, Any]:
        """The next run's :class:`~engine.training.options.TrainOptions`, as the worker takes
        them."""
        chosen_from = self.from_edit.text().strip()
        options: dict[str, Any] = {
            "recipe": self.recipe,
            "data": str(Path(self.data_edit.text().strip()).expanduser()),
            "out": str(self.out),
            "max_steps": self.steps_spin.value(),
            "resume": resume,
            "init_from": None if resume or not chosen_from else chosen_from,
            "batch_size": self.batch_spin.value() or None,
            "device": self.device_box.currentData(),
            "sample_every": self.sample_spin.value(),
            "checkpoint_every": self.checkpoint_spin.value(),
            "validate_every": self.checkpoint_spin.value(),
            "minutes": self.minutes_spin.value() or None,
            "mode": self.mode_box.currentData() if self.recipe == "vits-finetune" else None,
        }
        options.update(self.advanced)
        return options

    def _remember(self) -> None:
        for key, value in (
            ("recipe", self.recipe),
            ("max_steps", self.steps_spin.value()),
            ("batch_size", self.batch_spin.value()),
            ("sample_every", self.sample_spin.value()),
            (f"checkpoint_every/{self.recipe}", self.checkpoint_spin.value()),
            (f"minutes/{self.recipe}", self.minutes_spin.value()),
        ):
            self.settings.setValue(SETTINGS_PREFIX + key, value)

    # ---- actions --------------------------------------------------------------------------

    def start_run(self) -> None:
        """A new run from the weights in "From" into an output folder holding none."""
        if stored_run(self.out) is not None:
            self.message_bar.show_message(
                f"{self.out} already holds a training run: Resume it, or choose another output "
                "folder (nothing is overwritten).",
                "warning",
            )
            return
        data = str(Path(self.data_edit.text().strip()).expanduser())
        if not (Path(data) / METADATA).is_file():
            self.message_bar.show_message(
                f"{self.data_edit.text()} is not a dataset: it has no {METADATA}. Record "
                "prompts or import recordings first (Voice menu).",
                "error",
            )
            return
        if self.recipe == "vits-finetune" and (
            self.assessed is None or self.assessed.folder != data
        ):
            self._assess(data)
            return
        self._begin(self.options(resume=False))

    def _assess(self, data: str) -> None:
        """Check the dataset in the task process; Start goes on when it answers."""
        self.running = True
        self.progress.setRange(0, 0)
        self.progress.setFormat("Checking the dataset (Whisper listens to every clip)...")
        self.status_label.setText(f"Checking {data} before the run...")
        self._assess_job = run_task(DATASET_ASSESS, self, folder=data)
        self._assess_job.progressed.connect(self._on_assessing)
        self._assess_job.succeeded.connect(self._on_assessed)
        self._assess_job.failed.connect(self._on_assess_failed)
        self._update_actions()

    @property
    def assessing(self) -> bool:
        """The dataset is being checked before a run."""
        return self._assess_job is not None and self._assess_job.busy

    def _on_assessing(self, done: int, total: int) -> None:
        self._set_progress_range(total)
        self.progress.setValue(done)
        self.progress.setFormat("Checking the dataset: clip %v of %m")

    def _assess_ended(self) -> None:
        self._assess_job = None
        self.running = False
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Not started")
        self._update_actions()

    def _on_assess_failed(self, message: str) -> None:
        self._assess_ended()
        self.message_bar.show_message(message, "error")
        self.status_label.setText(message)

    def _on_assessed(self, assessment: Assessment) -> None:
        self._assess_ended()
        findings = assessment.findings
        self.assessed = assessment
        if findings:
            self.message_bar.show_message(" ".join(findings), "warning")
            if not self.confirm_findings(findings):
                self.status_label.setText("Not started: see what the dataset check found.")
                return
        self.start_run()

    def _ask_to_go_on(self, findings: list[str]) -> bool:
        answer = QMessageBox.question(
            self,
            "Before you start",
            "\n\n".join(findings) + "\n\nStart the fine-tune anyway?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def resume_run(self) -> None:
        """Continue the run the output folder holds (its own recipe and settings; the steps,
        device, dataset and intervals as the form has them now)."""
        stored = stored_run(self.out)
        if stored is None:
            self.message_bar.show_message(f"{self.out} holds no run to resume.", "warning")
            return
        recipe = stored.get("recipe")
        if recipe in RECIPES and recipe != self.recipe:
            self.recipe_box.blockSignals(True)
            self.recipe_box.setCurrentIndex(self.recipe_box.findData(recipe))
            self.recipe_box.blockSignals(False)
        self._begin(self.options(resume=True))

    def _begin(self, options: dict[str, Any]) -> None:
        self._remember()
        self._reset_views()
        self.running = True
        self.run_recipe = options["recipe"]
        self.last_checkpoint = None
        self.message_bar.hide()
        what = "Resuming" if options["resume"] else "Starting"
        self.status_label.setText(f"{what} {options['recipe']} in {options['out']}...")
        self.progress.setRange(0, 0)  # busy until the run says where it starts
        self.progress.setFormat("Starting...")
        if not self.link.running:
            self.start_worker()
        self._send({"op": START, "options": options})
        self._update_actions()

    def cancel_run(self) -> None:
        """Stop the run after its current step; it writes its checkpoint there. During the
        dataset check before a run, the run is not started."""
        if self._assess_job is not None:
            self._assess_job.abandon()
            self._assess_job = None
            self.running = False
            self._set_progress_range(1)
            self.progress.setValue(0)
            self.progress.setFormat("Not started")
            self.status_label.setText("Cancelled before the run started.")
            self._update_actions()
            return
        if self.running:
            self._send({"op": CANCEL})
            self.status_label.setText("Cancelling: the run stops after this step and saves it...")
            self.cancel_button.setEnabled(False)

    def use_voice(self) -> None:
        """Ask the studio to load the run's best checkpoint as its voice."""
        self.use_voice_requested.emit(str(self.out / BEST_FOLDER))

    def play_against_start(self) -> None:
        """The starting voice's take of the selected sample's sentence, a short pause, then
        the selected take: the same sentence before and after."""
        item = self.sample_list.currentItem()
        if item is None or not self.player.available:
            return
        sample = self.samples[int(item.data(0, Qt.ItemDataRole.UserRole))]
        start = self._start_sample(sample["text"])
        if start is None:
            return
        rate = sample["sample_rate"]
        gap = np.zeros(int(AB_GAP_SECONDS * rate), dtype=np.float32)
        try:
            self.player.play(np.concatenate([start["audio"], gap, sample["audio"]]), rate)
        except RuntimeError as error:
            self.message_bar.show_message(str(error), "error")

    def _start_sample(self, text: str) -> dict[str, Any] | None:
        return next((s for s in self.samples if s["step"] == 0 and s["text"] == text), None)

    def play_selected(self) -> None:
        item = self.sample_list.currentItem()
        if item is None:
            return
        if not self.player.available:
            self.message_bar.show_message(
                f"Playback is off: {self.player.unavailable_reason}", "warning"
            )
            return
        sample = self.samples[int(item.data(0, Qt.ItemDataRole.UserRole))]
        try:
            self.player.play(sample["audio"], sample["sample_rate"])
        except RuntimeError as error:
            self.message_bar.show_message(str(error), "error")

    def _update_actions(self) -> None:
        stored = stored_run(self.out)
        self.start_button.setEnabled(not self.running and stored is None)
        self.start_button.setToolTip(
            "Start a new run from the weights in From"
            if stored is None
            else "The output folder holds a run: Resume it or choose another folder"
        )
        self.resume_button.setEnabled(not self.running and stored is not None)
        self.cancel_button.setEnabled(self.running)
        recipe = (stored or {}).get("recipe", self.run_recipe)
        best = self.out / BEST_FOLDER
        self.use_button.setEnabled(
            recipe == "vits-finetune"
            and (best / "card.json").is_file()
            and (best / "model.safetensors").is_file()
        )
        selected = self.sample_list.currentItem()
        self.play_button.setEnabled(self.player.available and selected is not None)
        sample = self.samples[int(selected.data(0, Qt.ItemDataRole.UserRole))] if selected else None
        self.ab_button.setEnabled(
            self.player.available
            and sample is not None
            and sample["step"] > 0
            and self._start_sample(sample["text"]) is not None
        )

    # ---- the training process -------------------------------------------------------------

    def start_worker(self) -> None:
        """Start the training process (it imports torch in the background)."""
        self.link.start()

    def kill_worker(self) -> None:
        """Kill the training process as a crash would (a test's stand-in for one)."""
        self.link.kill()

    def shutdown(self) -> None:
        """Stop the training process; a running run is cancelled and saves first."""
        self._plot_timer.stop()
        self.player.stop()
        if self._assess_job is not None:
            self._assess_job.abandon()
        self.link.stop(STOP_TIMEOUT)
        self.running = False

    def _send(self, request: dict[str, Any]) -> None:
        self.link.send(request)  # refused when the process is gone: its end is reported

    def _setting(self, key: str, default: int) -> int:
        """A whole number the panel remembered under ``key``, or ``default``."""
        return int(str(self.settings.value(SETTINGS_PREFIX + key, default)))

    def _on_worker_exit(self, code: int) -> None:
        how = f"exit code {code}" if code >= 0 else f"signal {-code}"
        if not self.running:
            self.status_label.setText(f"The training process stopped ({how}); Start restarts it.")
            return
        self.running = False
        kept = (
            f"The last checkpoint ({self.last_checkpoint}) is kept: Resume continues from it."
            if self.last_checkpoint
            else "No checkpoint had been written yet."
        )
        message = f"The training process stopped ({how}) at step {self.step}. {kept}"
        self.message_bar.show_message(message, "error")
        self.status_label.setText(message)
        self.progress.setFormat(f"Stopped at step {self.step}")
        self._set_progress_range(max(self.progress.maximum(), 1))
        self._update_actions()
        self.run_finished.emit({"event": "finished", "status": "crashed", "message": message})

    # ---- events ---------------------------------------------------------------------------

    def _on_event(self, event: dict[str, Any]) -> None:
        handler = getattr(self, f"_on_{event.get('event')}", None)
        if handler is not None:
            handler(event)

    def _on_ready(self, event: dict[str, Any]) -> None:
        if "cuda" in event.get("devices", []) and self.device_box.findData("cuda") < 0:
            self.device_box.addItem("CUDA", "cuda")
        self.worker_ready.emit(list(event.get("devices", [])))

    def _on_started(self, event: dict[str, Any]) -> None:
        self.step = int(event["first_step"])
        self.budgeted = bool(event.get("budget_seconds"))
        self._set_progress_range(int(event["max_steps"]))
        self.progress.setValue(self.step)
        self.progress.setFormat(f"Step %v of %m (from step {self.step})")
        rejected = [tuple(entry) for entry in event.get("rejected") or []]
        self.rejected = rejected
        mode = f" ({event['mode']} mode)" if event.get("mode") else ""
        budget = event.get("budget_seconds")
        within = f", within {format_duration(float(budget))}" if budget else ""
        self.status_label.setText(
            f"{event['recipe']}{mode} on {event['device']}: {event['train_clips']} training and "
            f"{event['validation_clips']} validation clips"
            + (f"; {len(rejected)} clips rejected" if rejected else "")
            + within
        )
        if event.get("best_rule"):
            self.rule_label.setText(str(event["best_rule"]))
        if rejected:
            listed = "; ".join(f"{clip}: {why}" for clip, why in rejected[:5])
            more = f" (and {len(rejected) - 5} more)" if len(rejected) > 5 else ""
            self.message_bar.show_message(f"Clips left out: {listed}{more}", "warning")

    def _on_preparing(self, event: dict[str, Any]) -> None:
        total = max(int(event["total"]), 1)
        self.progress.setRange(0, total)
        self.progress.setValue(int(event["done"]))
        loss = f", loss {event['loss']:.4g}" if event.get("loss") is not None else ""
        eta = event.get("eta_seconds")
        left = f" - ETA {format_duration(float(eta))}" if eta is not None else ""
        self.progress.setFormat(f"Preparing: {event['stage']} %v of %m{loss}{left}")

    def _on_step(self, event: dict[str, Any]) -> None:
        self.step = int(event["step"])
        eta_seconds = float(event["eta_seconds"])
        eta = format_duration(eta_seconds)
        pace = f"{event['seconds']:.2f} s a step"
        if self.budgeted:  # the time budget, not the step limit, ends the run: the bar says so
            ahead = int(eta_seconds / max(float(event["seconds"]), 1e-3))
            self._set_progress_range(min(self.step + ahead, int(event["max_steps"])))
            self.progress.setFormat(f"Step %v - {eta} left of the time budget ({pace})")
        else:
            if self.progress.maximum() != int(event["max_steps"]):
                self._set_progress_range(int(event["max_steps"]))
            self.progress.setFormat(f"Step %v of %m - ETA {eta} ({pace})")
        self.progress.setValue(self.step)
        for name, value in event["losses"].items():
            steps, values = self.losses.setdefault(name, ([], []))
            steps.append(self.step)
            values.append(float(value))
        self._plot_dirty = True

    def _on_validated(self, event: dict[str, Any]) -> None:
        step, loss = int(event["step"]), float(event["loss"])
        self.validation[0].append(step)
        self.validation[1].append(loss)
        if event.get("best"):
            self.best = (step, loss)
            self.best_step = step
        best = f"; best checkpoint: step {self.best[0]}" if self.best else ""
        self.validation_label.setText(f"Validation loss {loss:.4g} at step {step}{best}")
        for name in ("similarity", "cer"):
            if event.get(name) is not None:
                steps, values = self.closeness[name]
                steps.append(step)
                values.append(float(event[name]))
        self.pitch = (event.get("pitch_band_hz"), event.get("person_band_hz"))
        self.closeness_label.setText(self._closeness_text())
        self._plot_dirty = True
        self._update_actions()

    def _closeness_text(self) -> str:
        """The latest voice check beside the starting voice's, in words."""
        similarity, cer = self.closeness["similarity"], self.closeness["cer"]
        if not cer[0]:
            return "How close: measured at each validation"
        parts = []
        if similarity[0]:
            parts.append(
                f"similarity to your recordings {similarity[1][-1]:.3f} "
                f"(start {similarity[1][0]:.3f})"
            )
        parts.append(f"Whisper error rate {cer[1][-1]:.1%} (start {cer[1][0]:.1%})")
        band, person = self.pitch
        if band is not None and person is not None and math.isfinite(band):
            parts.append(f"pitch moves over {band:.0f} Hz (you: {person:.0f} Hz)")
        if self.best_step:
            best = f"; best so far: step {self.best_step}"
        elif self.running:
            best = "; no checkpoint better than the start yet"
        else:
            best = (
                "; no checkpoint was better than the start, so the voice is not offered: "
                "give it more time (Resume continues the run)"
            )
        return f"How close at step {cer[0][-1]}: " + ", ".join(parts) + best

    def _on_sample(self, event: dict[str, Any]) -> None:
        audio = np.frombuffer(event["audio"], dtype="<f4").astype(np.float32)
        step, text, rate = int(event["step"]), str(event["text"]), int(event["sample_rate"])
        path = event.get("path")
        self.samples.append(
            {"step": step, "text": text, "audio": audio, "sample_rate": rate, "path": path}
        )
        item = QTreeWidgetItem([str(step), text])
        item.setData(0, Qt.ItemDataRole.UserRole, len(self.samples) - 1)
        seconds = len(audio) / max(rate, 1)
        item.setToolTip(1, f"{seconds:.1f} s" + (f", {path}" if path else ""))
        self.sample_list.addTopLevelItem(item)
        if self.sample_list.currentItem() is None:
            self.sample_list.setCurrentItem(item)

    def _on_checkpoint(self, event: dict[str, Any]) -> None:
        if event["tag"] == "last":
            self.last_checkpoint = str(event["path"])
        self._update_actions()

    def _on_finished(self, event: dict[str, Any]) -> None:
        self.running = False
        status, message = event["status"], str(event["message"])
        checkpoint = event.get("checkpoint")
        if checkpoint:
            self.last_checkpoint = str(checkpoint)
        kept = f" Checkpoint kept: {checkpoint}." if checkpoint else ""
        if status == "done":
            self.progress.setValue(int(event["step"]))
            self.progress.setFormat(f"Done at step {event['step']}")
            self.message_bar.show_message(f"{message}{kept}", "info")
        elif status == "cancelled":
            self.progress.setFormat(f"Cancelled at step {event['step']}")
            self.message_bar.show_message(f"Cancelled at step {event['step']}.{kept}", "info")
        else:
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            what = "Out of memory" if status == "out_of_memory" else "Training failed"
            self.progress.setFormat(what)
            self.message_bar.show_message(f"{what}: {message}", "error")
        self.status_label.setText(f"{status.replace('_', ' ').capitalize()}: {message}{kept}")
        if self.closeness["cer"][0]:
            self.closeness_label.setText(self._closeness_text())
        self._plot_dirty = True
        self._redraw()
        self._update_actions()
        self.run_finished.emit(event)

    # ---- views ----------------------------------------------------------------------------

    def _set_progress_range(self, maximum: int) -> None:
        self.progress.setRange(0, max(maximum, 1))

    def _reset_views(self) -> None:
        self.losses.clear()
        self.validation = ([], [])
        self.closeness = {"similarity": ([], []), "cer": ([], [])}
        self.best = None
        self.best_step = None
        self.step = 0
        for curve in self._curves.values():
            self.plot.removeItem(curve)
            self.plot.plotItem.legend.removeItem(curve)
        self._curves.clear()
        self._validation_curve.setData([], [])
        self._best_marker.setData([], [])
        for curve in self._closeness_curves.values():
            curve.setData([], [])
        self.validation_label.setText("Validation loss: none yet")
        self.closeness_label.setText("How close: measured at each validation")
        self._plot_dirty = False

    def _redraw(self) -> None:
        """Put the steps gathered since the last redraw on the curves (timer-driven)."""
        if not self._plot_dirty:
            return
        self._plot_dirty = False
        for name, (steps, values) in self.losses.items():
            curve = self._curves.get(name)
            if curve is None:
                pen = pg.mkPen(pg.intColor(len(self._curves), hues=9), width=1.5)
                curve = self.plot.plot([], [], pen=pen, name=name)
                curve.setDownsampling(auto=True, method="peak")
                curve.setClipToView(True)
                self._curves[name] = curve
            curve.setData(np.asarray(steps, dtype=float), np.asarray(values, dtype=float))
        self._validation_curve.setData(
            np.asarray(self.validation[0], dtype=float), np.asarray(self.validation[1], dtype=float)
        )
        if self.best is not None:
            self._best_marker.setData([self.best[0]], [self.best[1]])
        for name, (steps, values) in self.closeness.items():
            self._closeness_curves[name].setData(
                np.asarray(steps, dtype=float), np.asarray(values, dtype=float)
            )

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        # Closing the window hides it; a run goes on (the Voice menu shows it again).
        self.player.stop()
        super().closeEvent(event)


def _row(*widgets: QWidget) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(widgets[0], 1)
    for widget in widgets[1:]:
        layout.addWidget(widget)
    return row
