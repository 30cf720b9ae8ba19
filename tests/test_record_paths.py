"""One builder of an intake's facts (issue 10): `python -m bot assess` and the conversation's
stored record are both built by bot.records.intake_facts, and say the same of every message.

Every text of every evaluation set goes through both paths with the trained model's parse:

- the `assess` path: bot.assess.assess_parsed, as the command line runs it;
- the chat path: the intake form's own validation (actions/intake_form.py) on the message as
  a conversation's first, then the record the conversation would store from those slots
  (bot.records.intake_record), or, for a message the model and rules call an emergency, the
  emergency record (bot.records.emergency_record), as the dialogue does.

Their facts must be identical. The one difference allowed is the conversation's by design: a
message that names nothing for a massage, or only asks for one, is asked about again (the
form keeps no concerns and no kind of massage from it); then `assess` must say exactly that
(unclear, or a relaxation massage for a bare wish for a massage) and the safety facts must
still agree. Two messages the conversation misreads as a command are listed apart
(READ_AS_A_COMMAND), until bot.turns reads them as what they are.

Each condition in a stored record also says where it was said: `details.sources.conditions`
(one for each condition) gives the index of the client message in the record's transcript and
the offsets of the client's words in that message's text as stored.
"""
from __future__ import annotations

import asyncio
import json
from functools import lru_cache

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.intake_form import ValidateIntakeForm
from bot.assess import assess_parsed
from bot.extraction import extract
from bot.intake import update_concerns
from bot.records import emergency_record, intake_facts, intake_record, transcript_from_events
from tests.conftest import ROOT

FACTS = ("client_type", "confidence", "reasons", "conditions", "goals", "red_flags", "cautions",
         "safety_outcome")
SAFETY_FACTS = ("red_flags", "cautions", "safety_outcome")
CONDITION_KEYS = ("id", "text", "status", "body_part", "side")
DOMAIN = {"forms": {"intake_form": {"required_slots": [
    "emergency_check", "concerns", "pain_details", "health_screen", "appointment_type",
    "client_name", "contact", "preferred_times", "referral", "insurance", "confirm"]}},
    "slots": {}, "responses": {}, "actions": []}
#: every evaluation set: the NLU ones, the safety ones, and the shared real utterances
SETS = [*sorted(str(p.relative_to(ROOT / "tests")) for p in (ROOT / "tests/nlu").glob("*.jsonl")),
        *sorted(str(p.relative_to(ROOT / "tests")) for p in (ROOT / "tests/safety").glob("*.yml")),
        "../../shared/data/real-utterances.jsonl"]
#: Messages the conversation takes as the client's stop or start-over command, so it reads
#: nothing from them, while `assess` reads the concern: the command words are found inside
#: other words ("won't quit", "won't stop"): bot.turns.says_the_command, not the record.
READ_AS_A_COMMAND: set[str] = set()  # none since bot.turns skips "won't stop", "wont quit"


def texts_of(name: str) -> list[str]:
    path = (ROOT / "tests" / name).resolve()
    if not path.exists():
        pytest.skip(f"{path} is not beside the checkout")
    if path.suffix == ".jsonl":
        return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [item["text"] for items in data.values() if isinstance(items, list) for item in items]


# ---- the chat path -------------------------------------------------------------------------

def user_event(text: str, parse: dict, at: float) -> dict:
    return {"event": "user", "text": text, "timestamp": at, "parse_data": {**parse, "text": text}}


async def form_turn(text: str, parse: dict, slots: dict, events: list[dict]) -> dict:
    """The slots after the intake form validated one more client message (its real code)."""
    message = {**parse, "text": text}
    tracker = Tracker("paths", dict(slots), message, events, False, None,
                      {"name": "intake_form"}, "action_listen")
    result = await ValidateIntakeForm().run(CollectingDispatcher(), tracker, DOMAIN)
    return {**slots, **{e["name"]: e["value"] for e in result if e.get("event") == "slot"}}


