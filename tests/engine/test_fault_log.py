"""A bug of the engine's is said as one, with its traceback in a log the message names; a
mistake a person can fix stays one sentence and writes no log."""

from __future__ import annotations

from engine import service
from engine.checkpoints.errors import UnknownVoiceError
from engine.fault_log import log_path
from engine.text.errors import FrontEndError


def _fail_with(error: BaseException) -> None:
    raise error


def test_an_engine_bug_is_logged_and_the_message_names_the_log(glottis_data_dir) -> None:
    sent: list[dict] = []
    engine = service.EngineService(sent.append)
    engine.load = lambda request, tick: _fail_with(KeyError("sample_rate"))  # type: ignore[method-assign]
    engine.handle({"op": "load", "job": 7}, lambda: False)
    (event,) = sent
    assert event["event"] == service.ERROR and event["internal"] and event["job"] == 7
    log = log_path("engine")
    assert str(log) in event["message"] and "KeyError: 'sample_rate'" in event["message"]
    written = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in written and "_fail_with" in written


def test_mistakes_a_person_can_fix_are_one_sentence_and_not_logged(glottis_data_dir) -> None:
    log = log_path("engine")
    before = log.read_text(encoding="utf-8") if log.exists() else ""
    for error in (
        FrontEndError("the text is empty: nothing to say"),
        UnknownVoiceError("nobody", ["joe"]),
        FileNotFoundError(2, "No such file or directory"),
        service.RequestError("no voice is loaded yet"),
    ):
        described = service.describe(error, "prepare")
        assert not described["internal"] and described["message"] == str(error)
    sent: list[dict] = []
    service.EngineService(sent.append).handle(
        {"op": "prepare", "job": 1, "text": "Hi."}, lambda: False
    )
    assert sent[0]["message"] == "no voice is loaded yet" and not sent[0]["internal"]
    assert (log.read_text(encoding="utf-8") if log.exists() else "") == before
