"""Utterance preparation and rendering with the bundled voice."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from engine.controls import CONTROL_SPECS
from engine.synthesis import Controls, SynthesisError, Utterance
from engine.text.frontend import FrontEndError

# Forty phonemes in one sentence (stress marks, spaces, punctuation and pads not counted).
FORTY_PHONEMES = "The quiet harbour filled with boats before the storm."
NOT_PHONEMES = set("^_$ ˈˌ,.!?;:")


def _phoneme_positions(tokens) -> list[int]:
    return [i for i, t in enumerate(tokens) if t not in NOT_PHONEMES]


def test_prepare_exposes_tokens_ids_and_durations(synthesizer):
    utt = synthesizer.prepare("Hello there. How are you?")
    assert len(utt.sentences) == 2
    for plan in utt.sentences:
        assert len(plan.tokens) == len(plan.ids) == len(plan.durations)
        assert plan.tokens[0] == "^" and plan.tokens[-1] == "$"
        assert all(d >= 0 for d in plan.durations) and sum(plan.durations) > 0
        assert plan.durations == plan.predicted


def test_same_utterance_renders_same_samples(synthesizer):
    utt = synthesizer.prepare("Rendering twice gives the same take.", seed=7)
    first = synthesizer.render(utt)
    second = synthesizer.render(Utterance.from_dict(utt.to_dict()))
    np.testing.assert_array_equal(first.audio, second.audio)


def test_seed_changes_the_take(synthesizer):
    a = synthesizer.render(synthesizer.prepare("A different seed.", seed=1))
    b = synthesizer.render(synthesizer.prepare("A different seed.", seed=2))
    assert len(a.audio) != len(b.audio) or not np.allclose(a.audio, b.audio)


def test_render_spans_follow_durations(synthesizer):
    utt = synthesizer.prepare("Timing is everything.")
    take = synthesizer.render(utt)
    hop = synthesizer.hop_length
    assert len(take.audio) == utt.frame_count * hop
    assert take.spans[0][0] == 0 and take.spans[-1][1] == len(take.audio)
    for (start, end), frames in zip(take.spans, utt.sentences[0].durations, strict=True):
        assert end - start == frames * hop
    mel = take.mel
    assert mel.shape[0] == 80 and abs(mel.shape[1] - len(take.audio) / hop) <= 1
    assert take.timings["synthesis"] > 0 and take.rtf > 0


def test_caller_durations_override_prediction(synthesizer):
    utt = synthesizer.prepare("Slow down.")
    doubled = [[d * 2 for d in s.durations] for s in utt.sentences]
    slow = utt.with_durations(doubled)
    take = synthesizer.render(slow)
    assert len(take.audio) == 2 * utt.frame_count * synthesizer.hop_length
    assert slow.sentences[0].predicted == utt.sentences[0].predicted


def test_bad_durations_are_refused(synthesizer):
    utt = synthesizer.prepare("No.")
    count = len(utt.sentences[0].tokens)
    with pytest.raises(ValueError, match="tokens but 2 durations"):
        utt.with_durations([[1, 2]])
    with pytest.raises(ValueError, match="whole frames"):
        utt.with_durations([[1.5] * count])
    with pytest.raises(ValueError, match="whole frames"):
        utt.with_durations([[-1] * count])
    with pytest.raises(ValueError, match="zero frames"):
        utt.with_durations([[0] * count])
    with pytest.raises(ValueError, match="0 sentences"):
        utt.with_durations([])


def test_retiming_one_phoneme_leaves_the_rest_of_the_take(synthesizer):
    utt = synthesizer.prepare(FORTY_PHONEMES, seed=3)
    assert len(utt.sentences) == 1
    plan = utt.sentences[0]
    phonemes = _phoneme_positions(plan.tokens)
    assert len(phonemes) == 40, len(phonemes)
    target = phonemes[len(phonemes) // 2]
    durations = list(plan.durations)
    durations[target] += 12
    before = synthesizer.render(utt)
    after = synthesizer.render(utt.with_durations([durations]))

    sr = synthesizer.sample_rate
    margin = int(0.5 * sr)
    old_start, old_end = before.spans[target]
    new_start, new_end = after.spans[target]
    assert new_end - new_start == (old_end - old_start) + 12 * synthesizer.hop_length

    head = slice(0, old_start - margin)
    assert head.stop > sr // 4, "not enough audio before the edited phoneme"
    tail_old = before.audio[old_end + margin :]
    tail_new = after.audio[new_end + margin :]
    assert len(tail_old) == len(tail_new) > sr // 4
    for a, b in [(before.audio[head], after.audio[head]), (tail_old, tail_new)]:
        assert np.corrcoef(a, b)[0, 1] >= 0.99
    # The edit did change the audio around the phoneme itself.
    assert not np.allclose(
        before.audio[old_start:old_end], after.audio[new_start : new_start + old_end - old_start]
    )


# Frames either side of an edit that the VITS flow and decoder can reach (their receptive
# field, measured: 26), and how close the audio beyond them stays (onnxruntime's convolutions
# sum in another order at other offsets: 1e-7 seen).
REACH_FRAMES = 32
BEYOND_TOLERANCE = 1e-6


def test_a_re_rolled_word_is_a_new_take_of_it_alone(synthesizer):
    """Re-rolling tokens draws their noise afresh: the audio about them changes, the take
    beyond the decoder's reach stays as it was; the same roll gives the same samples, another
    roll another take."""
    utt = synthesizer.prepare(FORTY_PHONEMES, seed=3)
    plan = utt.sentences[0]
    first, stop = 30, 38
    rolls = [1 if first <= i < stop else 0 for i in range(len(plan.tokens))]
    before = synthesizer.render(utt).audio
    rolled = utt.with_token_noise([rolls], [()])
    after = synthesizer.render(rolled).audio
    hop = synthesizer.hop_length
    start, end = sum(plan.durations[:first]) * hop, sum(plan.durations[:stop]) * hop
    reach = REACH_FRAMES * hop
    assert len(after) == len(before)
    assert np.abs(after[start:end] - before[start:end]).max() > 0.01
    assert np.abs(after[: start - reach] - before[: start - reach]).max() < BEYOND_TOLERANCE
    assert np.abs(after[end + reach :] - before[end + reach :]).max() < BEYOND_TOLERANCE
    assert np.array_equal(synthesizer.render(rolled).audio, after)
    again = synthesizer.render(utt.with_token_noise([[2 * r for r in rolls]], [()])).audio
    assert np.abs(again[start:end] - after[start:end]).max() > 0.01


def test_a_token_noise_gain_scales_only_its_own_noise(synthesizer):
    utt = synthesizer.prepare(FORTY_PHONEMES, seed=3)
    plan = utt.sentences[0]
    quiet = [0.0 if 30 <= i < 38 else 1.0 for i in range(len(plan.tokens))]
    before = synthesizer.render(utt).audio
    after = synthesizer.render(utt.with_token_noise([()], [quiet])).audio
    hop = synthesizer.hop_length
    start, end = sum(plan.durations[:30]) * hop, sum(plan.durations[:38]) * hop
    assert np.abs(after[start:end] - before[start:end]).max() > 0.01
    assert (
        np.abs(after[: start - REACH_FRAMES * hop] - before[: start - REACH_FRAMES * hop]).max()
        < BEYOND_TOLERANCE
    )
    without_noise = synthesizer.render(utt.with_token_noise([()], [[0.0] * len(plan.tokens)])).audio
    muted = replace(utt, controls=replace(utt.controls, noise_scale=0.0))
    assert np.allclose(synthesizer.render(muted).audio, without_noise, atol=1e-6)


def test_token_noise_is_checked(synthesizer):
    utt = synthesizer.prepare("Checked.")
    count = len(utt.sentences[0].tokens)
    with pytest.raises(SynthesisError, match="tokens but 2 rolls"):
        utt.with_token_noise([[1, 1]], [()])
    with pytest.raises(SynthesisError, match="whole numbers >= 0"):
        utt.with_token_noise([[-1] * count], [()])
    with pytest.raises(SynthesisError, match="from 0 to 10"):
        utt.with_token_noise([()], [[11.0] * count])
    data = utt.with_token_noise([[1] * count], [[1.5] * count]).to_dict()
    assert Utterance.from_dict(data).sentences[0].rolls == (1,) * count
    data["sentences"][0]["noise_gains"] = ["loud"] * count
    with pytest.raises(SynthesisError, match="noise gains"):
        Utterance.from_dict(data)


def test_controls_are_validated():
    with pytest.raises(ValueError, match="noise_scale"):
        Controls(noise_scale=-1)
    with pytest.raises(ValueError, match="length_scale"):
        Controls(length_scale=0)
    with pytest.raises(ValueError, match="steps must be a whole number from 1 to 1000"):
        Controls(steps=2.5)


@pytest.mark.parametrize("spec", CONTROL_SPECS, ids=lambda spec: spec.name)
def test_every_control_is_checked_against_its_one_range(spec):
    """The range the window's knob and the command line offer is the one the engine holds."""
    kind = int if spec.decimals == 0 else float
    Controls(**{spec.name: kind(spec.low)})
    Controls(**{spec.name: kind(spec.high)})
    above = kind(spec.high + (1 if spec.decimals == 0 else spec.step))
    refused = f"{spec.name} must be .* from {spec.low:g} to {spec.high:g}"
    with pytest.raises(ValueError, match=refused):
        Controls(**{spec.name: above})


