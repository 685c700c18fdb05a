"""The training process: runs :func:`engine.training.run.train` away from the window.

The studio starts it with :func:`engine.api.pipe.start_process` (``python -m
engine.training.worker``) and speaks to it over the pipe that module describes; every message
is a dict, and the names are :mod:`engine.api.training`'s. A process of its own, not a job of
the render engine, so the studio keeps rendering while a voice trains, and killing it (or its
dying of an out-of-memory kill) loses no more than the steps since the last checkpoint, which
the loop writes atomically.

Requests (studio -> worker):

- ``{"op": "start", "options": TrainOptions.to_json()}`` starts a run (one at a time);
- ``{"op": "cancel"}`` stops the running one between steps; it ends with a ``finished`` event
  whose status is "cancelled" and whose checkpoint is the one written at that step;
- ``{"op": "shutdown"}`` cancels any run and ends the process once the run has saved.

Events (worker -> studio), one dict each with ``event`` naming it, sent as they come:

- ``ready``: the process listens; ``devices`` lists what a run can use ("cpu", "cuda").
- ``started``, ``preparing``, ``step``, ``validated``, ``checkpoint``: the fields of the
  :mod:`engine.training.events` dataclass of that name (paths as strings);
- ``sample``: step, text, sample_rate, path and ``audio``, little-endian float32 bytes;
- ``finished``: status ("done", "cancelled", "out_of_memory", "failed"), step, message,
  checkpoint; also sent, with status "failed" and ``started`` false, for a run that could not
  start (nothing to resume, an output folder holding another run, no usable clip).

Clips listed in the dataset's ``excluded.txt`` (the dataset panel's "exclude") are left out
by the training data loader, which reports them among the rejected clips.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from engine.api.pipe import CANCEL, READY, SHUTDOWN, inherited_pipes
from engine.api.training import FINISHED, START, WORKER_MODULE

WORKER_NICENESS = 10  # below the render engine's: a training run must not slow rendering
EVENT_NAMES = {
    "Started": "started",
    "Preparing": "preparing",
    "StepDone": "step",
    "Validated": "validated",
    "SampleReady": "sample",
    "CheckpointSaved": "checkpoint",
    "Finished": FINISHED,
}


def event_message(event: Any) -> dict[str, Any]:
    """A training event as the dict the pipe carries (plain values; audio as float32 bytes)."""
    import numpy as np

    message: dict[str, Any] = {"event": EVENT_NAMES[type(event).__name__]}
    for field in dataclasses.fields(event):
        value = getattr(event, field.name)
        if isinstance(value, Path):
            value = str(value)
        elif isinstance(value, np.ndarray):
            value = np.ascontiguousarray(value, dtype="<f4").tobytes()
        elif isinstance(value, list):
            value = [tuple(v) if isinstance(v, tuple) else v for v in value]
        message[field.name] = value
    return message


def devices() -> list[str]:
    import torch

    return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]


class Worker:
    """Reads requests on a thread of its own (so a cancel arrives during a step) and runs
    each started run on the main thread, forwarding its events as they come."""

    def __init__(self, requests: Connection, events: Connection) -> None:
        self.requests = requests
        self.events = events
        self.cancel = threading.Event()
        self.runs: list[dict[str, Any]] = []
        self.wake = threading.Condition()
        self.stopping = False
        self.running = False
        self._send_lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        with self._send_lock:
            try:
                self.events.send(message)
            except (OSError, ValueError):  # the studio is gone; the run goes on to its save
                self.cancel.set()

    def read(self) -> None:
        while True:
            try:
                request = self.requests.recv()
            except (EOFError, OSError):  # the studio is gone: save and stop
                request = {"op": SHUTDOWN}
            op = request.get("op")
            with self.wake:
                if op == CANCEL:
                    self.cancel.set()
                elif op == START:
                    if self.running or self.runs:
                        self.send(_refused("A training run is already going; cancel it first."))
                    else:
                        self.runs.append(request["options"])
                elif op == SHUTDOWN:
                    self.stopping = True
                    self.cancel.set()
                self.wake.notify_all()
            if op == SHUTDOWN:
                return

    def serve(self) -> None:
        threading.Thread(target=self.read, name="training-requests", daemon=True).start()
        self.send({"event": READY, "devices": devices()})
        while True:
            with self.wake:
                while not self.runs and not self.stopping:
                    self.wake.wait()
                if self.stopping:
                    return
                settings = self.runs.pop(0)
                self.running = True
                self.cancel.clear()
            try:
                self.run(settings)
            finally:
                with self.wake:
                    self.running = False

    def run(self, settings: dict[str, Any]) -> None:
        from engine.dataset.errors import DatasetError
        from engine.training.options import TrainOptions
        from engine.training.run import TrainingError, train

        try:
            options = TrainOptions(**settings)
            train(options, lambda event: self.send(event_message(event)), self.cancel)
        except (TrainingError, DatasetError, ValueError, FileNotFoundError, OSError) as error:
            self.send(_refused(str(error)))
        except Exception as error:  # a fault of the engine's: logged, said, and serving goes on
            from engine.fault_log import record_fault

            self.send(_refused(record_fault("training", error, "Training")))


def _refused(message: str) -> dict[str, Any]:
    return {
        "event": FINISHED,
        "status": "failed",
        "step": 0,
        "message": message,
        "checkpoint": None,
        "started": False,
    }


def main(argv: list[str] | None = None) -> int:
    pipes = inherited_pipes(WORKER_MODULE, sys.argv[1:] if argv is None else argv)
    if pipes is None:
        return 2
    try:
        os.nice(WORKER_NICENESS)
    except (AttributeError, OSError):
        pass
    Worker(*pipes).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
