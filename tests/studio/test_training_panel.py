"""The training panel drives a real training process (``engine.training.worker``) through a
tiny Glow-TTS run on a dataset the bundled voice renders: progress to the end, loss curves,
playable samples, cancel keeping a loadable checkpoint, resume from it, a killed process
reported, and a UI thread that keeps its 10 ms timer on time throughout."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QTimer

from engine.audio.wav import write_wav
from engine.training.state import read_checkpoint
from tests.audio_devices import pulse_null_sink  # noqa: F401 (a fixture)
from tests.studio.conftest import wait_until
from tests.training.conftest import TEXTS, tiny_voice  # noqa: F401 (a fixture)
from tests.training.test_recipes import tiny_glow_tts

RUN_TIMEOUT = 60.0
STALL_LIMIT = 0.1  # seconds: the longest the UI thread may leave a 10 ms timer waiting
TINY = {
    "batch_size": 2,
    "sample_texts": ["Hello there."],
    "recipe_options": {"config": tiny_glow_tts()},
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory, synthesizer) -> Path:
    """Six sentences spoken by the bundled voice, in LJSpeech layout; the last is excluded
    (``excluded.txt``), as the dataset panel would."""
    folder = tmp_path_factory.mktemp("training-panel-dataset")
    (folder / "wavs").mkdir()
    lines = []
    for n, text in enumerate(TEXTS[:6]):
        render = synthesizer.render(synthesizer.prepare(text))
        write_wav(folder / "wavs" / f"clip{n:02d}.wav", render.audio, render.sample_rate)
        lines.append(f"clip{n:02d}|{text}")
    (folder / "metadata.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "excluded.txt").write_text("clip05\n", encoding="utf-8")
    return folder


class StallMeter:
    """A 10 ms timer on the UI thread; ``worst`` is the longest gap between its ticks."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._last = time.monotonic()
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = time.monotonic()
        self.worst = max(self.worst, now - self._last)
        self._last = now

    def stop(self) -> None:
        self.timer.stop()


def make_panel(
    dataset: Path, out: Path, voice: Path | None, steps: int, recipe: str = "glow-tts", **intervals
):
    from studio.panels.training import TrainingPanel

    panel = TrainingPanel(dataset=dataset, out=out)
    panel.recipe_box.setCurrentIndex(panel.recipe_box.findData(recipe))
    panel.from_edit.setText(str(voice or ""))
    panel.steps_spin.setValue(steps)
    panel.sample_spin.setValue(intervals.get("sample_every", 1000))
    panel.checkpoint_spin.setValue(intervals.get("checkpoint_every", 1000))
    panel.device_box.setCurrentIndex(panel.device_box.findData("cpu"))
    panel.advanced = copy.deepcopy(TINY)
    panel.show()
    return panel


def finish(panel, timeout: float = RUN_TIMEOUT) -> dict:
    endings: list[dict] = []
    panel.run_finished.connect(endings.append)
    wait_for(panel, lambda: endings, "the run to end", timeout)
    return endings[0]


def wait_for(panel, condition, what: str, timeout: float = RUN_TIMEOUT) -> None:
    """``wait_until``, failing with what the panel shows."""
    try:
        wait_until(condition, timeout, what)
    except pytest.fail.Exception:
        pytest.fail(
            f"timed out after {timeout:g} s waiting for {what}; the panel shows "
            f"{panel.progress.format()!r}, {panel.status_label.text()!r}, "
            f"{panel.message_bar.text()!r}"
        )


def close(panel) -> None:
    panel.shutdown()
    panel.close()
    shiboken6.delete(panel)


@pytest.fixture(scope="module")
def finished_run(studio_app, dataset, tmp_path_factory):
    """Four steps with a sample, a validation and a checkpoint every two, watched by a
    stall meter from Start to the end."""
    out = tmp_path_factory.mktemp("training-panel") / "run"
    panel = make_panel(dataset, out, None, 4, sample_every=2, checkpoint_every=2)
    assert panel.start_button.isEnabled() and not panel.resume_button.isEnabled()
    meter = StallMeter()
    panel.start_button.click()
    assert panel.running and panel.cancel_button.isEnabled()
    ending = finish(panel)
    meter.stop()
    yield panel, out, ending, meter.worst
    close(panel)


