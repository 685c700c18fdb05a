"""The Synthesizer over official Glow-TTS and Grad-TTS checkpoints and their vocoders.

The small official fixtures stand in for full-size checkpoints: same containers, same code.
Renders with predicted durations must be the official inference given the same noise, so
these tests replay our per-token noise through the models' official entry points.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.acoustic.glow_tts import PRIOR_STREAM
from engine.acoustic.grad_tts import STEP_STREAM, TERMINAL_STREAM
from engine.checkpoints.piper import VoiceImportError
from engine.checkpoints.voices import load_voice
from engine.controls import Controls
from engine.models.grad_tts import fix_len_compatibility
from engine.runtime.noise import frame_noise, frame_step_noise
from engine.synthesis import SynthesisError, Synthesizer, Utterance
from engine.vocoders import load_vocoder
from tests.parity.discovery import fixtures

TEXT = "Hello there, how are you?"


def _fixture(model: str, tag: str = "small"):
    found = [f for f in fixtures(model) if f.tag == tag]
    if not found:
        pytest.skip(f"no {model} {tag} fixture under the parity folder")
    return found[0]


@pytest.fixture(scope="module")
def glow_voice():
    fixture = _fixture("glow-tts")
    return load_voice(fixture.checkpoint, fixture.config)


@pytest.fixture(scope="module")
def grad_voice():
    fixture = _fixture("grad-tts")
    return load_voice(fixture.checkpoint, fixture.config)


@pytest.fixture(scope="module")
def hifigan():
    fixture = _fixture("hifi-gan")
    return load_vocoder(fixture.checkpoint, fixture.config)


@pytest.fixture(scope="module")
def glow(glow_voice, hifigan):
    return Synthesizer(glow_voice, device="cpu", vocoder=hifigan)


@pytest.fixture(scope="module")
def grad(grad_voice, hifigan):
    return Synthesizer(grad_voice, device="cpu", vocoder=hifigan)


def _ids(plan) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.tensor([plan.ids]), torch.tensor([len(plan.ids)])


def test_glow_tts_render_is_the_official_infer_with_the_same_noise(glow):
    controls = Controls(noise_scale=0.5, length_scale=1.3)
    utterance = glow.prepare(TEXT, controls, seed=11)
    (plan,) = utterance.sentences
    rendered = glow.render(utterance)
    noise = frame_noise(plan.durations, 80, 11, 0, PRIOR_STREAM)
    x, lengths = _ids(plan)
    with torch.no_grad():
        (mel, *_), _, _ = glow.acoustic.model.infer(
            x, lengths, noise_scale=0.5, length_scale=1.3, noise=[torch.from_numpy(noise)[None]]
        )
    assert mel.shape[2] == sum(plan.durations) == rendered.model_mel.shape[1]
    np.testing.assert_allclose(rendered.model_mel, mel[0].numpy(), atol=1e-4)
    assert len(rendered.audio) == sum(plan.durations) * glow.hop_length


@pytest.mark.parametrize("stochastic", [False, True])
def test_grad_tts_render_is_the_official_forward_with_the_same_noise(grad, stochastic):
    controls = Controls(length_scale=0.91, temperature=1.5, steps=3, stochastic=stochastic)
    utterance = grad.prepare(TEXT, controls, seed=5)
    (plan,) = utterance.sentences
    rendered = grad.render(utterance)
    frames = sum(plan.durations)
    padding = fix_len_compatibility(frames) - frames
    draws = [np.pad(frame_noise(plan.durations, 80, 5, 0, TERMINAL_STREAM), ((0, 0), (0, padding)))]
    if stochastic:
        steps = frame_step_noise(plan.durations, 80, 3, 5, 0, STEP_STREAM)
        draws += list(np.pad(steps, ((0, 0), (0, 0), (0, padding))))
    x, lengths = _ids(plan)
    official = grad.acoustic.model.infer(
        x,
        lengths,
        3,
        1.5,
        stochastic,
        length_scale=0.91,
        noise=[torch.from_numpy(d)[None] for d in draws],
    )
    assert int(official.y_lengths[0]) == frames
    np.testing.assert_allclose(
        rendered.model_mel, official.decoder_outputs[0].numpy(), atol=1e-4, rtol=0
    )


def test_grad_tts_durations_follow_the_length_scale_after_ceil_rule(grad):
    plan = grad.prepare(TEXT, Controls(length_scale=0.91)).sentences[0]
    x, lengths = _ids(plan)
    with torch.no_grad():
        mu_x, logw, x_mask = grad.acoustic.model.encode_text(x, lengths)
        fractional = grad.acoustic.model.predicted_durations(logw, x_mask, 0.91)
        *_, attn, _ = grad.acoustic.model.expand_to_frames(mu_x, x_mask, fractional)
    official = attn[0, 0].sum(1).long().tolist()
    assert list(plan.durations) == official
    assert any(not float(v).is_integer() for v in fractional[0].tolist())


def test_same_seed_same_take_and_controls_change_it(grad):
    base = Controls(steps=2, temperature=1.5, length_scale=1.0)
    utterance = grad.prepare("Good morning.", base, seed=3)
    first, again = grad.render(utterance), grad.render(Utterance.from_dict(utterance.to_dict()))
    np.testing.assert_array_equal(first.audio, again.audio)
    other_seed = grad.render(grad.prepare("Good morning.", base, seed=4))
    assert not np.allclose(first.model_mel, other_seed.model_mel)
    for change in ({"steps": 4}, {"temperature": 3.0}, {"stochastic": True}):
        changed = grad.render(
            Utterance.from_dict(
                {**utterance.to_dict(), "controls": {**utterance.to_dict()["controls"], **change}}
            )
        )
        assert not np.allclose(first.model_mel, changed.model_mel), change


def test_edited_durations_are_honoured_for_mel_models(glow, grad):
    for synthesizer in (glow, grad):
        utterance = synthesizer.prepare("Good morning.", seed=1)
        durations = [
            d + (3 if i == 2 else 0) for i, d in enumerate(utterance.sentences[0].durations)
        ]
        durations[-1] += 1  # an odd total: Glow-TTS pads its squeeze and cuts the padding off
        longer = synthesizer.render(utterance.with_durations([durations]))
        assert longer.model_mel.shape[1] == sum(durations)
        assert len(longer.audio) == sum(durations) * synthesizer.hop_length
        assert longer.spans[2][1] - longer.spans[2][0] == durations[2] * synthesizer.hop_length


def test_control_names_say_what_each_model_reads(glow, grad, synthesizer):
    assert synthesizer.control_names == ("noise_scale", "noise_w", "length_scale")
    assert glow.control_names == ("noise_scale", "length_scale")
    assert grad.control_names == ("length_scale", "temperature", "steps", "stochastic")
    assert grad.default_controls().length_scale == 0.91
    assert grad.default_controls().temperature == 1.5


def test_griffin_lim_voices_a_mel_model_without_weights(glow_voice):
    synthesizer = Synthesizer(glow_voice, device="cpu")
    assert synthesizer.vocoder.label == "Griffin-Lim"
    rendered = synthesizer.render(synthesizer.prepare("Hi.", seed=0))
    assert np.isfinite(rendered.audio).all() and np.abs(rendered.audio).max() > 0


def test_an_incompatible_vocoder_is_refused_naming_the_difference(glow_voice):
    fixture = _fixture("waveglow")
    with pytest.raises(SynthesisError, match="mel bands: model 80, vocoder 12") as caught:
        Synthesizer(glow_voice, device="cpu", vocoder=fixture.checkpoint)
    assert "compatible vocoders: official HiFi-GAN V1" in str(caught.value)


def test_vits_takes_no_vocoder(default_voice, hifigan):
    with pytest.raises(SynthesisError, match="makes audio itself"):
        Synthesizer(default_voice, device="cpu", vocoder=hifigan)


def test_roles_are_checked_both_ways(glow_voice):
    hifi = _fixture("hifi-gan")
    with pytest.raises(VoiceImportError, match="HiFi-GAN vocoder, not an acoustic model"):
        load_voice(hifi.checkpoint, hifi.config)
    glow = _fixture("glow-tts")
    with pytest.raises(SynthesisError, match="Glow-TTS acoustic model, not a vocoder"):
        Synthesizer(glow_voice, device="cpu", vocoder=glow.checkpoint)


def test_waveglow_sigma_seed_and_denoiser():
    fixture = _fixture("waveglow")
    vocoder = load_vocoder(fixture.checkpoint, fixture.config)
    assert vocoder.control_names == ("sigma", "denoiser_strength")
    mel = np.random.default_rng(0).normal(-5, 1, size=(vocoder.mel.n_mels, 12)).astype(np.float32)
    durations = [5, 7]

    def render(seed: int = 0, **controls) -> np.ndarray:
        return vocoder.render(mel, Controls(**controls), seed, 0, durations)

    plain = render(sigma=0.6)
    assert len(plain) == 12 * vocoder.mel.hop_length
    np.testing.assert_array_equal(plain, render(sigma=0.6))
    assert not np.allclose(plain, render(seed=1, sigma=0.6))
    assert not np.allclose(plain, render(sigma=0.0))
    denoised = render(sigma=0.6, denoiser_strength=0.5)
    assert len(denoised) == len(plain) and not np.allclose(plain, denoised)


def test_durations_transplant_between_models_that_hear_the_same_phonemes(glow, grad):
    source = grad.prepare(TEXT, seed=2)
    moved = glow.transplant(source)
    (from_grad,), (to_glow,) = source.sentences, moved.sentences
    assert from_grad.phonemes == to_glow.phonemes and from_grad.tokens != to_glow.tokens
    # Grad-TTS puts a blank after each phoneme; Glow-TTS here has none: each phoneme keeps
    # its own time plus its blank's.
    per_phoneme = [
        from_grad.durations[i] + from_grad.durations[i + 1]
        for i in range(1, len(from_grad.tokens), 2)
    ]
    per_phoneme[0] += from_grad.durations[0]
    assert list(to_glow.durations) == per_phoneme
    back = grad.transplant(moved)
    assert sum(back.sentences[0].durations) == sum(from_grad.durations)


def test_transplant_refuses_models_that_hear_other_phonemes(glow, synthesizer):
    with pytest.raises(SynthesisError, match="different phonemes"):
        glow.transplant(synthesizer.prepare(TEXT))


def test_controls_round_trip_and_refuse_unknown_fields():
    controls = Controls(steps=25, stochastic=True, sigma=0.8)
    assert Controls.from_dict(vars(controls)) == controls
    assert Controls.from_dict({"noise_scale": 0.3}).steps == Controls().steps
    with pytest.raises(SynthesisError, match="unknown controls: wobble"):
        Controls.from_dict({"wobble": 1})
    for bad in ({"steps": 0}, {"steps": 2.5}, {"temperature": 0}, {"stochastic": "yes"}):
        with pytest.raises(SynthesisError):
            Controls(**bad)


def test_a_multi_speaker_grad_tts_speaks_with_each_speaker():
    fixture = _fixture("grad-tts", "small_ms")
    synthesizer = Synthesizer(load_voice(fixture.checkpoint, fixture.config), device="cpu")
    controls = Controls(steps=2)
    utterance = synthesizer.prepare("Hi.", controls, seed=0)
    assert utterance.speaker == 0
    first = synthesizer.render(utterance).model_mel
    other = synthesizer.render(synthesizer.prepare("Hi.", controls, seed=0, speaker=3)).model_mel
    assert first.shape == other.shape and not np.allclose(first, other)
    count = synthesizer.acoustic.n_speakers
    with pytest.raises(SynthesisError, match=f"speakers 0 to {count - 1}; no speaker {count}"):
        synthesizer.prepare("Hi.", controls, speaker=count)
