"""Pitch edits measured: the F0 reached against the F0 asked, and what Whisper still hears.

    .venv/bin/python benchmarks/pitch_edit.py

For each of the eight test sentences of ``tests/e2e/intelligibility.py`` (bundled voice,
default controls, seed 0) the last word is raised 4 semitones, lowered 4, raised 8 and
flattened (engine/audio/pitch_edit.py). Praat (autocorrelation, 50-400 Hz, 10 ms) tracks the
F0 of the word in the original and in the edit, independently of the edit's own tracking:

- *error*: the median over sentences of |reached - asked| in cents, where *reached* is the
  median over the word's voiced frames of the frame-by-frame F0 ratio (edited / original;
  frames voiced in both), and *asked* the shift (100 cents a semitone);
- *spread*: for flattening, the word's F0 standard deviation in cents, before and after;
- *CER*: Whisper tiny.en's corpus character error rate over the eight sentences, unedited and
  edited; and the time an edit takes per sentence.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import parselmouth

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.asr import corpus_cer, transcribe  # noqa: E402
from engine.audio.levels import peak_normalize  # noqa: E402
from engine.audio.pitch_edit import reshape_pitch  # noqa: E402
from engine.checkpoints.voices import load_voice  # noqa: E402
from engine.synthesis import Synthesizer  # noqa: E402
from tests.e2e.intelligibility import SENTENCES  # noqa: E402

EDITS = (("+4 st", 4.0, 0.0), ("-4 st", -4.0, 0.0), ("+8 st", 8.0, 0.0), ("flatten", 0.0, 1.0))


def track(audio: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    pitch = parselmouth.Sound(audio.astype(np.float64), rate).to_pitch_ac(
        time_step=0.01, pitch_floor=50, pitch_ceiling=400
    )
    return pitch.xs(), pitch.selected_array["frequency"]


def last_word(tokens: tuple[str, ...]) -> tuple[int, int]:
    """First and end token of the last word (up to the sentence's closing punctuation)."""
    space = max(i for i, t in enumerate(tokens) if t == " ")
    end = max(i for i, t in enumerate(tokens) if t not in ("_", "$", ".", "?", "!"))
    return space + 1, end + 1


def main() -> None:
    synthesizer = Synthesizer(load_voice())
    rate, hop = synthesizer.sample_rate, synthesizer.hop_length
    originals, heard = [], {name: [] for name, _, _ in EDITS}
    errors: dict[str, list[float]] = {name: [] for name, _, _ in EDITS}
    spreads: list[tuple[float, float]] = []
    seconds: list[float] = []
    for sentence in SENTENCES:
        utterance = synthesizer.prepare(sentence)
        plan = utterance.sentences[0]
        audio = synthesizer.render(utterance).audio
        originals.append(transcribe(peak_normalize(audio), rate))
        first, end = last_word(plan.tokens)
        start_s = sum(plan.durations[:first]) * hop / rate
        end_s = sum(plan.durations[:end]) * hop / rate
        times, before = track(audio, rate)
        word = (times >= start_s) & (times < end_s)
        for name, shift, flat in EDITS:
            inside = [1.0 if first <= i < end else 0.0 for i in range(len(plan.tokens))]
            began = time.perf_counter()
            edited = reshape_pitch(
                audio,
                rate,
                hop,
                plan.durations,
                [shift * x for x in inside],
                [flat * x for x in inside],
            )
            seconds.append(time.perf_counter() - began)
            heard[name].append(transcribe(peak_normalize(edited), rate))
            _, after = track(edited, rate)
            both = word & (before > 0) & (after > 0)
            if flat:
                cents = lambda f: float(np.std(1200 * np.log2(f / np.median(f))))  # noqa: E731
                spreads.append((cents(before[both]), cents(after[both])))
            elif both.sum() >= 3:
                reached = float(np.median(1200 * np.log2(after[both] / before[both])))
                errors[name].append(abs(reached - 100 * shift))
    print(f"sentences: {len(SENTENCES)}, the last word edited; F0 by Praat, CER by Whisper tiny.en")
    print(f"unedited CER: {corpus_cer(SENTENCES, originals):.3f}")
    print("| edit | median F0 error (cents) | worst (cents) | CER |")
    print("|---|---|---|---|")
    for name, _shift, flat in EDITS:
        error = errors[name]
        median = f"{np.median(error):.0f}" if error else "-"
        worst = f"{max(error):.0f}" if error else "-"
        if flat:
            median = "spread {:.0f} -> {:.0f}".format(*np.median(np.array(spreads), axis=0))
        print(f"| {name} | {median} | {worst} | {corpus_cer(SENTENCES, heard[name]):.3f} |")
    print(f"edit time per sentence: median {1000 * np.median(seconds):.0f} ms")


if __name__ == "__main__":
    main()