def test_a_run_goes_to_its_end_with_curves_and_samples(finished_run) -> None:
    panel, out, ending, _ = finished_run
    assert ending["status"] == "done", ending["message"]
    assert panel.progress.maximum() == 4 and panel.progress.value() == 4
    assert "Done" in panel.progress.format()
    assert {"mle", "dur", "total"} <= panel.losses.keys()
    for name, curve in panel._curves.items():
        x, _y = curve.getData()
        assert list(x) == [1, 2, 3, 4], name
    assert panel.validation[0] == [2, 4] and panel.best is not None
    assert "best" in panel.validation_label.text()
    assert panel.sample_list.topLevelItemCount() == 2  # one sentence at steps 2 and 4
    first = panel.samples[0]
    assert first["step"] == 2 and first["text"].startswith("Hello there")
    assert len(first["audio"]) > first["sample_rate"] * 0.2 and abs(first["audio"]).max() > 0
    # The excluded clip stayed out, and the panel says so.
    assert panel.rejected == [("clip05", "excluded in the dataset check")]


def test_the_ui_thread_never_stalls_while_training(finished_run) -> None:
    *_, worst = finished_run
    assert worst < STALL_LIMIT, f"the UI thread stalled for {worst * 1000:.0f} ms"


def test_a_finished_run_can_be_resumed_not_restarted(finished_run) -> None:
    panel, out, ending, _ = finished_run
    assert not panel.start_button.isEnabled() and panel.resume_button.isEnabled()
    assert read_checkpoint(Path(ending["checkpoint"]))["step"] == 4
    assert not panel.use_button.isEnabled()  # a Glow-TTS run is not a VITS voice


def test_a_sample_plays_on_a_sound_device(finished_run, pulse_null_sink) -> None:  # noqa: F811
    from studio.playback import Player

    panel, *_ = finished_run
    panel.player = Player(panel)  # made after the null sink exists, so PortAudio lists it
    assert panel.player.available, panel.player.unavailable_reason
    panel.sample_list.setCurrentItem(panel.sample_list.topLevelItem(0))
    panel.message_bar.hide()
    panel.play_selected()
    assert panel.player.playing
    wait_until(lambda: not panel.player.playing, 10.0, "the sample to play to its end")
    assert not panel.message_bar.text()


def test_cancel_keeps_a_loadable_checkpoint_and_resume_continues(
    studio_app, dataset, tmp_path
) -> None:
    out = tmp_path / "run"
    panel = make_panel(dataset, out, None, 500)
    try:
        panel.start_button.click()
        wait_until(lambda: panel.step >= 2, RUN_TIMEOUT, "two steps")
        panel.cancel_button.click()
        ending = finish(panel)
        assert ending["status"] == "cancelled", ending["message"]
        stopped = ending["step"]
        assert stopped >= 2 and Path(ending["checkpoint"]).is_file()
        assert "Checkpoint kept" in panel.status_label.text()
        assert read_checkpoint(Path(ending["checkpoint"]))["step"] == stopped
        assert panel.resume_button.isEnabled() and not panel.start_button.isEnabled()

        panel.steps_spin.setValue(stopped + 2)
        panel.resume_button.click()
        ending = finish(panel)
        assert ending["status"] == "done", ending["message"]
        assert ending["step"] == stopped + 2
        steps = [json.loads(line)["step"] for line in (out / "metrics.jsonl").open()]
        assert steps == list(range(1, stopped + 3))
        assert panel.losses["total"][0] == [stopped + 1, stopped + 2]
    finally:
        close(panel)


def test_a_killed_training_process_is_reported(studio_app, dataset, tmp_path) -> None:
    out = tmp_path / "run"
    panel = make_panel(dataset, out, None, 500, checkpoint_every=1)
    try:
        panel.start_button.click()
        wait_until(lambda: panel.last_checkpoint, RUN_TIMEOUT, "a checkpoint")
        endings: list[dict] = []
        panel.run_finished.connect(endings.append)
        panel.kill_worker()
        wait_until(lambda: endings, 10.0, "the death of the process to be noticed")
        assert endings[0]["status"] == "crashed"
        message = panel.message_bar.text()
        assert "training process stopped (signal 9)" in message
        assert panel.last_checkpoint in message and "Resume" in message
        assert not panel.running and panel.resume_button.isEnabled()
        assert read_checkpoint(Path(panel.last_checkpoint))["step"] >= 1  # survived the kill
    finally:
        close(panel)


