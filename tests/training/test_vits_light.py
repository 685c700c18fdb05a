"""vits-finetune --mode light on the CPU: only the decoder, flow and posterior learn, the
voice it writes holds only the adapted parts and loads beside its base, the pace is fitted,
a wall-clock budget ends the run cleanly, a resumed run continues exactly, and on the
bundled voice every validation measures the voice against the recordings."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from engine.checkpoints.piper import TRAINING_ONLY_PREFIXES
from engine.checkpoints.voices import ADAPTED_FROM, VoiceImportError, load_voice
from engine.synthesis import Synthesizer
from engine.training.events import SampleReady, Started, StepDone, Validated
from engine.training.options import TrainOptions
from engine.training.run import train
from engine.training.state import read_checkpoint
from engine.training.vits_light import LENGTH_SCALE_RANGE

TINY_LIGHT = {
    "posterior_steps": 5,
    "warmup_clips": 3,
    "margin_frames": 4,
    "refresh_alignments": 4,
}


def _options(data: Path, out: Path, voice: Path | None, max_steps: int, **extra) -> TrainOptions:
    settings = {
        "device": "cpu",
        "batch_size": 2,
        "learning_rate": 1e-3,
        "segment_frames": 8,
        "validate_every": 6,
        "checkpoint_every": 6,
        "sample_every": 1000,
        "sample_texts": ("Hello there.",),
        "mode": "light",
        "voice_check": False,
        "recipe_options": dict(TINY_LIGHT),
        **extra,
    }
    return TrainOptions(
        recipe="vits-finetune",
        data=data,
        out=out,
        init_from=voice,
        max_steps=max_steps,
        **settings,
    )


def _metrics(out: Path) -> list[dict]:
    lines = (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def light_run(tmp_path_factory, rendered_dataset, tiny_voice):
    """12 light steps from the tiny voice, on one thread as the runs it is compared with
    (another thread count sums in another order)."""
    out = tmp_path_factory.mktemp("light") / "run"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return out, train(_options(rendered_dataset, out, tiny_voice, 12))
    finally:
        torch.set_num_threads(threads)


def test_only_the_decoder_flow_and_posterior_learn(light_run, tiny_voice) -> None:
    out, result = light_run
    assert result.status == "done" and result.step == 12
    records = _metrics(out)
    assert {"disc", "mel", "kl", "stft", "gen", "fm", "total"} <= records[0].keys()
    first = np.mean([r["mel"] for r in records[:3]])
    last = np.mean([r["mel"] for r in records[-3:]])
    assert last < first, (first, last)
    start = load_voice(tiny_voice).model.state_dict()
    trained = read_checkpoint(out / "checkpoints" / "last.pt")["modules"]["net_g"]
    for key, value in start.items():
        if key.startswith(TRAINING_ONLY_PREFIXES):  # absent from the voice, fitted first
            continue
        same = torch.equal(trained[key], value)
        assert same == (not key.startswith(("flow.", "dec."))), key


def test_the_voice_holds_only_what_changed_and_loads_beside_its_base(light_run, tiny_voice) -> None:
    out, _ = light_run
    stored = load_file(out / "model.safetensors")
    assert stored and all(key.startswith(("flow.", "dec.")) for key in stored)
    card = json.loads((out / "card.json").read_text(encoding="utf-8"))
    assert card[ADAPTED_FROM]["name"] == "tiny"
    assert Path(card[ADAPTED_FROM]["path"]) == tiny_voice
    low, high = LENGTH_SCALE_RANGE
    assert low <= card["inference"]["length_scale"] <= high
    assert (out / "model.safetensors").stat().st_size < (
        tiny_voice / "model.safetensors"
    ).stat().st_size
    voice = load_voice(out)
    trained = read_checkpoint(out / "checkpoints" / "last.pt")["modules"]["net_g"]
    for key, value in voice.model.state_dict().items():
        if not key.startswith(TRAINING_ONLY_PREFIXES):
            torch.testing.assert_close(value, trained[key])
    for runtime in ("torch", "onnxruntime"):
        synth = Synthesizer(voice, device="cpu", runtime=runtime)
        render = synth.render(synth.prepare("A short test."))
        assert render.audio.size > 0 and np.isfinite(render.audio).all()
    assert sorted(p.name for p in out.iterdir() if not p.is_dir()) == [
        "card.json",
        "metrics.jsonl",
        "model.safetensors",
        "train.json",
    ]
    assert not (out / "onnx").exists()  # the runtime's export, every weight, lives elsewhere


def test_a_changed_base_is_refused_with_a_sentence(tmp_path, rendered_dataset, tiny_voice) -> None:
    base = tmp_path / "base"
    shutil.copytree(tiny_voice, base)
    out = tmp_path / "run"
    assert train(_options(rendered_dataset, out, base, 2)).status == "done"
    weights = load_file(base / "model.safetensors")
    weights["dec.conv_post.weight"] = weights["dec.conv_post.weight"] + 1
    save_file(weights, base / "model.safetensors")
    with pytest.raises(VoiceImportError, match="have changed since"):
        load_voice(out)
    shutil.rmtree(base)
    with pytest.raises(VoiceImportError, match="not installed"):
        load_voice(out)


def test_a_budget_ends_the_run_cleanly(tmp_path, rendered_dataset, tiny_voice) -> None:
    out = tmp_path / "run"
    events = []
    began = time.monotonic()
    result = train(
        _options(rendered_dataset, out, tiny_voice, 100_000, minutes=0.25), events.append
    )
    elapsed = time.monotonic() - began
    assert result.status == "done" and "Spent the 0.25-minute budget" in result.message
    assert 0 < result.step < 100_000
    assert elapsed < 0.25 * 60 + 10, elapsed
    started = next(e for e in events if isinstance(e, Started))
    assert started.budget_seconds == pytest.approx(15, abs=1) and started.mode == "light"
    steps = [e for e in events if isinstance(e, StepDone)]
    assert steps[0].eta_seconds <= 15 and steps[-1].eta_seconds < steps[0].eta_seconds
    assert read_checkpoint(out / "checkpoints" / "last.pt")["step"] == result.step
    assert "val_loss" in _metrics(out)[-1]  # the last step was validated


def test_cancel_then_resume_continues_exactly(
    light_run, tmp_path, rendered_dataset, tiny_voice
) -> None:
    out = tmp_path / "run"
    cancel = threading.Event()

    def on_event(event):
        if isinstance(event, StepDone) and event.step == 6:
            cancel.set()

    first = train(_options(rendered_dataset, out, tiny_voice, 12), on_event, cancel)
    assert first.status == "cancelled" and first.step == 6
    resumed = train(_options(rendered_dataset, out, tiny_voice, 12, resume=True))
    assert resumed.status == "done" and resumed.step == 12
    got = read_checkpoint(out / "checkpoints" / "last.pt")
    want = read_checkpoint(light_run[0] / "checkpoints" / "last.pt")
    for name in want["modules"]:
        for key, value in want["modules"][name].items():
            torch.testing.assert_close(got["modules"][name][key], value, rtol=1e-5, atol=1e-6)


def test_the_bundled_voice_is_measured_at_every_validation(tmp_path, rendered_dataset) -> None:
    """From the bundled voice (the real warm-up, real checks): the starting voice is measured
    at step 0, then each validation; takes of the starting voice come before any step."""
    events = []
    options = _options(
        rendered_dataset,
        tmp_path / "run",
        None,
        2,
        voice_check=True,
        validate_every=2,
        checkpoint_every=2,
        recipe_options={"posterior_steps": 2, "warmup_clips": 2, "margin_frames": 4},
    )
    result = train(options, events.append)
    assert result.status == "done"
    started = next(e for e in events if isinstance(e, Started))
    assert "similarity" in started.best_rule
    checks = [e for e in events if isinstance(e, Validated)]
    assert [c.step for c in checks] == [0, 2]
    for check in checks:
        assert 0 < check.similarity <= 1 and 0 <= check.cer < 0.5, check
        assert check.pitch_band_hz > 0 and check.person_band_hz > 0
    # the recordings are the bundled voice's own speech: it starts out close to them
    assert checks[0].similarity > 0.9
    first_sample = next(e for e in events if isinstance(e, SampleReady))
    assert first_sample.step == 0 and first_sample.audio.size > 0
    last = _metrics(tmp_path / "run")[-1]
    assert last["similarity"] == checks[-1].similarity and last["cer"] == checks[-1].cer
