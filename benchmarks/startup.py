"""How long Glottis makes a person wait before it answers, as they feel it.

    .venv/bin/python benchmarks/startup.py [--repeat 5]

Prints the median wall time of:

- ``glottis --help`` (goal: under 0.5 s);
- ``glottis say "Hello there." -o OUT.wav`` with the default voice already converted and cached
  (goal: under 2.5 s in all, process start to exit);
- the studio's engine ready to render: from starting the engine process, as the window does
  at launch, to the answer of its first ``load`` of the default voice (goal: under 3 s), and
  the first render of a short sentence after that.

Each figure is a fresh process, as a person launching the command gets. Run it on an idle
machine; the first ``say`` (which may convert the default voice) is not counted.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.api.pipe import ERROR, RESULT, EngineProcess, start_process  # noqa: E402

GLOTTIS = Path(sys.executable).parent / "glottis"
GOALS = {"--help": 0.5, "say": 2.5, "engine ready": 3.0}


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def run_glottis(*args: str) -> None:
    subprocess.run([str(GLOTTIS), *args], check=True, capture_output=True)


def engine_ready() -> tuple[float, float]:
    """Seconds from start to the first load's answer, and then to a short render's."""
    started = time.perf_counter()
    engine = start_process("engine.service")
    try:
        engine.requests.send({"op": "load", "job": 1, "voice": None})
        prepared = _answer(engine, 1)
        ready = time.perf_counter() - started
        engine.requests.send({"op": "prepare", "job": 2, "text": "Hello there."})
        utterance = _answer(engine, 2)["takes"][0]
        engine.requests.send({"op": "render", "job": 3, "utterance": utterance})
        _answer(engine, 3)
        assert prepared["device"]
        return ready, time.perf_counter() - started
    finally:
        engine.stop()


def _answer(engine: EngineProcess, job: int) -> dict:
    while True:
        event = engine.events.recv()
        if event.get("job") != job:
            continue
        if event["event"] == ERROR:
            raise RuntimeError(event["message"])
        if event["event"] == RESULT:
            return event


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="glottis-startup-")) / "hello.wav"
    say = ("say", "Hello there.", "-o", str(out))
    run_glottis(*say)  # the voice converted and cached, as after a first use

    figures = {
        "--help": [timed(lambda: run_glottis("--help")) for _ in range(args.repeat)],
        "say": [timed(lambda: run_glottis(*say)) for _ in range(args.repeat)],
    }
    engine = [engine_ready() for _ in range(args.repeat)]
    figures["engine ready"] = [ready for ready, _ in engine]
    figures["engine first render"] = [rendered for _, rendered in engine]
    print(f"{'what':<22} {'median s':>9} {'min s':>7} {'goal s':>7}")
    for name, seconds in figures.items():
        goal = GOALS.get(name)
        met = goal is not None and statistics.median(seconds) < goal
        verdict = "" if goal is None else ("met" if met else "NOT met")
        print(
            f"{name:<22} {statistics.median(seconds):>9.2f} {min(seconds):>7.2f} "
            f"{'' if goal is None else f'{goal:.1f}':>7} {verdict}"
        )


if __name__ == "__main__":
    main()
