"""The engine process: models run here, never in the window's process.

The studio starts it with :func:`engine.api.pipe.start_process` (``python -m engine.service``)
and speaks to it over the pipe that module describes. Every message is a dict.

Requests (studio -> engine), each with a ``job`` number the events refer to:

- ``{"op": "load", "voice": name | path | None, "config": path | None, "vocoder": "griffin-lim"
  | path | None, "vocoder_config": path | None, "vocoder_optional": bool, "device": ...}``
  loads a voice or official acoustic checkpoint (and a vocoder, for mel models) and answers
  with what the studio shows (:class:`engine.api.LoadAnswer`): the device actually used, the
  model and vocoder, the controls they read and their defaults, the speakers, the voices,
  and the mel scale of the spectrograms it draws.
- ``{"op": "prepare", "text": str, "controls": {...}, "seed": int, "speaker": int | None}``
  runs the front end and the duration predictor; answers with one utterance per sentence,
  each a take of its own, and the front end's warnings (:class:`engine.api.PrepareAnswer`).
- ``{"op": "transplant", "utterance": {...}, "controls": {...} | None}`` re-prepares another
  model's utterance on the loaded one (with these controls, where given), keeping its timing
  phoneme by phoneme; answers as ``prepare`` does.
- ``{"op": "render", "utterance": {...}}`` renders an utterance sentence by sentence; each
  sentence is a progress tick and a point where the job can be cancelled; answers with the
  audio, spans, mels, pitch and intensity and timings (:class:`engine.api.RenderAnswer`).
- ``{"op": "cancel", "target": job}`` cancels a queued or running job (it ends with a
  ``cancelled`` event); ``{"op": "shutdown"}`` ends the process.

Events (engine -> studio): ``ready`` (once, when the process listens), ``progress``
(``done`` of ``total``), ``result`` (the answer's ``to_message()``; ``engine.api.ANSWERS``
names each op's answer type), ``cancelled`` and ``error``
(``message`` in words a user can act on; ``internal`` is true for a fault of the engine's
rather than of the request).

Torch is imported here only, in the child process: importing this module costs the studio
nothing.
"""

from __future__ import annotations

import dataclasses
import os
import queue
import sys
import threading
import time
import warnings
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from engine.api import (
    LOAD,
    PREPARE,
    RENDER,
    TRANSPLANT,
    CatalogueModel,
    LoadAnswer,
    LoadRequest,
    MelScale,
    PrepareAnswer,
    PrepareRequest,
    RenderAnswer,
    RenderRequest,
    TransplantRequest,
    read_request,
)
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
from engine.errors import Cancelled
from engine.families import FAMILY_NAMES, MEL_FAMILIES
from engine.user_data import sweep_caches

ENGINE_NICENESS = 5


class RequestError(ValueError):
    """A request the engine cannot serve as asked (no voice loaded yet, an unknown op)."""


def serve(requests: Connection, events: Connection) -> None:
    """The engine's main loop: a reader thread takes requests off the pipe (so a cancel
    arrives while a job runs) and this thread runs the jobs one at a time, in order."""
    jobs: queue.Queue[dict | None] = queue.Queue()
    cancelled: set[int] = set()
    lock = threading.Lock()

    def read() -> None:
        while True:
            try:
                request = requests.recv()
            except (EOFError, OSError):  # the studio is gone
                jobs.put(None)
                return
            if request.get("op") == CANCEL:
                with lock:
                    cancelled.add(int(request["target"]))
            elif request.get("op") == SHUTDOWN:
                jobs.put(None)
                return
            else:
                jobs.put(request)

    if hasattr(os, "nice"):
        # Below the window's priority: on a machine with few cores, the window stays fluid
        # while a render takes every core.
        os.nice(ENGINE_NICENESS)
    threading.Thread(target=read, name="engine-requests", daemon=True).start()
    service = EngineService(events.send)
    events.send({"event": READY, "job": 0})
    while (request := jobs.get()) is not None:
        job = int(request.get("job", 0))

        def is_cancelled(job: int = job) -> bool:
            with lock:
                return job in cancelled

        service.handle(request, is_cancelled)
        with lock:
            cancelled.discard(job)


