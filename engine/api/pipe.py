"""The pipe between the window and each engine process: how one is started and spoken to.

Three processes speak over it: the render engine (:mod:`engine.service`), the task process
(:mod:`engine.tasks`) and the training process (:mod:`engine.training.worker`). Each is a
plain child interpreter, ``python -m MODULE REQUESTS_FD EVENTS_FD``, on two one-way pipes
(:class:`multiprocessing.connection.Connection`, which pickles: audio travels as arrays, not
as text). Every request is a dict with ``op``; every event a dict with ``event``.

Requests that expect an answer carry a ``job`` number and the events about them carry the
same number; ``{"op": "cancel", "target": job}`` asks for a job to stop at its next
cancellation point and ``{"op": "shutdown"}`` ends the process.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from multiprocessing.connection import Connection

# Operations every engine process understands, and the events that answer a job.
CANCEL, SHUTDOWN = "cancel", "shutdown"
READY, PROGRESS, RESULT, CANCELLED, ERROR = "ready", "progress", "result", "cancelled", "error"


@dataclasses.dataclass
class EngineProcess:
    """A started engine process: send requests on ``requests``, read events from ``events``."""

    process: subprocess.Popen
    requests: Connection
    events: Connection

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the process to end, and kill it when it does not within ``timeout`` seconds."""
        try:
            self.requests.send({"op": SHUTDOWN, "job": 0})
        except (OSError, ValueError):
            pass
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)
        for connection in (self.requests, self.events):
            connection.close()


def start_process(module: str) -> EngineProcess:
    """Start ``python -m MODULE`` on two inherited pipes.

    A plain child interpreter rather than multiprocessing's spawn, which would import the
    caller's main script (the studio, a test runner) into the engine again.
    """
    requests_read, requests_write = os.pipe()
    events_read, events_write = os.pipe()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", module, str(requests_read), str(events_write)],
            pass_fds=(requests_read, events_write),
            stdin=subprocess.DEVNULL,
        )
    finally:
        os.close(requests_read)
        os.close(events_write)
    return EngineProcess(
        process,
        Connection(requests_write, readable=False),
        Connection(events_read, writable=False),
    )


def inherited_pipes(module: str, argv: list[str]) -> tuple[Connection, Connection] | None:
    """In the child: the request and event pipes its two arguments name (None, after a usage
    line on stderr, when they do not)."""
    if len(argv) != 2 or not all(a.isdigit() for a in argv):
        print(f"usage: python -m {module} REQUESTS_FD EVENTS_FD", file=sys.stderr)
        return None
    return Connection(int(argv[0]), writable=False), Connection(int(argv[1]), readable=False)
