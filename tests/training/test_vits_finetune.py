"""vits-finetune on the CPU: loss falls, cancel + resume continue exactly, out of memory
stops with advice, and the output folder is a voice that renders."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.checkpoints.voices import load_voice
from engine.synthesis import Synthesizer
from engine.training.events import CheckpointSaved, Finished, Preparing, StepDone
from engine.training.options import TrainOptions
from engine.training.recipes.vits_finetune import VitsFinetune
from engine.training.run import TrainingError, train
from engine.training.state import read_checkpoint

TINY_OPTIONS = {
    "posterior_steps": 10,
    "duration_posterior_steps": 5,
    "warmup_clips": 3,
    "adversarial": False,
}


def _options(data: Path, out: Path, voice: Path, max_steps: int, **extra) -> TrainOptions:
    extra.setdefault("device", "cpu")
    extra.setdefault("mode", "full")
    extra.setdefault("voice_check", False)  # a tiny random voice says nothing to measure
    return TrainOptions(
        recipe="vits-finetune",
        data=data,
        out=out,
        init_from=voice,
        max_steps=max_steps,
        batch_size=2,
        learning_rate=1e-3,
        segment_frames=8,
        validate_every=10,
        checkpoint_every=10,
        sample_every=1000,
        sample_texts=("Hello there.",),
        recipe_options=dict(TINY_OPTIONS),
        **extra,
    )


def _metrics(out: Path) -> list[dict]:
    lines = (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def straight_run(tmp_path_factory, rendered_dataset, tiny_voice):
    """30 steps in one go; a copy of last.pt is kept when step 20 is written. One thread, as
    the runs it is compared with (another thread count sums in another order)."""
    out = tmp_path_factory.mktemp("straight") / "run"
    snapshot = out.parent / "step20.pt"
    events = []

    def on_event(event):
        events.append(event)
        if isinstance(event, CheckpointSaved) and event.tag == "last" and event.step == 20:
            shutil.copy(event.path, snapshot)

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        result = train(_options(rendered_dataset, out, tiny_voice, 30), on_event)
    finally:
        torch.set_num_threads(threads)
    return out, snapshot, events, result


def test_loss_falls_over_30_steps(straight_run) -> None:
    out, _, events, result = straight_run
    assert result.status == "done" and result.step == 30
    records = _metrics(out)
    assert [r["step"] for r in records] == list(range(1, 31))
    for record in records:
        assert {"mel", "kl", "dur", "total", "lr", "seconds"} <= record.keys()
    first = np.mean([r["total"] for r in records[:5]])
    last = np.mean([r["total"] for r in records[-5:]])
    assert last < 0.85 * first, (first, last)
    validation = [r["val_loss"] for r in records if "val_loss" in r]
    assert len(validation) == 3 and validation[-1] < validation[0]
    assert isinstance(events[-1], Finished) and events[-1].status == "done"
    steps = [e for e in events if isinstance(e, StepDone)]
    assert steps[-1].eta_seconds == 0 and steps[0].eta_seconds > 0
    assert any(
        isinstance(e, Preparing) and e.stage.startswith("fitting the posterior") for e in events
    )


def test_output_folder_is_a_voice_that_renders(straight_run) -> None:
    out, _, _, _ = straight_run
    for folder in (out, out / "best"):
        voice = load_voice(folder)
        assert voice.card["family"] == "vits" and not voice.card["inference_only"]
        assert voice.card["source"]["recipe"] == "vits-finetune"
        synth = Synthesizer(voice, device="cpu", runtime="torch")
        render = synth.render(synth.prepare("A short test."))
        assert render.audio.size > 0 and np.isfinite(render.audio).all()
    trained = load_voice(out).model.state_dict()
    saved = read_checkpoint(out / "checkpoints" / "last.pt")["modules"]["net_g"]
    for key, value in trained.items():
        torch.testing.assert_close(value, saved[key])


def test_cancel_then_resume_continues_exactly(
    straight_run, tmp_path, rendered_dataset, tiny_voice
) -> None:
    """10 steps, cancelled, + 10 resumed steps = the straight run's step 20."""
    _, snapshot, _, _ = straight_run
    out = tmp_path / "run"
    cancel = threading.Event()

    def on_event(event):
        if isinstance(event, StepDone) and event.step == 10:
            cancel.set()

    first = train(_options(rendered_dataset, out, tiny_voice, 20), on_event, cancel)
    assert first.status == "cancelled" and first.step == 10
    assert read_checkpoint(out / "checkpoints" / "last.pt")["step"] == 10
    assert load_voice(out).card["source"]["step"] == 10  # the folder is a voice mid-training

    resumed = train(_options(rendered_dataset, out, tiny_voice, 20, resume=True))
    assert resumed.status == "done" and resumed.step == 20
    assert [r["step"] for r in _metrics(out)] == list(range(1, 21))

    got = read_checkpoint(out / "checkpoints" / "last.pt")
    want = torch.load(snapshot, weights_only=True)
    for name in want["modules"]:
        for key, value in want["modules"][name].items():
            torch.testing.assert_close(got["modules"][name][key], value, rtol=1e-5, atol=1e-6)
    for name, optimizer in want["optimizers"].items():
        for index, slots in optimizer["state"].items():
            for slot, value in slots.items():
                torch.testing.assert_close(
                    got["optimizers"][name]["state"][index][slot], value, rtol=1e-5, atol=1e-6
                )
    assert (got["epoch"], got["batch_in_epoch"]) == (want["epoch"], want["batch_in_epoch"])


