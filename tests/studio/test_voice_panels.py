"""The voice panels in real widgets: the recorder on a real PortAudio device (a PulseAudio
null sink's monitor, skipped with the reason where there is none), driven from the keyboard,
and the dataset check on clips the default voice renders, some of them spoilt on purpose."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
import shiboken6
import soundfile as sf
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMainWindow

from engine.api.dataset import Prompt
from engine.api.tasks import VoiceRef
from engine.audio.recording import NoInputDevice, Take
from engine.dataset.layout import EXCLUDED, METADATA, WAVS, DatasetWriter, read_excluded
from studio.panels import install_voice_panels
from studio.panels.dataset import ClipTableModel, DatasetPanel
from studio.panels.recorder import STATUS_RECORDED, STATUS_SKIPPED, RecorderPanel
from tests.audio_devices import pulse_null_sink  # noqa: F401 (a fixture)
from tests.studio.conftest import wait_until

RATE = 22050
PROMPTS = [
    Prompt("t_0001", "The kettle began to whistle."),
    Prompt("t_0002", "A flock of geese flew low."),
    Prompt("t_0003", "Thick fog rolled over the harbour."),
    Prompt("t_0004", "She measured the flour twice."),
]
GOOD = "The usual bus was late this morning."
SECOND = "Breathe slowly and let your shoulders relax."
SAID_INSTEAD = "Please write your name clearly at the top of the page."
MISREAD_PROMPT = "A cold wind howled through the valley all night long."


def tone(seconds: float, amplitude: float, rate: int = 44100, hz: float = 440.0) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def silence(seconds: float, rate: int = 44100) -> np.ndarray:
    return np.zeros(round(seconds * rate), np.float32)


def key(widget, name: Qt.Key) -> None:
    QTest.keyClick(widget, name)


def close(panel) -> None:
    panel.shutdown()
    panel.close()
    shiboken6.delete(panel)


@pytest.fixture
def recorder_panel(studio_app, default_voice, tmp_path):
    panel = RecorderPanel(tmp_path / "takes", sample_rate=RATE, prompts=PROMPTS)
    panel.show()
    panel.activateWindow()
    wait_until(lambda: panel.ready, 60, "the recorder to read its prompts and voice")
    yield panel
    close(panel)


@pytest.fixture
def sink_panel(recorder_panel, pulse_null_sink):  # noqa: F811
    """The recorder listening to the null sink's monitor."""
    panel = recorder_panel
    panel.refresh_devices()
    rows = [i for i, d in enumerate(panel.devices) if d.index == pulse_null_sink.input_device]
    assert rows, f"the sink's input is not listed: {panel.devices}"
    assert panel.open_device(rows[0]), panel.device_problem
    return panel, pulse_null_sink


def play_through(panel, sink, audio: np.ndarray, rate: int = 44100) -> None:
    """Play ``audio`` into the sink and run the window's event loop until it has been heard."""
    player = sink.play(audio, rate)
    wait_until(lambda: player.poll() is not None, 20, "the sink to play the signal")
    assert player.returncode == 0
    until = time.monotonic() + 0.3  # the monitor's last blocks
    wait_until(lambda: time.monotonic() > until, 5)


def saved(panel) -> None:
    wait_until(lambda: not panel.saving, 20, "the take to be written")


