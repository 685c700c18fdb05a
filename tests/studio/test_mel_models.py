"""Mel models in the real window, with the small official checkpoints of the parity fixtures:
reopen the Glow-TTS used last, import Grad-TTS and HiFi-GAN through the selectors, see the
knobs they read, render, drag a boundary and watch the alignment matrix follow, re-render;
refusals keep the model loaded; a take moved to Glow-TTS with its timing is compared A/B;
a word's ARPAbet overridden; a multi-speaker model's speaker.

Skipped, saying why, where the fixtures are absent. Grad-TTS renders with 2 steps (CPU)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from studio import durations as dur
from studio.panels import synthesis
from tests.parity.discovery import fixtures, parity_dir
from tests.studio.conftest import close_window, drag, open_window, rendered, wait_until

LOAD_TIMEOUT = 120.0


def _fixture(model: str, tag: str = "small"):
    found = {f.tag: f for f in fixtures(model)}
    if tag not in found:
        pytest.skip(f"no {model} fixture {tag!r} in {parity_dir()}")
    return found[tag]


@pytest.fixture(scope="module")
def window(studio_app, glottis_data_dir) -> Iterator[object]:
    for model in ("grad-tts", "hifi-gan"):
        _fixture(model)
    glow = _fixture("glow-tts")
    # Glow-TTS as if used last: it loads in a moment, where the bundled voice takes seconds.
    window = open_window({"voice": str(glow.checkpoint), "config": str(glow.config)})
    yield window
    close_window(window)


def _choose(combo, text: str) -> None:
    """Pick the entry ``text`` of a selector as a person does (``activated``)."""
    index = combo.findText(text)
    assert index >= 0, [combo.itemText(i) for i in range(combo.count())]
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def _import(window, monkeypatch, combo, entry: str, fixture) -> None:
    """The selector's import entry, with the dialog answered by ``fixture``'s files."""
    monkeypatch.setattr(
        synthesis, "ask_checkpoint", lambda *_: (str(fixture.checkpoint), str(fixture.config))
    )
    _choose(combo, entry)


def _loaded(window, predicate, what: str) -> None:
    wait_until(lambda: predicate(window.engine_info) and not window.engine.busy, LOAD_TIMEOUT, what)


def _render(window, text: str) -> None:
    window.text_edit.setPlainText(text)
    before = window.undo_stack.index()
    window.render_text()
    wait_until(lambda: window.undo_stack.index() > before, 60, "the takes")
    rendered(window, 120)


def _enabled(window) -> set[str]:
    return {name for name, widget in window.panel.widgets.items() if widget.isEnabled()}


def test_grad_tts_and_hifigan_imported_through_the_selectors(window, monkeypatch):
    panel = window.panel
    assert window.engine_info.family == "glow-tts"  # the model used last comes back
    assert _enabled(window) == {"noise_scale", "length_scale"}
    assert window.take_view.matrix_shown

    _import(window, monkeypatch, panel.model, synthesis.IMPORT_MODEL, _fixture("grad-tts"))
    _loaded(window, lambda i: i is not None and i.family == "grad-tts", "Grad-TTS to load")
    info = window.engine_info
    assert _enabled(window) == set(info.control_names)
    assert _enabled(window) == {"length_scale", "temperature", "steps", "stochastic"}
    assert not panel.widgets["noise_w"].isEnabled()
    assert not panel.widgets["sigma"].isEnabled() and not panel.speaker.isEnabled()
    assert panel.widgets["length_scale"].value() == pytest.approx(info.controls["length_scale"])
    assert panel.widgets["steps"].value() == info.controls["steps"]
    assert panel.stochastic.isChecked() == info.controls["stochastic"]
    assert panel.vocoder.isEnabled() and panel.vocoder.currentText() == "Griffin-Lim"
    assert window.take_view.matrix_shown
    assert "Grad-TTS" in window.model_label.text()
    assert "Griffin-Lim" in window.model_label.text()
    assert "CPU" in window.device_label.text() or "NVIDIA" in window.device_label.text()

    _import(window, monkeypatch, panel.vocoder, synthesis.IMPORT_VOCODER, _fixture("hifi-gan"))
    _loaded(window, lambda i: i is not None and i.vocoder_family == "hifigan", "HiFi-GAN to load")
    assert "HiFi-GAN" in window.model_label.text()
    assert "HiFi-GAN" in panel.vocoder.currentText()
    # Both are offered again, by name, without a dialog.
    labels = [panel.model.itemText(i) for i in range(panel.model.count())]
    assert any("Grad-TTS" in label for label in labels)
    _choose(panel.vocoder, "Griffin-Lim")
    _loaded(window, lambda i: i is not None and i.vocoder == "griffin-lim", "Griffin-Lim again")
    _choose(panel.vocoder, panel.vocoder.itemText(1))
    _loaded(window, lambda i: i is not None and i.vocoder_family == "hifigan", "HiFi-GAN again")


@pytest.mark.parametrize(
    ("what", "said"),
    [
        ("a vocoder as acoustic model", "not an acoustic model"),
        ("mels of another shape", "cannot voice this model's mels"),
        ("speakers that disagree", "checkpoint has 247 speakers, config says 1"),
    ],
)
def test_a_refused_file_is_said_and_the_model_stays(window, what, said):
    if window.engine_info.family != "grad-tts":
        pytest.skip("needs the Grad-TTS of the test before")
    before = window.engine_info
    if what == "a vocoder as acoustic model":
        hifigan = _fixture("hifi-gan")
        window.load_model(str(hifigan.checkpoint), str(hifigan.config))
    elif what == "mels of another shape":
        waveglow = _fixture("waveglow")
        window.load_vocoder(str(waveglow.checkpoint), str(waveglow.config))
    else:
        window.load_model(
            str(_fixture("grad-tts", "small_ms").checkpoint), str(_fixture("grad-tts").config)
        )
    wait_until(lambda: "Could not load" in window.message_bar.text(), LOAD_TIMEOUT, "the refusal")
    message = window.message_bar.text()
    assert said in message and "is still loaded" in message
    assert "Traceback" not in message
    assert window.engine_info == before
    assert window.panel.model.currentText() == before.label
    assert "Grad-TTS" in window.model_label.text() and "CPU" in window.device_label.text()
    window.message_bar.hide()


def test_render_drag_a_boundary_and_the_matrix_follows(window):
    if window.engine_info.family != "grad-tts":
        pytest.skip("needs the Grad-TTS of the first test")
    window.panel.widgets["steps"].setValue(2)
    _render(window, "Hello there, world.")
    take = window.current_take
    assert take.voice == window.engine_info.voice
    assert take.utterance.controls.steps == 2
    assert "RTF" in window.render_label.text() and "vocoder" in window.render_label.text()
    matrix = window.take_view.matrix
    assert matrix.matrix.shape == (len(take.tokens), sum(take.durations))
    assert [matrix.token_frames(i) for i in range(len(take.tokens))] == list(take.durations)
    # Token i speaks right after token i - 1: the path is monotonic.
    assert np.all(np.diff(matrix.matrix.argmax(axis=0)) >= 0)

    original, before = take.rendered, take.durations
    parts = dur.segments(take.tokens)
    boundary = next(
        b
        for b in range(2, len(parts))
        if parts[b].frames(before) - dur.minimum_frames(before, parts[b]) >= 2
    )
    left, right = parts[boundary - 1], parts[boundary]
    plot = window.take_view.alignment
    # While dragging (before the release), the matrix previews the durations it would make.
    at = dur.starts(before, parts)[boundary]
    plot.segments.dragged.emit(boundary, at + 1)
    preview = dur.move_boundary(before, parts, boundary, 1)
    assert [matrix.token_frames(i) for i in range(len(take.tokens))] == preview
    window.take_view.show_take(take, original, window.frame_seconds)
    start = plot.boundary_seconds(boundary)
    drag(window.take_view, plot, start, start + 2 * window.frame_seconds)
    wait_until(lambda: window.current_take.durations != before, 10, "the drag to be applied")
    after = window.current_take.durations
    assert left.frames(after) == left.frames(before) + 2
    assert right.frames(after) == right.frames(before) - 2
    frames = [matrix.token_frames(i) for i in range(len(take.tokens))]
    assert frames == list(after)
    assert frames != list(before)
    rendered(window, 120)
    again = window.current_take.rendered
    assert again is not original and len(again.audio) == len(original.audio)
    assert not np.array_equal(again.audio, original.audio)

    window.undo_stack.undo()
    assert [matrix.token_frames(i) for i in range(len(take.tokens))] == list(before)
    assert window.current_take.rendered is original
    window.undo_stack.redo()


def test_a_take_moved_to_glow_tts_is_compared_a_b(window):
    if window.engine_info.family != "grad-tts" or not window.project.takes:
        pytest.skip("needs the Grad-TTS take of the test before")
    glow = _fixture("glow-tts")
    grad_take = window.current_take
    grad_version = window.versions[grad_take.text][-1]
    assert grad_version.rendered is grad_take.rendered
    # After the drag of the test before, A is the take before the edit and B after it.
    assert "edited" not in window.compare.version("A").label
    assert window.compare.version("B") is grad_version and "edited" in grad_version.label
    window.mark_a()
    assert window.compare.version("A") is grad_version and window.compare_dock.isVisible()
    seconds = sum(grad_take.durations) * window.frame_seconds

    window.load_model(str(glow.checkpoint), str(glow.config))
    _loaded(window, lambda i: i is not None and i.family == "glow-tts", "Glow-TTS to load")
    assert _enabled(window) == set(window.engine_info.control_names)
    assert window.panel.widgets["noise_scale"].isEnabled()
    assert not window.panel.widgets["steps"].isEnabled()
    assert "Move takes" in window.message_bar.action.text()
    assert window.transplant_action.isEnabled()

    window.message_bar.action.click()
    wait_until(lambda: window.current_take.voice == window.engine_info.voice, 60, "the move")
    rendered(window, 120)
    moved = window.current_take
    moved_seconds = sum(moved.durations) * window.frame_seconds
    assert moved_seconds == pytest.approx(seconds, abs=2 * window.frame_seconds)
    assert window.current_take.text == grad_take.text

    versions = window.versions[grad_take.text]
    a, b = window.compare.version("A"), window.compare.version("B")
    assert a is grad_version and b is versions[-1]
    assert "Grad-TTS" in a.label and "Glow-TTS" in b.label
    for plot, version in ((window.compare.plot_a, a), (window.compare.plot_b, b)):
        _, shown = plot.curve.getOriginalDataset()
        assert len(shown) == len(version.rendered.audio)

    window.undo_stack.undo()  # back to the Grad-TTS take: it is offered the move again
    assert window.current_take.voice != window.engine_info.voice
    assert window.transplant_action.isEnabled()


def test_a_word_spoken_as_given_arpabet(window, monkeypatch):
    """Glow-TTS and Grad-TTS read ``{HH AH0 L OW1}``: the dialog offers the word's phones
    between spaces, and the take says the phones given."""
    from PySide6.QtWidgets import QInputDialog

    if window.engine_info.phoneme_type != "arpabet":
        pytest.skip("needs the ARPAbet model of the tests before")
    _render(window, "Hello there.")
    take = window.current_take
    parts = dur.segments(take.tokens)
    first = next(i for i, p in enumerate(parts) if p.label == "HH")
    window.take_view.set_selection(first, first)
    offered = {}
    answers = iter([("HH EH1 L OW0", True)])  # the word selected is not asked for

    def ask(_parent, _title, label, text=""):
        offered[label] = text
        return next(answers)

    monkeypatch.setattr(QInputDialog, "getText", ask)
    before = window.undo_stack.index()
    window.override_action.trigger()
    wait_until(lambda: window.undo_stack.index() > before, 30, "the override")
    assert len(offered) == 1 and "'Hello'" in next(iter(offered))
    assert any("ARPAbet" in label and text == "HH AH0 L OW1" for label, text in offered.items())
    changed = window.current_take
    assert changed.text == "{HH EH1 L OW0} there."
    assert "@EH1" in changed.tokens and "@EH1" not in take.tokens
    rendered(window, 120)


def test_a_multi_speaker_model_speaks_with_the_chosen_speaker(window):
    multi = _fixture("grad-tts", "small_ms")
    window.load_model(str(multi.checkpoint), str(multi.config))
    _loaded(window, lambda i: i is not None and i.speakers > 1, "the multi-speaker Grad-TTS")
    speaker = window.panel.speaker
    assert speaker.isEnabled() and speaker.maximum() == window.engine_info.speakers - 1 == 246
    speaker.setValue(5)
    window.panel.widgets["steps"].setValue(2)
    _render(window, "Hi.")
    assert window.current_take.utterance.speaker == 5
    assert window.project.speaker == 5