def test_cancel_while_preparing_leaves_a_loadable_checkpoint(
    tmp_path, rendered_dataset, tiny_voice
) -> None:
    cancel = threading.Event()

    def on_event(event):
        if isinstance(event, Preparing) and event.stage.startswith("fitting the posterior"):
            cancel.set()

    out = tmp_path / "run"
    result = train(_options(rendered_dataset, out, tiny_voice, 5), on_event, cancel)
    assert result.status == "cancelled" and result.step == 0
    assert read_checkpoint(result.checkpoint)["step"] == 0
    assert load_voice(out).model is not None


def test_out_of_memory_stops_with_advice(
    tmp_path, rendered_dataset, tiny_voice, monkeypatch
) -> None:
    real_step = VitsFinetune.train_step

    def step_then_oom(self, batch, step):
        if step == 1:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real_step(self, batch, step)

    monkeypatch.setattr(VitsFinetune, "train_step", step_then_oom)
    events = []
    out = tmp_path / "run"
    options = _options(rendered_dataset, out, tiny_voice, 5)
    options.checkpoint_every = 1
    result = train(options, events.append)
    assert result.status == "out_of_memory" and result.step == 1
    assert "--batch-size 1" in result.message and "--segment-frames" in result.message
    assert isinstance(events[-1], Finished) and events[-1].status == "out_of_memory"
    assert read_checkpoint(out / "checkpoints" / "last.pt")["step"] == 1


def test_refuses_to_overwrite_or_resume_nothing(tmp_path, rendered_dataset, tiny_voice) -> None:
    with pytest.raises(TrainingError, match="Nothing to resume"):
        train(_options(rendered_dataset, tmp_path / "empty", tiny_voice, 1, resume=True))
    (tmp_path / "used" / "checkpoints").mkdir(parents=True)
    (tmp_path / "used" / "checkpoints" / "last.pt").write_bytes(b"")
    with pytest.raises(TrainingError, match="already holds a training run"):
        train(_options(rendered_dataset, tmp_path / "used", tiny_voice, 1))


def test_bundled_voice_finetunes_with_its_discriminator(tmp_path, rendered_dataset) -> None:
    """The real path: the bundled Piper voice, warm-up, one discriminator-only step and one
    full adversarial step; the result loads as a voice and speaks."""
    out = tmp_path / "joe"
    options = TrainOptions(
        recipe="vits-finetune",
        data=rendered_dataset,
        out=out,
        max_steps=2,
        batch_size=2,
        device="cpu",
        segment_frames=8,
        validate_every=2,
        checkpoint_every=2,
        sample_every=2,
        sample_texts=("Hello.",),
        mode="full",
        voice_check=False,
        recipe_options={
            "posterior_steps": 2,
            "duration_posterior_steps": 2,
            "warmup_clips": 2,
            "discriminator_warmup_steps": 1,
        },
    )
    result = train(options)
    assert result.status == "done"
    records = _metrics(out)
    assert "gen" not in records[0] and {"disc", "gen", "fm"} <= records[1].keys()
    assert (out / "samples" / "00000002-0.wav").is_file()
    voice = load_voice(out)
    synth = Synthesizer(voice, device="cpu", runtime="torch")
    render = synth.render(synth.prepare("It still speaks."))
    assert render.seconds > 0.3 and np.abs(render.audio).max() > 0.01


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device in this session")
def test_mixed_precision_step_on_cuda(tmp_path, rendered_dataset, tiny_voice) -> None:
    options = _options(rendered_dataset, tmp_path / "run", tiny_voice, 2, device="cuda")
    options.recipe_options = {**TINY_OPTIONS, "adversarial": True, "discriminator_warmup_steps": 1}
    events = []
    result = train(options, events.append)
    assert result.status == "done"
    assert next(e for e in events if hasattr(e, "device")).device.startswith("cuda")
    state = read_checkpoint(tmp_path / "run" / "checkpoints" / "last.pt")
    assert state["scaler"]["scale"] > 0  # the GradScaler was enabled
    assert load_voice(tmp_path / "run").card["family"] == "vits"
