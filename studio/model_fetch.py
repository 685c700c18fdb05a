"""Fetching a catalogue model from the window: asked first, with its licence and size; the
download runs in the task process (:data:`engine.api.tasks.FETCH_MODEL`) with a progress
dialog that can cancel it (the part downloaded is kept, and the next try resumes); once the
model is checked and kept, ``fetched`` gives its path, which the window loads.

A model its authors publish only on a web page cannot be fetched: the window says where to
download it and how to import it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from engine.api import CatalogueModel
from engine.api.tasks import FETCH_MODEL
from engine.user_data import data_dir
from studio.message_bar import MessageBar
from studio.panels.synthesis import catalogue_terms
from studio.tasks import Task, run_task


class ModelFetcher(QObject):
    """Fetches catalogue models for ``window``; one at a time."""

    fetched = Signal(object, str)  # the CatalogueModel, the kept checkpoint's path

    def __init__(self, window: QWidget, message_bar: MessageBar) -> None:
        super().__init__(window)
        self.window = window
        self.message_bar = message_bar
        self.task: Task | None = None
        self.dialog: QProgressDialog | None = None
        # Replaceable, as tests answer dialogs: ask before a download; point to a web page.
        self.confirm = self._ask
        self.point_to_page = self._show_page

    @property
    def busy(self) -> bool:
        return self.task is not None and self.task.busy

    def fetch(self, model: CatalogueModel) -> None:
        if self.busy:
            self.message_bar.show_message("A model is being downloaded already.", "info")
            return
        if model.url is None:
            self.point_to_page(model)
            return
        if not self.confirm(model):
            return
        self.task = run_task(FETCH_MODEL, self, name=model.name)
        self.dialog = QProgressDialog(f"Downloading {model.title}...", "Cancel", 0, 0, self.window)
        self.dialog.setWindowTitle("Get a model")
        self.dialog.setWindowModality(Qt.WindowModality.NonModal)
        self.dialog.setMinimumDuration(0)
        self.dialog.canceled.connect(self.task.cancel)
        self.task.progressed.connect(lambda done, total: self._progress(model, done, total))
        self.task.succeeded.connect(lambda path: self._done(model, str(path)))
        self.task.failed.connect(lambda message: self._ended(message, "error"))
        self.task.cancelled.connect(
            lambda: self._ended(
                f"The download of {model.title} was cancelled; the part downloaded is kept "
                "and the next try resumes it.",
                "info",
            )
        )

    def _progress(self, model: CatalogueModel, done: int, total: int) -> None:
        if self.dialog is None:
            return
        if total > 0:
            self.dialog.setRange(0, 1000)
            self.dialog.setValue(round(1000 * done / total))
            of = f" of {total / 1e6:.1f} MB"
        else:
            of = " MB"
        self.dialog.setLabelText(f"Downloading {model.title}: {done / 1e6:.1f}{of}")

    def _done(self, model: CatalogueModel, path: str) -> None:
        self._ended(f"{model.title} is checked and kept in {path}.", "info")
        self.fetched.emit(model, path)

    def _ended(self, message: str, level: str) -> None:
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.deleteLater()
            self.dialog = None
        self.message_bar.show_message(message, level)

    def _ask(self, model: CatalogueModel) -> bool:
        answer = QMessageBox.question(
            self.window,
            "Get a model",
            f"Download {model.title}?\n\n{catalogue_terms(model)}\nFrom {model.url}\n\n"
            f"It is checked, then kept in {data_dir() / 'models' / model.name}.",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _show_page(self, model: CatalogueModel) -> None:
        box = QMessageBox(self.window)
        box.setWindowTitle("Get a model")
        box.setText(
            f"The authors of {model.title} publish it on a web page, not as a file Glottis can "
            f"download ({model.licence}). Download it there in your browser, then choose "
            "\"Import a checkpoint...\" (or run: glottis models add FILE --name "
            f"{model.name})."
        )
        page = box.addButton("Open the page", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.exec()
        if box.clickedButton() is page:
            QDesktopServices.openUrl(QUrl(model.source))
