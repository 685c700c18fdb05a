"""The take's pitch and intensity tracks (engine.audio.prosody) on tones of a known contour
and on a take of the bundled voice, and the mel scale the window labels its spectrogram with
(engine.audio.mel_scale) against the engine's filterbank."""

from __future__ import annotations

import numpy as np
import parselmouth
import pytest

from engine.audio.mel import mel_filterbank
from engine.audio.mel_scale import bin_of_hz, hz_of_bin
from engine.audio.prosody import take_tracks

RATE = 22050


def _pulses(f0: np.ndarray, rate: int = RATE) -> np.ndarray:
    """A glottal-pulse-like tone following ``f0`` (Hz per sample): a sawtooth's first 20
    partials, falling 6 dB an octave as a voice's source does."""
    phase = 2 * np.pi * np.cumsum(f0) / rate
    return sum(np.sin(k * phase) / k for k in range(1, 21)) * 0.15


def test_a_gliding_tone_is_tracked_within_a_few_cents_and_silence_is_unvoiced() -> None:
    """Half a second of silence, a second gliding 110 to 180 Hz in white noise 30 dB down,
    half a second of silence: the F0 follows the glide, the silences have no F0 and no
    intensity, and the tone's intensity is where its level says."""
    rng = np.random.default_rng(0)
    second = RATE
    contour = np.linspace(110.0, 180.0, second)
    tone = _pulses(contour)
    tone = tone + rng.normal(0, np.sqrt(np.mean(tone**2)) * 10 ** (-30 / 20), tone.size)
    gap = np.zeros(second // 2)
    audio = np.concatenate([gap, tone, gap]).astype(np.float32)
    tracks = take_tracks(audio, RATE)

    times = np.asarray(tracks.times)
    f0 = np.asarray(tracks.f0)
    assert times.shape == f0.shape == np.asarray(tracks.intensity).shape
    assert tracks.floor < 110 and tracks.ceiling > 180
    inside = (times > 0.55) & (times < 1.45)
    truth = np.interp(times[inside], np.arange(second) / RATE + 0.5, contour)
    assert np.isfinite(f0[inside]).all()
    cents = 1200 * np.abs(np.log2(f0[inside] / truth))
    assert np.median(cents) < 10 and cents.max() < 50, (np.median(cents), cents.max())
    silent = (times < 0.4) | (times > 1.6)
    assert silent.any() and np.isnan(f0[silent]).all()
    assert np.isnan(np.asarray(tracks.intensity)[silent]).all()
    # Praat's intensity: the mean power in dB re (20 uPa)^2, the samples read as pascals.
    expected = 10 * np.log10(np.mean(tone**2) / 2e-5**2)
    level = np.asarray(tracks.intensity)[inside]
    assert np.median(level) == pytest.approx(expected, abs=1.0)


def test_a_sound_too_short_to_analyse_has_empty_tracks() -> None:
    tracks = take_tracks(np.zeros(500, np.float32), RATE)
    assert len(tracks.times) == len(tracks.f0) == len(tracks.intensity) == 0


def test_a_take_of_the_bundled_voice_is_tracked_in_its_own_range(synthesizer) -> None:
    """The bundled voice (a man's) speaks between about 70 and 200 Hz; the track is Praat's
    own pitch of the take in the range found for it."""
    render = synthesizer.render(
        synthesizer.prepare("The river was quiet after the long winter rain.", seed=3)
    )
    tracks = take_tracks(render.audio, render.sample_rate)
    f0 = np.asarray(tracks.f0)
    voiced = f0[np.isfinite(f0)]
    assert voiced.size > 0.3 * f0.size
    assert 70 < np.median(voiced) < 200, np.median(voiced)
    assert tracks.floor >= 30 and tracks.ceiling <= 500 and tracks.floor < tracks.ceiling
    pitch = parselmouth.Sound(render.audio.astype(np.float64), render.sample_rate).to_pitch_ac(
        time_step=0.01, pitch_floor=tracks.floor, pitch_ceiling=tracks.ceiling
    )
    praat = pitch.selected_array["frequency"]
    assert np.allclose(tracks.times, pitch.xs(), atol=1e-6)
    assert np.array_equal(np.isfinite(f0), praat > 0)
    assert np.allclose(voiced, praat[praat > 0], rtol=1e-5)


def test_the_mel_scale_puts_each_frequency_on_the_filter_that_peaks_there() -> None:
    """Each filter of the engine's filterbank peaks at the frequency the mel scale gives its
    index (its largest weight is on one of the two FFT bins around it), and the scale goes
    both ways."""
    for n_mels, fmin, fmax in ((80, 0.0, 11025.0), (80, 0.0, 8000.0), (64, 50.0, 7600.0)):
        basis = mel_filterbank(22050, 1024, n_mels, fmin, fmax).numpy()
        fft_hz = np.linspace(0, 11025, basis.shape[1])
        peaks = fft_hz[np.argmax(basis, axis=1)]
        centres = hz_of_bin(np.arange(n_mels), n_mels, fmin, fmax)
        assert np.abs(peaks - centres).max() < fft_hz[1]
        hz = np.array([100.0, 500.0, 1000.0, 3000.0, 7000.0])
        assert np.allclose(hz_of_bin(bin_of_hz(hz, n_mels, fmin, fmax), n_mels, fmin, fmax), hz)
