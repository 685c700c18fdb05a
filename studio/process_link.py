"""The window's end of the pipe to one engine process (:mod:`engine.api.pipe`).

The render engine's client, the task client and the training panel each hold one. Requests
are written to the pipe (small dicts; the process's reader drains it at once); events are
read on the UI thread when a QSocketNotifier says the pipe has data, so no thread of ours
touches Qt objects (a process writes each event whole, so reading one takes only as long as
copying it). The end of the pipe means the process is gone: ``exited`` says with what code.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSocketNotifier, Signal

from engine.api.pipe import EngineProcess, start_process


class ProcessLink(QObject):
    """One engine process (``python -m MODULE``), started by :meth:`start`."""

    received = Signal(dict)
    exited = Signal(object)  # the exit code (negative: killed by that signal)

    def __init__(self, module: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.module = module
        self._process: EngineProcess | None = None
        self._notifier: QSocketNotifier | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.process.poll() is None

    @property
    def started(self) -> bool:
        """Started and its end not yet read (it may have died a moment ago)."""
        return self._process is not None

    def start(self) -> None:
        """Start the process (returns at once: requests sent now wait in the pipe)."""
        self._drop_notifier()
        self._process = start_process(self.module)
        self._notifier = QSocketNotifier(
            self._process.events.fileno(), QSocketNotifier.Type.Read, self
        )
        self._notifier.activated.connect(self._read)

    def send(self, request: dict) -> bool:
        """Write one request; False when there is no process to take it (its end is then
        reported through ``exited``, or it was stopped)."""
        if self._process is None:
            return False
        try:
            self._process.requests.send(request)
        except (OSError, ValueError):
            return False
        return True

    def kill(self) -> None:
        """Kill the process as a crash would (``exited`` follows)."""
        if self._process is not None:
            self._process.process.kill()

    def stop(self, timeout: float) -> None:
        """End the process for good: asked to shut down, killed after ``timeout`` seconds;
        ``exited`` is not emitted."""
        self._drop_notifier()
        process, self._process = self._process, None
        if process is not None:
            process.stop(timeout)

    def _drop_notifier(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None

    def _read(self) -> None:
        """Every event waiting on the pipe; the end of the pipe means the process is gone."""
        process = self._process
        if process is None:
            return
        try:
            while process.events.poll(0):
                self.received.emit(process.events.recv())
                if process is not self._process:
                    return  # the event led to a restart or a stop
        except (EOFError, OSError):
            self._drop_notifier()
            code = process.process.wait()
            process.requests.close()
            process.events.close()
            if process is self._process:
                self._process = None
                self.exited.emit(code)
