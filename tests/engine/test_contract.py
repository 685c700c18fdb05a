"""The contract's requests cross the pipe and come back as they were; a malformed one is the
request's fault, said in a sentence, not an engine bug."""

from __future__ import annotations

import pytest

from engine.api import (
    LoadRequest,
    PrepareRequest,
    RenderRequest,
    SentencePlan,
    TransplantRequest,
    Utterance,
    read_request,
    request_message,
)
from engine.controls import Controls

UTTERANCE = Utterance(
    text="Hi.",
    sentences=(SentencePlan("Hi.", ("h", "i"), ("h", "i"), (1, 2), (3, 4), (3, 5)),),
    seed=7,
    controls=Controls(),
    voice="en_US-joe-medium",
)


@pytest.mark.parametrize(
    "request_",
    [
        LoadRequest("voice", vocoder="griffin-lim", vocoder_optional=True),
        PrepareRequest("Hello there.", {"noise_scale": 0.5}, seed=3, speaker=None),
        TransplantRequest(UTTERANCE, {"length_scale": 1.2}),
        RenderRequest(UTTERANCE),
    ],
    ids=lambda r: type(r).__name__,
)
def test_a_request_crosses_the_pipe_unchanged(request_) -> None:
    message = request_message(request_, 5)
    assert message["op"] == request_.op and message["job"] == 5
    assert read_request(message) == request_


def test_a_malformed_request_is_the_request_s_fault(glottis_data_dir) -> None:
    from engine.service import EngineService

    sent: list[dict] = []
    service = EngineService(sent.append)
    service.handle({"op": "prepare", "job": 1, "txt": "typo"}, lambda: False)
    assert sent[-1]["event"] == "error" and not sent[-1]["internal"]
    assert "the prepare request is malformed" in sent[-1]["message"]
    service.handle({"op": "render", "job": 2, "utterance": {"text": "x"}}, lambda: False)
    assert sent[-1]["event"] == "error" and not sent[-1]["internal"], sent[-1]
