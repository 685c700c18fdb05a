"""A boundary dragged in a 10 s sentence: the re-render heard, local against full.

    .venv/bin/python benchmarks/local_rerender.py

Starts the render engine process as the studio does (``engine.service``, bundled voice),
prepares a sentence of about 10 s and renders it; then, five times, moves one boundary in the
middle of the sentence by two frames (as a drag does) and times the request until its answer
(audio, spans, spectrogram and tracks) is back through the pipe: once with the engine keeping
the sentence's last render (it decodes only about the change, ``engine/acoustic/vits.py``)
and once from a second engine that never rendered the sentence with that seed (it decodes it
whole). Prints the
medians side by side with the frames decoded and the goal (150 ms).
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.api import LOAD, PREPARE, RENDER, Utterance  # noqa: E402
from engine.api.pipe import PROGRESS, READY, RESULT, EngineProcess, start_process  # noqa: E402
from engine.segments import segments  # noqa: E402
from studio.durations import move_boundary  # noqa: E402

TEXT = (
    "When the sun rose over the quiet harbour, the fishermen pushed their small boats out "
    "into the grey water, calling to each other across the waves as the gulls circled high "
    "above the masts."
)
TRIES = 5
GOAL_MS = 150


def ask(engine: EngineProcess, request: dict) -> dict:
    engine.requests.send(request)
    while True:
        event = engine.events.recv()
        if event["event"] in (PROGRESS, READY):
            continue
        if event["event"] != RESULT:
            raise SystemExit(f"the engine said: {event}")
        return event


def moved(utterance: Utterance, boundary: int, frames: int) -> Utterance:
    """``utterance`` with the boundary before segment ``boundary`` ``frames`` later, as a
    drag moves it (neither neighbour below its minimum)."""
    plan = utterance.sentences[0]
    after = move_boundary(plan.durations, segments(plan.tokens), boundary, frames)
    return utterance.with_durations([after])


def main() -> None:
    engines = [start_process("engine.service") for _ in range(2)]
    try:
        for engine in engines:
            ask(engine, {"op": LOAD, "job": 1})
        prepared = ask(engines[0], {"op": PREPARE, "job": 2, "text": TEXT, "seed": 0})
        utterance = Utterance.from_dict(prepared["takes"][0])
        plan = utterance.sentences[0]
        seconds = sum(plan.durations) * utterance.frame_seconds
        parts = segments(plan.tokens)
        middle = len(parts) // 2
        local, full = [], []
        job = 3
        for attempt in range(TRIES):
            after = moved(utterance, middle + attempt, 2)  # each try at another boundary
            ask(engines[0], {"op": RENDER, "job": job, "utterance": utterance.to_dict()})
            started = time.perf_counter()
            ask(engines[0], {"op": RENDER, "job": job + 1, "utterance": after.to_dict()})
            local.append(time.perf_counter() - started)
            fresh = replace(after, seed=1000 + attempt)  # a seed that engine never rendered
            started = time.perf_counter()
            answer = ask(engines[1], {"op": RENDER, "job": job + 2, "utterance": fresh.to_dict()})
            full.append(time.perf_counter() - started)
            job += 3
        timings = answer["timings"]
    finally:
        for engine in engines:
            engine.process.kill()
    print(
        f"sentence: {seconds:.1f} s, {len(parts)} phonemes; a boundary moved 2 frames; "
        f"{TRIES} tries, medians, request to answer through the pipe"
    )
    print("| render | ms | goal |")
    print("|---|---|---|")
    print(f"| local (about the change) | {1000 * statistics.median(local):.0f} | {GOAL_MS} |")
    print(f"| full (the whole sentence) | {1000 * statistics.median(full):.0f} | |")
    print(
        "last full render's parts (ms): "
        + ", ".join(f"{k} {1000 * v:.0f}" for k, v in timings.items())
    )


if __name__ == "__main__":
    main()
