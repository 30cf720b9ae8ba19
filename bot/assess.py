"""`python -m bot assess`: one message in, the contract's assessment out.

Runs exactly what the conversation runs: the trained NLU model, then the conversation's
reading of a first message (bot.intake.update_concerns: extraction with assertion), its
safety screen (bot.intake.screen_conversation) and the record builder its stored intakes
come from (bot.records.intake_facts: classification, recommendation).
"""
from __future__ import annotations

import json
from typing import Iterable, Iterator

from bot.extraction import CONDITION_KEYS
from bot.intake import screen_conversation, update_concerns
from bot.records import intake_facts
from bot.turns import answers_the_question, takes_over

MAX_TEXT = 10_000


def assess_parsed(text: str, parse: dict) -> dict:
    """The contract's assessment of one message, given the NLU model's parse of it."""
    text = text.strip()  # as Rasa reads a message (UserMessage), so the entities' offsets fit
    intent = (parse.get("intent") or {}).get("name")
    # a question is read as the conversation reads one (a command is still read: the
    # conversation reads an emergency's words for its record)
    a_question = not takes_over(intent) and not answers_the_question(intent, text)
    concerns = update_concerns(None, text, parse.get("entities") or [], intent, message=1,
                               a_question=a_question)
    # the conversation's own screen: with the surgery date the words give ("in march"), and
    # "is this happening now?" asked when only the model thought it an emergency
    screened = screen_conversation(None, text, concerns.to_dict(),
                                   bool(parse.get("possible_emergency")))
    facts = intake_facts(concerns, screened, transcript=[{"sender": "client", "text": text}])
    return {
        "client_type": facts["client_type"],
        "confidence": facts["confidence"],
        "reasons": facts["reasons"],
        # with where the words are in the text, as the contract shows
        "conditions": [{**{k: c[k] for k in CONDITION_KEYS},
                        "start": source.get("start"), "end": source.get("end")}
                       for c, source in zip(facts["conditions"],
                                            facts["details"]["sources"]["conditions"])],
        "goals": facts["goals"],
        "red_flags": facts["red_flags"],
        "cautions": facts["cautions"],
        "safety_outcome": facts["safety_outcome"],
        # said without a sign it is happening now: the conversation asks before booking
        "emergency_check": screened["checks"],
        "recommended_appointment_types": facts["recommended_appointment_types"],
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
