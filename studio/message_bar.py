"""A bar above the views for what the window has to say: errors, notices, offers.

Nothing the window reports waits on a modal dialog, so work (and tests) go on while a message
is shown; an offer (recover a crashed session) carries a button.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

STYLES = {
    "error": "background: #7a1f1f; color: white;",
    "warning": "background: #7a5b12; color: white;",
    "info": "background: #1f4f7a; color: white;",
}


class MessageBar(QFrame):
    """One message at a time, with an optional action button and a close button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.action = QPushButton()
        self.close_button = QPushButton("Dismiss")
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action)
        layout.addWidget(self.close_button)
        self.close_button.clicked.connect(self.hide)
        self.action.clicked.connect(self._run_action)
        self._callback: Callable[[], object] | None = None
        self.level = ""
        self.hide()

    def show_message(
        self,
        text: str,
        level: str = "info",
        action: str = "",
        callback: Callable[[], object] | None = None,
    ) -> None:
        self.level = level
        self.setStyleSheet(STYLES.get(level, ""))
        self.label.setText(text)
        self._callback = callback
        self.action.setText(action)
        self.action.setVisible(bool(action and callback))
        self.show()

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    def _run_action(self) -> None:
        callback, self._callback = self._callback, None
        self.hide()
        if callback is not None:
            callback()
