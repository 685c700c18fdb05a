"""Panels of the studio: synthesis controls, and the voice panels (recorder, dataset check,
training).

``install_voice_panels(window)`` gives a main window a "Voice" menu opening the recorder, the
dataset check and the training panel, each in a window of its own (so their single-key
shortcuts never meet the main window's Space for play), created when first asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QWidget

from engine.api import LoadAnswer
from engine.api.tasks import VoiceRef

if TYPE_CHECKING:
    from studio.panels.dataset import DatasetPanel
    from studio.panels.recorder import RecorderPanel
    from studio.panels.training import TrainingPanel


class VoicePanels(QObject):
    """The voice panels of one main window, made on first use and closed with it.

    The window's engine reports the loaded voice (``engine.loaded``, a dict with
    ``sample_rate`` and ``path``): takes are written at that voice's rate and coverage counts
    its sounds. A window without an engine records for the default voice.
    """

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.recorder: RecorderPanel | None = None
        self.dataset: DatasetPanel | None = None
        self.training: TrainingPanel | None = None
        self._closing = False
        self._voice = self._voice_of(self._engine_info())
        menu = window.menuBar().addMenu("&Voice")
        self.record_action = self._add(menu, "&Record prompts...", self.open_recorder)
        self.check_action = self._add(menu, "&Check dataset...", self.open_dataset)
        self.import_action = self._add(menu, "&Import recordings...", self.import_recordings)
        self.train_action = self._add(menu, "&Train a voice...", self.open_training)
        self.record_action.setStatusTip("Read prompts aloud into a dataset for fine-tuning")
        self.check_action.setStatusTip("Measure each clip of a dataset and flag the bad ones")
        self.import_action.setStatusTip("Import a folder (LJSpeech layout or WAV+TXT pairs)")
        self.train_action.setStatusTip("Fine-tune a voice on a dataset, with progress and samples")
        engine = getattr(window, "engine", None)
        if engine is not None and hasattr(engine, "loaded"):
            engine.loaded.connect(self._on_voice_loaded)
        window.installEventFilter(self)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def _add(self, menu, text: str, slot) -> QAction:
        action = QAction(text, self.window)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _engine_info(self) -> LoadAnswer | None:
        info = getattr(self.window, "engine_info", None)
        return info if isinstance(info, LoadAnswer) else None

    def _place(self, panel: QWidget) -> None:
        panel.setWindowFlag(Qt.WindowType.Window, True)
        panel.show()
        panel.raise_()
        panel.activateWindow()

    def open_recorder(self) -> RecorderPanel:
        """Show the recorder (made the first time)."""
        if self.recorder is None:
            from studio.panels.recorder import RecorderPanel

            info = self._engine_info()
            self.recorder = RecorderPanel(
                sample_rate=info.sample_rate if info else None,
                voice=VoiceRef.of(info),
                parent=self.window,
            )
            self.recorder.check_requested.connect(self._check_folder)
        self._place(self.recorder)
        return self.recorder

    def open_dataset(self) -> DatasetPanel:
        """Show the dataset check (made the first time)."""
        if self.dataset is None:
            from studio.panels.dataset import DatasetPanel

            self.dataset = DatasetPanel(voice=VoiceRef.of(self._engine_info()), parent=self.window)
            self.dataset.rerecord_requested.connect(self._rerecord)
        self._place(self.dataset)
        return self.dataset

    def open_training(self) -> TrainingPanel:
        """Show the training panel (made the first time; it starts the training process).
        "Use this voice" loads the run's output folder as the window's voice."""
        if self.training is None:
            from studio.panels.training import TrainingPanel

            self.training = TrainingPanel(parent=self.window)
            load_model = getattr(self.window, "load_model", None)
            if load_model is not None:
                self.training.use_voice_requested.connect(load_model)
        self._place(self.training)
        return self.training

    def import_recordings(self) -> None:
        """Show the recorder and ask for a folder to import."""
        self.open_recorder().import_folder()

    def _check_folder(self, folder: str) -> None:
        panel = self.open_dataset()
        panel.set_folder(folder)
        panel.run_check()

    def _rerecord(self, folder: str, clip_id: str, text: str) -> None:
        recorder = self.open_recorder()
        if recorder.folder is None or recorder.folder.resolve() != Path(folder).resolve():
            recorder.set_folder(folder)
        recorder.select_prompt(clip_id, text)

    @staticmethod
    def _voice_of(info: LoadAnswer | None) -> tuple[str | None, int | None]:
        return (info.path, info.sample_rate) if info else (None, None)

    def _on_voice_loaded(self, info: LoadAnswer) -> None:
        """Another voice was loaded: record at its rate and count its sounds."""
        if self._voice_of(info) == self._voice:
            return
        self._voice = self._voice_of(info)
        if self.recorder is not None:
            self.recorder.set_voice(info.sample_rate, VoiceRef.of(info))
        if self.dataset is not None:
            self.dataset.set_voice(VoiceRef.of(info))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        # The window may refuse to close (unsaved changes); when it accepts, it is hidden
        # at once, within the same close() call, before anyone can delete it.
        if watched is self.window:
            if event.type() == QEvent.Type.Close:
                self._closing = True
            elif event.type() == QEvent.Type.Hide and self._closing and not event.spontaneous():
                self._closing = False
                self.shutdown()
            elif event.type() == QEvent.Type.Show:
                self._closing = False
        return False

    def shutdown(self) -> None:
        """Close the input device and the panels, and stop their tasks and processes."""
        for panel in (self.recorder, self.dataset, self.training):
            if panel is not None:
                panel.shutdown()
                panel.close()


def install_voice_panels(window: QMainWindow) -> VoicePanels:
    """Add the "Voice" menu (Record prompts..., Check dataset..., Import recordings..., Train a
    voice...) to ``window``; the caller keeps the panels it returns."""
    return VoicePanels(window)
