"""The studio's side of the engine process: requests out, Qt signals in.

The UI thread never waits on the engine: requests and events go through a
:class:`~studio.process_link.ProcessLink`.

When the engine process dies (a crash, an out-of-memory kill), every job it held fails with a
message, a new engine is started and the last model that loaded is loaded into it again (not
a file the engine refused); the document is the window's and is left as it was.
"""

from __future__ import annotations

import itertools
import time

from PySide6.QtCore import QObject, Signal

from engine.api import (
    ANSWERS,
    LOAD,
    LoadRequest,
    PrepareRequest,
    RenderRequest,
    Request,
    TransplantRequest,
    Utterance,
    request_message,
)
from engine.api.pipe import CANCEL, CANCELLED, ERROR, PROGRESS, READY, RESULT
from studio.process_link import ProcessLink

ENGINE_MODULE = "engine.service"

# More than this many crashes within RESTART_WINDOW seconds and the engine is left stopped.
MAX_RESTARTS = 3
RESTART_WINDOW = 60.0
# A closing window waits this long for a busy engine to finish its job before killing it (it
# holds nothing of the user's: the document is the window's, and files are written whole).
STOP_TIMEOUT = 1.0


class EngineClient(QObject):
    """One engine process, restarted when it dies. Every request returns its job number."""

    loaded = Signal(object)  # a load's answer (engine.api.LoadAnswer)
    progress = Signal(int, int, int)  # job, done, total
    # job, op, the answer: engine.api.ANSWERS[op] (LoadAnswer, PrepareAnswer, RenderAnswer)
    finished = Signal(int, str, object)
    failed = Signal(int, str, str)  # job, op, message
    lost = Signal(int, str)  # job, op: the engine stopped before it answered
    cancelled = Signal(int)
    crashed = Signal(str)  # the engine stopped; what happened and what is done about it
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs = itertools.count(1)
        self._pending: dict[int, str] = {}
        self._link = ProcessLink(ENGINE_MODULE, self)
        self._link.received.connect(self._on_event)
        self._link.exited.connect(self._on_exit)
        self._load_request: LoadRequest | None = None  # the last load that worked
        self._loads: dict[int, LoadRequest] = {}  # load requests still unanswered
        self._crashes: list[float] = []
        self._stopping = False

    @property
    def pid(self) -> int | None:
        return self._link.pid

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    @property
    def running(self) -> bool:
        return self._link.running

    def start(self) -> None:
        """Start the engine process (returns at once; ``ready`` work is queued behind it)."""
        self._stopping = False
        self._link.start()

    def load(
        self,
        voice: str | None = None,
        vocoder: str | None = None,
        config: str | None = None,
        vocoder_config: str | None = None,
        vocoder_optional: bool = False,
    ) -> int:
        """Load a voice or acoustic checkpoint (by name or path; None: the default) with its
        config and, for mel models, a vocoder ("griffin-lim" or a checkpoint path) with its
        config. ``vocoder_optional``: a vocoder that does not fit gives way to Griffin-Lim."""
        request = LoadRequest(voice, config, vocoder, vocoder_config, vocoder_optional)
        job = self._send(request)
        self._loads[job] = request
        return job

    def prepare(self, text: str, controls: dict, seed: int, speaker: int | None = None) -> int:
        return self._send(PrepareRequest(text, controls, seed, speaker))

    def transplant(self, utterance: Utterance, controls: dict | None = None) -> int:
        """Re-prepare another model's utterance on the loaded model, keeping its timing (and
        rendering it with ``controls``, the loaded model's knobs, where given)."""
        return self._send(TransplantRequest(utterance, controls))

    def render(self, utterance: Utterance) -> int:
        return self._send(RenderRequest(utterance))

    def cancel(self, job: int) -> None:
        if job in self._pending:
            self._link.send({"op": CANCEL, "job": 0, "target": job})

    def cancel_all(self) -> None:
        for job in list(self._pending):
            self.cancel(job)

    def kill(self) -> None:
        """Kill the engine process as a crash would (the client restarts it)."""
        self._link.kill()

    def shutdown(self) -> None:
        """Stop the engine for good (the window is closing)."""
        self._stopping = True
        self._link.stop(STOP_TIMEOUT)
        self._pending.clear()
        self._loads.clear()

    def _send(self, request: Request) -> int:
        job = next(self._jobs)
        was_busy = self.busy
        self._pending[job] = request.op
        if not self._link.started:
            self.start()
        # A request the pipe does not take fails when the link reports the engine's end.
        self._link.send(request_message(request, job))
        if not was_busy:
            self.busy_changed.emit(True)
        return job

    def _on_event(self, event: dict) -> None:
        kind = event.get("event")
        job = int(event.get("job", 0))
        if kind == PROGRESS:
            self.progress.emit(job, int(event["done"]), int(event["total"]))
            return
        if kind == READY or job not in self._pending:
            return
        op = self._pending.pop(job)
        request = self._loads.pop(job, None)
        if kind == RESULT:
            answer = ANSWERS[op].from_message(event)
            if op == LOAD:
                self._load_request = request
                self.loaded.emit(answer)
            self.finished.emit(job, op, answer)
        elif kind == ERROR:
            self.failed.emit(job, op, str(event.get("message", "the engine failed")))
        elif kind == CANCELLED:
            self.cancelled.emit(job)
        if not self._pending:
            self.busy_changed.emit(False)

    def _on_exit(self, code: int | None) -> None:
        if self._stopping:
            return
        now = time.monotonic()
        self._crashes = [t for t in self._crashes if now - t < RESTART_WINDOW] + [now]
        lost, self._pending = self._pending, {}
        asked = list(self._loads.values())
        self._loads.clear()
        restart = len(self._crashes) <= MAX_RESTARTS
        how = f"exit code {code}" if code is not None and code >= 0 else f"signal {-(code or 0)}"
        message = f"The engine process stopped ({how})."
        message += (
            " It has been restarted; your project is as it was. Render again to continue."
            if restart
            else " It stopped too often to be restarted; save your project and restart Glottis."
        )
        for job, op in lost.items():
            self.lost.emit(job, op)
        if lost:
            self.busy_changed.emit(False)
        self.crashed.emit(message)
        if restart:
            self.start()
            # The last model that loaded; before any did, the first one asked for.
            request = self._load_request or (asked[0] if asked else None)
            if request is not None:
                job = self._send(request)
                self._loads[job] = request
