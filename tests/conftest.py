"""Session-wide test setup: a private user-data folder, so tests never touch the real one."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def glottis_data_dir(tmp_path_factory: pytest.TempPathFactory):
    """Voices converted during the run are cached here once and reused by every test."""
    folder = tmp_path_factory.mktemp("glottis-data")
    previous = os.environ.get("GLOTTIS_DATA_DIR")
    os.environ["GLOTTIS_DATA_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("GLOTTIS_DATA_DIR", None)
    else:
        os.environ["GLOTTIS_DATA_DIR"] = previous


@pytest.fixture(scope="session")
def default_voice(glottis_data_dir):
    from engine.checkpoints.voices import load_voice

    return load_voice()


@pytest.fixture(scope="session")
def synthesizer(default_voice):
    from engine.synthesis import Synthesizer

    return Synthesizer(default_voice, device="cpu")
