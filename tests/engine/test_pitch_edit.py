"""Pitch edits on rendered sentences: the F0 of the chosen tokens reaches the shift asked
(measured by Praat on the result, independently of the edit's own tracking), flattening
flattens, and the samples away from the edit are the model's own."""

from __future__ import annotations

import numpy as np
import parselmouth
import pytest

from engine.audio.pitch_edit import CONTEXT_FRAMES, reshape_pitch
from engine.synthesis import SynthesisError

QUESTION = "Are you coming home tonight?"


def last_word(plan) -> tuple[int, int]:
    """The first and end token of the sentence's last word (before its punctuation)."""
    space = max(i for i, t in enumerate(plan.tokens) if t == " ")
    end = max(i for i, t in enumerate(plan.tokens) if t == "?")
    return space + 2, end


def median_f0(audio: np.ndarray, rate: int, start: float, end: float) -> tuple[float, float]:
    """Median F0 (Hz) of the voiced 10 ms frames between ``start`` and ``end`` seconds and
    their spread in cents (standard deviation), by Praat's autocorrelation over 50-400 Hz."""
    pitch = parselmouth.Sound(audio.astype(np.float64), rate).to_pitch_ac(
        time_step=0.01, pitch_floor=50, pitch_ceiling=400
    )
    f0, times = pitch.selected_array["frequency"], pitch.xs()
    voiced = f0[(times >= start) & (times < end) & (f0 > 0)]
    assert voiced.size >= 5, "too few voiced frames to measure"
    median = float(np.median(voiced))
    return median, float(np.std(1200 * np.log2(voiced / median)))


@pytest.fixture(scope="module")
def question(synthesizer):
    utterance = synthesizer.prepare(QUESTION)
    return utterance, synthesizer.render(utterance).audio


@pytest.mark.parametrize("semitones", [4.0, -3.0])
def test_a_word_raised_or_lowered_reaches_the_shift_asked(synthesizer, question, semitones):
    utterance, audio = question
    plan = utterance.sentences[0]
    first, end = last_word(plan)
    shifts = [semitones if first <= i < end else 0.0 for i in range(len(plan.tokens))]
    edited = reshape_pitch(
        audio, synthesizer.sample_rate, synthesizer.hop_length, plan.durations, shifts
    )
    frame = synthesizer.hop_length / synthesizer.sample_rate
    start, stop = sum(plan.durations[:first]) * frame, sum(plan.durations[:end]) * frame
    before, _ = median_f0(audio, synthesizer.sample_rate, start, stop)
    after, _ = median_f0(edited, synthesizer.sample_rate, start, stop)
    reached = 1200 * np.log2(after / before)
    assert reached == pytest.approx(100 * semitones, abs=50), f"{reached:.0f} cents"
    untouched = (sum(plan.durations[:first]) - CONTEXT_FRAMES) * synthesizer.hop_length
    assert np.array_equal(edited[:untouched], audio[:untouched])


def test_a_flattened_word_loses_its_contour(synthesizer, question):
    utterance, audio = question
    plan = utterance.sentences[0]
    first, end = last_word(plan)
    flat = [1.0 if first <= i < end else 0.0 for i in range(len(plan.tokens))]
    edited = reshape_pitch(
        audio, synthesizer.sample_rate, synthesizer.hop_length, plan.durations, (), flat
    )
    frame = synthesizer.hop_length / synthesizer.sample_rate
    start, stop = sum(plan.durations[:first]) * frame, sum(plan.durations[:end]) * frame
    _, spread_before = median_f0(audio, synthesizer.sample_rate, start, stop)
    _, spread_after = median_f0(edited, synthesizer.sample_rate, start, stop)
    assert spread_before > 40 and spread_after < spread_before / 3


def test_a_pitch_edit_travels_in_the_utterance(synthesizer, question):
    utterance, audio = question
    plan = utterance.sentences[0]
    first, end = last_word(plan)
    shifts = [4.0 if first <= i < end else 0.0 for i in range(len(plan.tokens))]
    raised = utterance.with_pitch([shifts], [()])
    assert np.array_equal(
        synthesizer.render(raised).audio,
        reshape_pitch(
            audio, synthesizer.sample_rate, synthesizer.hop_length, plan.durations, shifts
        ),
    )
    with pytest.raises(SynthesisError, match="pitch shifts must be from -12 to 12"):
        utterance.with_pitch([[13.0] * len(plan.tokens)], [()])
    with pytest.raises(SynthesisError, match="pitch flatness must be from 0 to 1"):
        utterance.with_pitch([()], [[2.0] * len(plan.tokens)])
    assert type(raised).from_dict(raised.to_dict()) == raised
