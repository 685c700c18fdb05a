"""The task process through the window's client: answers, progress, cancel, a fault of the
engine's, bad input in one sentence, and a crash that loses no more than the task it held."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from engine.api.dataset import ImportReport, SoundCounts
from engine.api.tasks import DATASET_IMPORT, PHONEME_COUNTS, SAVE_TAKE, VOICE_CARD, VoiceRef
from studio.tasks import Task, TaskClient
from tests.studio.conftest import wait_until

MANY_TEXTS = [f"Sentence number {n} says something about {n} apples." for n in range(400)]


class Outcome:
    """What a task's signals said."""

    def __init__(self, task: Task) -> None:
        self.progress: list[tuple[int, int]] = []
        self.value: object = None
        self.message: str | None = None
        self.cancelled = False
        task.progressed.connect(lambda done, total: self.progress.append((done, total)))
        task.succeeded.connect(lambda value: setattr(self, "value", value))
        task.failed.connect(lambda message: setattr(self, "message", message))
        task.cancelled.connect(lambda: setattr(self, "cancelled", True))


def finished(task: Task, timeout: float = 120.0) -> None:
    wait_until(lambda: not task.busy, timeout, f"the task {task.name}")


def test_tasks_answer_report_progress_and_say_bad_input_in_one_sentence(studio_app, tmp_path):
    client = TaskClient()
    try:
        source = tmp_path / "mine"
        source.mkdir()
        for name in ("a", "b"):
            t = np.arange(22050) / 22050
            sf.write(source / f"{name}.wav", 0.4 * np.sin(2 * np.pi * 220 * t), 22050)
            (source / f"{name}.txt").write_text("A flock of geese flew low.")
        task = client.run(
            DATASET_IMPORT, src=str(source), out=str(tmp_path / "out"), sample_rate=22050
        )
        seen = Outcome(task)
        finished(task)
        assert isinstance(seen.value, ImportReport), seen.message
        assert len(seen.value.imported) == 2 and seen.progress[-1] == (2, 2)
        assert (tmp_path / "out" / "metadata.csv").is_file()

        missing = client.run(
            DATASET_IMPORT,
            src=str(tmp_path / "nowhere"),
            out=str(tmp_path / "o2"),
            sample_rate=22050,
        )
        said = Outcome(missing)
        finished(missing)
        assert said.message and "nowhere" in said.message and "\n" not in said.message
        assert "Traceback" not in said.message and not (tmp_path / "o2").exists()

        wrong = client.run(SAVE_TAKE, folder=str(tmp_path / "out"))  # the window's own bug
        fault = Outcome(wrong)
        finished(wrong)
        assert fault.message and "engine.log" in fault.message, fault.message
    finally:
        client.shutdown()


def test_a_cancelled_task_stops_and_a_crash_fails_only_the_task_it_held(studio_app):
    client = TaskClient()
    try:
        card_task = client.run(VOICE_CARD, voice=VoiceRef())
        card = Outcome(card_task)
        finished(card_task)
        assert isinstance(card.value, dict) and card.value["sample_rate"] > 0, card.message

        counting = client.run(PHONEME_COUNTS, card=card.value, texts=MANY_TEXTS)
        seen = Outcome(counting)
        wait_until(lambda: seen.progress, 60, "the first text to be counted")
        counting.cancel()
        finished(counting)
        assert seen.cancelled and seen.value is None and seen.progress[-1][0] < len(MANY_TEXTS)

        held = client.run(PHONEME_COUNTS, card=card.value, texts=MANY_TEXTS)
        lost = Outcome(held)
        wait_until(lambda: lost.progress, 60, "the first text to be counted")
        first_pid = client.pid
        client.kill()
        finished(held)
        assert lost.message and "task process stopped (signal 9)" in lost.message

        again = client.run(PHONEME_COUNTS, card=card.value, texts=MANY_TEXTS[:3])
        counted = Outcome(again)
        finished(again)
        assert isinstance(counted.value, SoundCounts), counted.message
        assert client.pid != first_pid and len(counted.value.per_text) == 3
    finally:
        client.shutdown()
