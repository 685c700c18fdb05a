"""Test sentences for intelligibility checks; recognition and CER live in ``engine.asr``."""

from __future__ import annotations

from engine.asr import corpus_cer, normalise, transcribe, whisper_model

__all__ = ["SENTENCES", "corpus_cer", "normalise", "transcribe", "whisper_model"]

# Eight sentences written for this test: everyday words, no numbers or abbreviations, so the
# reference needs no normalisation beyond case and punctuation.
SENTENCES = [
    "The river was quiet after the long winter rain.",
    "Please bring the green chair into the kitchen.",
    "My sister painted a picture of the mountain village.",
    "We walked along the beach and watched the ships go by.",
    "Fresh bread smells wonderful early in the morning.",
    "The teacher asked everyone to close their books.",
    "A small dog was sleeping under the wooden table.",
    "They planted tomatoes and beans in the garden last spring.",
]
