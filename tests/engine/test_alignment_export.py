"""Word and phoneme timings written as TextGrid, JSON, SRT and WebVTT, read back by praatio,
by Praat itself (parselmouth) and by strict parsers of the subtitle formats, against the
durations times the frame length worked out token by token (tests/timings.py)."""

from __future__ import annotations

import json
import os
import random
import re

import parselmouth
import pytest
from praatio import textgrid

from engine import alignment_export as ae
from engine.api import SentencePlan, Utterance
from engine.controls import Controls
from tests.timings import expected_seconds

FRAME = 256 / 22050
# Piper's tokens of two sentences: markers, interleaved blanks, a pause after "Hello,";
# espeak says "in the" as one word.
PIPER = [
    ("Hello, world.", "^_h_ə_l_ˈ_o_ʊ_,_ _w_ˈ_ɜ_ː_l_d_._$"),
    ("In the end!", "^_ɪ_n_ð_ə_ _ˈ_ɛ_n_d_!_$"),
]
# The official Glow-TTS front end's: a blank before, between and after ARPAbet phones.
ARPABET = ("Hi there.", ["@HH", "@AY1", " ", "@DH", "@EH1", "@R", "."])


def piper_tokens(spelt: str) -> list[str]:
    return [" " if c == " " else c for c in spelt]


def utterance(sentences, seed: int = 1, frame_seconds: float | None = FRAME) -> Utterance:
    rng = random.Random(seed)
    plans = []
    for text, tokens in sentences:
        durations = tuple(rng.randint(1, 9) for _ in tokens)
        ids = tuple(range(len(tokens)))
        plans.append(SentencePlan(text, tuple(tokens), tuple(tokens), ids, durations, durations))
    return Utterance(
        "".join(t for t, _ in sentences), tuple(plans), 0, Controls(), "test", None, None,
        frame_seconds,
    )  # fmt: skip


def piper(seed: int = 1) -> Utterance:
    return utterance([(text, piper_tokens(spelt)) for text, spelt in PIPER], seed)


def glow(seed: int = 2) -> Utterance:
    text, phones = ARPABET
    tokens = ["<blank>"]
    for phone in phones:
        tokens += [phone, "<blank>"]
    return utterance([(text, tokens)], seed)


def plans(take: Utterance) -> list[tuple[tuple[str, ...], tuple[int, ...]]]:
    return [(plan.tokens, plan.durations) for plan in take.sentences]


def labelled(intervals) -> list[tuple[float, float, str]]:
    return [(start, end, text) for start, end, text in intervals if text]


def assert_intervals(found, expected) -> None:
    assert [text for *_, text in found] == [text for *_, text in expected]
    for (start, end, _), (want_start, want_end, _) in zip(found, expected, strict=True):
        assert start == pytest.approx(want_start, abs=1e-9)
        assert end == pytest.approx(want_end, abs=1e-9)


def test_textgrid_read_back_by_praatio_has_the_durations_in_seconds(tmp_path):
    take = piper()
    expected = expected_seconds(plans(take), FRAME)
    path = ae.write_alignment(ae.alignment([take]), tmp_path / "take.TextGrid")

    grid = textgrid.openTextgrid(str(path), includeEmptyIntervals=True)
    assert grid.tierNames == ("words", "phones")
    total = take.frame_count * FRAME
    assert grid.maxTimestamp == pytest.approx(total, abs=1e-12)
    phones, words = grid.getTier("phones").entries, grid.getTier("words").entries
    assert_intervals(labelled(phones), [phone for word in expected for phone in word])
    texts = ["Hello", "world", "In the", "end"]
    assert_intervals(
        labelled(words),
        [(word[0][0], word[-1][1], text) for word, text in zip(expected, texts, strict=True)],
    )
    for tier in (phones, words):  # silences are empty intervals; the tier covers the take
        assert tier[0].start == 0 and tier[-1].end == pytest.approx(total, abs=1e-12)
        assert all(a.end == b.start for a, b in zip(tier, tier[1:], strict=False))
        assert tier[0].label == "" and tier[-1].label == ""  # ^ and the final "!" and $
    # The pause of "Hello," is silence in both tiers, and no blank, marker or mark is a phone.
    assert not {"_", "^", "$", " ", ",", ".", "!"} & {p.label for p in phones}
    hello_end = expected[0][-1][1]
    assert any(w.label == "" and w.start == pytest.approx(hello_end) for w in words)