def test_a_voice_fine_tune_checks_the_dataset_and_says_how_close_it_is(
    studio_app,
    dataset,
    tmp_path,
    tiny_voice,  # noqa: F811 (the fixture imported above)
    pulse_null_sink,  # noqa: F811
) -> None:
    """A light fine-tune of the tiny voice: the dataset check names the small dataset and
    the run goes on when told to; each validation's similarity and error rate are drawn from
    the starting voice on; "Use this voice" follows the best checkpoint; the starting voice's
    take of a sentence plays before a later one."""
    from studio.playback import Player

    out = tmp_path / "my-voice"
    panel = make_panel(
        dataset, out, tiny_voice, 4, "vits-finetune", sample_every=2, checkpoint_every=2
    )
    panel.player = Player(panel)
    panel.advanced = {
        "batch_size": 2,
        "segment_frames": 8,
        "sample_texts": ["Hello there."],
        "recipe_options": {"posterior_steps": 4, "warmup_clips": 2, "margin_frames": 4},
    }
    shown: list[list[str]] = []
    panel.confirm_findings = lambda findings: shown.append(findings) or True
    try:
        assert panel.minutes_spin.value() == 30 and panel.mode_box.isEnabled()
        assert "similarity" in panel.rule_label.text()
        formats: list[str] = []
        on_step = panel._on_step
        panel._on_step = lambda event: (on_step(event), formats.append(panel.progress.format()))
        panel.start_button.click()
        ending = finish(panel, timeout=240)
        assert formats and all("left of the time budget" in f for f in formats), formats
        assert ending["status"] == "done", ending["message"]
        assert len(shown) == 1 and any("learns well from 50 clips" in f for f in shown[0])
        options = json.loads((out / "train.json").read_text(encoding="utf-8"))
        assert options["mode"] is None and options["minutes"] == 30
        steps, values = panel.closeness["cer"]
        assert steps == [0, 2, 4] and all(0 <= v <= 2 for v in values)
        assert panel.closeness["similarity"][0] == [0, 2, 4]
        x, _y = panel._closeness_curves["similarity"].getData()
        assert list(x) == [0, 2, 4]
        assert "How close at step 4" in panel.closeness_label.text()
        assert "(start" in panel.closeness_label.text()
        has_best = (out / "best" / "card.json").is_file()
        assert panel.use_button.isEnabled() == has_best == (panel.best_step is not None)
        # After the run, the label says why no voice is offered, not "yet".
        assert ("give it more time" in panel.closeness_label.text()) == (not has_best)
        assert panel.budgeted and panel.progress.format() == "Done at step 4"
        # Samples: the starting voice's take at step 0, then steps 2 and 4.
        assert [s["step"] for s in panel.samples] == [0, 2, 4]
        panel.sample_list.setCurrentItem(panel.sample_list.topLevelItem(0))
        assert not panel.ab_button.isEnabled()
        panel.sample_list.setCurrentItem(panel.sample_list.topLevelItem(2))
        assert panel.ab_button.isEnabled()
        panel.play_against_start()
        assert panel.player.playing
    finally:
        close(panel)


def test_cancel_during_the_dataset_check_starts_nothing(
    studio_app,
    dataset,
    tmp_path,
    tiny_voice,  # noqa: F811 (the fixture imported above)
) -> None:
    out = tmp_path / "my-voice"
    panel = make_panel(dataset, out, tiny_voice, 4, "vits-finetune")
    asked: list[list[str]] = []
    panel.confirm_findings = lambda findings: asked.append(findings) or True
    try:
        panel.start_button.click()
        assert panel.assessing and panel.cancel_button.isEnabled()
        wait_for(panel, lambda: "Checking the dataset: clip" in panel.progress.format(), "progress")
        panel.cancel_button.click()
        assert not panel.running and panel.start_button.isEnabled()
        assert panel.status_label.text() == "Cancelled before the run started."
        time.sleep(8)  # the check of six clips ends; its answer must start nothing
        studio_app.processEvents()
        assert not asked and not panel.running and not (out / "train.json").exists()
    finally:
        close(panel)
