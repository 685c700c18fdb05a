"""Dataset layout, silence trimming and import of good and bad folders."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from engine.dataset.errors import DatasetError
from engine.dataset.importer import import_dataset
from engine.dataset.layout import METADATA, WAVS, DatasetWriter, Entry, read_metadata
from engine.dataset.trim import MARGIN_SECONDS, find_speech, trim_silence

RATE = 22050


def tone(seconds: float, rate: int, amplitude: float = 0.5, hz: float = 440.0) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def padded_tone(rate: int, before: float = 0.5, tone_s: float = 1.0, after: float = 0.7):
    return np.concatenate(
        [np.zeros(round(before * rate)), tone(tone_s, rate), np.zeros(round(after * rate))]
    ).astype(np.float32)


def dominant_hz(audio: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio))))
    return float(np.argmax(spectrum) * rate / len(audio))


def no_hidden_files(folder) -> bool:
    return not [p for p in folder.rglob(".*")]


# --- trimming ---------------------------------------------------------------------------


def test_trim_keeps_the_tone_and_a_margin_each_side():
    audio = padded_tone(RATE, before=0.5, tone_s=1.0, after=0.7)
    trimmed = trim_silence(audio, RATE)
    margin = MARGIN_SECONDS
    # The tone's first and last 25 ms frames straddle its edges: allow one frame.
    assert trimmed.leading / RATE == pytest.approx(0.5 - margin, abs=0.03)
    assert trimmed.trailing / RATE == pytest.approx(0.7 - margin, abs=0.03)
    assert len(trimmed.audio) == trimmed.end - trimmed.start
    assert np.array_equal(trimmed.audio, audio[trimmed.start : trimmed.end])


def test_trim_finds_speech_above_room_noise():
    rng = np.random.default_rng(1)
    audio = padded_tone(RATE) + rng.normal(0, 10 ** (-50 / 20), len(padded_tone(RATE)))
    trimmed = trim_silence(audio.astype(np.float32), RATE)
    assert trimmed.leading / RATE == pytest.approx(0.5 - MARGIN_SECONDS, abs=0.03)
    assert trimmed.trailing / RATE == pytest.approx(0.7 - MARGIN_SECONDS, abs=0.03)


def test_silence_is_no_speech_and_trims_to_nothing():
    assert trim_silence(np.zeros(RATE, np.float32), RATE).audio.size == 0
    quiet = tone(1.0, RATE, amplitude=10 ** (-70 / 20))
    assert not find_speech(quiet, RATE).found


def test_speech_without_pauses_is_kept_whole():
    audio = tone(1.0, RATE)
    trimmed = trim_silence(audio, RATE)
    assert (trimmed.start, trimmed.end) == (0, len(audio))


# --- layout -----------------------------------------------------------------------------


def test_writer_resamples_to_16_bit_mono_and_keeps_metadata(tmp_path):
    writer = DatasetWriter(tmp_path / "set", RATE)
    writer.add("en_0001", "  Hello   there. ", tone(0.5, 48000), 48000)
    writer.add("en_0002", "Second take.", tone(0.5, RATE), RATE)
    info = sf.info(str(writer.wav_path("en_0001")))
    assert (info.samplerate, info.channels, info.subtype) == (RATE, 1, "PCM_16")
    assert info.frames == pytest.approx(0.5 * RATE, abs=2)
    text = (tmp_path / "set" / METADATA).read_text(encoding="utf-8")
    assert text == "en_0001|Hello there.\nen_0002|Second take.\n"
    assert no_hidden_files(tmp_path / "set")


def test_writer_replaces_a_retake_and_removes_a_take(tmp_path):
    folder = tmp_path / "set"
    writer = DatasetWriter(folder, RATE)
    writer.add("a", "First.", tone(0.5, RATE), RATE)
    writer.add("b", "Second.", tone(0.5, RATE), RATE)
    writer.add("a", "First again.", tone(0.25, RATE), RATE)
    assert sf.info(str(writer.wav_path("a"))).frames == round(0.25 * RATE)
    writer.remove("b")
    assert not writer.wav_path("b").exists()
    reopened = DatasetWriter(folder, RATE)
    assert reopened.entries == [Entry("a", "First again.")]


def test_writer_trims_a_recorded_take_and_refuses_a_silent_one(tmp_path):
    writer = DatasetWriter(tmp_path / "set", RATE)
    path = writer.add("t", "A take.", padded_tone(48000), 48000, trim=True)
    assert sf.info(str(path)).duration == pytest.approx(1.0 + 2 * MARGIN_SECONDS, abs=0.05)
    with pytest.raises(DatasetError, match="silent"):
        writer.add("s", "Nothing.", np.zeros(RATE, np.float32), RATE, trim=True)
    assert writer.entries == [Entry("t", "A take.")]


def test_writer_refuses_text_that_metadata_cannot_hold(tmp_path):
    writer = DatasetWriter(tmp_path / "set", RATE)
    with pytest.raises(DatasetError, match="'|'"):
        writer.add("a", "left|right", tone(0.1, RATE), RATE)
    with pytest.raises(DatasetError, match="no text"):
        writer.add("a", "   ", tone(0.1, RATE), RATE)
    assert not writer.wav_path("a").exists()


def test_read_metadata_keeps_good_lines_and_names_the_bad(tmp_path):
    path = tmp_path / METADATA
    path.write_bytes(
        b"\xef\xbb\xbfa|raw 1|normalised one\n"
        b"b|plain\r\n"
        b"\n"
        b"c|caf\xe9 au lait\n"
        b"d|\xff\x81 broken\n"
        b"a|again\n"
        b"e|\n"
        b"no separator\n"
        b"|no id\n"
    )
    reading = read_metadata(path)
    assert reading.entries == [
        Entry("a", "normalised one"),
        Entry("b", "plain"),
        Entry("c", "café au lait"),
    ]
    assert "Windows-1252" in reading.converted["c"]
    reasons = {r.source: r.reason for r in reading.rejected}
    assert set(reasons) == {f"{METADATA} line {n}" for n in (5, 6, 7, 8, 9)}
    assert "neither UTF-8" in reasons[f"{METADATA} line 5"]
    assert "earlier line" in reasons[f"{METADATA} line 6"]
    assert "empty" in reasons[f"{METADATA} line 7"]
    assert "1 fields" in reasons[f"{METADATA} line 8"]
    assert "no id" in reasons[f"{METADATA} line 9"]


def test_read_metadata_reads_utf16(tmp_path):
    path = tmp_path / METADATA
    path.write_bytes("x|naïve text\n".encode("utf-16"))
    reading = read_metadata(path)
    assert reading.entries == [Entry("x", "naïve text")]
    assert "UTF-16" in reading.converted["x"]


def test_a_utf16_transcript_is_read_as_utf16_not_windows_1252(tmp_path):
    source = tmp_path / "pairs"
    write(source / "a.wav", padded_tone(44100), 44100, "PCM_16")
    (source / "a.txt").write_bytes("A naïve sentence.".encode("utf-16"))  # as Notepad saves it
    report = import_dataset(source, tmp_path / "out", RATE)
    assert [clip.text for clip in report.imported] == ["A naïve sentence."]
    assert "UTF-16" in report.imported[0].notes[0]


# --- import -----------------------------------------------------------------------------


def write(path, audio, rate, subtype):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), audio, rate, subtype=subtype, format="WAV")


@pytest.fixture
def ljspeech_source(tmp_path):
    """An LJSpeech folder with one clip of each kind a person may bring."""
    src = tmp_path / "src"
    wavs = src / WAVS
    write(wavs / "good.wav", padded_tone(RATE), RATE, "PCM_16")
    write(wavs / "eight_bit.wav", padded_tone(16000), 16000, "PCM_U8")
    stereo = np.stack([padded_tone(48000), np.zeros_like(padded_tone(48000))], axis=1)
    write(wavs / "stereo48k.wav", stereo, 48000, "FLOAT")
    write(wavs / "deep.wav", padded_tone(44100), 44100, "PCM_24")
    write(wavs / "loud_float.wav", 3.0 * padded_tone(RATE), RATE, "FLOAT")
    write(wavs / "nan.wav", np.full(RATE, np.nan, np.float32), RATE, "FLOAT")
    write(wavs / "silent.wav", np.zeros(RATE, np.float32), RATE, "PCM_16")
    write(wavs / "empty.wav", np.zeros(0, np.float32), RATE, "PCM_16")
    write(wavs / "unlisted.wav", padded_tone(RATE), RATE, "PCM_16")
    write(wavs / "no_text.wav", padded_tone(RATE), RATE, "PCM_16")
    (wavs / "corrupt.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt garbage" + bytes(40))
    (src / METADATA).write_bytes(
        b"good|A good clip.\n"
        b"eight_bit|An eight bit clip.\n"
        b"stereo48k|A stereo clip.\n"
        b"deep|A twenty four bit clip.\n"
        b"loud_float|A caf\xe9 clip above full scale.\n"
        b"nan|Not a number.\n"
        b"silent|Nothing said.\n"
        b"empty|No samples.\n"
        b"corrupt|Broken file.\n"
        b"missing|This file is absent.\n"
        b"no_text|\n"
        b"bad|\x81\x8d\n"
    )
    return src


def test_import_converts_what_it_can_and_rejects_the_rest(ljspeech_source, tmp_path):
    out = tmp_path / "out"
    report = import_dataset(ljspeech_source, out, RATE)
    assert report.out == out and report.layout == "LJSpeech"
    imported = {clip.id: clip for clip in report.imported}
    assert set(imported) == {"good", "eight_bit", "stereo48k", "deep", "loud_float"}
    notes = {i: " / ".join(c.notes) for i, c in imported.items()}
    assert notes["good"].startswith("trimmed")
    assert "Unsigned 8 bit PCM" in notes["eight_bit"] and "16000 Hz" in notes["eight_bit"]
    assert "downmixed 2 channels" in notes["stereo48k"] and "48000 Hz" in notes["stereo48k"]
    assert "24 bit" in notes["deep"] and "44100 Hz" in notes["deep"]
    assert "scaled down" in notes["loud_float"] and "Windows-1252" in notes["loud_float"]

    reasons = {r.source: r.reason for r in report.rejected}
    assert "not numbers" in reasons[f"{WAVS}/nan.wav"]
    assert "silent" in reasons[f"{WAVS}/silent.wav"]
    assert "empty" in reasons[f"{WAVS}/empty.wav"]
    assert "not a readable audio file" in reasons[f"{WAVS}/corrupt.wav"]
    assert "does not exist" in reasons[f"{METADATA} id missing"]
    assert "not listed" in reasons[f"{WAVS}/unlisted.wav"]
    assert "empty" in reasons[f"{METADATA} line 11"]
    assert "neither UTF-8" in reasons[f"{METADATA} line 12"]
    assert len(report.rejected) == 8

    lines = (out / METADATA).read_text(encoding="utf-8").splitlines()
    assert [line.split("|")[0] for line in lines] == list(imported)
    assert "loud_float|A café clip above full scale." in lines
    for clip_id, clip in imported.items():
        audio, rate = sf.read(str(out / WAVS / f"{clip_id}.wav"), dtype="float32")
        info = sf.info(str(out / WAVS / f"{clip_id}.wav"))
        assert (rate, info.channels, info.subtype) == (RATE, 1, "PCM_16")
        assert len(audio) / RATE == pytest.approx(clip.duration_s)
        # 1 s of tone and a margin each side survive the trimming.
        assert clip.duration_s == pytest.approx(1.0 + 2 * MARGIN_SECONDS, abs=0.05)
        assert dominant_hz(audio, RATE) == pytest.approx(440, abs=2)
        expected_peak = {"stereo48k": 0.25, "loud_float": 0.99}.get(clip_id, 0.5)
        assert np.abs(audio).max() == pytest.approx(expected_peak, abs=0.02)
    assert set(p.name for p in (out / WAVS).iterdir()) == {f"{i}.wav" for i in imported}
    assert no_hidden_files(tmp_path)


def test_import_of_wav_and_txt_pairs(tmp_path):
    src = tmp_path / "pairs"
    write(src / "one.wav", padded_tone(RATE), RATE, "PCM_16")
    (src / "one.txt").write_text("First line\nwraps here.\n", encoding="utf-8")
    write(src / "sub" / "one.wav", padded_tone(32000), 32000, "PCM_16")
    (src / "sub" / "one.txt").write_bytes(b"Na\xefve text.")
    write(src / "lonely.wav", padded_tone(RATE), RATE, "PCM_16")
    write(src / "blank.wav", padded_tone(RATE), RATE, "PCM_16")
    (src / "blank.txt").write_text("  \n", encoding="utf-8")
    write(src / "piped.wav", padded_tone(RATE), RATE, "PCM_16")
    (src / "piped.txt").write_text("a|b", encoding="utf-8")
    (src / "orphan.txt").write_text("No audio for me.", encoding="utf-8")
    report = import_dataset(src, tmp_path / "out", RATE)
    assert report.layout == "WAV+TXT pairs"
    assert [(c.id, c.text) for c in report.imported] == [
        ("one", "First line wraps here."),
        ("sub_one", "Naïve text."),
    ]
    reasons = {r.source: r.reason for r in report.rejected}
    assert set(reasons) == {"lonely.wav", "blank.wav", "piped.wav", "orphan.txt"}
    assert "no transcript lonely.txt" in reasons["lonely.wav"]
    assert "empty" in reasons["blank.wav"]
    assert "'|'" in reasons["piped.wav"]
    assert "no WAV" in reasons["orphan.txt"]
    assert (tmp_path / "out" / WAVS / "sub_one.wav").is_file()


def test_import_without_a_usable_clip_writes_nothing(tmp_path):
    src = tmp_path / "src"
    write(src / "silent.wav", np.zeros(RATE, np.float32), RATE, "PCM_16")
    (src / "silent.txt").write_text("Hush.", encoding="utf-8")
    report = import_dataset(src, tmp_path / "out", RATE)
    assert report.out is None and report.imported == []
    assert "silent" in report.rejected[0].reason
    assert not (tmp_path / "out").exists()
    assert no_hidden_files(tmp_path)


def test_cancelled_import_leaves_nothing(ljspeech_source, tmp_path):
    class Cancelled(Exception):
        pass

    def cancel_at_third(done, total):
        if done == 3:
            raise Cancelled

    with pytest.raises(Cancelled):
        import_dataset(ljspeech_source, tmp_path / "out", RATE, progress=cancel_at_third)
    assert not (tmp_path / "out").exists()
    assert no_hidden_files(tmp_path)


def test_import_refuses_user_mistakes(ljspeech_source, tmp_path):
    with pytest.raises(DatasetError, match="no such folder"):
        import_dataset(tmp_path / "nope", tmp_path / "out", RATE)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    with pytest.raises(DatasetError, match="not empty"):
        import_dataset(ljspeech_source, busy, RATE)
    assert (busy / "keep.txt").read_text() == "mine"
    with pytest.raises(DatasetError, match="differ"):
        import_dataset(ljspeech_source, ljspeech_source, RATE)
    (tmp_path / "nothing").mkdir()
    with pytest.raises(DatasetError, match="no WAV files"):
        import_dataset(tmp_path / "nothing", tmp_path / "out", RATE)


def test_import_into_an_empty_existing_folder_without_trimming(ljspeech_source, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    report = import_dataset(ljspeech_source, out, RATE, trim=False)
    good = next(c for c in report.imported if c.id == "good")
    assert good.duration_s == pytest.approx(len(padded_tone(RATE)) / RATE, abs=1e-3)
    assert not any("trimmed" in note for c in report.imported for note in c.notes)