def chat_record(text: str, parse: dict) -> tuple[dict, dict | None]:
    """The record the conversation would store after this one message, and the slots the
    form holds then (None: no form turn, the emergency is stored at once)."""
    events = [user_event(text, parse, 1_700_000_000.0)]
    transcript = transcript_from_events(events)
    if (parse.get("intent") or {}).get("name") == "report_emergency":
        # the dialogue answers with utter_emergency and stores the emergency (actions/safety.py)
        return emergency_record("paths", "rest", {}, text, transcript,
                                entities=parse.get("entities")), None
    slots = asyncio.run(form_turn(text, parse, {}, events))
    return intake_record("paths", "rest", slots, transcript), slots


# ---- both paths ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def parse(nlu_parser):
    return lru_cache(maxsize=None)(nlu_parser.parse)


def differences(text: str, parse: dict) -> list[str]:
    if text in READ_AS_A_COMMAND:
        intent = (parse.get("intent") or {}).get("name")
        return [] if intent in ("stop", "start_over") else [
            f"no longer read as a command ({intent}): take it out of READ_AS_A_COMMAND"]
    assessed = assess_parsed(text, parse)
    # assess also says where each condition is in the text (the contract's start and end)
    offsets = [f"assess offsets of {c['text']!r} point at {text[c['start']:c['end']]!r}"
               for c in assessed["conditions"] if text[c["start"]:c["end"]] != c["text"]]
    assessed = {**assessed, "conditions": [{k: c[k] for k in CONDITION_KEYS}
                                           for c in assessed["conditions"]]}
    record, slots = chat_record(text, parse)
    stored = {**record, "conditions": [{k: c[k] for k in CONDITION_KEYS}
                                       for c in record["conditions"]]}
    found = [f"{key}: assess {assessed[key]!r} / chat {stored[key]!r}" for key in FACTS
             if assessed[key] != stored[key]]
    if found and slots is not None and slots.get("concerns") is None:
        # asked again: the conversation holds nothing from this message but its screen
        wish_only = assessed["reasons"][:1] == [
            "asks for a massage without naming a problem: relaxation massage fits"]
        unclear = assessed["client_type"] == "unclear" and not any(
            c["status"] == "present" for c in assessed["conditions"]) and not assessed["goals"]
        found = [f"asked again, but assess says {assessed['client_type']}: "
                 f"{assessed['reasons']}"] if not (wish_only or unclear) else []
        found += [f"{key}: assess {assessed[key]!r} / chat {stored[key]!r}"
                  for key in SAFETY_FACTS if assessed[key] != stored[key]]
        assert record["client_type"] == "unclear" and record["conditions"] == []
    return found + offsets + misplaced(record)


def misplaced(record: dict) -> list[str]:
    """Sources that do not point at the client's words in the stored transcript."""
    sources = record["details"]["sources"]
    wrong = [] if len(sources["conditions"]) == len(record["conditions"]) else [
        "not one source for each condition"]
    for source in [*sources["conditions"], *(sources.get(k) for k in ("severity", "duration"))]:
        if source is None:
            continue
        message = record["transcript"][source["message"]] if source["message"] is not None else {}
        if message.get("sender") != "client" or \
                message["text"][source["start"]:source["end"]] != source["text"]:
            wrong.append(f"source {source!r} is not the client's words")
    return wrong


@pytest.mark.parametrize("name", SETS)
def test_assess_and_the_conversation_say_the_same(parse, name):
    texts = texts_of(name)
    assert texts
    found = {text: differences(text, parse(text)) for text in texts}
    found = {text: diffs for text, diffs in found.items() if diffs}
    assert not found, f"{len(found)} of {len(texts)} differ in {name}:\n" + "\n".join(
        f"{text[:100]!r}\n    " + "\n    ".join(diffs) for text, diffs in list(found.items())[:10])


