"""Our feature pipeline against the official HiFi-GAN and VITS feature functions."""

import pytest
import torch

from engine.audio.mel import (
    HIFIGAN_EPS,
    VITS_EPS,
    MelSettings,
    linear_spectrogram,
    log_mel,
    mel_filterbank,
)
from tests.parity.discovery import assert_close, parity_dir

CASES = parity_dir() / "mel_features" / "cases_mel.pt"
pytestmark = pytest.mark.skipif(not CASES.exists(), reason=f"no mel fixtures at {CASES}")


@pytest.fixture(scope="module")
def cases() -> dict:
    return torch.load(CASES, map_location="cpu", weights_only=True)


@pytest.mark.parametrize("fmax", [8000, None])
def test_filterbank_matches_librosa(cases, fmax):
    expected = cases[f"mel_basis_fmax{fmax}"]
    assert_close(mel_filterbank(22050, 1024, 80, 0.0, fmax), expected, rel=1e-5, name="basis")


@pytest.mark.parametrize("signal", ["sig_1s", "sig_12345"])
def test_feature_pipelines(cases, signal):
    case = cases[signal]
    y = case["y"]
    hifigan = MelSettings(fmax=8000, magnitude_eps=HIFIGAN_EPS)
    assert_close(log_mel(y, hifigan), case["hifigan_mel_fmax8000"], name="hifigan 8k")
    loss_mel = MelSettings(fmax=None, magnitude_eps=HIFIGAN_EPS)
    assert_close(log_mel(y, loss_mel), case["hifigan_mel_fmaxNone"], name="hifigan None")
    vits = MelSettings(fmax=None, magnitude_eps=VITS_EPS)
    assert_close(linear_spectrogram(y, vits), case["vits_spec"], name="vits spec")
    assert_close(log_mel(y, vits), case["vits_mel"], name="vits mel")
