"""Asking for a checkpoint file and, optionally, its config: the two fields of an import.

An official checkpoint comes with a training config (``config.json``, or ``params.py`` turned
into JSON for Grad-TTS). The engine finds one named ``config.json`` beside the file, or falls
back on the official configuration; a checkpoint trained with other settings needs its own
config, which is the second field here.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

CHECKPOINT_FILTER = "Checkpoints (*.pth *.pt *.ckpt *.onnx *.safetensors);;All files (*)"
CONFIG_FILTER = "Config (*.json);;All files (*)"


class CheckpointDialog(QDialog):
    """A checkpoint path (required) and a config path (optional), each with a Browse button."""

    def __init__(self, title: str, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.checkpoint = QLineEdit()
        self.checkpoint.setPlaceholderText(f"the {what} file")
        self.config = QLineEdit()
        self.config.setPlaceholderText("optional: found beside the file (config.json) or official")
        form = QFormLayout(self)
        form.addRow(
            QLabel(f"Choose the {what} file; give its config JSON if it was trained with its own.")
        )
        form.addRow("Checkpoint", self._with_browse(self.checkpoint, self._browse_checkpoint))
        form.addRow("Config", self._with_browse(self.config, self._browse_config))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.checkpoint.textChanged.connect(self._update_ok)
        self._update_ok()
        self.resize(560, self.sizeHint().height())

    def _with_browse(self, field: QLineEdit, browse) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(field, 1)
        button = QPushButton("Browse...")
        button.clicked.connect(browse)
        layout.addWidget(button)
        return row

    def _browse_checkpoint(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.windowTitle(), self.checkpoint.text(), CHECKPOINT_FILTER
        )
        if path:
            self.checkpoint.setText(path)

    def _browse_config(self) -> None:
        start = self.config.text() or str(Path(self.checkpoint.text()).parent)
        path, _ = QFileDialog.getOpenFileName(self, "Its config", start, CONFIG_FILTER)
        if path:
            self.config.setText(path)

    def _update_ok(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.checkpoint.text().strip()))

    def paths(self) -> tuple[str, str | None]:
        """The checkpoint and the config (None when left empty)."""
        config = self.config.text().strip()
        return self.checkpoint.text().strip(), config or None


def ask_checkpoint(parent: QWidget, title: str, what: str) -> tuple[str, str | None] | None:
    """Show the dialog; the paths chosen, or None when cancelled."""
    dialog = CheckpointDialog(title, what, parent)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.paths()
    finally:
        dialog.deleteLater()