def test_recorder_meters_a_real_device_and_keeps_a_trimmed_16_bit_take(sink_panel):
    panel, sink = sink_panel
    readings = []
    panel.meter_timer.timeout.connect(
        lambda: readings.append((panel.meter.level, panel.clipping_shown))
    )
    assert panel.current_prompt.id == "t_0001"
    key(panel, Qt.Key.Key_R)
    assert panel.recording
    # 0.6 s of silence, 1.5 s at -6 dBFS, 0.3 s at full scale (clips: the meter lights and
    # the take is called clipped, by the dataset check's rule), 0.8 s of silence.
    signal = np.concatenate([silence(0.6), tone(1.5, 0.5), tone(0.3, 1.0), silence(0.8)])
    play_through(panel, sink, signal)
    key(panel, Qt.Key.Key_S)
    assert not panel.recording
    saved(panel)

    steady = [lv for lv, _ in readings if abs(lv.rms_dbfs - 20 * math.log10(0.5 / 2**0.5)) < 1]
    assert len(steady) >= 5, readings
    assert np.median([lv.peak_dbfs for lv in steady]) == pytest.approx(-6.02, abs=0.5)
    assert any(lv.clipping for lv, _ in readings), "the full-scale burst was not seen clipping"
    assert any(shown for _, shown in readings), "no clipping warning was shown"
    assert min(lv.noise_floor_dbfs for lv, _ in readings[-5:]) < -60
    assert "Noise floor" in panel.noise_label.text()

    wav = panel.folder / WAVS / "t_0001.wav"
    info = sf.info(wav)
    assert (info.samplerate, info.channels, info.subtype) == (RATE, 1, "PCM_16")
    # Trimmed: the tones (1.8 s) and a margin each side, not the 1.4 s of silence around.
    assert 1.75 < info.duration < 2.3, info.duration
    assert (panel.folder / METADATA).read_text() == "t_0001|The kettle began to whistle.\n"
    assert panel.status_of("t_0001") == STATUS_RECORDED
    assert panel.current_prompt.id == "t_0002", "the next prompt was not selected"
    assert "Kept t_0001" in panel.kept_label.text() and "it clipped" in panel.kept_label.text()
    wait_until(lambda: "the 1 takes" in panel.coverage_label.text(), 30, "coverage of the take")
    takes, listed = panel.coverage()
    assert sum(takes.values()) > 10 and all(listed[s] >= takes[s] for s in takes)

    # P plays the take; the sink's monitor (our input) hears it.
    panel.select_prompt("t_0001")
    panel.recorder.read_level()
    key(panel, Qt.Key.Key_P)
    assert panel.player.playing
    heard = []
    wait_until(
        lambda: heard.append(panel.recorder.read_level().peak_dbfs) or not panel.player.playing,
        10,
        "the take to play",
    )
    assert max(heard) > -12, f"playback was not heard on the device (peaks {max(heard):.1f})"


def test_keyboard_record_stop_skip_retake_and_drop(sink_panel):
    panel, sink = sink_panel
    take = np.concatenate([silence(0.2), tone(0.8, 0.3), silence(0.3)])
    key(panel, Qt.Key.Key_Space)  # record t_0001
    assert panel.recording and panel.status_of("t_0001") == "recording"
    play_through(panel, sink, take)
    key(panel, Qt.Key.Key_Space)  # stop and keep, on to t_0002
    saved(panel)
    assert panel.current_prompt.id == "t_0002"
    key(panel, Qt.Key.Key_N)  # skip t_0002
    assert panel.status_of("t_0002") == STATUS_SKIPPED
    assert panel.current_prompt.id == "t_0003"
    key(panel, Qt.Key.Key_Backspace)  # re-take the last kept prompt, t_0001
    assert panel.recording and panel.current_prompt.id == "t_0001"
    play_through(panel, sink, np.concatenate([silence(0.2), tone(1.6, 0.3), silence(0.3)]))
    key(panel, Qt.Key.Key_S)
    saved(panel)
    assert 1.6 < sf.info(panel.folder / WAVS / "t_0001.wav").duration < 2.0, "not replaced"
    assert panel.current_prompt.id == "t_0003", "after a re-take the next open prompt follows"
    key(panel, Qt.Key.Key_R)
    play_through(panel, sink, take)
    key(panel, Qt.Key.Key_Escape)  # drop it
    assert not panel.recording and panel.status_of("t_0003") == ""
    assert [e.id for e in DatasetWriter(panel.folder, RATE).entries] == ["t_0001"]
    assert not (panel.folder / WAVS / "t_0003.wav").exists()


def test_without_an_input_device_recording_is_off_and_import_still_works(
    studio_app, default_voice, tmp_path, monkeypatch
):
    def no_device():
        raise NoInputDevice("No audio input device was found.")

    monkeypatch.setattr("studio.panels.recorder.list_input_devices", no_device)
    panel = RecorderPanel(tmp_path / "takes", sample_rate=RATE, prompts=PROMPTS)
    try:
        panel.show()
        wait_until(lambda: panel.ready, 60, "the recorder to read its prompts and voice")
        assert "Recording is off: No audio input device" in panel.message_bar.text()
        assert not panel.record_action.isEnabled()
        key(panel, Qt.Key.Key_R)
        assert not panel.recording
        # WAV+TXT pairs: one good (48 kHz stereo), one without transcript, one not a WAV.
        source = tmp_path / "mine"
        source.mkdir()
        stereo = np.stack([tone(1.0, 0.4, 48000), tone(1.0, 0.2, 48000)], axis=1)
        sf.write(source / "a.wav", stereo, 48000)
        (source / "a.txt").write_text("A flock of geese flew low.")
        sf.write(source / "b.wav", tone(1.0, 0.4), 44100)
        (source / "c.wav").write_bytes(b"RIFF not really")
        (source / "c.txt").write_text("Broken.")
        panel.import_folder(source, tmp_path / "imported")
        assert panel.importing
        wait_until(lambda: not panel.importing, 30, "the import")
        report = panel.last_import
        assert [clip.id for clip in report.imported] == ["a"]
        assert sf.info(tmp_path / "imported" / WAVS / "a.wav").samplerate == RATE
        rejected = [panel.rejected_list.item(i).text() for i in range(panel.rejected_list.count())]
        assert any(r.startswith("b.wav: it has no transcript") for r in rejected), rejected
        assert any(r.startswith("c.wav") for r in rejected), rejected
        assert "Imported 1 clips" in panel.import_summary.text()
    finally:
        close(panel)


