"""Abbreviation expansion for the Piper front end (engine.text.abbreviations)."""

import pytest

from engine.text.abbreviations import expand_abbreviations


@pytest.mark.parametrize(
    ("text", "expanded"),
    [
        ("Dr. Who", "Doctor Who"),
        ("Mrs. Jones", "Missus Jones"),
        ("Mr. Brown", "Mister Brown"),
        ("Ms. Lee", "Miz Lee"),
        ("Prof. Oak", "Professor Oak"),
        ("St. Louis is big", "Saint Louis is big"),
        ("visit St. Paul's", "visit Saint Paul's"),
        ("Mount St. Helens erupted", "Mount Saint Helens erupted"),
        ("Main St. is closed", "Main Street is closed"),
        ("on Oak St.", "on Oak Street."),
        ("Main St. Then home.", "Main Street. Then home."),
        ("at 9 a.m. today", "at 9 AM today"),
        ("at 9 a.m. Monday", "at 9 AM Monday"),
        ("at 9 a.m. Come early", "at 9 AM. Come early"),
        ("at 9 P.M.", "at 9 PM."),
        ("King Jr. was born", "King Junior was born"),
        ("pears, etc., and more", "pears, et cetera, and more"),
        ("cats vs. Dogs", "cats versus Dogs"),
        ("e.g. Bob", "for example Bob"),
        ("I saw the Dr.", "I saw the Doctor."),
    ],
)
def test_expansions(text, expanded):
    assert expand_abbreviations(text) == expanded


@pytest.mark.parametrize(
    "text",
    ["Mr.X", "the drs. met", "Dr", "Hello. World.", "say [[Dr. St.]] now", "the U.S. team"],
)
def test_left_alone(text):
    assert expand_abbreviations(text) == text
