"""The task process: the window's engine work other than rendering and training.

Reading a voice's card, the recorder's prompts and phoneme counts, saving a take, importing
and checking a dataset (Whisper included) all import the engine's heavy modules (PyTorch,
the front ends, faster-whisper) and can fail or run out of memory; here they do so away from
the window and its document. The window starts this process with
:func:`engine.api.pipe.start_process` (``python -m engine.tasks``) and asks for the tasks
:mod:`engine.api.tasks` names.

Each task runs on a thread of its own, so a take is saved while a dataset is checked; each
progress report is a point where the task stops once it was cancelled
(:class:`engine.errors.Cancelled`). A fault of the engine's own is logged with its traceback
(:mod:`engine.fault_log`) and answered with a message that names the log; a mistake in the
input is answered in one sentence, as the render engine answers (:func:`engine.service.describe`).
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from engine.api.dataset import DatasetCheck, ImportReport, Prompt, SoundCounts
from engine.api.pipe import (
    CANCEL,
    CANCELLED,
    ERROR,
    PROGRESS,
    READY,
    RESULT,
    SHUTDOWN,
    inherited_pipes,
)
from engine.api.tasks import (
    DATASET_ASSESS,
    DATASET_CHECK,
    DATASET_IMPORT,
    FETCH_MODEL,
    OPEN_DATASET,
    PHONEME_COUNTS,
    PROOF_LISTEN,
    RECORDER_SETUP,
    SAVE_TAKE,
    SET_EXCLUDED,
    TASK,
    TASKS_MODULE,
    VOICE_CARD,
    Assessment,
    DatasetTakes,
    ProofListening,
    RecorderSetup,
    SavedTake,
    VoiceRef,
)
from engine.errors import Cancelled

Tick = Callable[[int, int], None]
# How long a closing task process gives its running tasks to reach a cancellation point.
SHUTDOWN_GRACE_SECONDS = 5.0


def voice_card(tick: Tick, voice: VoiceRef) -> dict:
    """The card of a voice folder (read from its ``card.json``), or of any voice or official
    checkpoint the engine can load."""
    import json

    from engine.checkpoints.voices import CARD_FILE, load_voice

    if voice.path and (Path(voice.path) / CARD_FILE).is_file():
        return json.loads((Path(voice.path) / CARD_FILE).read_text(encoding="utf-8"))
    return load_voice(voice.path or voice.name or None).card


def recorder_setup(tick: Tick, voice: VoiceRef, prompts: list[Prompt] | None) -> RecorderSetup:
    from engine.dataset.prompts import load_prompts

    listed = list(prompts) if prompts is not None else load_prompts()
    return RecorderSetup(voice_card(tick, voice), listed)


def phoneme_counts(tick: Tick, card: dict, texts: list[str]) -> SoundCounts:
    """Phonemize each text with the voice's front end and count the voice's sounds in it."""
    from engine.dataset.prompts import phoneme_coverage, voice_inventory
    from engine.text.frontend import front_end_for

    texts = list(dict.fromkeys(texts))
    front_end = front_end_for(card)
    inventory = tuple(sorted(voice_inventory(card)))
    per_text: dict[str, Counter[str]] = {}
    for done, text in enumerate(texts, 1):
        coverage = phoneme_coverage([text], front_end, inventory)
        per_text[text] = Counter({s: n for s, n in coverage.counts.items() if n})
        tick(done, len(texts))
    return SoundCounts(inventory, per_text)


def open_dataset(tick: Tick, folder: str, sample_rate: int) -> DatasetTakes:
    from engine.dataset.layout import DatasetWriter

    writer = DatasetWriter(folder, sample_rate)
    return DatasetTakes(folder, {entry.id: entry.text for entry in writer.entries})


_FOLDER_LOCKS: dict[str, threading.Lock] = {}
_FOLDER_LOCKS_LOCK = threading.Lock()


def _folder_lock(folder: str) -> threading.Lock:
    key = str(Path(folder).resolve())
    with _FOLDER_LOCKS_LOCK:
        return _FOLDER_LOCKS.setdefault(key, threading.Lock())


def save_take(
    tick: Tick,
    folder: str,
    sample_rate: int,
    clip_id: str,
    text: str,
    audio: Any,
    audio_rate: int,
) -> SavedTake:
    """Write one take; takes of one folder are written one at a time, each reading the
    metadata the previous one wrote. Never cancelled: a take stopped is a take kept."""
    import soundfile

    from engine.dataset.layout import DatasetWriter

    with _folder_lock(folder):
        writer = DatasetWriter(folder, sample_rate)
        path = writer.add(clip_id, text, audio, audio_rate, trim=True)
        takes = DatasetTakes(folder, {entry.id: entry.text for entry in writer.entries})
    return SavedTake(path.stem, float(soundfile.info(str(path)).duration), takes)


def dataset_import(tick: Tick, src: str, out: str, sample_rate: int) -> ImportReport:
    from engine.dataset.importer import import_dataset

    return import_dataset(src, out, sample_rate, progress=tick)


def dataset_check(tick: Tick, folder: str, asr: bool, voice: VoiceRef) -> DatasetCheck:
    from engine.dataset.check import check_dataset

    return check_dataset(folder, asr=asr, voice_card=voice_card(tick, voice), progress=tick)


def dataset_assess(tick: Tick, folder: str) -> Assessment:
    """The dataset checked with Whisper, and what of it would hold a fine-tuned voice back
    (:mod:`engine.training.readiness`)."""
    from engine.dataset.check import check_dataset
    from engine.training.readiness import findings

    check = check_dataset(folder, progress=tick)
    return Assessment(folder, findings(check), len(check.clips), check.total_seconds)


def set_excluded(tick: Tick, folder: str, shown: list[str], excluded: list[str]) -> None:
    from engine.dataset.layout import read_excluded, write_excluded

    kept = read_excluded(folder) - set(shown)
    write_excluded(folder, kept | set(excluded))


def fetch_model(tick: Tick, name: str) -> str:
    from engine.catalogue.entries import find_entry
    from engine.catalogue.fetch import fetch

    model = fetch(find_entry(name), lambda done, total: tick(done, total or 0))
    return str(model.path)


def proof_listen(tick: Tick, text: str, audio: Any, sample_rate: int) -> ProofListening:
    from engine.proof_listen import proof_listen as listen

    return listen(text, audio, sample_rate)


TASKS: dict[str, Callable[..., Any]] = {
    VOICE_CARD: voice_card,
    RECORDER_SETUP: recorder_setup,
    PHONEME_COUNTS: phoneme_counts,
    OPEN_DATASET: open_dataset,
    SAVE_TAKE: save_take,
    DATASET_IMPORT: dataset_import,
    DATASET_CHECK: dataset_check,
    DATASET_ASSESS: dataset_assess,
    SET_EXCLUDED: set_excluded,
    FETCH_MODEL: fetch_model,
    PROOF_LISTEN: proof_listen,
}


class TaskServer:
    """Runs each task request on a thread of its own and reports through ``events``."""

    def __init__(self, events: Connection) -> None:
        self.events = events
        self._send_lock = threading.Lock()
        self._lock = threading.Lock()
        self._running: dict[int, threading.Event] = {}
        self._threads: list[threading.Thread] = []

    def send(self, message: dict) -> None:
        with self._send_lock:
            try:
                self.events.send(message)
            except (OSError, ValueError):  # the window is gone: every task stops
                self.cancel_all()

    def start(self, request: dict) -> None:
        job = int(request.get("job", 0))
        stop = threading.Event()
        with self._lock:
            self._running[job] = stop
        thread = threading.Thread(
            target=self.run, args=(job, request, stop), name=f"task-{job}", daemon=True
        )
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def cancel(self, job: int) -> None:
        with self._lock:
            stop = self._running.get(job)
        if stop is not None:
            stop.set()

    def cancel_all(self) -> None:
        with self._lock:
            stops = list(self._running.values())
        for stop in stops:
            stop.set()

    def run(self, job: int, request: dict, stop: threading.Event) -> None:
        from engine.service import RequestError, describe

        name = str(request.get("task"))

        def tick(done: int, total: int) -> None:
            if stop.is_set():
                raise Cancelled
            self.send({"event": PROGRESS, "job": job, "done": done, "total": total})

        try:
            if name not in TASKS:
                raise RequestError(f"unknown task {name!r}")
            value = TASKS[name](tick, **request.get("args", {}))
        except Cancelled:
            self.send({"event": CANCELLED, "job": job})
        except Exception as error:  # every failure is reported, none is swallowed
            self.send({"event": ERROR, "job": job, "op": name, **describe(error, name)})
        else:
            self.send({"event": RESULT, "job": job, "op": name, "value": value})
        finally:
            with self._lock:
                self._running.pop(job, None)

    def stop(self) -> None:
        """Cancel every task and give each a moment to reach its cancellation point (a task
        that writes files leaves them whole)."""
        self.cancel_all()
        for thread in self._threads:
            thread.join(SHUTDOWN_GRACE_SECONDS)


def serve(requests: Connection, events: Connection) -> None:
    """Read requests until the window asks for shutdown or goes away."""
    server = TaskServer(events)
    server.send({"event": READY, "job": 0})
    while True:
        try:
            request = requests.recv()
        except (EOFError, OSError):  # the window is gone
            break
        op = request.get("op")
        if op == TASK:
            server.start(request)
        elif op == CANCEL:
            server.cancel(int(request.get("target", 0)))
        elif op == SHUTDOWN:
            break
    server.stop()


def main(argv: list[str] | None = None) -> int:
    """``python -m engine.tasks REQUESTS_FD EVENTS_FD``: serve on two inherited pipes."""
    pipes = inherited_pipes(TASKS_MODULE, sys.argv[1:] if argv is None else argv)
    if pipes is None:
        return 2
    serve(*pipes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