class EngineService:
    """Runs requests against one loaded synthesizer and reports through ``send``."""

    def __init__(self, send: Callable[[dict], None]) -> None:
        self.send = send
        self.synthesizer: Any = None
        self._voice_key: tuple[Any, Any] | None = None

    def handle(self, request: dict, is_cancelled: Callable[[], bool]) -> None:
        """Run one request; every outcome is an event, no exception leaves."""
        job = int(request.get("job", 0))
        op = request.get("op")
        handlers: dict[str, Callable[[Any, Callable[[int, int], None]], dict]] = {
            LOAD: self.load,
            PREPARE: self.prepare,
            RENDER: self.render,
            TRANSPLANT: self.transplant,
        }
        try:
            if op not in handlers:
                raise RequestError(f"unknown request {op!r}")
            try:
                typed = read_request(request)
            except (TypeError, KeyError) as error:  # a field missing, unknown or of another type
                raise RequestError(f"the {op} request is malformed ({error!s})") from None
            if is_cancelled():
                raise Cancelled

            def tick(done: int, total: int) -> None:
                self._tick(job, done, total, is_cancelled)

            result = handlers[op](typed, tick)
        except Cancelled:
            self.send({"event": CANCELLED, "job": job})
        except Exception as error:  # every failure is reported, none is swallowed
            self.send({"event": ERROR, "job": job, "op": op, **describe(error, op)})
        else:
            self.send({"event": RESULT, "job": job, "op": op, **result})

    def _tick(self, job: int, done: int, total: int, is_cancelled: Callable[[], bool]) -> None:
        if is_cancelled():
            raise Cancelled
        self.send({"event": PROGRESS, "job": job, "done": done, "total": total})

    def load(self, request: LoadRequest, tick: Callable[[int, int], None]) -> dict:
        """Load an acoustic model (and a vocoder, for mel models); the synthesizer in use is
        replaced only once the new one works, so a refused file leaves the previous loaded.

        A voice already loaded with the same config is reused (choosing another vocoder does
        not read the model again). With ``vocoder_optional``, a vocoder that cannot voice the
        new model's mels gives way to Griffin-Lim with a warning instead of an error: the
        studio asks so when the person changes the acoustic model, keeping the vocoder only
        where it fits.
        """
        from engine.checkpoints.voices import VOCODER_KEY, list_voices, load_voice
        from engine.errors import SynthesisError
        from engine.runtime.devices import usable_device
        from engine.synthesis import Synthesizer
        from engine.vocoders import GRIFFIN_LIM, load_vocoder

        tick(0, 3)
        key = (request.voice, request.config)
        current = self.synthesizer
        if current is not None and key == self._voice_key:
            voice = current.voice
        else:
            voice = load_voice(request.voice, request.config)
        tick(1, 3)
        device = usable_device(request.device)
        warnings_: list[str] = []
        vocoder: Any = None
        family = voice.card.get("family", "vits")
        # A voice folder's own vocoder serves when none is asked for, and gives way to
        # Griffin-Lim (with a warning) when it is gone or does not fit, as an optional one.
        optional = request.vocoder_optional or request.vocoder is None
        if family in MEL_FAMILIES:
            vocoder = request.vocoder or voice.card.get(VOCODER_KEY) or GRIFFIN_LIM
            if vocoder != GRIFFIN_LIM:
                try:
                    vocoder = load_vocoder(vocoder, request.vocoder_config, device)
                except SynthesisError as error:
                    if not optional:
                        raise
                    warnings_.append(f"{error} Griffin-Lim voices it instead.")
                    vocoder = GRIFFIN_LIM
        tick(2, 3)
        try:
            synthesizer = Synthesizer(voice, device=device, vocoder=vocoder)
        except SynthesisError as error:
            if not (optional and vocoder not in (None, GRIFFIN_LIM)):
                raise
            warnings_.append(f"{error} Griffin-Lim voices it instead.")
            synthesizer = Synthesizer(voice, device=device, vocoder=GRIFFIN_LIM)
        self.synthesizer = synthesizer
        self._voice_key = key
        card = voice.card
        speakers = int(getattr(synthesizer.acoustic, "n_speakers", 1) or 1)
        paired = synthesizer.vocoder
        note = synthesizer.pairing_note
        if note:
            warnings_.append(note)
        return LoadAnswer(
            voice=voice.name,
            config=request.config,
            label=model_label(voice.name, family),
            path=str(voice.path),
            family=family,
            mel_model=family in MEL_FAMILIES,
            voices=list_voices(),
            device=synthesizer.device_name,
            runtime=synthesizer.runtime,
            vocoder=paired.name if paired else None,
            vocoder_config=request.vocoder_config if paired else None,
            vocoder_label=paired.label if paired else None,
            vocoder_family=paired.family if paired else None,
            compatible_vocoders=synthesizer.compatible_vocoders(),
            control_names=tuple(synthesizer.control_names),
            controls=dataclasses.asdict(synthesizer.default_controls()),
            sample_rate=synthesizer.sample_rate,
            hop_length=synthesizer.hop_length,
            phoneme_type=_phoneme_type(card),
            speakers=speakers,
            warnings=warnings_,
            catalogue=catalogue_models(warnings_),
            mel_scale=mel_scale(synthesizer.mel_settings),
        ).to_message()

    def transplant(self, request: TransplantRequest, tick: Callable[[int, int], None]) -> dict:
        """An utterance of another model re-prepared on this one with its timing, phoneme by
        phoneme (``Synthesizer.transplant``): one take, as ``prepare`` answers."""
        synthesizer = self._synthesizer()
        tick(0, 1)
        utterance = request.utterance
        if request.controls:
            utterance = dataclasses.replace(utterance, controls=self._controls(request.controls))
        return PrepareAnswer([synthesizer.transplant(utterance)]).to_message()

    def prepare(self, request: PrepareRequest, tick: Callable[[int, int], None]) -> dict:
        """Phonemes and predicted durations, one single-sentence utterance per sentence."""
        synthesizer = self._synthesizer()
        controls = self._controls(request.controls or {})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            utterance = synthesizer.prepare(
                request.text,
                controls=controls,
                seed=request.seed,
                speaker=request.speaker,
            )
        takes = [
            dataclasses.replace(utterance, text=plan.text, sentences=(plan,))
            for plan in utterance.sentences
        ]
        said = sorted({str(w.message) for w in caught if w.category is not None})
        return PrepareAnswer(takes, said).to_message()

    def render(self, request: RenderRequest, tick: Callable[[int, int], None]) -> dict:
        """The utterance's audio, token spans, log-mel (and the mel model's own mel), and its
        pitch and intensity tracks. The tracks are made here, with the audio, rather than by
        the task process: Praat's two pitch passes and its intensity take 40 to 75 ms per 10 s
        of audio on a 2-core CPU (``benchmarks/pitch_tracks.py``), 13 to 19 % of the render
        and less than the spectrogram made for the views; in the task process they would
        cost the audio's transfer again and compete for the same cores, and could arrive
        after, or for another render than, the audio they belong to."""
        import numpy as np

        from engine.audio.prosody import take_tracks
        from engine.synthesis import Render

        synthesizer = self._synthesizer()
        utterance = request.utterance
        total = len(utterance.sentences)
        parts = []
        tick(0, total)
        for part in synthesizer.render_sentences(utterance):
            parts.append(part)
            tick(len(parts), total)
        whole = Render.joined(parts)
        started = time.perf_counter()
        tracks = take_tracks(whole.audio, whole.sample_rate)
        timings = {**whole.timings, "tracks": time.perf_counter() - started}
        return RenderAnswer(
            audio=whole.audio.astype(np.float32, copy=False),
            sample_rate=whole.sample_rate,
            spans=whole.spans,
            tokens=whole.tokens,
            mel=np.asarray(whole.mel, dtype=np.float32),
            model_mel=whole.model_mel,
            timings=timings,
            seconds=whole.seconds,
            rtf=whole.rtf,
            tracks=tracks,
        ).to_message()

    def _synthesizer(self) -> Any:
        if self.synthesizer is None:
            raise RequestError("no voice is loaded yet")
        return self.synthesizer

    def _controls(self, values: dict) -> Any:
        """Controls from the studio's values; fields this engine's Controls lacks are ignored
        (the studio may know knobs a model it has not loaded has)."""
        from engine.synthesis import Controls

        known = {f.name for f in dataclasses.fields(Controls)}
        defaults = dataclasses.asdict(self._synthesizer().default_controls())
        defaults.update({k: v for k, v in values.items() if k in known})
        return Controls(**defaults)


