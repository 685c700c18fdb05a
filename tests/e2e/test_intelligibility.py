"""Proof it speaks: Whisper understands our rendering of the bundled voice."""

from __future__ import annotations

from engine.audio.levels import peak_normalize
from tests.e2e.intelligibility import SENTENCES, corpus_cer, transcribe

# Piper's own rendering of this voice scores about 0.01-0.025 on sentences like these.
MAX_CER = 0.08


def test_whisper_understands_the_default_voice(synthesizer):
    hypotheses = []
    for sentence in SENTENCES:
        take = synthesizer.render(synthesizer.prepare(sentence))
        hypotheses.append(transcribe(peak_normalize(take.audio), take.sample_rate))
    cer = corpus_cer(SENTENCES, hypotheses)
    assert cer <= MAX_CER, list(zip(SENTENCES, hypotheses, strict=True))
