"""Which vocoder can voice which mel model: both must mean the same thing by "a mel frame".

A mel model's output and a vocoder's input are compatible when they agree on the sample
rate, the hop, the window, the number of mel bands and their frequency range. The feature
pipeline (HiFi-GAN's non-centred STFT or Tacotron 2's centred one, see ``engine.audio.mel``)
is reported but allowed to differ: the two give the same values up to the first and last
frames and a magnitude epsilon, and official HiFi-GAN checkpoints voice Tacotron 2 mels.
"""

from __future__ import annotations

from engine.audio.mel import MelSettings
from engine.checkpoints.loader import official_mels

# (field, how a person names it, unit)
_HARD = (
    ("sample_rate", "sample rate", " Hz"),
    ("hop_length", "hop", " samples"),
    ("n_fft", "FFT size", ""),
    ("win_length", "window", " samples"),
    ("n_mels", "mel bands", ""),
    ("fmin", "lowest mel frequency", " Hz"),
    ("fmax", "highest mel frequency", " Hz"),
)


def _shown(value: object, unit: str) -> str:
    if value is None:
        return "half the sample rate"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value}{unit}"


def mel_differences(model: MelSettings, vocoder: MelSettings) -> list[str]:
    """What a model's mels and a vocoder's expected mels disagree on, one phrase each
    (``"sample rate: model 22050 Hz, vocoder 16000 Hz"``); empty when they agree."""
    differences = []
    for field, name, unit in _HARD:
        ours, theirs = getattr(model, field), getattr(vocoder, field)
        if field == "fmax":
            ours = model.sample_rate / 2 if ours is None else ours
            theirs = vocoder.sample_rate / 2 if theirs is None else theirs
        if ours != theirs:
            differences.append(
                f"{name}: model {_shown(ours, unit)}, vocoder {_shown(theirs, unit)}"
            )
    return differences


def pipeline_note(model: MelSettings, vocoder: MelSettings) -> str | None:
    """A note when the two were trained on different feature pipelines (allowed)."""
    if model.pipeline == vocoder.pipeline:
        return None
    return (
        f"the model was trained on {model.pipeline} mels and the vocoder on "
        f"{vocoder.pipeline} mels; they differ slightly at the edges"
    )


def describe(settings: MelSettings) -> str:
    """One line a person can compare: ``22050 Hz, hop 256, 80 mels 0-8000 Hz (tacotron2)``."""
    fmax = _shown(settings.fmax, "")
    return (
        f"{settings.sample_rate} Hz, hop {settings.hop_length}, FFT {settings.n_fft}, "
        f"{settings.n_mels} mels {_shown(settings.fmin, '')}-{fmax} Hz ({settings.pipeline})"
    )


def compatible_vocoders(mel: MelSettings) -> list[str]:
    """The official vocoders whose mels agree with a model's ``mel``, then Griffin-Lim."""
    names = [
        name
        for name, theirs in official_mels("vocoder").items()
        if not mel_differences(mel, theirs)
    ]
    return [*names, "Griffin-Lim (no weights, any mel)"]


def compatible_acoustic_models(mel: MelSettings) -> list[str]:
    """The official acoustic models whose mels a vocoder taking ``mel`` can voice."""
    return [
        name
        for name, theirs in official_mels("acoustic").items()
        if not mel_differences(theirs, mel)
    ]
