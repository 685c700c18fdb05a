"""Work the voice panels run off the UI thread: importing, checking, coverage, saving takes.

A :class:`Job` runs one function on its own QThread. The function gets a ``tick(done, total)``
callback: each call is a progress report to the window and a cancellation point (after
:meth:`Job.cancel` it raises :class:`Cancelled`, which the engine's importer and check take
as "stop and leave nothing half-written"). The outcome comes back on the UI thread as one of
the signals ``succeeded``, ``failed`` (a message in words) or ``cancelled``, and ``busy``
turns false in the same step.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal

from engine.dataset.errors import DatasetError

Tick = Callable[[int, int], None]

# Jobs still running when their panel went away: kept alive here until they end, since a
# QThread deleted while it runs takes the process down.
_DETACHED: set[Job] = set()


class Cancelled(Exception):
    """Raised by ``tick`` once the job was asked to stop."""


class Job(QThread):
    """One function run on a thread of its own, with progress and cancel."""

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    _outcome = Signal(str, object)  # from the job's thread to the UI thread

    def __init__(
        self, work: Callable[[Tick], Any], name: str = "", parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name or "voice-job")
        self._work = work
        self._stop = threading.Event()
        self._started = False
        self._ended = False
        self._detached = False
        self._outcome.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def start(self, *args: Any) -> None:
        self._started = True
        super().start(*args)

    @property
    def busy(self) -> bool:
        """Started, and its outcome not yet handled on the UI thread (``isRunning`` turns
        false at another moment: a little after the work, before the outcome is handled)."""
        return self._started and not self._ended

    def cancel(self) -> None:
        """Ask the work to stop at its next progress report."""
        self._stop.set()

    def run(self) -> None:  # on the job's thread
        try:
            result = self._work(self._tick)
        except Cancelled:
            self._outcome.emit("cancelled", None)
        except DatasetError as error:
            self._outcome.emit("failed", str(error))
        except Exception as error:  # shown in the panel: a job never fails silently
            self._outcome.emit("failed", f"{type(error).__name__}: {error}")
        else:
            self._outcome.emit("cancelled" if self._stop.is_set() else "succeeded", result)

    def _deliver(self, kind: str, value: object) -> None:
        """On the UI thread: end ``busy`` and send the outcome in one step, so nothing sees
        the job ended before its outcome was handled."""
        self._ended = True
        if self._detached:
            return
        if kind == "succeeded":
            self.succeeded.emit(value)
        elif kind == "failed":
            self.failed.emit(str(value))
        else:
            self.cancelled.emit()

    def _tick(self, done: int, total: int) -> None:
        if self._stop.is_set():
            raise Cancelled
        self.progressed.emit(done, total)


def stop_job(job: Job | None, wait_ms: int = 5000) -> None:
    """Cancel a job and wait up to ``wait_ms`` for it. One still busy after that (inside a
    single long step) is detached: its outcome is dropped, and it is kept alive until it
    ends."""
    if job is None or not job.isRunning():
        return
    job.cancel()
    if wait_ms > 0 and job.wait(wait_ms):
        return
    job._detached = True
    job.setParent(None)
    _DETACHED.add(job)
    job.finished.connect(lambda: _forget(job))


def _forget(job: Job) -> None:
    job.wait()  # ``finished`` comes just before the thread ends
    _DETACHED.discard(job)
