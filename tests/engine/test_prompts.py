"""The recording prompts and their phoneme coverage of the default voice."""

from __future__ import annotations

import warnings

import pytest

from engine.dataset.prompts import (
    DEFAULT_PROMPTS,
    is_sound,
    load_prompts,
    phoneme_coverage,
    voice_inventory,
)
from engine.text.frontend import UnsayableWarning, front_end_for

# "Several times" for every sound: enough takes of each for a fine-tune to hear it in
# different neighbours.
MIN_PER_SOUND = 5


@pytest.fixture(scope="module")
def card(default_voice):
    return default_voice.card


@pytest.fixture(scope="module")
def inventory(card):
    return voice_inventory(card)


def test_prompt_file_holds_enough_distinct_sentences():
    prompts = load_prompts()
    assert len(prompts) >= 150
    assert len({p.text.lower() for p in prompts}) == len(prompts)
    assert len({p.id for p in prompts}) == len(prompts)
    for prompt in prompts:
        assert prompt.text[-1] in ".?!", prompt
        assert 4 <= len(prompt.text.split()) <= 20, prompt
        assert not any(c.isdigit() for c in prompt.text), prompt


def test_every_prompt_is_sayable_by_the_default_voice(card):
    front_end = front_end_for(card)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnsayableWarning)
        for prompt in load_prompts():
            assert front_end.sentences(prompt.text), prompt


def test_prompts_cover_every_sound_of_the_default_voice_several_times(card, inventory):
    front_end = front_end_for(card)
    coverage = phoneme_coverage([p.text for p in load_prompts()], front_end, inventory)
    assert coverage.covered == len(inventory)
    assert coverage.missing(MIN_PER_SOUND) == [], coverage.rarest(8)
    assert coverage.minimum >= MIN_PER_SOUND
    assert coverage.outside == {}


def test_inventory_is_the_voice_sounds_its_language_uses(card, inventory):
    id_map = card["frontend"]["phoneme_id_map"]
    assert inventory <= set(id_map)
    assert all(is_sound(s) for s in inventory)
    # English needs these; a floor set too high would drop them.
    assert {"ð", "θ", "ʃ", "ʒ", "ŋ", "ɹ", "ə", "æ"} <= inventory
    # The map is the whole IPA alphabet; clicks and implosives are not English.
    assert {"ǃ", "ʘ", "ɓ", "ɗ"} & inventory == set()
    assert 30 <= len(inventory) <= 60


def test_coverage_counts_what_the_front_end_produces(card, inventory):
    front_end = front_end_for(card)
    text = "The thin cat sat on the mat."
    coverage = phoneme_coverage([text, text], front_end, inventory)
    produced = [s for sentence in front_end.sentences(text) for s in sentence.phonemes]
    for sound in inventory:
        assert coverage.counts[sound] == 2 * produced.count(sound)
    assert sum(coverage.marks.values()) == 2 * sum(1 for s in produced if not is_sound(s))
    assert coverage.sentences == 2
    assert coverage.missing(1) == sorted(s for s in inventory if s not in produced)


def test_rarest_and_missing_are_ordered_by_count(card, inventory):
    coverage = phoneme_coverage(["She sees three seas."], front_end_for(card), inventory)
    rarest = coverage.rarest(len(inventory))
    counts = [n for _, n in rarest]
    assert counts == sorted(counts)
    assert coverage.missing(2) == [s for s, n in rarest if n < 2]


def test_text_with_nothing_to_say_counts_for_nothing(card, inventory):
    coverage = phoneme_coverage(["...", ""], front_end_for(card), inventory)
    assert coverage.sentences == 0
    assert coverage.covered == 0


def test_load_prompts_skips_comments_and_blank_lines(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("# header\n\nFirst line here.\n  # indented comment\nSecond one!\n")
    prompts = load_prompts(path)
    assert [(p.id, p.text) for p in prompts] == [
        ("mine_0001", "First line here."),
        ("mine_0002", "Second one!"),
    ]


@pytest.mark.parametrize(
    ("symbol", "sound"),
    [
        ("ɚ", True),
        ("a", True),
        ("ʔ", True),
        ("AH0", True),
        ("ˈ", False),
        ("ː", False),
        ("ʲ", False),
        ("\u0329", False),
        ("_", False),
        ("^", False),
        (" ", False),
        ("?", False),
        ("1", False),
    ],
)
def test_sounds_are_letters_and_marks_are_not(symbol, sound):
    assert is_sound(symbol) is sound


def test_the_default_prompt_file_is_in_resources():
    assert DEFAULT_PROMPTS.parts[-3:] == ("resources", "prompts", "en.txt")
