"""Glow-TTS, Grad-TTS and HiFi-GAN from scratch with tiny configs on the CPU: the loss falls,
the output opens with the official-checkpoint loader, and a run resumes exactly."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.checkpoints.loader import load
from engine.training.events import StepDone
from engine.training.options import TrainOptions
from engine.training.run import train
from engine.training.state import read_checkpoint
from tests.training.tiny_configs import tiny_glow_tts, tiny_grad_tts, tiny_hifigan

# recipe: (config, container key of its official file, recipe options, the loss that must
# fall; Grad-TTS's diffusion term is one random time per item, too noisy over 12 steps).
CASES = {
    "glow-tts": (tiny_glow_tts, "model", {}, "total"),
    "grad-tts": (tiny_grad_tts, None, {}, "prior"),
    "hifigan": (tiny_hifigan, "generator", {"adversarial": False}, "mel"),
}


def _options(recipe: str, data: Path, out: Path, max_steps: int, **extra) -> TrainOptions:
    make_config, _, options, _ = CASES[recipe]
    return TrainOptions(
        recipe=recipe,
        data=data,
        out=out,
        max_steps=max_steps,
        batch_size=3,
        device="cpu",
        segment_frames=16,
        validate_every=6,
        checkpoint_every=6,
        sample_every=1000,
        sample_texts=("Hi.",),
        recipe_options={"config": make_config(), **options},
        **extra,
    )


@pytest.mark.parametrize("recipe", list(CASES))
def test_trains_from_scratch_and_exports_an_official_checkpoint(
    recipe: str, tmp_path: Path, rendered_dataset: Path
) -> None:
    out = tmp_path / recipe
    result = train(_options(recipe, rendered_dataset, out, 12))
    assert result.status == "done"
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    losses = [r[CASES[recipe][3]] for r in records]
    # 9 training clips in batches of 3: steps 1-3 and 10-12 are whole epochs, the same clips.
    assert np.mean(losses[-3:]) < np.mean(losses[:3]), losses
    checkpoint = load(out / "model.pth")
    assert checkpoint.family == recipe and checkpoint.config_source.startswith("config.json")
    saved = read_checkpoint(out / "checkpoints" / "last.pt")["modules"]
    weights = next(iter(saved.values()))
    for key, value in checkpoint.model.state_dict().items():
        torch.testing.assert_close(value, weights[key])
    raw = torch.load(out / "model.pth", weights_only=True)
    container_key = CASES[recipe][1]
    assert (container_key in raw) if container_key else ("encoder.emb.weight" in raw)
    assert load(out / "best" / "model.pth").family == recipe


def test_glow_tts_resumes_exactly(tmp_path: Path, rendered_dataset: Path) -> None:
    """The Noam schedule, Adam and the data order carry over a cancel and resume."""
    straight = tmp_path / "straight"
    train(_options("glow-tts", rendered_dataset, straight, 6))
    split = tmp_path / "split"
    cancel = threading.Event()

    def on_event(event):
        if isinstance(event, StepDone) and event.step == 3:
            cancel.set()

    assert train(_options("glow-tts", rendered_dataset, split, 6), on_event, cancel).step == 3
    assert train(_options("glow-tts", rendered_dataset, split, 6, resume=True)).step == 6
    want = read_checkpoint(straight / "checkpoints" / "last.pt")
    got = read_checkpoint(split / "checkpoints" / "last.pt")
    for key, value in want["modules"]["model"].items():
        torch.testing.assert_close(got["modules"]["model"][key], value, rtol=1e-5, atol=1e-6)
    assert got["schedulers"]["model"]["last_epoch"] == want["schedulers"]["model"]["last_epoch"]
