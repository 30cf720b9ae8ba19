"""`python -m bot assess`: one message in, the contract's assessment out.

Runs exactly what the conversation runs: the trained NLU model, then extraction (with
assertion), classification, safety screening and recommendation.
"""
from __future__ import annotations

import json
from typing import Iterable, Iterator

from bot import safety
from bot.extraction import extract
from bot.intake import assess, screen_conversation

MAX_TEXT = 10_000


def assess_parsed(text: str, parse: dict) -> dict:
    intent = (parse.get("intent") or {}).get("name")
    extraction = extract(text, parse.get("entities") or [], intent)
    assessment = assess(extraction)
    # the conversation's own screen: with the surgery date the words give ("in march")
    screening = safety.SafetyResult.from_dict(
        screen_conversation(None, text, extraction.to_dict()))
    record = assessment.record()
    return {
        "client_type": record["client_type"],
        "confidence": record["confidence"],
        "reasons": record["reasons"],
        "conditions": [{k: c[k] for k in ("id", "text", "status", "body_part", "side")}
                       for c in record["conditions"]],
        "goals": record["goals"],
        "red_flags": screening.red_flags,
        "cautions": screening.cautions,
        "safety_outcome": screening.outcome,
        # said without a sign it is happening now: the conversation asks before booking
        "emergency_check": screening.checks,
        "recommended_appointment_types": record["recommended_appointment_types"],
    }


def read_requests(lines: Iterable[str]) -> Iterator[dict]:
    """Each input line as {"id", "text"} or {"id", "error"}; bad lines never stop the rest."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            yield {"id": None, "error": f"line {number}: not valid JSON ({error.msg})"}
            continue
        if not isinstance(item, dict):
            yield {"id": None, "error": f"line {number}: expected a JSON object"}
            continue
        text = item.get("text")
        if not isinstance(text, str):
            yield {"id": item.get("id"), "error": f"line {number}: \"text\" must be a string"}
        elif len(text) > MAX_TEXT:
            yield {"id": item.get("id"), "error": f"line {number}: text longer than {MAX_TEXT} characters"}
        else:
            yield {"id": item.get("id"), "text": text}


def assess_lines(lines: Iterable[str], parser) -> Iterator[dict]:
    for request in read_requests(lines):
        if "error" in request:
            yield request
            continue
        text = request["text"]
        yield {"id": request["id"], "text": text, **assess_parsed(text, parser.parse(text))}
