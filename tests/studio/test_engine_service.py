"""The engine process on its own: load, prepare, render, cancel, errors in words; each answer
read as the contract's type for its op."""

from __future__ import annotations

import numpy as np
import pytest

from engine.api import (
    ANSWERS,
    LoadAnswer,
    MelScale,
    PrepareAnswer,
    RenderAnswer,
    Tracks,
    Utterance,
    pipe,
)
from engine.api.pipe import EngineProcess, start_process


def _until(engine: EngineProcess, job: int, timeout: float = 180.0) -> list[dict]:
    events = []
    while engine.events.poll(timeout):
        event = engine.events.recv()
        events.append(event)
        if event["job"] == job and event["event"] not in (pipe.PROGRESS, pipe.READY):
            return events
    pytest.fail(f"no answer to job {job} within {timeout} s")


def test_requests_answer_with_events_and_a_render_can_be_cancelled(glottis_data_dir):
    engine = start_process("engine.service")
    try:
        engine.requests.send({"op": "load", "job": 1})
        loaded = _until(engine, 1)[-1]
        assert loaded["event"] == pipe.RESULT, loaded
        assert loaded["device"] and "noise_scale" in loaded["control_names"]
        info = ANSWERS["load"].from_message(loaded)
        assert isinstance(info, LoadAnswer) and info.frame_seconds == 256 / info.sample_rate
        # VITS's spectrogram for the views: 80 Slaney mels from 0 Hz to half the rate
        assert info.mel_scale == MelScale(info.sample_rate, 80, 0.0, info.sample_rate / 2)

        text = " ".join(f"Sentence {n} is here to make the render long." for n in range(8))
        engine.requests.send({"op": "prepare", "job": 2, "text": text, "seed": 1})
        prepared = _until(engine, 2)[-1]
        takes = prepared["takes"]
        assert len(takes) == 8
        answer = ANSWERS["prepare"].from_message(prepared)
        assert isinstance(answer, PrepareAnswer) and all(
            isinstance(take, Utterance) and take.text for take in answer.takes
        )
        assert PrepareAnswer.from_message(answer.to_message()) == answer
        whole = dict(takes[0], sentences=[t["sentences"][0] for t in takes], text=text)

        engine.requests.send({"op": "render", "job": 3, "utterance": takes[0]})
        result = _until(engine, 3)[-1]
        assert isinstance(result["audio"], np.ndarray) and result["audio"].dtype == np.float32
        hop = loaded["hop_length"]
        assert len(result["audio"]) == sum(takes[0]["sentences"][0]["durations"]) * hop
        assert result["mel"].shape[0] == 80
        rendered = ANSWERS["render"].from_message(result)
        assert isinstance(rendered, RenderAnswer) and rendered.synthesis_seconds > 0
        assert rendered.spans[0] == (0, rendered.spans[0][1]) and rendered.rtf > 0
        tracks = rendered.tracks
        assert isinstance(tracks, Tracks) and rendered.timings["tracks"] > 0
        assert len(tracks.times) == len(tracks.f0) == len(tracks.intensity) > 0
        assert tracks.times[-1] < rendered.seconds and np.isfinite(tracks.f0).any()

        engine.requests.send({"op": "render", "job": 4, "utterance": whole})
        engine.requests.send({"op": "cancel", "job": 0, "target": 4})
        events = _until(engine, 4)
        assert events[-1]["event"] == pipe.CANCELLED

        engine.requests.send({"op": "prepare", "job": 5, "text": "..."})
        error = _until(engine, 5)[-1]
        assert error["event"] == pipe.ERROR and not error["internal"]
        assert error["message"]
    finally:
        engine.stop()
    assert engine.process.returncode is not None
