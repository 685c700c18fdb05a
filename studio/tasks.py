"""The window's tasks: engine work other than rendering and training, in the task process.

:func:`run_task` asks the task process (:mod:`engine.tasks`, started on first use, one for the
application) for one of the tasks :mod:`engine.api.tasks` names and returns its
:class:`Task`, a handle with the outcome as signals: ``progressed(done, total)``, then one of
``succeeded(value)``, ``failed(message)`` (in words) or ``cancelled()``; ``busy`` turns false
in the same step. :meth:`Task.cancel` asks the task to stop at its next progress report;
:meth:`Task.abandon` also drops whatever it answers (its panel is going away).

When the task process dies (a crash, an out-of-memory kill), every task it held fails with a
message that says so; the next task starts a new process. Nothing of the window's is lost:
the task wrote its files whole or not at all.
"""

from __future__ import annotations

import itertools
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from engine.api.pipe import CANCEL, CANCELLED, ERROR, PROGRESS, RESULT
from engine.api.tasks import TASK, TASKS_MODULE
from studio.process_link import ProcessLink

# A closing application gives running tasks this long to stop before their process is killed.
STOP_TIMEOUT = 6.0


class Task(QObject):
    """One task asked of the task process."""

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, client: TaskClient, job: int, name: str, parent: QObject | None) -> None:
        super().__init__(parent)
        self.name = name
        self.job = job
        self._client = client
        self._ended = False
        self._abandoned = False

    @property
    def busy(self) -> bool:
        """Asked, and its outcome not yet handled."""
        return not self._ended

    def cancel(self) -> None:
        """Ask the task to stop at its next progress report (``cancelled`` follows, or its
        outcome when it ended first)."""
        if not self._ended:
            self._client.cancel(self.job)

    def abandon(self) -> None:
        """Cancel the task and drop its outcome: no signal comes after this."""
        self._abandoned = True
        self.cancel()

    def _end(self, kind: str, value: Any) -> None:
        self._ended = True
        if self._abandoned:
            return
        if kind == RESULT:
            self.succeeded.emit(value)
        elif kind == CANCELLED:
            self.cancelled.emit()
        else:
            self.failed.emit(str(value))


class TaskClient(QObject):
    """The application's task process and the tasks it holds."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs = itertools.count(1)
        self._tasks: dict[int, Task] = {}
        self._link = ProcessLink(TASKS_MODULE, self)
        self._link.received.connect(self._on_event)
        self._link.exited.connect(self._on_exit)

    @property
    def pid(self) -> int | None:
        return self._link.pid

    def run(self, task_name: str, parent: QObject | None = None, **args: Any) -> Task:
        """Ask for the task ``task_name`` with keyword arguments ``args``; the answer comes
        on the returned handle."""
        task = Task(self, next(self._jobs), task_name, parent)
        self._tasks[task.job] = task
        task.destroyed.connect(lambda _=None, job=task.job: self._forget(job))
        if not self._link.started:
            self._link.start()
        # A request the pipe does not take fails when the link reports the process's end.
        self._link.send({"op": TASK, "job": task.job, "task": task_name, "args": args})
        return task

    def cancel(self, job: int) -> None:
        if job in self._tasks:
            self._link.send({"op": CANCEL, "job": 0, "target": job})

    def _forget(self, job: int) -> None:
        """A task whose owner went away: stopped, and its outcome dropped."""
        self.cancel(job)
        self._tasks.pop(job, None)

    def kill(self) -> None:
        """Kill the task process as a crash would."""
        self._link.kill()

    def shutdown(self) -> None:
        """Stop the task process for good (the application is closing); tasks still running
        are cancelled, and their outcomes dropped."""
        for task in self._tasks.values():
            task._abandoned = True
        self._tasks.clear()
        self._link.stop(STOP_TIMEOUT)

    def _on_event(self, event: dict) -> None:
        kind = event.get("event")
        task = self._tasks.get(int(event.get("job", 0)))
        if task is None:
            return
        if kind == PROGRESS:
            if not task._abandoned:
                task.progressed.emit(int(event["done"]), int(event["total"]))
            return
        if kind in (RESULT, CANCELLED, ERROR):
            del self._tasks[task.job]
            value = event.get("value") if kind == RESULT else event.get("message")
            task._end(kind, value)

    def _on_exit(self, code: int | None) -> None:
        lost, self._tasks = self._tasks, {}
        how = f"exit code {code}" if code is not None and code >= 0 else f"signal {-(code or 0)}"
        for task in lost.values():
            task._end(
                ERROR,
                f"The engine's task process stopped ({how}) before it finished; "
                "nothing of yours was lost. Try again.",
            )


_CLIENT: TaskClient | None = None


def task_client() -> TaskClient:
    """The application's task client, made on first use and stopped when the application
    quits."""
    global _CLIENT
    if _CLIENT is None:
        app = QCoreApplication.instance()
        _CLIENT = TaskClient(app)
        if app is not None:
            app.aboutToQuit.connect(_CLIENT.shutdown)
    return _CLIENT


def run_task(task_name: str, parent: QObject | None = None, **args: Any) -> Task:
    """Ask the application's task process for a task (see :meth:`TaskClient.run`)."""
    return task_client().run(task_name, parent, **args)
