"""Which pitch tracker draws the take's F0: Praat's (parselmouth) against librosa's pYIN.

    .venv/bin/python benchmarks/pitch_tracks.py [--repeats 3]

Signals with a known F0 contour: a Rosenberg glottal pulse train (Rosenberg 1971, "Effect of
glottal pulse shape on the quality of natural vowels"; open phase 40 %, closing 16 %) through
a lip-radiation difference and three formant resonators, following

- a sweep from 80 to 300 Hz over 2 s,
- a declination from 140 to 95 Hz over 3 s with a 5 Hz vibrato of 3 %,
- a sentence-like run: six voiced stretches (each a rise and fall between 90 and 160 Hz)
  between silences and fricative-like noise bursts,

each in white noise at 30 dB and 10 dB SNR. For every tracker the script prints, over the
frames the truth calls voiced and the tracker too, the median and 95th percentile of the
error in cents, the mean error in Hz and the gross error rate (off by more than 20 %, octave
jumps among them); the voicing errors (voiced frames called unvoiced, unvoiced frames called
voiced; frames within 20 ms of a voicing change are not counted); and the time per second of
audio. Then, on takes of the bundled voice, the time per second of each tracker, and the cost
of the tracks the render engine makes (``engine.audio.prosody.take_tracks``: two Praat pitch
passes and the intensity) per 10 s of audio beside that of the render itself and of the
spectrogram it makes for the views.

The trackers: Praat's autocorrelation pitch over 60-500 Hz (one pass), the same with the
speaker's range found in a first pass (two passes: what the studio draws), and pYIN
(Mauch & Dixon 2014) over 60-500 Hz with librosa's defaults. librosa is optional: it comes
with the ``quality`` extra's Resemblyzer, or ``pip install librosa``; without it only Praat's
figures are printed. Run it on an idle machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.signal import lfilter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.audio.prosody import (  # noqa: E402
    PITCH_CEILING_HZ,
    PITCH_FLOOR_HZ,
    PITCH_STEP_S,
    pitch_track,
    speaker_range,
    take_tracks,
)

RATE = 22050
FORMANTS = ((600, 80), (1200, 100), (2500, 150))  # Hz, bandwidth Hz
GROSS = 0.2  # a frame off by more than 20 % is a gross error
EDGE_S = 0.02  # frames this near a voicing change are not counted in the voicing errors
SENTENCES = (
    "The old lighthouse keeper climbed the stairs every evening at dusk, and looked far "
    "out over the grey water toward the ships coming home before the storm.",
    "Could you tell me where the nearest train station is, and whether the last train "
    "to the city has already gone?",
)

Tracker = Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]]


def rosenberg(phase: np.ndarray, opening: float = 0.4, closing: float = 0.16) -> np.ndarray:
    """Rosenberg's glottal flow over one period's phase (0..1)."""
    flow = np.zeros_like(phase)
    rise = phase < opening
    flow[rise] = 0.5 * (1 - np.cos(np.pi * phase[rise] / opening))
    fall = (phase >= opening) & (phase < opening + closing)
    flow[fall] = np.cos(np.pi * (phase[fall] - opening) / (2 * closing))
    return flow


def resonate(signal: np.ndarray) -> np.ndarray:
    for centre, bandwidth in FORMANTS:
        radius = np.exp(-np.pi * bandwidth / RATE)
        theta = 2 * np.pi * centre / RATE
        signal = lfilter([1 - radius], [1, -2 * radius * np.cos(theta), radius**2], signal)
    return signal


def voice(f0: np.ndarray, voiced: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A vowel-like sound following ``f0`` (Hz per sample) where ``voiced``; elsewhere
    silence or a noise burst (fricative-like, high-passed)."""
    phase = np.cumsum(np.where(voiced, f0, 0.0)) / RATE % 1.0
    source = np.diff(rosenberg(phase) * voiced, prepend=0.0)  # lip radiation
    speech = resonate(source)
    speech /= np.max(np.abs(speech))
    bursts = np.zeros_like(speech)
    change = np.flatnonzero(np.diff(voiced.astype(int)) < 0)
    for start in change[::2]:  # every other unvoiced stretch begins with a burst
        length = int(0.08 * RATE)
        noise = np.diff(rng.normal(0, 0.15, length + 1))
        bursts[start + 1 : start + 1 + length] = noise[: len(bursts) - start - 1]
    return 0.5 * speech + bursts


