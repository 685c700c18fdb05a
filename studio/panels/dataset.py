"""The dataset check: every clip's figures in a sortable table, to play, exclude or re-record.

The check (:func:`engine.dataset.check.check_dataset`) runs in the task process
(:mod:`studio.tasks`) with a progress bar and a Cancel button. Each row is a clip: duration,
peak, clipping share, SNR, silence share, Whisper's character error rate and whether the clip
is likely misread, and its problems in words; rows with problems are tinted. Keys: **Enter**
or **P** plays the row, **X** or **Delete** excludes it (or takes it back), **R** records it
again.

Excluding a clip writes the dataset's ``excluded.txt`` (one clip id a line, ``#`` comments;
:func:`engine.dataset.layout.read_excluded` reads it), which training reads to leave those
clips out; the task process writes it, one write at a time, the last with the table's
exclusions. The clips themselves stay, so excluding is undone with the same key.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSettings,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QBrush, QCloseEvent, QColor, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from engine.api.dataset import ClipCheck, DatasetCheck
from engine.api.tasks import DATASET_CHECK, SET_EXCLUDED, VoiceRef
from studio.message_bar import MessageBar
from studio.panels.voice import DATASET_FOLDER_KEY
from studio.playback import Player
from studio.tasks import Task, run_task

SETTINGS_FOLDER = "voice/check_folder"
SETTINGS_ASR = "voice/check_asr"
PROBLEM_TINT = QColor(214, 48, 49, 60)
KEYS_HELP = "Enter/P play · X/Delete exclude or include · R record again · click a header to sort"

Ui = Qt.ItemDataRole.UserRole
INDEX = QModelIndex | QPersistentModelIndex


class ClipTableModel(QAbstractTableModel):
    """The clips of a check, one row each; ``Ui`` role gives the value to sort by."""

    COLUMNS = (
        "Use",
        "Id",
        "Seconds",
        "Peak dBFS",
        "Clipped",
        "SNR dB",
        "Silence",
        "CER",
        "Misread",
        "Problems",
        "Text",
    )
    USE, ID, SECONDS, PEAK, CLIPPED, SNR, SILENCE, CER, MISREAD, PROBLEMS, TEXT = range(11)

    exclusion_changed = Signal(str, bool)  # clip id, excluded

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clips: list[ClipCheck] = []
        self.excluded: set[str] = set()

    def set_clips(self, clips: list[ClipCheck], excluded: set[str]) -> None:
        self.beginResetModel()
        self.clips = list(clips)
        self.excluded = set(excluded)
        self.endResetModel()

    def rowCount(self, parent: INDEX = QModelIndex()) -> int:  # noqa: N802, B008 (Qt's API)
        return 0 if parent.isValid() else len(self.clips)

    def columnCount(self, parent: INDEX = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(  # noqa: N802 (Qt's name)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def flags(self, index: INDEX) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.USE:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        clip = self.clips[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(clip, column)
        if role == Ui:
            return self._sort_key(clip, column)
        if role == Qt.ItemDataRole.CheckStateRole and column == self.USE:
            excluded = clip.id in self.excluded
            return Qt.CheckState.Unchecked if excluded else Qt.CheckState.Checked
        if role == Qt.ItemDataRole.BackgroundRole and clip.problems:
            return QBrush(PROBLEM_TINT)
        if role == Qt.ItemDataRole.ForegroundRole and clip.id in self.excluded:
            palette = QPalette()
            return palette.brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(clip, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and self.SECONDS <= column <= self.CER:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: INDEX, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.CheckStateRole or index.column() != self.USE:
            return False
        checked = Qt.CheckState(value) == Qt.CheckState.Checked
        self.set_excluded(self.clips[index.row()].id, not checked)
        return True

    def set_excluded(self, clip_id: str, excluded: bool) -> None:
        if (clip_id in self.excluded) == excluded:
            return
        if excluded:
            self.excluded.add(clip_id)
        else:
            self.excluded.discard(clip_id)
        row = next(i for i, clip in enumerate(self.clips) if clip.id == clip_id)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))
        self.exclusion_changed.emit(clip_id, excluded)

    def _text(self, clip: ClipCheck, column: int) -> str:
        if column == self.USE:
            return "excluded" if clip.id in self.excluded else ""
        if column == self.ID:
            return clip.id
        if column == self.SECONDS:
            return f"{clip.duration_s:.2f}"
        if column == self.PEAK:
            return f"{clip.peak_dbfs:.1f}" if math.isfinite(clip.peak_dbfs) else "silent"
        if column == self.CLIPPED:
            return f"{clip.clipping_share:.2%}"
        if column == self.SNR:
            return f"{clip.snr_db:.1f}"
        if column == self.SILENCE:
            return f"{clip.silence_share:.0%}"
        if column == self.CER:
            return "-" if clip.cer is None else f"{clip.cer:.2f}"
        if column == self.MISREAD:
            if clip.cer is None:
                return "-"
            return "likely misread" if clip.likely_misread else ""
        if column == self.PROBLEMS:
            return "; ".join(clip.problems)
        return clip.text

    def _sort_key(self, clip: ClipCheck, column: int) -> Any:
        numbers = {
            self.USE: float(clip.id in self.excluded),
            self.SECONDS: clip.duration_s,
            self.PEAK: clip.peak_dbfs if math.isfinite(clip.peak_dbfs) else -1e9,
            self.CLIPPED: clip.clipping_share,
            self.SNR: clip.snr_db,
            self.SILENCE: clip.silence_share,
            self.CER: -1.0 if clip.cer is None else clip.cer,
            self.MISREAD: float(clip.likely_misread),
            self.PROBLEMS: float(len(clip.problems)),
        }
        if column in numbers:
            return numbers[column]
        return clip.id if column == self.ID else clip.text

    def _tooltip(self, clip: ClipCheck, column: int) -> str:
        if column in (self.CER, self.MISREAD, self.TEXT) and clip.heard is not None:
            return f"Prompt: {clip.text}\nWhisper heard: {clip.heard}"
        if column == self.USE:
            return "Unticked clips are left out of training (listed in excluded.txt)"
        return "; ".join(clip.problems)


class DatasetPanel(QWidget):
    """Check a dataset folder and act on its clips."""

    rerecord_requested = Signal(str, str, str)  # dataset folder, clip id, text
    check_finished = Signal(object)  # the DatasetCheck

    def __init__(
        self,
        folder: str | Path | None = None,
        *,
        voice: VoiceRef | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Check dataset - Glottis")
        self.settings = QSettings()
        self._voice = voice or VoiceRef()
        self.result: DatasetCheck | None = None
        self._job: Task | None = None
        self._exclusions_job: Task | None = None
        self._exclusions_pending = False
        self.player = Player(self)
        self._build()
        self.folder: Path | None = None
        recorded = self.settings.value(DATASET_FOLDER_KEY)  # where the recorder writes
        chosen = folder or self.settings.value(SETTINGS_FOLDER) or recorded
        if chosen:
            self.set_folder(chosen)

    def _build(self) -> None:
        self.folder_label = QLabel()
        self.folder_button = QPushButton("Dataset folder...")
        self.asr_box = QCheckBox("Listen with Whisper (slower: about half of real time)")
        self.asr_box.setToolTip(
            "Whisper tiny.en transcribes each clip; a character error rate over 0.3 against "
            "the prompt flags a likely misread"
        )
        self.asr_box.setChecked(bool(self.settings.value(SETTINGS_ASR, True, type=bool)))
        self.check_button = QPushButton("Check")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.progress = QProgressBar()
        self.progress.hide()
        top = QHBoxLayout()
        top.addWidget(QLabel("Dataset"))
        top.addWidget(self.folder_label, 1)
        top.addWidget(self.folder_button)
        top.addWidget(self.asr_box)
        top.addWidget(self.check_button)
        top.addWidget(self.progress)
        top.addWidget(self.cancel_button)

        self.message_bar = MessageBar()
        self.totals_label = QLabel("Press Check to measure every clip.")
        self.totals_label.setWordWrap(True)

        self.model = ClipTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Ui)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(ClipTableModel.PROBLEMS, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ClipTableModel.PROBLEMS, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)

        self.play_button = QPushButton("Play (P)")
        self.exclude_button = QPushButton("Exclude / include (X)")
        self.rerecord_button = QPushButton("Record again (R)")
        actions = QHBoxLayout()
        for button in (self.play_button, self.exclude_button, self.rerecord_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            actions.addWidget(button)
        keys = QLabel(KEYS_HELP)
        keys.setEnabled(False)
        actions.addWidget(keys, 1)

        self.coverage_label = QLabel()
        self.coverage_label.setWordWrap(True)
        self.rejected_list = QListWidget()
        self.rejected_list.setToolTip("Clips the check could not read, and why")
        self.rejected_list.hide()

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.coverage_label)
        lower_layout.addWidget(self.rejected_list)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 4)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.totals_label)
        layout.addWidget(splitter, 1)
        layout.addLayout(actions)
        self.resize(1100, 650)

        def action(keys: list[str], slot) -> None:
            act = QAction(self)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            self.addAction(act)

        action(["Return", "Enter", "P"], self.play_selected)
        action(["X", "Delete"], self.toggle_excluded)
        action(["R"], self.rerecord_selected)

        self.folder_button.clicked.connect(self.choose_folder)
        self.check_button.clicked.connect(lambda: self.run_check())
        self.cancel_button.clicked.connect(self.cancel)
        self.play_button.clicked.connect(self.play_selected)
        self.exclude_button.clicked.connect(self.toggle_excluded)
        self.rerecord_button.clicked.connect(self.rerecord_selected)
        self.table.doubleClicked.connect(lambda _index: self.play_selected())
        self.asr_box.toggled.connect(lambda on: self.settings.setValue(SETTINGS_ASR, on))
        self.model.exclusion_changed.connect(self._persist_exclusions)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self._update_actions()

    # ---- folder and check --------------------------------------------------------------------

    def set_folder(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder_label.setText(str(self.folder))
        self.settings.setValue(SETTINGS_FOLDER, str(self.folder))

    def choose_folder(self) -> None:
        start = str(self.folder) if self.folder else ""
        folder = QFileDialog.getExistingDirectory(self, "Dataset to check", start)
        if folder:
            self.set_folder(folder)
            self.run_check()

    def set_voice(self, voice: VoiceRef) -> None:
        """Count coverage over another voice's sounds from the next check on."""
        self._voice = voice

    @property
    def checking(self) -> bool:
        return self._job is not None and self._job.busy

    def run_check(self, asr: bool | None = None) -> None:
        """Check the folder in the task process (``asr``: listen with Whisper; None: the
        box)."""
        if self.checking:
            return
        if self.folder is None:
            self.choose_folder()
            return
        use_asr = self.asr_box.isChecked() if asr is None else asr
        self._job = run_task(
            DATASET_CHECK, self, folder=str(self.folder), asr=use_asr, voice=self._voice
        )
        self._job.progressed.connect(self._on_progress)
        self._job.succeeded.connect(self._on_checked)
        self._job.failed.connect(lambda message: self._ended(message, "error"))
        self._job.cancelled.connect(lambda: self._ended("Check cancelled", "info"))
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self.check_button.setEnabled(False)
        self.message_bar.hide()
        self.totals_label.setText(f"Checking {self.folder}...")

    def cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.totals_label.setText(f"Checking {self.folder}: {done} of {total} clips")

    def _ended(self, message: str, level: str) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self.check_button.setEnabled(True)
        if message:
            self.message_bar.show_message(message, level)
            self.totals_label.setText("")

    def _on_checked(self, result: DatasetCheck) -> None:
        self._ended("", "info")
        self.result = result
        self.model.set_clips(result.clips, set(result.excluded))
        self.proxy.sort(self.proxy.sortColumn(), self.proxy.sortOrder())
        self._show_totals()
        self.rejected_list.clear()
        for item in result.rejected:
            self.rejected_list.addItem(f"rejected {item.source}: {item.reason}")
        self.rejected_list.setVisible(bool(result.rejected))
        coverage = result.coverage
        rarest = ", ".join(f"{sound} {n}" for sound, n in coverage.rarest(8))
        missing = coverage.missing(3)
        self.coverage_label.setText(
            f"Phoneme coverage: {coverage.covered} of {len(coverage.inventory)} sounds of the "
            f"voice occur in these clips; rarest: {rarest}."
            + (f" Fewer than 3 times: {' '.join(missing)}." if missing else "")
        )
        if self.table.currentIndex().row() < 0 and self.proxy.rowCount():
            self.table.selectRow(0)
        self._update_actions()
        self.check_finished.emit(result)

    def _show_totals(self) -> None:
        result = self.result
        if result is None:
            return
        minutes, seconds = divmod(result.total_seconds, 60)
        used = [c for c in result.clips if c.id not in self.model.excluded]
        used_minutes, used_seconds = divmod(sum(c.duration_s for c in used), 60)
        parts = [
            f"{len(result.clips)} clips, {int(minutes)} min {seconds:.0f} s",
            f"{len(result.flagged)} flagged",
            f"{len(result.clips) - len(used)} excluded "
            f"(training uses {len(used)} clips, {int(used_minutes)} min {used_seconds:.0f} s)",
            f"{len(result.rejected)} rejected",
        ]
        if len(result.sample_rates) > 1:
            rates = ", ".join(f"{n} at {r} Hz" for r, n in sorted(result.sample_rates.items()))
            parts.append(f"mixed sample rates: {rates}")
        text = "; ".join(parts) + "."
        if result.asr_note:
            text += f" No speech recognition: {result.asr_note}."
        self.totals_label.setText(text)

    # ---- rows --------------------------------------------------------------------------------

    def selected_clip(self) -> ClipCheck | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.clips[self.proxy.mapToSource(rows[0]).row()]

    def select_clip(self, clip_id: str) -> None:
        row = next(i for i, clip in enumerate(self.model.clips) if clip.id == clip_id)
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.selectRow(index.row())

    def visible_ids(self) -> list[str]:
        """The clip ids in the order the table shows them."""
        return [
            self.model.clips[self.proxy.mapToSource(self.proxy.index(r, 0)).row()].id
            for r in range(self.proxy.rowCount())
        ]

    def play_selected(self) -> None:
        clip = self.selected_clip()
        if clip is None:
            return
        if not self.player.available:
            self.message_bar.show_message(
                f"Playback is off: {self.player.unavailable_reason}", "warning"
            )
            return
        if self.player.playing:
            self.player.stop()
            return
        try:
            audio, rate = sf.read(clip.path, dtype="float32", always_2d=True)
            self.player.play(np.ascontiguousarray(audio.mean(axis=1)), rate)
        except (RuntimeError, OSError, sf.LibsndfileError) as error:
            self.message_bar.show_message(f"Cannot play {clip.id}: {error}", "error")

    def toggle_excluded(self) -> None:
        clip = self.selected_clip()
        if clip is not None:
            self.model.set_excluded(clip.id, clip.id not in self.model.excluded)

    def rerecord_selected(self) -> None:
        clip = self.selected_clip()
        if clip is not None:
            self.rerecord_requested.emit(str(self.folder), clip.id, clip.text)

    def _persist_exclusions(self, _clip_id: str, _excluded: bool) -> None:
        self._show_totals()
        if self.result is None:
            return
        if self._exclusions_job is not None and self._exclusions_job.busy:
            self._exclusions_pending = True  # written again, whole, once this write ends
            return
        self._exclusions_pending = False
        self._exclusions_job = run_task(
            SET_EXCLUDED,
            self,
            folder=str(self.result.folder),
            shown=[clip.id for clip in self.result.clips],
            excluded=sorted(self.model.excluded),
        )
        self._exclusions_job.failed.connect(
            lambda message: self.message_bar.show_message(
                f"The exclusions were not saved: {message}", "error"
            )
        )
        self._exclusions_job.succeeded.connect(self._exclusions_written)
        self._exclusions_job.failed.connect(self._exclusions_written)

    def _exclusions_written(self, _outcome: object = None) -> None:
        if self._exclusions_pending:
            self._persist_exclusions("", False)

    @property
    def saving_exclusions(self) -> bool:
        """``excluded.txt`` is being written, or will be once the write under way ends."""
        busy = self._exclusions_job is not None and self._exclusions_job.busy
        return busy or self._exclusions_pending

    def _update_actions(self) -> None:
        selected = self.selected_clip() is not None
        self.play_button.setEnabled(selected and self.player.available)
        self.exclude_button.setEnabled(selected)
        self.rerecord_button.setEnabled(selected)

    def shutdown(self) -> None:
        self.player.stop()
        if self._job is not None:
            self._job.abandon()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self.player.stop()
        super().closeEvent(event)
