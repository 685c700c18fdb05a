"""Rendering on CUDA: the same take as on the CPU."""

import numpy as np
import pytest
import torch

from engine.synthesis import Synthesizer

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")


def test_cuda_render_matches_cpu(default_voice):
    cuda = Synthesizer(default_voice, device="cuda")
    assert cuda.runtime == "torch" and cuda.device.type == "cuda"
    cpu = Synthesizer(default_voice, device="cpu", runtime="torch")
    utterance = cpu.prepare("The graphics card says it too.", seed=4)
    assert cuda.prepare("The graphics card says it too.", seed=4) == utterance
    a, b = cuda.render(utterance).audio, cpu.render(utterance).audio
    assert a.shape == b.shape
    assert np.abs(a - b).max() <= 1e-3 * np.abs(b).max()