def test_praat_itself_opens_the_textgrid(tmp_path):
    take = glow()
    expected = expected_seconds(plans(take), FRAME)
    path = ae.write_alignment(ae.alignment([take]), tmp_path / "take.TextGrid")
    assert path.read_text(encoding="utf-8").startswith('File type = "ooTextFile"\n')

    grid = parselmouth.read(str(path))
    assert isinstance(grid, parselmouth.TextGrid)
    call = parselmouth.praat.call
    assert call(grid, "Get number of tiers") == 2
    assert call(grid, "Get tier name...", 2) == "phones"
    found = []
    for index in range(1, call(grid, "Get number of intervals", 2) + 1):
        found.append(
            (
                call(grid, "Get start time of interval", 2, index),
                call(grid, "Get end time of interval", 2, index),
                call(grid, "Get label of interval", 2, index),
            )
        )
    # ARPAbet phones without their "@"; the leading <blank> is silence, the others are their
    # phone's.
    assert_intervals(labelled(found), [phone for word in expected for phone in word])
    assert [p[2] for p in labelled(found)] == ["HH", "AY1", "DH", "EH1", "R"]
    assert call(grid, "Get label of interval", 1, 2) == "Hi"
    assert call(grid, "Get end time") == pytest.approx(take.frame_count * FRAME, abs=1e-9)


def test_takes_follow_one_another_and_silent_phones_have_no_interval():
    first, second = piper(3), glow(4)
    # A phone of no frames (a durations file may give one) cannot be a Praat interval.
    durations = list(second.sentences[0].durations)
    silent = second.sentences[0].tokens.index("@DH")
    durations[silent : silent + 2] = [0, 0]  # the phone and its blank
    second = second.with_durations([durations])
    other_frame = 512 / 44100  # the second take made by a model of another frame rate
    second = Utterance(**{**second.__dict__, "frame_seconds": other_frame})
    timings = ae.alignment([first, second])

    offset = first.frame_count * FRAME
    expected = expected_seconds(plans(first), FRAME) + [
        [(offset + a, offset + b, label) for a, b, label in word]
        for word in expected_seconds(plans(second), other_frame)
    ]
    assert_intervals(
        [(p.start, p.end, p.text) for p in timings.phones],
        [phone for word in expected for phone in word],
    )
    assert "DH" not in [p.text for p in timings.phones]
    assert timings.duration == pytest.approx(offset + second.frame_count * other_frame)


def test_an_utterance_without_its_frame_length_takes_the_one_given():
    take = piper(5)
    bare = Utterance(**{**take.__dict__, "frame_seconds": None})
    assert ae.alignment([bare], FRAME) == ae.alignment([take])
    with pytest.raises(ValueError, match="frames"):
        ae.alignment([bare])


def test_json_round_trips(tmp_path):
    take = piper(6)
    timings = ae.alignment([take])
    path = ae.write_alignment(timings, tmp_path / "take.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "glottis-alignment" and data["version"] == 1
    assert data["duration"] == timings.duration
    read = [
        ae.Word(w["start"], w["end"], w["text"], tuple(ae.Interval(**p) for p in w["phones"]))
        for w in data["words"]
    ]
    assert tuple(read) == timings.words  # every float exactly as it was
    expected = expected_seconds(plans(take), FRAME)
    assert_intervals(
        [(p["start"], p["end"], p["text"]) for w in data["words"] for p in w["phones"]],
        [phone for word in expected for phone in word],
    )


SRT_CUE = re.compile(
    r"(\d+)\n(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})\n([^\n]+)\n"
)
VTT_CUE = re.compile(r"(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n([^\n]+)\n")


def millis(h: str, m: str, s: str, ms: str) -> int:
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms)


def parse_srt(text: str) -> list[tuple[int, int, str]]:
    """SubRip, strictly: numbered cues from 1, separated by one blank line, comma millis."""
    blocks = text.split("\n\n")
    cues = []
    for number, block in enumerate(blocks, 1):
        match = SRT_CUE.fullmatch(block if block.endswith("\n") else block + "\n")
        assert match, block
        assert int(match[1]) == number
        cues.append((millis(*match.groups()[1:5]), millis(*match.groups()[5:9]), match[10]))
    return cues