def test_takes_follow_the_rate_of_the_voice_the_engine_loads(studio_app, default_voice, tmp_path):
    panel = RecorderPanel(tmp_path / "takes", prompts=PROMPTS)
    spoken = Take(tone(1.0, 0.5), 44100)
    try:
        wait_until(lambda: panel.ready, 60, "the recorder to read its prompts and voice")
        assert panel.sample_rate == default_voice.card["sample_rate"]
        panel.keep_take(PROMPTS[0], spoken)
        saved(panel)
        assert sf.info(panel.wav_path(PROMPTS[0].id)).samplerate == panel.sample_rate
        panel.set_voice(16000, VoiceRef())
        assert not panel.ready and not panel.record_action.isEnabled()
        wait_until(lambda: panel.ready, 60, "the recorder to read the new voice")
        panel.keep_take(PROMPTS[1], spoken)
        saved(panel)
        assert sf.info(panel.wav_path(PROMPTS[1].id)).samplerate == 16000
        assert panel.recorded_ids() == {PROMPTS[0].id, PROMPTS[1].id}
        wait_until(lambda: panel.coverage() is not None, 60, "the coverage of the new voice")
    finally:
        close(panel)


@pytest.fixture(scope="module")
def spoken(synthesizer):
    """Sentences in the default voice, 0.2 s of silence each side, peak at -3 dBFS."""
    rate = synthesizer.sample_rate
    pad = np.zeros(round(0.2 * rate), np.float32)
    clips = {}
    for text in (GOOD, SECOND, SAID_INSTEAD):
        audio = np.asarray(synthesizer.render(synthesizer.prepare(text)).audio, np.float32)
        clips[text] = np.concatenate([pad, audio * (0.7 / np.abs(audio).max()), pad])
    return clips, rate


@pytest.fixture(scope="module")
def spoilt_dataset(spoken, tmp_path_factory):
    """Two good clips, one clipped, one silent, one misread."""
    clips, rate = spoken
    folder = tmp_path_factory.mktemp("dataset")
    writer = DatasetWriter(folder, rate)
    writer.add("good", GOOD, clips[GOOD], rate)
    writer.add("second", SECOND, clips[SECOND], rate)
    writer.add("clipped", SECOND, np.clip(clips[SECOND] * 6, -1, 1), rate)
    writer.add("silent", "Nothing was said here.", np.zeros(rate * 2, np.float32), rate)
    writer.add("misread", MISREAD_PROMPT, clips[SAID_INSTEAD], rate)
    return folder


def checked_panel(folder, default_voice, asr: bool) -> DatasetPanel:
    panel = DatasetPanel(folder)
    panel.show()
    panel.activateWindow()
    panel.run_check(asr=asr)
    assert panel.checking
    wait_until(lambda: not panel.checking, 120, "the dataset check")
    assert panel.result is not None, panel.message_bar.text()
    return panel


def click_header(panel: DatasetPanel, column: int) -> None:
    header = panel.table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    QTest.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
    )