def mel_scale(settings: Any) -> MelScale:
    """Where the rows of the spectrograms made with ``settings`` (an
    :class:`engine.audio.mel.MelSettings`) lie in frequency."""
    fmax = settings.sample_rate / 2 if settings.fmax is None else settings.fmax
    return MelScale(settings.sample_rate, settings.n_mels, float(settings.fmin), float(fmax))


def catalogue_models(warnings_: list[str]) -> list[CatalogueModel]:
    """The catalogue's models with where each is kept; a catalogue that cannot be read is a
    warning, not a failed load."""
    from engine.catalogue.entries import read_catalogue
    from engine.catalogue.store import installed_models
    from engine.checkpoints.errors import ModelStoreError

    try:
        entries = read_catalogue()
    except ModelStoreError as error:
        warnings_.append(f"The model catalogue is not offered: {error}.")
        return []
    kept = {model.name: str(model.path) for model in installed_models()}
    return [
        CatalogueModel(
            name=entry.name,
            title=entry.title,
            family=entry.family,
            role=entry.role,
            licence=entry.licence,
            source=entry.source,
            url=entry.url,
            size=entry.size,
            path=kept.get(entry.name),
        )
        for entry in entries
    ]


def model_label(name: str, family: str) -> str:
    """How the status bar and selectors name a model: a checkpoint (named by its path) by
    family and file name, a voice by its name and family."""
    family_name = FAMILY_NAMES.get(family, family)
    if os.sep in name or "/" in name:
        return f"{family_name} {os.path.basename(name)}"
    return f"{name} ({family_name})"