def parse_vtt(text: str) -> list[tuple[int, int, str]]:
    """WebVTT, strictly: the WEBVTT line, a blank line, cues separated by blank lines."""
    assert text.startswith("WEBVTT\n\n")
    cues = []
    for block in text[len("WEBVTT\n\n") :].split("\n\n"):
        match = VTT_CUE.fullmatch(block if block.endswith("\n") else block + "\n")
        assert match, block
        cues.append((millis(*match.groups()[0:4]), millis(*match.groups()[4:8]), match[9]))
    return cues


@pytest.mark.parametrize(("extension", "parse"), [(".srt", parse_srt), (".vtt", parse_vtt)])
def test_subtitles_have_one_cue_per_word(tmp_path, extension, parse):
    take = piper(7)
    path = ae.write_alignment(ae.alignment([take]), tmp_path / f"take{extension}")
    cues = parse(path.read_text(encoding="utf-8"))
    expected = expected_seconds(plans(take), FRAME)
    assert cues == [
        (round(word[0][0] * 1000), round(word[-1][1] * 1000), text)
        for word, text in zip(expected, ["Hello", "world", "In the", "end"], strict=True)
    ]
    assert all(start < end for start, end, _ in cues)


def test_long_takes_count_hours_and_vtt_escapes_markup():
    late = ae.Word(3723.5, 3724.0625, "R&D <b>", (ae.Interval(3723.5, 3724.0625, "x"),))
    timings = ae.Alignment((late,), 3725.0)
    assert parse_srt(ae.srt_text(timings)) == [(3_723_500, 3_724_062, "R&D <b>")]
    assert "01:02:03,500 --> 01:02:04,062" in ae.srt_text(timings)
    assert parse_vtt(ae.vtt_text(timings)) == [(3_723_500, 3_724_062, "R&amp;D &lt;b&gt;")]


def test_written_words_follow_what_espeak_said(synthesizer):
    """espeak joins some words ("in the", "that one") and says "$42" as three: each written
    word still labels the interval where it is said."""
    take = synthesizer.prepare(
        "I paid $42 for it in the end, didn't I? Mr. Jones said so. "
        "The wind pushed it open, at the moment I am # one."
    )
    texts = [word.text for word in ae.alignment([take]).words]
    assert texts == [
        "I", "paid", "$42", "for", "it", "in the", "end", "didn't", "I",
        "Mister", "Jones", "said", "so",
        "The", "wind", "pushed", "it", "open", "at", "the", "moment", "I am", "#", "one",
    ]  # fmt: skip


def test_a_sentence_with_no_written_word_is_labelled_with_its_phonemes():
    take = utterance([("...?", piper_tokens("^_h_m_!_$"))])
    assert [w.text for w in ae.alignment([take]).words] == ["hm"]


@pytest.mark.parametrize("name", ["take.txt", "take", "take.TextGrid.bak", "take.wav"])
def test_other_extensions_are_refused_in_one_sentence(tmp_path, name):
    with pytest.raises(ae.AlignmentFormatError) as refused:
        ae.write_alignment(ae.alignment([piper()]), tmp_path / name)
    assert str(refused.value).count(".") >= 4 and "\n" not in str(refused.value)
    assert ".TextGrid, .json, .srt or .vtt" in str(refused.value)
    assert list(tmp_path.iterdir()) == []


def test_extensions_are_read_in_any_case():
    assert ae.format_of("a.textgrid") == ae.format_of("a.TEXTGRID") == ".TextGrid"
    assert ae.format_of("b.VTT") == ".vtt"


def test_a_failed_write_leaves_the_old_file_and_nothing_else(tmp_path, monkeypatch):
    path = tmp_path / "take.TextGrid"
    path.write_text("the old one", encoding="utf-8")

    def full(_fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space"):
        ae.write_alignment(ae.alignment([piper()]), path)
    assert [p.name for p in tmp_path.iterdir()] == ["take.TextGrid"]
    assert path.read_text(encoding="utf-8") == "the old one"
