"""The training process's queue: a run is taken when none is going; a second one is refused
while one runs or waits."""

from __future__ import annotations

from multiprocessing import Pipe

from engine.training.worker import Worker


def _worker_reading(requests: list[dict], running: bool) -> tuple[Worker, list[dict]]:
    studio_requests, worker_requests = Pipe()
    worker_events, studio_events = Pipe()
    worker = Worker(worker_requests, worker_events)
    worker.running = running
    for request in [*requests, {"op": "shutdown"}]:
        studio_requests.send(request)
    worker.read()  # returns at the shutdown
    events = []
    while studio_events.poll(0.1):
        events.append(studio_events.recv())
    return worker, events


REFUSED = "A training run is already going; cancel it first."


def test_a_run_is_queued_when_none_is_going() -> None:
    worker, events = _worker_reading([{"op": "start", "options": {"recipe": "x"}}], False)
    assert worker.runs == [{"recipe": "x"}] and events == []


def test_a_second_run_is_refused() -> None:
    worker, events = _worker_reading([{"op": "start", "options": {"recipe": "x"}}], True)
    assert worker.runs == []
    assert [e["message"] for e in events] == [REFUSED]
    start = {"op": "start", "options": {"recipe": "x"}}
    worker, events = _worker_reading([start, start], False)
    assert worker.runs == [{"recipe": "x"}]
    assert [e["message"] for e in events] == [REFUSED]
