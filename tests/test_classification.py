"""Classification and recommendation, table-driven, through extraction of real text."""
from __future__ import annotations

import pytest

from bot.extraction import extract
from bot.intake import assess

# (text, client_type, a recommended type that must be offered (or None), a reason fragment)
CASES = [
    # clear medical
    ("my lower back has been killing me for 3 weeks, 7/10", "medical", "neuromuscular_60", "back pain"),
    ("sciatica down my left leg since june", "medical", None, "sciatica"),
    ("i get migranes 2-3 times a week", "medical", "neuromuscular_60", "migraines"),
    ("tmj, jaw clicks and aches when i chew", "medical", None, "jaw"),
    ("carpel tunnel in my right wrist, dr referred me", "medical", None, "referred"),
    ("fibro flare, everything hurts", "medical", "myofascial_60", "fibromyalgia"),
    ("lymphedema in my right arm after breast cancer surgery", "medical", "lymphatic_drainage_60", "lymphedema"),
    ("had a knee replacement 3 months ago, still stiff", "medical", "post_surgical_60", "surgery"),
    ("c-section scar feels tight and pulls", "medical", "post_surgical_60", "scar"),
    ("pulled a hammy playing soccer last week", "medical", "sports_60", "an injury"),
    ("my ankles swell up after long flights", "medical", "lymphatic_drainage_60", "swelling"),
    ("crick in my neck from sleeping wrong", "medical", None, "neck"),
    ("desk job, shoulders and neck are in knots and sore", "medical", None, "shoulder"),
    ("plantar fasciitis, heel pain every morning", "medical", None, "foot"),
    ("my doctor wants me to get medical massage for my hip", "medical", None, "medical massage"),
    # clear relaxation
    ("just want to relax and unwind, work has been crazy", "relaxation", "swedish_60", "relax"),
    ("looking for a gift card for my wife's birthday", "relaxation", "swedish_60", "gift"),
    ("super stressed and not sleeping well", "relaxation", "swedish_60", "stress"),
    ("nothing wrong, just want a nice massage as self care", "relaxation", "swedish_60", "relax"),
    ("anxiety has been through the roof lately, need to calm down", "relaxation", "swedish_60", "anxiety"),
    # negated, historical, family, hypothetical: not counted
    ("no back pain, just stressed out and need to unwind", "relaxation", "swedish_60", "said no back pain"),
    ("had sciatica years ago, fine now. want a relaxing massage", "relaxation", "swedish_60", "in the past"),
    ("my mom has fibro, i just want to relax", "relaxation", "swedish_60", "in the family"),
    ("my mom has fibro and i get migranes", "medical", None, "migraines"),
    ("no numbness but tingling and pain in my right hand", "medical", None, "pain"),
    # mixed, decided deliberately
    ("I just want to relax but my neck is killing me", "medical", None, "also fits a relaxation massage"),
    ("just want to relax, my shoulders are a little tight", "relaxation", "swedish_60", "mainly want to relax"),
    ("just want to relax, my lower back is a bit sore", "relaxation", "swedish_60", "sounds mild"),
    ("stressed out and my sciatica is acting up", "medical", None, "sciatica"),
    ("relaxing massage please, also i had knee surgery 4 weeks ago", "medical", None, "also fits a relaxation massage"),
    # unclear
    ("I have a stomach ache", "unclear", None, "nothing about pain"),
    ("do you validate parking?", "unclear", None, "nothing about pain"),
    ("bad cough and a rash on my arm", "unclear", None, "nothing about pain"),
    ("", "unclear", None, "nothing about pain"),
]


@pytest.mark.parametrize("text,client_type,offered,reason", CASES)
def test_classify_and_recommend(text, client_type, offered, reason):
    result = assess(extract(text))
    assert result.classification.client_type == client_type, result.classification.reasons
    assert any(reason in r for r in result.classification.reasons), result.classification.reasons
    ids = [t.id for t in result.recommended]
    if client_type == "unclear":
        assert ids == [] and result.classification.confidence == 0.5
    else:
        assert ids and all(t.client_type == client_type for t in result.recommended)
        assert 0.5 <= result.classification.confidence <= 1.0
    if offered:
        assert offered in ids


def test_fibromyalgia_is_never_offered_deep_tissue():
    ids = [t.id for t in assess(extract("fibromyalgia pain all over, 6/10")).recommended]
    assert ids and not any(i.startswith("deep_tissue") for i in ids)


def test_insisting_on_the_other_kind_is_respected_and_said():
    result = assess(extract("my neck is killing me"), override="relaxation")
    assert result.classification.client_type == "relaxation"
    assert result.classification.reasons[0] == "client chose relaxation massage"
    assert all(t.client_type == "relaxation" for t in result.recommended)
