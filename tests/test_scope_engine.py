"""The one scope engine (bot.scope) read through both of its cue sets: the assertion cues of
data/lookups/assertion.yml and the safety cues of data/safety.yml."""
from __future__ import annotations

import re

import pytest

from bot import assertion
from bot.safety import load_safety_rules, screen
from bot.scope import (BACKWARD, FORWARD, PSEUDO, TERMINATE, CueRule, CueSet, Reach, Reading,
                       outside)


def status(text: str, words: str) -> str:
    start = text.lower().index(words)
    return assertion.assert_status(text, start, start + len(words))


# --------------------------------------------------------------------------- the engine alone

CUES = CueSet([CueRule.of_phrase("no idea", PSEUDO, PSEUDO),
               CueRule.of_phrase("no", "NEG", FORWARD, 2),
               CueRule.of_phrase("gone", "OVER", BACKWARD, 1),
               CueRule.of_phrase("but", TERMINATE, TERMINATE)])


def _reading(text: str) -> Reading:
    return Reading(text, CUES.find(text), Reach(sentence_end=re.compile(r"\.")))


@pytest.mark.parametrize(("text", "target", "category"), [
    ("no back pain", "back pain", "NEG"),
    ("no sore back pain", "back pain", "NEG"),
    ("no really very sore back pain", "back pain", None),  # three words: past max_scope 2
    ("no headache but back pain", "back pain", None),  # a terminator between
    ("no headache. back pain", "back pain", None),  # a sentence end between
    ("no idea why back pain", "back pain", None),  # the pseudo cue swallows its "no"
    ("back pain gone", "back pain", "OVER"),  # a backward cue
    ("back pain is gone", "back pain", "OVER"),
    ("back pain is now gone", "back pain", None),
    ("back pain, no", "back pain", None),  # a forward cue does not look back
])
def test_the_nearest_cue_that_reaches_the_target(text, target, category):
    reading = _reading(text)
    start = text.index(target)
    cue = reading.nearest((start, start + len(target)), reading.cues)
    assert (cue.category if cue else None) == category


# --------------------------------------------------------------------------- assertion cues

@pytest.mark.parametrize(("text", "words", "expected"), [
    ("no back pain", "back pain", "negated"),  # FORWARD
    ("no neck or shoulder pain", "shoulder pain", "negated"),  # "no" reaches 6 words
    ("if my back hurts", "back hurts", "hypothetical"),
    ("if i sit too long my back hurts", "back hurts", "present"),  # past the reach of "if"
    ("my knee pain went away", "knee pain", "historical"),  # BACKWARD
    ("knee pain, went away", "knee pain", "present"),  # a backward cue stops at a comma
    ("no swelling, the knee aches", "knee aches", "present"),  # a comma starts a new subject
    ("no headaches but my back is killing me", "back", "present"),  # a terminator
    ("no headaches but my back is killing me", "headaches", "negated"),
    ("no relief for my back pain", "back pain", "present"),  # a pseudo cue
    ("never had a massage, my shoulders are killing me", "shoulders", "present"),
    ("my mom has arthritis", "arthritis", "family"),
])
def test_assertion_cues(text, words, expected):
    assert status(text, words) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("i can't turn my head without pain", "present"),  # "can't ... without": the pain is there
    ("couldn't sit for long without it hurting, my lower back", "present"),
    ("i can walk without pain now", "negated"),  # "without" alone negates
])
def test_cant_without_is_a_cue_of_the_data(text, expected):
    start = text.index("pain") if "pain" in text else text.index("hurting")
    assert assertion.assert_status(text, start, start + 4) == expected


@pytest.mark.parametrize(("text", "says_no_pain"), [
    ("my shoulders are tight but it's not painful", True),
    ("nothing actually hurts, just tight", True),
    ("tight hamstrings, no real pain though", True),
    ("my shoulders are tight and painful", False),
    ("no, painful and tight", False),  # only words may stand between
    ("no idea why my really tight neck hurts", False),  # more than two words between
])
def test_the_no_pain_cue_set(text, says_no_pain):
    assert assertion.says_no_pain(text) is says_no_pain


# --------------------------------------------------------------------------- safety cues

def test_the_safety_negation_cues_are_engine_cue_sets():
    cues = load_safety_rules().cues
    assert [c.category for c in cues.negation.find("no chest pain")] == ["NEGATED_EXISTENCE"]
    text = "i have no idea why my chest hurts"
    found = outside(cues.negation.find(text), cues.pseudo_negation.find(text))
    # "i have" ends a negation's reach, "my" too; "no idea" swallows its "no"
    assert [text[c.start:c.end] for c in found] == ["i have", "my"]
    assert {c.category for c in found} == {TERMINATE}


@pytest.mark.parametrize(("text", "urgent"), [
    ("no chest pain, or shortness of breath", False),  # a list comma keeps the negation
    ("no fever, chest pain since this morning", True),  # any other comma ends it
    ("never had chest pain like this before", True),  # a pseudo negation
    ("what if i get chest pain during the massage", False),
    ("my dad had chest pain last year", False),  # someone else's, over
    ("my dad is having chest pain right now", True),  # someone else's, now: still counts
    ("i had a stroke years ago, all good now", False),
    ("i used to get chest pain, but that was years ago", False),  # the next sentence says over
])
def test_safety_cues(text, urgent):
    assert screen(text).emergency is urgent