def test_dataset_panel_flags_bad_clips_sorts_and_persists_exclusions(
    studio_app, default_voice, spoilt_dataset
):
    panel = checked_panel(spoilt_dataset, default_voice, asr=False)
    try:
        problems = {clip.id: clip.problems for clip in panel.result.clips}
        assert not problems["good"] and not problems["second"]
        assert any("clipped" in p for p in problems["clipped"])
        assert any("silence" in p for p in problems["silent"])
        assert panel.model.data(panel.model.index(0, ClipTableModel.MISREAD)) == "-"
        assert "5 clips" in panel.totals_label.text() and "2 flagged" in panel.totals_label.text()
        assert "Phoneme coverage" in panel.coverage_label.text()

        peaks = {clip.id: clip.peak_dbfs for clip in panel.result.clips}
        click_header(panel, ClipTableModel.PEAK)
        shown = [peaks[i] for i in panel.visible_ids()]
        ascending = panel.proxy.sortOrder() == Qt.SortOrder.AscendingOrder
        assert shown == sorted(shown, reverse=not ascending)
        click_header(panel, ClipTableModel.PEAK)
        shown = [peaks[i] for i in panel.visible_ids()]
        assert shown == sorted(shown, reverse=ascending), "a second click did not reverse"
        assert panel.visible_ids()[-1 if ascending else 0] == "silent"
        assert panel.visible_ids()[0 if ascending else -1] == "clipped"

        panel.select_clip("clipped")
        panel.table.setFocus()
        key(panel.table, Qt.Key.Key_X)
        assert "1 excluded" in panel.totals_label.text()
        wait_until(lambda: not panel.saving_exclusions, 20, "excluded.txt to be written")
        assert read_excluded(spoilt_dataset) == {"clipped"}
        assert "1 excluded" in panel.totals_label.text()
        assert (spoilt_dataset / EXCLUDED).read_text().splitlines()[-1] == "clipped"
    finally:
        close(panel)

    again = checked_panel(spoilt_dataset, default_voice, asr=False)
    try:
        row = next(i for i, c in enumerate(again.model.clips) if c.id == "clipped")
        state = again.model.data(again.model.index(row, 0), Qt.ItemDataRole.CheckStateRole)
        assert state == Qt.CheckState.Unchecked, "the exclusion did not persist"
        again.select_clip("clipped")
        again.table.setFocus()
        key(again.table, Qt.Key.Key_Delete)  # include it again
        wait_until(lambda: not again.saving_exclusions, 20, "excluded.txt to be written")
        assert read_excluded(spoilt_dataset) == set()
        assert not (spoilt_dataset / EXCLUDED).exists()
    finally:
        close(again)


def test_whisper_flags_the_misread_clip(studio_app, default_voice, spoken, tmp_path):
    clips, rate = spoken
    writer = DatasetWriter(tmp_path, rate)
    writer.add("read", GOOD, clips[GOOD], rate)
    writer.add("misread", MISREAD_PROMPT, clips[SAID_INSTEAD], rate)
    panel = checked_panel(tmp_path, default_voice, asr=True)
    try:
        assert panel.result.asr_note is None, panel.result.asr_note
        click_header(panel, ClipTableModel.CER)
        if panel.proxy.sortOrder() == Qt.SortOrder.AscendingOrder:
            click_header(panel, ClipTableModel.CER)
        assert panel.visible_ids() == ["misread", "read"]
        model = panel.model
        rows = {clip.id: i for i, clip in enumerate(model.clips)}
        assert model.data(model.index(rows["misread"], ClipTableModel.MISREAD)) == "likely misread"
        assert model.data(model.index(rows["read"], ClipTableModel.MISREAD)) == ""
        tip = model.data(
            model.index(rows["misread"], ClipTableModel.TEXT), Qt.ItemDataRole.ToolTipRole
        )
        assert "Whisper heard" in tip
    finally:
        close(panel)


def test_voice_menu_opens_the_panels_and_rerecords_a_clip(
    studio_app, default_voice, spoilt_dataset, monkeypatch
):
    window = QMainWindow()
    window.show()
    panels = install_voice_panels(window)
    try:
        menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Voice")
        texts = [a.text() for a in menu.actions()]
        assert texts == [
            "&Record prompts...",
            "&Check dataset...",
            "&Import recordings...",
            "&Train a voice...",
        ]
        panels.check_action.trigger()
        dataset = panels.dataset
        assert dataset is not None and dataset.isVisible() and dataset.isWindow()
        dataset.set_folder(spoilt_dataset)
        dataset.run_check(asr=False)
        wait_until(lambda: not dataset.checking, 60, "the dataset check")
        dataset.select_clip("misread")
        dataset.table.setFocus()
        key(dataset.table, Qt.Key.Key_R)
        recorder = panels.recorder
        assert recorder is not None and recorder.isVisible()
        wait_until(lambda: recorder.ready, 60, "the recorder to read its prompts and voice")
        assert recorder.folder == spoilt_dataset
        assert recorder.current_prompt == Prompt("misread", MISREAD_PROMPT)
    finally:
        window.close()
        assert panels.recorder.recorder is None, "closing the window left the input open"
        shiboken6.delete(window)
