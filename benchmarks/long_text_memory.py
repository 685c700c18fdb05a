"""Peak memory of the engine rendering one sentence, as the sentence grows.

    .venv/bin/python benchmarks/long_text_memory.py [--tokens 200 400 ...] [--frames ...]

Each figure is a fresh process that loads the bundled voice on the CPU runtime (onnxruntime,
the default there), renders a short sentence to warm up, then renders one sentence and reports
its peak resident set size (``ru_maxrss``) beside the peak before that render. Two series:

- ``tokens``: a sentence of that many tokens (a text's ids repeated) at its predicted
  durations, what a long sentence without a sentence end costs; this sizes
  ``engine.text.long_sentences.MAX_SENTENCE_PHONEMES`` (a Piper sentence has two tokens a
  phoneme, and about two frames a token at the default pace);
- ``frames``: 40 tokens whose durations add up to that many frames, what a durations file
  asking for a long sound costs; this sizes ``engine.api.MAX_SENTENCE_FRAMES``.

A size that fails (onnxruntime refusing to allocate, or the process killed) is reported as
such. The budget the limits keep to is 2 GB of peak RSS on a CPU.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = "The quick brown fox jumps over the lazy dog while the children watch from the hill."
DEFAULT_TOKENS = (100, 400, 800, 1600, 3200)
DEFAULT_FRAMES = (2_000, 5_000, 10_000, 20_000, 40_000)
FRAME_SERIES_TOKENS = 40


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _child(series: str, size: int) -> None:
    sys.path.insert(0, str(ROOT))
    from engine.checkpoints.voices import load_voice
    from engine.synthesis import Synthesizer

    synthesizer = Synthesizer(load_voice(None), device="cpu")
    controls = synthesizer.default_controls()
    base = synthesizer.front_end.sentences(SAMPLE)[0].ids
    synthesizer.acoustic.render(
        base,
        None,
        synthesizer.acoustic.predict_durations(base, None, controls, 0, 0),
        controls,
        0,
        0,
    )
    before = _peak_mb()
    count = size if series == "tokens" else FRAME_SERIES_TOKENS
    ids = [base[i % len(base)] for i in range(count)]
    if series == "tokens":
        durations = synthesizer.acoustic.predict_durations(ids, None, controls, 0, 0)
    else:
        durations = tuple(size // count + (i < size % count) for i in range(count))
    audio = synthesizer.acoustic.render(ids, None, durations, controls, 0, 0)
    print(
        json.dumps(
            {
                "frames": sum(durations),
                "seconds": len(audio) / synthesizer.sample_rate,
                "before_mb": before,
                "peak_mb": _peak_mb(),
            }
        )
    )


def _measure(series: str, size: int) -> dict | None:
    done = subprocess.run(
        [sys.executable, __file__, "--child", series, str(size)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        print(f"{series:>7} {size:>7}: failed (exit {done.returncode}): {last[:160]}")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, nargs="*", default=DEFAULT_TOKENS)
    parser.add_argument("--frames", type=int, nargs="*", default=DEFAULT_FRAMES)
    parser.add_argument("--child", nargs=2, metavar=("SERIES", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return
    print(f"{'series':>7} {'size':>7} {'frames':>7} {'audio s':>8} {'base MB':>8} {'peak MB':>8}")
    for series, sizes in (("tokens", args.tokens), ("frames", args.frames)):
        for size in sizes:
            result = _measure(series, size)
            if result is not None:
                print(
                    f"{series:>7} {size:>7} {result['frames']:>7} {result['seconds']:>8.1f} "
                    f"{result['before_mb']:>8.0f} {result['peak_mb']:>8.0f}"
                )


if __name__ == "__main__":
    main()