def contours(rng: np.random.Generator) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Name -> (F0 per sample, voiced per sample)."""
    sweep_t = np.arange(2 * RATE) / RATE
    sweep = 80 * (300 / 80) ** (sweep_t / 2)
    decl_t = np.arange(3 * RATE) / RATE
    declination = np.linspace(140, 95, decl_t.size) * (1 + 0.03 * np.sin(2 * np.pi * 5 * decl_t))
    f0_parts, voiced_parts = [], []
    for _ in range(6):
        gap = int(rng.uniform(0.1, 0.2) * RATE)
        f0_parts.append(np.zeros(gap))
        voiced_parts.append(np.zeros(gap, bool))
        length = int(rng.uniform(0.3, 0.5) * RATE)
        shape = np.sin(np.linspace(0, np.pi, length))
        low, high = rng.uniform(90, 110), rng.uniform(130, 160)
        f0_parts.append(low + (high - low) * shape)
        voiced_parts.append(np.ones(length, bool))
    pad = int(0.2 * RATE)
    return {
        "sweep 80-300 Hz": (sweep, np.ones(sweep.size, bool)),
        "declination + vibrato": (declination, np.ones(declination.size, bool)),
        "sentence-like": (
            np.concatenate([*f0_parts, np.zeros(pad)]),
            np.concatenate([*voiced_parts, np.zeros(pad, bool)]),
        ),
    }


def praat_one_pass(audio: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    return pitch_track(audio, rate, PITCH_FLOOR_HZ, PITCH_CEILING_HZ)


def praat_two_pass(audio: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    floor, ceiling = speaker_range(pitch_track(audio, rate)[1])
    return pitch_track(audio, rate, floor, ceiling)


def pyin(audio: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    import librosa

    hop = round(PITCH_STEP_S * rate)
    f0, voiced, _ = librosa.pyin(
        audio.astype(np.float32),
        fmin=PITCH_FLOOR_HZ,
        fmax=PITCH_CEILING_HZ,
        sr=rate,
        frame_length=2048,
        hop_length=hop,
    )
    times = librosa.times_like(f0, sr=rate, hop_length=hop)
    return times, np.where(voiced, f0, 0.0)


def trackers() -> dict[str, Tracker]:
    found: dict[str, Tracker] = {
        "Praat, 60-500 Hz": praat_one_pass,
        "Praat, speaker's range (studio)": praat_two_pass,
    }
    try:
        import librosa  # noqa: F401
    except ImportError:
        print("librosa is not installed (pip install librosa): pYIN is left out.\n")
    else:
        found["librosa pYIN, 60-500 Hz"] = pyin
    return found


def score(
    times: np.ndarray, f0: np.ndarray, truth_f0: np.ndarray, truth_voiced: np.ndarray
) -> dict[str, np.ndarray]:
    """Per-frame errors of a track against the truth (per sample)."""
    index = np.clip(np.round(times * RATE).astype(int), 0, truth_f0.size - 1)
    voiced_truth = truth_voiced[index]
    changes = np.flatnonzero(np.diff(truth_voiced.astype(int))) / RATE
    near = np.zeros(times.size, bool)
    for change in changes:
        near |= np.abs(times - change) < EDGE_S
    both = voiced_truth & (f0 > 0) & ~near
    truth = truth_f0[index[both]]
    return {
        "cents": 1200 * np.abs(np.log2(f0[both] / truth)),
        "hz": np.abs(f0[both] - truth),
        "gross": np.abs(f0[both] / truth - 1) > GROSS,
        "missed": (voiced_truth & ~near & (f0 <= 0)),
        "voiced_truth": voiced_truth & ~near,
        "false": (~voiced_truth & ~near & (f0 > 0)),
        "unvoiced_truth": ~voiced_truth & ~near,
    }


def timed(track: Tracker, audio: np.ndarray, rate: int, repeats: int) -> tuple[float, tuple]:
    """Median seconds of ``track`` over ``repeats`` runs, and its result."""
    result: tuple = ()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = track(audio, rate)
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def known_contours(repeats: int) -> None:
    rng = np.random.default_rng(0)
    signals = []
    for name, (f0, voiced) in contours(rng).items():
        clean = voice(f0, voiced, rng)
        power = np.mean(clean[voiced] ** 2)
        for snr in (30, 10):
            noise = rng.normal(0, np.sqrt(power * 10 ** (-snr / 10)), clean.size)
            signals.append((f"{name}, {snr} dB SNR", clean + noise, f0, voiced))
    print("Known contours (per tracker: over every signal, then the worst signal's median)")
    header = (
        f"{'tracker':34} {'median':>7} {'p95':>7} {'mean':>6} {'gross':>6} "
        f"{'V->UV':>6} {'UV->V':>6} {'ms per':>7}"
    )
    print(header)
    print(f"{'':34} {'cents':>7} {'cents':>7} {'Hz':>6} {'%':>6} {'%':>6} {'%':>6} {'s audio':>7}")
    for tracker_name, track in trackers().items():
        pooled: dict[str, list[np.ndarray]] = {}
        seconds = audio_seconds = 0.0
        worst = ("", 0.0)
        for signal_name, audio, f0, voiced in signals:
            spent, (times, found) = timed(track, audio, RATE, repeats)
            seconds += spent
            audio_seconds += audio.size / RATE
            scores = score(times, found, f0, voiced)
            for key, value in scores.items():
                pooled.setdefault(key, []).append(value)
            median = float(np.median(scores["cents"])) if scores["cents"].size else np.inf
            if median > worst[1]:
                worst = (signal_name, median)
        whole = {key: np.concatenate(values) for key, values in pooled.items()}
        print(
            f"{tracker_name:34} {np.median(whole['cents']):7.1f} "
            f"{np.percentile(whole['cents'], 95):7.1f} {np.mean(whole['hz']):6.2f} "
            f"{100 * np.mean(whole['gross']):6.2f} "
            f"{100 * whole['missed'].sum() / whole['voiced_truth'].sum():6.2f} "
            f"{100 * whole['false'].sum() / whole['unvoiced_truth'].sum():6.2f} "
            f"{1000 * seconds / audio_seconds:7.1f}"
        )
        print(f"{'':34} worst: {worst[0]} ({worst[1]:.1f} cents median)")


def bundled_voice(repeats: int) -> None:
    import torch

    from engine.audio.mel import log_mel
    from engine.checkpoints.voices import load_voice
    from engine.synthesis import Synthesizer

    synthesizer = Synthesizer(load_voice(), device="cpu")

    def render(utterance: object, _rate: int) -> tuple:
        return (synthesizer.render(utterance),)

    def spectrogram(audio: np.ndarray, _rate: int) -> tuple:
        return (log_mel(torch.from_numpy(audio), synthesizer.mel_settings),)

    def tracks_of(audio: np.ndarray, rate: int) -> tuple:
        return (take_tracks(audio, rate),)

    takes = []
    render_seconds = 0.0
    for text in SENTENCES:
        utterance = synthesizer.prepare(text)
        synthesizer.render(utterance)  # warm-up
        spent, (take,) = timed(render, utterance, 0, repeats)
        render_seconds += spent
        takes.append(take)
    mel_seconds = sum(timed(spectrogram, t.audio, 0, repeats)[0] for t in takes)
    audio_seconds = sum(take.seconds for take in takes)
    print(f"\nTakes of the bundled voice ({audio_seconds:.1f} s of audio in all)")
    for tracker_name, track in trackers().items():
        spent = sum(timed(track, t.audio, t.sample_rate, repeats)[0] for t in takes)
        print(f"{tracker_name:34} {1000 * spent / audio_seconds:7.1f} ms per s of audio")
    tracks = sum(timed(tracks_of, t.audio, t.sample_rate, repeats)[0] for t in takes)
    per_ten = 10_000 / audio_seconds  # ms per 10 s of audio
    print(
        f"\nPer 10 s of audio: the render {render_seconds * per_ten:.0f} ms, the spectrogram "
        f"the views draw {mel_seconds * per_ten:.0f} ms, the tracks (two pitch passes and the "
        f"intensity) {tracks * per_ten:.0f} ms ({100 * tracks / render_seconds:.0f} % of the "
        "render)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    known_contours(args.repeats)
    bundled_voice(args.repeats)


if __name__ == "__main__":
    main()
