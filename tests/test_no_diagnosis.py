"""The bot never states a diagnosis: every response and generated text is scanned."""
from __future__ import annotations

import re

import pytest
import yaml

from bot import catalogue
from bot.extraction import extract
from bot.intake import assess, options_message, pain_details_message, summary_message
from bot.labels import response_text
from tests.conftest import ROOT

DIAGNOSING = re.compile(
    r"(?<!\bif )(?<!\bwhen )\byou (?:have|'ve got|are suffering from|suffer from|probably have|might have|may have)\b"
    r"|\b(?:sounds|looks|seems) like (?:a |an |you )|\bdiagnos(?:is|e|ed)\b(?! or )"
    r"|\bthis is (?:a |an )?(?:sign|symptom|case) of\b|\bit (?:could|might|may) be (?:a |an )"
    r"|\bprobably (?:a |an )|\bconsistent with\b|\byour (?:condition|disease|disorder) is\b",
    re.IGNORECASE)
ALLOWED = ("can't give medical advice or a diagnosis", "with a diagnosis", "there's a diagnosis")


def domain_texts() -> list[str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    return [v["text"] for variants in domain["responses"].values() for v in variants]


def data_texts() -> list[str]:
    safety = yaml.safe_load((ROOT / "data/safety.yml").read_text())
    texts = list(safety["messages"].values())
    texts += [t.description for t in catalogue.load_catalogue()]
    return texts


SAMPLES = ["sciatica down my left leg, 8/10", "my mom has fibro, i want to relax",
           "lymphedema in my arm after breast cancer", "crick in my neck", "gift card please",
           "had knee surgery 3 weeks ago", "migranes and tmj, jaw clicks", "stressed and can't sleep"]


def generated_texts() -> list[str]:
    texts = []
    for sample in SAMPLES:
        result = assess(extract(sample))
        messages = [pain_details_message(result.extraction),
                     summary_message({"concerns": result.extraction.to_dict(),
                                      "client_type": result.classification.client_type})]
        if result.classification.client_type != "unclear":
            messages.append(options_message(result))
        texts += [response_text(response, **values) for response, values in messages]
        texts += result.classification.reasons
    return texts


def without_allowed(text: str) -> str:
    for phrase in ALLOWED:
        text = re.sub(re.escape(phrase), "", text, flags=re.IGNORECASE)
    return text


@pytest.mark.parametrize("source", [domain_texts, data_texts, generated_texts])
def test_no_text_the_bot_sends_states_a_diagnosis(source):
    offending = [t for t in source() if DIAGNOSING.search(without_allowed(t))]
    assert offending == []


def test_the_scan_catches_diagnosing_language():
    for text in ("It sounds like a herniated disc.", "You have sciatica.", "This is a sign of a clot",
                 "It could be a torn rotator cuff", "Your diagnosis: fibromyalgia"):
        assert DIAGNOSING.search(without_allowed(text)), text


@pytest.mark.parametrize("text", [
    "i keep waking up with numb hands, pins n needles in my fingers, mainly the right",
    "My hands go numb at night", "tingling in my fingers when I type"])
def test_numb_or_tingling_hands_are_not_named_carpal_tunnel(text):
    """A client-style test (2026-12-07, fifth session): numb hands at night were read back as
    "carpal tunnel" and, waking with them, as "trouble sleeping"."""
    from bot.extraction import extract

    found = {c.id for c in extract(text).conditions}
    assert "carpal_tunnel" not in found and "insomnia" not in found and "other" in found


def test_lymph_nodes_removed_are_not_named_lymphedema():
    """Second client-style trial: "the surgery was lymph nodes removed under my right arm"
    was read back as "lymphedema (right arm)"."""
    from bot.extraction import extract

    found = {c.id for c in extract("the surgery was lymph nodes removed under my right arm "
                                   "so they go easy there").conditions}
    assert "lymphedema" not in found and "post_surgical" in found