def test_the_sets_are_all_there():
    assert {"nlu/eval.jsonl", "nlu/dev.jsonl", "safety/red_flags.yml",
            "safety/emergencies_fresh.yml", "safety/others_holdout.yml"} <= set(SETS)
    assert sum(len(texts_of(name)) for name in SETS[:-1]) >= 2500


# ---- where each condition was said ---------------------------------------------------------

PARSE = {"intent": {"name": "describe_symptoms", "confidence": 1.0}, "entities": []}


def conversation(*said: str) -> tuple[dict, list[dict]]:
    """The slots and events after the client said each message in turn (the bot's questions
    in between, as the transcript has them)."""
    slots: dict = {}
    events: list[dict] = []
    for number, text in enumerate(said):
        events.append(user_event(text, PARSE, 1_700_000_000.0 + 10 * number))
        slots = asyncio.run(form_turn(text, PARSE, slots, events))
        events.append({"event": "bot", "text": "Got it. Anything else?",
                       "timestamp": 1_700_000_001.0 + 10 * number})
    return slots, events


def words_at(record: dict, source: dict) -> str:
    message = record["transcript"][source["message"]]
    assert message["sender"] == "client"
    return message["text"][source["start"]:source["end"]]


def test_each_condition_says_which_message_and_where():
    slots, events = conversation("hi there", "My lower back has hurt for 3 weeks, about a 7")
    record = intake_record("c", "rest", slots, transcript_from_events(events))
    [condition] = record["conditions"]
    [source] = record["details"]["sources"]["conditions"]
    # transcript: 0 "hi there", 1 the bot, 2 the concern
    assert source["message"] == 2 and source["text"] == condition["text"]
    assert words_at(record, source) == condition["text"]
    for key, words in (("severity", "about a 7"), ("duration", "for 3 weeks")):
        assert words_at(record, record["details"]["sources"][key]) == words


def test_a_later_message_keeps_the_earlier_ones_words():
    slots, events = conversation("sciatica down my left leg", "also my neck is stiff")
    record = intake_record("c", "rest", slots, transcript_from_events(events))
    where = {c["id"]: s for c, s in zip(record["conditions"], record["details"]["sources"]["conditions"])}
    assert where["sciatica"]["message"] == 0 and words_at(record, where["sciatica"]) == "sciatica"
    assert where["neck_pain"]["message"] == 2
    assert "neck" in words_at(record, where["neck_pain"])


def test_a_message_the_transcript_leaves_out_does_not_shift_the_index():
    """A user event without text (a button, an external trigger) counts in the form's message
    number but is no transcript message: the words are still found."""
    events = [{"event": "user", "text": "", "timestamp": 1.0},
              {"event": "user", "text": "my knee aches", "timestamp": 2.0}]
    concerns = update_concerns(None, "my knee aches", [], None, message=2)
    record = intake_record("c", "rest", {"concerns": concerns.to_dict()},
                           transcript_from_events(events))
    [source] = record["details"]["sources"]["conditions"]
    assert source["message"] == 0 and words_at(record, source) == source["text"]


def test_words_found_nowhere_are_not_pointed_at():
    concerns = extract("my knee aches")
    facts = intake_facts(concerns, None, transcript=[{"sender": "client", "text": "hello"}])
    assert facts["details"]["sources"]["conditions"][0]["message"] is None


def test_an_emergency_record_points_at_the_emergency_message():
    events = [{"event": "user", "text": "hi", "timestamp": 1.0},
              {"event": "bot", "text": "Hi! What brings you in?", "timestamp": 2.0},
              {"event": "user", "text": "crushing chest pain right now and my left arm is numb",
               "timestamp": 3.0}]
    record = emergency_record("c", "rest", {}, events[-1]["text"], transcript_from_events(events))
    assert record["status"] == "emergency" and record["safety_outcome"] == "urgent"
    assert record["conditions"]
    for source in record["details"]["sources"]["conditions"]:
        assert source["message"] == 2 and words_at(record, source) == source["text"]