def _phoneme_type(card: dict) -> str:
    """How a word's phonemes are written for this voice's front end: "ipa" or "arpabet"."""
    frontend = card.get("frontend", {})
    kind = f"{frontend.get('kind', '')} {frontend.get('phoneme_type', '')}".lower()
    return "arpabet" if "arpabet" in kind or "cmu" in kind else "ipa"


def describe(error: BaseException, op: str | None = None) -> dict:
    """An error event's fields: the message a user reads, and whether the engine is at fault.

    The errors a request can cause (a text with nothing to say, a file that is no voice, a
    control out of range, a file that cannot be read) are said as they are. Anything else,
    a ``KeyError`` included, is a bug of the engine's: its traceback goes to the engine's log
    (:mod:`engine.fault_log`) and the message names the file."""
    from engine.checkpoints.errors import (
        CheckpointError,
        ModelStoreError,
        PiperExportError,
        UnknownVoiceError,
        VoiceImportError,
    )
    from engine.dataset.errors import DatasetError
    from engine.errors import SynthesisError
    from engine.fault_log import record_fault
    from engine.text.errors import FrontEndError

    expected: tuple[type[BaseException], ...] = (
        RequestError,
        SynthesisError,
        FrontEndError,
        CheckpointError,
        ModelStoreError,
        VoiceImportError,
        UnknownVoiceError,
        PiperExportError,
        DatasetError,
        OSError,
    )
    if isinstance(error, expected):
        return {"message": str(error) or type(error).__name__, "internal": False}
    during = f"The engine's {op!r} request" if op else "The engine"
    return {"message": record_fault("engine", error, during), "internal": True}


def main(argv: list[str] | None = None) -> int:
    """``python -m engine.service REQUESTS_FD EVENTS_FD``: serve on two inherited pipes, after
    sweeping what killed runs left in the caches."""
    pipes = inherited_pipes("engine.service", sys.argv[1:] if argv is None else argv)
    if pipes is None:
        return 2
    sweep_caches()
    serve(*pipes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
