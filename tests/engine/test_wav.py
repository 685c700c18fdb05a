"""Atomic WAV writing."""

import stat

import numpy as np
import pytest
import soundfile as sf

from engine.audio.wav import atomic_wav_writer, read_wav, write_wav
from engine.storage import new_file_mode


def test_round_trip_and_formats(tmp_path):
    tone = 0.5 * np.sin(np.linspace(0, 200 * np.pi, 22050)).astype(np.float32)
    pcm = write_wav(tmp_path / "pcm.wav", tone, 22050)
    flt = write_wav(tmp_path / "float.wav", tone * 3, 22050, float32=True)
    assert sf.info(pcm).subtype == "PCM_16" and sf.info(flt).subtype == "FLOAT"
    audio, rate = read_wav(pcm)
    assert rate == 22050 and np.abs(audio - tone).max() < 1e-4
    assert np.abs(read_wav(flt)[0]).max() > 1.4  # float keeps values beyond full scale


def test_new_file_gets_the_umask_mode_not_0600(tmp_path):
    path = write_wav(tmp_path / "x.wav", np.zeros(10), 22050)
    assert stat.S_IMODE(path.stat().st_mode) == new_file_mode() != 0o600


def test_failure_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = write_wav(tmp_path / "take.wav", np.zeros(100), 22050)
    before = path.read_bytes()
    with pytest.raises(RuntimeError), atomic_wav_writer(path, 22050) as append:
        append(np.ones(50) * 0.1)
        raise RuntimeError("render failed")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["take.wav"]