def test_every_mention_of_one_message_is_kept():
    """The conversation merges each message into what was said; one message's mentions of
    the same condition in two places (or then and now) all stay, as `assess` has them."""
    found = update_concerns(None, "arthritis in my neck and both hands", [], None, message=1)
    assert {(c.id, c.body_part) for c in found.conditions if c.id == "arthritis"} == {
        ("arthritis", "neck"), ("arthritis", "wrist_hand")}  # (each region's pain too)
    found = update_concerns(None, "had TMJ issues as a teen, it's back now", [], None, message=1)
    assert [(c.id, c.status) for c in found.conditions] == [("tmj", "historical"), ("tmj", "present")]
    later = update_concerns(found.to_dict(), "the TMJ is worse on the left", [], None, message=2)
    assert [(c.id, c.status, c.message) for c in later.conditions] == [
        ("tmj", "historical", 1), ("tmj", "present", 2)]


def test_the_stored_record_keeps_the_sources(tmp_path):
    import sqlalchemy.orm as so

    from bot.storage.db import make_engine, upgrade_database
    from bot.storage.repository import get_intake, intake_to_record, save_intake

    slots, events = conversation("My lower back has hurt for 3 weeks, about a 7")
    record = intake_record("c", "rest", slots, transcript_from_events(events), intake_key="c@1")
    url = f"sqlite:///{tmp_path}/intake.db"
    upgrade_database(url)
    engine = make_engine(url)
    with so.Session(engine, future=True) as session:
        stored = intake_to_record(get_intake(session, save_intake(session, record)))
    engine.dispose()
    assert stored["details"]["sources"] == record["details"]["sources"]
    [source] = stored["details"]["sources"]["conditions"]
    assert stored["transcript"][source["message"]]["text"][source["start"]:source["end"]] \
        == stored["conditions"][0]["text"]


def test_storage_points_no_source_at_the_wrong_words():
    from bot.storage.repository import validate_record

    slots, events = conversation("My lower back has hurt for 3 weeks")
    record = intake_record("c", "rest", slots, transcript_from_events(events))
    [source] = record["details"]["sources"]["conditions"]
    assert validate_record(record)["details"]["sources"]["conditions"] == [source]
    shifted = {**source, "start": source["start"] + 1, "end": source["end"] + 1}
    record["details"]["sources"]["conditions"] = [shifted, {**source, "message": 1}]
    record["details"]["sources"]["duration"]["message"] = 7
    checked = validate_record(record)["details"]["sources"]
    assert [s["message"] for s in checked["conditions"]] == [None, None]  # 1: the bot's
    assert checked["duration"]["message"] is None and checked["duration"]["text"] == "for 3 weeks"


def test_a_question_is_read_as_the_conversation_reads_it():
    """"do I need a referral?" is no referral and "do you do medical massage?" no wish for
    one (bot.intake.update_concerns, a_question): `assess` reads a question as the form does."""
    question = {"intent": {"name": "ask_medical_massage", "confidence": 0.9}, "entities": []}
    text = "do you do medical massage? my chiropractor suggested it"
    assert assess_parsed(text, question)["client_type"] == "unclear"
    record, slots = chat_record(text, question)
    assert slots.get("concerns") is None and record["client_type"] == "unclear"
    text = "do I need a referral? I have sciatica down my left leg"
    assessed, (record, _) = assess_parsed(text, question), chat_record(text, question)
    assessed["conditions"] = [{k: c[k] for k in CONDITION_KEYS} for c in assessed["conditions"]]
    assert "was referred by a physician or therapist" not in assessed["reasons"]
    assert {k: assessed[k] for k in FACTS} == {**{k: record[k] for k in FACTS}, "conditions": [
        {k: c[k] for k in CONDITION_KEYS} for c in record["conditions"]]}
