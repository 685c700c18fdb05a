"""The training process's queue: a run asked for while the dataset check that cleared it is
still ending waits its turn instead of being refused; a second run is refused."""

from __future__ import annotations

from multiprocessing import Pipe

from engine.training.worker import Worker


def _worker_reading(requests: list[dict], current: str | None) -> tuple[Worker, list[dict]]:
    studio_requests, worker_requests = Pipe()
    worker_events, studio_events = Pipe()
    worker = Worker(worker_requests, worker_events)
    worker.current = current
    for request in [*requests, {"op": "shutdown"}]:
        studio_requests.send(request)
    worker.read()  # returns at the shutdown
    events = []
    while studio_events.poll(0.1):
        events.append(studio_events.recv())
    return worker, events


def test_a_run_asked_for_as_the_check_ends_is_queued() -> None:
    worker, events = _worker_reading([{"op": "start", "options": {"recipe": "x"}}], "assess")
    assert worker.runs == [("start", {"recipe": "x"})] and events == []


def test_a_second_run_is_refused() -> None:
    worker, events = _worker_reading([{"op": "start", "options": {"recipe": "x"}}], "start")
    assert worker.runs == []
    assert [e["message"] for e in events] == ["A training run is already going; cancel it first."]