def test_length_scale_slows_speech(synthesizer):
    normal = synthesizer.prepare("Speak slowly please.", Controls(length_scale=1.0))
    slow = synthesizer.prepare("Speak slowly please.", Controls(length_scale=1.5))
    assert slow.frame_count > normal.frame_count * 1.3


def test_unsayable_text_is_refused(synthesizer):
    with pytest.raises(FrontEndError):
        synthesizer.prepare("   ")


def test_speaker_ids_are_checked(synthesizer):
    assert synthesizer.check_speaker(None) is None
    with pytest.raises(ValueError, match="one speaker"):
        synthesizer.prepare("Hello.", speaker=3)


def test_an_utterance_renders_only_with_its_voice(synthesizer):
    utterance = synthesizer.prepare("Mine.")
    foreign = Utterance.from_dict({**utterance.to_dict(), "voice": "someone-else"})
    with pytest.raises(SynthesisError, match="someone-else"):
        synthesizer.render(foreign)


def test_from_dict_checks_what_it_reads(synthesizer):
    data = synthesizer.prepare("Checked.").to_dict()
    with pytest.raises(SynthesisError, match="at least one sentence"):
        Utterance.from_dict({**data, "sentences": []})
    data["sentences"][0]["durations"] = [-1] * len(data["sentences"][0]["tokens"])
    with pytest.raises(SynthesisError, match="whole frames"):
        Utterance.from_dict(data)


def test_huge_durations_are_refused(synthesizer):
    utterance = synthesizer.prepare("Long.")
    count = len(utterance.sentences[0].tokens)
    with pytest.raises(SynthesisError, match="frames"):
        utterance.with_durations([[10**12] * count])


def test_mel_of_a_one_frame_take(synthesizer):
    utterance = synthesizer.prepare("A.")
    durations = [0] * len(utterance.sentences[0].tokens)
    durations[1] = 1
    take = synthesizer.render(utterance.with_durations([durations]))
    assert len(take.audio) == synthesizer.hop_length
    assert take.mel.shape[0] == 80 and take.mel.shape[1] >= 1
