"""A VITS sentence rendered again with other durations is decoded only about the change, and
the take is the full render's: every sample within 1e-5 (onnxruntime's sums differ by about
1e-7 at other offsets)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.acoustic.vits import REACH_FRAMES, changed_frames, per_token_shape
from engine.segments import segments
from engine.synthesis import Synthesizer
from studio.durations import move_boundary

TEXT = (
    "When the sun rose over the quiet harbour, the fishermen pushed their small boats out "
    "into the grey water, calling to each other across the waves."
)
TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def twins(default_voice):
    """Two synthesizers of the bundled voice: one keeps its renders, one renders afresh."""
    return Synthesizer(default_voice, device="cpu"), Synthesizer(default_voice, device="cpu")


def full_render(synthesizer, utterance) -> np.ndarray:
    synthesizer.acoustic._renders = type(synthesizer.acoustic._renders)()  # forget them
    return synthesizer.render(utterance).audio


def test_a_moved_boundary_is_decoded_about_itself_and_equals_a_full_render(twins):
    kept, fresh = twins
    utterance = kept.prepare(TEXT)
    plan = utterance.sentences[0]
    parts = segments(plan.tokens)
    kept.render(utterance)
    total = sum(plan.durations)
    for boundary, frames in ((len(parts) // 2, 2), (len(parts) // 3, -3), (5, 4)):
        durations = move_boundary(plan.durations, parts, boundary, frames)
        edited = utterance.with_durations([durations])
        audio = kept.render(edited).audio
        assert kept.acoustic.last_decoded_frames < total / 2, "the whole sentence was decoded"
        reference = full_render(fresh, edited)
        assert len(audio) == len(reference)
        assert np.abs(audio - reference).max() < TOLERANCE
        utterance = edited
        plan = utterance.sentences[0]


def test_a_nudge_that_changes_the_length_is_spliced_in_place(twins):
    kept, fresh = twins
    utterance = kept.prepare(TEXT)
    plan = utterance.sentences[0]
    kept.render(utterance)
    durations = list(plan.durations)
    durations[len(durations) // 2] += 7  # a phoneme seven frames longer: the take grows
    edited = utterance.with_durations([durations])
    audio = kept.render(edited).audio
    reference = full_render(fresh, edited)
    assert len(audio) == len(reference) == sum(durations) * kept.hop_length
    assert np.abs(audio - reference).max() < TOLERANCE
    assert kept.acoustic.last_decoded_frames <= 7 + 1 + 4 * REACH_FRAMES + max(durations)


def test_changes_far_apart_are_decoded_whole(twins):
    """Where the changes reach more than half the sentence, it is decoded whole."""
    kept, fresh = twins
    utterance = kept.prepare(TEXT)
    durations = list(utterance.sentences[0].durations)
    kept.render(utterance)
    durations[2] += 2
    durations[-3] += 2
    edited = utterance.with_durations([durations])
    audio = kept.render(edited).audio
    assert kept.acoustic.last_decoded_frames == sum(durations)
    assert np.array_equal(audio, full_render(fresh, edited))


def test_changed_frames_names_where_tokens_are_drawn_otherwise():
    def shape(durations, rolls=(), gains=()):
        return per_token_shape(durations, rolls, gains)

    assert changed_frames(shape([1, 2, 3]), shape([1, 2, 3])) is None
    assert changed_frames(shape([1, 2, 3, 4]), shape([1, 5, 3, 4])) == (1, 3, 6)
    assert changed_frames(shape([2, 2, 2, 2]), shape([3, 2, 2, 1])) == (0, 8, 8)
    assert changed_frames(shape([2, 2, 2]), shape([2, 2, 2], [0, 1, 0])) == (2, 4, 4)
    assert changed_frames(shape([2, 2, 2]), shape([2, 2, 2], (), [1, 1, 1.5])) == (4, 6, 6)


def test_a_re_rolled_word_is_decoded_about_itself(twins):
    """A re-roll or a noise scale on a few tokens changes their noise alone: decoded about
    them, the take is the full render's."""
    kept, fresh = twins
    utterance = kept.prepare(TEXT)
    count = len(utterance.sentences[0].tokens)
    kept.render(utterance)
    middle = count // 2
    rolls = [1 if middle <= i < middle + 6 else 0 for i in range(count)]
    gains = [1.5 if middle - 10 <= i < middle - 6 else 1.0 for i in range(count)]
    for shaped in (
        utterance.with_token_noise([rolls], [()]),
        utterance.with_token_noise([rolls], [gains]),
    ):
        audio = kept.render(shaped).audio
        assert kept.acoustic.last_decoded_frames < sum(shaped.sentences[0].durations) / 2
        assert np.abs(audio - full_render(fresh, shaped)).max() < TOLERANCE
