"""Every edit of a document is one of these undoable commands (Ctrl+Z / Ctrl+Shift+Z).

A command holds the state before and after and hands it to the editor (the main window),
which updates the project and the views and asks the engine for the audio it lacks; a take
remembers its recent renders, so undoing an edit gives its audio back without a render.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtGui import QUndoCommand

from studio.project import Take


class TakeEditor(Protocol):
    """What the commands change: the window's project, through the window."""

    def apply_durations(self, index: int, durations: Sequence[int]) -> None: ...

    def apply_takes(self, takes: list[Take], current: int) -> None: ...

    def apply_take(self, index: int, take: Take) -> None: ...


class SetDurations(QUndoCommand):
    """New durations for take ``index`` (a boundary drag, a nudge, a stretch, a reset)."""

    def __init__(
        self,
        editor: TakeEditor,
        index: int,
        before: Sequence[int],
        after: Sequence[int],
        text: str,
    ) -> None:
        super().__init__(text)
        self.editor = editor
        self.index = index
        self.before = tuple(before)
        self.after = tuple(after)

    def redo(self) -> None:
        self.editor.apply_durations(self.index, self.after)

    def undo(self) -> None:
        self.editor.apply_durations(self.index, self.before)


class SetTake(QUndoCommand):
    """Take ``index`` made anew, its sentence the same (re-rolled, a noise scale of its own)."""

    def __init__(self, editor: TakeEditor, index: int, before: Take, after: Take, text: str):
        super().__init__(text)
        self.editor = editor
        self.index = index
        self.before = before
        self.after = after

    def redo(self) -> None:
        self.editor.apply_take(self.index, self.after)

    def undo(self) -> None:
        self.editor.apply_take(self.index, self.before)


class ReplaceTakes(QUndoCommand):
    """The takes of a new render of the text, or one take re-prepared (phonemes overridden)."""

    def __init__(
        self,
        editor: TakeEditor,
        before: list[Take],
        after: list[Take],
        text: str,
        current: int = 0,
        current_before: int = 0,
    ) -> None:
        super().__init__(text)
        self.editor = editor
        self.before = list(before)
        self.after = list(after)
        self.current = current
        self.current_before = current_before

    def redo(self) -> None:
        self.editor.apply_takes(self.after, self.current)

    def undo(self) -> None:
        self.editor.apply_takes(self.before, self.current_before)
