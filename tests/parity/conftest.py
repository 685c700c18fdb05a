"""Parity-test setup shared by the model files."""

from __future__ import annotations

import pytest

from tests.parity.discovery import torch_threads


@pytest.fixture(autouse=True, scope="module")
def pinned_torch_threads(request: pytest.FixtureRequest):
    """Runs each module under its ``TORCH_THREADS`` torch threads, if it sets one.

    The fixtures were computed with 2 threads; other counts reorder float reductions, so the
    model files pin 2 unless they say why not (see test_grad_tts.py).
    """
    count = getattr(request.module, "TORCH_THREADS", None)
    if count is None:
        yield
        return
    with torch_threads(count):
        yield
