"""The findings of the client-style test of 2026-12-07 (/tmp/clienttest/FINDINGS.md), each
reproduced as the client met it: actions on trackers built inline (as tests/test_actions.py),
the domain functions they call, and conversations through the real stack."""
from __future__ import annotations

import json

import pytest
from rasa_sdk.events import SlotSet

from tests.test_actions import BOOK, run, said, tracker


def _database(tmp_path, monkeypatch) -> str:
    from bot.storage import db

    url = f"sqlite:///{tmp_path / 'intake.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("INTAKE_OUTBOX_DIR", str(tmp_path / "outbox"))
    db.upgrade_database(url)
    return url


def _exported(url: str) -> list[dict]:
    from bot.storage.export import export_intakes

    return json.loads(export_intakes(url))


def _user(text: str, at: float) -> dict:
    return {"event": "user", "text": text, "timestamp": at, "parse_data": {}}


def _bot(text: str, at: float, response: str | None = None) -> dict:
    return {"event": "bot", "text": text, "timestamp": at,
            "metadata": {"utter_action": response} if response else {}}


# ---- 1. the emergency hold: kind answers, and a name and phone number reach staff ----------

EMERGENCY_SAFETY = {**BOOK, "outcome": "urgent", "red_flags": ["overdose"], "emergency": True,
                    "checks": [], "check_answers": {}}


async def _emergency_then(tmp_path, monkeypatch, later: list[str]):
    """w07: a false emergency is stored, then the client writes `later`, one by one."""
    from actions.safety import ActionEmergencyHold, ActionRecordEmergency

    url = _database(tmp_path, monkeypatch)
    first = "No to all of those. I take duloxetine and a whole bottle of pills"
    events = [_user(first, 1.0)]
    recorded, _ = await run(ActionRecordEmergency(), tracker(first, "report_emergency",
                                                             events=events))
    slots = {e["name"]: e["value"] for e in recorded if e.get("event") == "slot"}
    events.append(_bot("This needs urgent medical help now", 1.5, "utter_emergency"))
    replies = []
    for n, text in enumerate(later, start=2):
        events.append(_user(text, float(n)))
        got, messages = await run(ActionEmergencyHold(), tracker(text, "out_of_scope", slots,
                                                                 events=list(events)))
        slots.update({e["name"]: e["value"] for e in got if e.get("event") == "slot"})
        replies.append((messages[0]["response"], said(messages)[0]))
        events.append(_bot(replies[-1][1], n + 0.5, replies[-1][0]))
    return url, slots, replies


async def test_not_an_emergency_is_answered_kindly_and_a_contact_reaches_the_record(
        tmp_path, monkeypatch):
    url, slots, replies = await _emergency_then(tmp_path, monkeypatch, [
        "what?? im not having an emergency, i just listed my meds",
        "can i please just book a gentle massage. my name is Rosa Delgado 614-555-0170"])
    (kind, not_emergency), (_, thanks) = replies
    assert kind == "utter_emergency_hold_not_emergency"
    assert "sorry for the worry" in not_emergency and "phone number" in not_emergency
    assert "call 911" in not_emergency  # if it is one after all
    assert "Rosa" in thanks and "(614) 555-0170" in thanks and "call you" in thanks
    [stored] = _exported(url)
    assert stored["status"] == "emergency"
    assert stored["contact"] == {"name": "Rosa Delgado", "phone": "+16145550170", "email": None}
    assert "im not having an emergency" in " ".join(m["text"] for m in stored["transcript"])
    assert slots["client_name"] == "Rosa Delgado"


async def test_the_hold_never_sends_the_same_answer_twice_in_a_row(tmp_path, monkeypatch):
    _, _, replies = await _emergency_then(tmp_path, monkeypatch, [
        "its probably nothing honestly. can i still just book for next week?",
        "ok ok. im feeling better now actually", "hello?", "hello??"])
    sent = [text for _, text in replies]
    assert all(a != b for a, b in zip(sent, sent[1:])), sent
    assert all("booking from this chat is on hold" in text for text in sent)


async def test_a_contact_in_the_emergency_message_itself_is_on_the_record(tmp_path, monkeypatch):
    from actions.safety import ActionRecordEmergency

    url = _database(tmp_path, monkeypatch)
    text = "my chest is crushing and my left arm is numb, call me at 555-201-3344"
    events, _ = await run(ActionRecordEmergency(), tracker(text, "report_emergency",
                                                           events=[_user(text, 1.0)]))
    [stored] = _exported(url)
    assert stored["contact"]["phone"] == "+15552013344"
    assert SlotSet("phone", "+15552013344") in events


def test_a_name_and_contact_are_found_in_free_text_but_not_in_ordinary_words():
    from bot.intake import name_and_contact

    assert name_and_contact("you dont have my number though. its Nina Flores 305-555-0135") == {
        "name": "Nina Flores", "phone": "+13055550135"}
    assert name_and_contact("Nina Flores, phone 305-555-0135, please call me about carpal "
                            "tunnel massage")["name"] == "Nina Flores"
    assert name_and_contact("ok calling 911 now") == {}
    assert name_and_contact("I Need Help") == {}


# ---- through the real stack ----------------------------------------------------------------

def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def stored(stack, sender: str) -> list[dict]:
    import subprocess

    from tests.conftest import ROOT

    result = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "bot", "export"], cwd=ROOT,
                            env=stack.env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [i for i in json.loads(result.stdout) if i["conversation_id"] == sender]


@pytest.mark.stack
def test_w07_after_a_false_emergency_the_client_is_answered_and_reachable(stack):
    sender = stack.new_sender()
    assert "911" in texts(stack.say(sender, "feels like someone is standing on my chest"))
    first = texts(stack.say(sender, "what?? im not having an emergency"))
    second = texts(stack.say(sender, "can i please just book a gentle massage. my name is "
                                     "Rosa Delgado 614-555-0170"))
    assert "sorry for the worry" in first.lower() and first != second
    assert "Rosa" in second and "(614) 555-0170" in second
    [record] = stored(stack, sender)
    assert record["status"] == "emergency"
    assert record["contact"]["name"] == "Rosa Delgado"
    assert record["contact"]["phone"] == "+16145550170"


# ---- 2. "call me": the message for staff keeps the name and number to call ----------------

CARPAL = {"concerns": {"conditions": [{"id": "carpal_tunnel", "text": "carpal tunnel",
                                       "status": "present", "body_part": "wrist_hand",
                                       "side": "right"}],
                       "goals": [], "severity": None, "duration": "about 6 months",
                       "aggravators": [], "surgery": None, "referral": None, "preference": None},
          "client_type": "medical", "safety": BOOK, "requested_slot": "pain_details"}


async def test_w20_call_me_asks_for_the_number_and_stores_it_with_the_name(tmp_path, monkeypatch):
    from actions.conversation_control import ActionFallbackHelp

    url = _database(tmp_path, monkeypatch)
    said_so_far = [_user("hi, carpal tunnel in my right wrist", 1.0)]
    slots = dict(CARPAL)
    replies = []
    for n, text in enumerate(["eh this is a lot of typing, can someone just call me?", "call me",
                              "you dont have my number though. its Nina Flores 305-555-0135"],
                             start=2):
        said_so_far.append(_user(text, float(n)))
        events, messages = await run(ActionFallbackHelp(), tracker(text, "out_of_scope", slots,
                                                                   events=list(said_so_far)))
        slots.update({e["name"]: e["value"] for e in events if e.get("event") == "slot"})
        replies.append(said(messages)[0])
    assert "What name and phone number" in replies[0]
    assert "phone number" in replies[1] and "saved" not in replies[1]
    assert "Nina" in replies[2] and "(305) 555-0135" in replies[2] and "saved" in replies[2]
    [record] = _exported(url)
    assert record["status"] == "needs_followup"
    assert record["contact"] == {"name": "Nina Flores", "phone": "+13055550135", "email": None}
    assert [c["id"] for c in record["conditions"]] == ["carpal_tunnel"]


async def test_a_callback_from_a_client_staff_can_reach_is_stored_at_once(tmp_path, monkeypatch):
    from actions.conversation_control import ActionFallbackHelp

    url = _database(tmp_path, monkeypatch)
    slots = {**CARPAL, "client_name": "Nina Flores", "phone": "+13055550135"}
    text = "can i talk to a person"
    _, messages = await run(ActionFallbackHelp(), tracker(text, "out_of_scope", slots,
                                                          events=[_user(text, 1.0)]))
    assert "(305) 555-0135" in said(messages)[0]
    assert _exported(url)[0]["contact"]["phone"] == "+13055550135"


def test_after_a_message_for_staff_is_stored_the_count_starts_again():
    from actions.conversation_control import misunderstood_in_a_row

    events = [_user("asdf", 1.0), {"event": "action", "name": "action_fallback_help"},
              _user("qwer", 2.0), {"event": "action", "name": "action_fallback_help"},
              _user("call me", 3.0), {"event": "action", "name": "action_fallback_help"},
              _bot("saved", 3.5, "utter_followup_stored"), _user("zxcv", 4.0)]
    assert misunderstood_in_a_row(events) == 1


# ---- 3. corrections and answers given at another question go to the right field ------------

LYMPH = {"concerns": {"conditions": [{"id": "swelling", "text": "swelling", "status": "present",
                                      "body_part": "arm", "side": "left"}],
                      "goals": ["reduce_swelling"], "severity": 3, "duration": "2 months",
                      "aggravators": [], "surgery": None, "referral": None, "preference": None},
         "client_type": "medical", "safety": BOOK, "health_screen": "none",
         "pain_details": "3", "pain_details_given": True,
         "recommended_types": ["lymphatic_drainage_60", "post_surgical_60", "lymphatic_drainage_90"],
         "appointment_type": "lymphatic_drainage_60"}


def _slots(events) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.mark.parametrize("asked", ["client_name", "preferred_times", "contact"])
async def test_w05_s09_a_longer_session_asked_for_at_another_question(asked):
    from actions.intake_form import ValidateIntakeForm

    slots = {**LYMPH, "requested_slot": asked}
    if asked != "client_name":
        slots.update(client_name="Summer Knight")
    if asked == "preferred_times":
        slots.update(contact="(555) 201-3344", phone="+15552013344")
    events, messages = await run(ValidateIntakeForm(), tracker(
        "actually make it the 90 minute one", "correct", slots))
    got = _slots(events)
    assert got["appointment_type"] == "lymphatic_drainage_90"
    assert not got.get("client_name") and not got.get("preferred_times") and not got.get("contact")
    assert "90 min" in " ".join(said(messages))


def test_times_written_with_a_label_are_kept_without_it():
    from bot.intake import correction_updates, times_from_correction

    assert times_from_correction("times: weekday mornings") == "weekday mornings"
    assert correction_updates({**LYMPH, "preferred_times": "x"}, "times: weekday mornings",
                              [])["preferred_times"] == "weekday mornings"


RELAX_LIST = {"concerns": {"conditions": [], "goals": ["relaxation"], "severity": None,
                           "duration": None, "aggravators": [], "surgery": None,
                           "referral": None, "preference": "relaxation"},
              "client_type": "relaxation", "safety": BOOK, "health_screen": "none",
              "recommended_types": ["swedish_60", "swedish_90"],
              "requested_slot": "appointment_type"}


async def test_s05_a_name_and_times_given_at_the_choice_are_kept_and_the_choice_asked_again():
    from actions.intake_form import ValidateIntakeForm

    events, messages = await run(ValidateIntakeForm(), tracker("Jess Lin", "give_name", RELAX_LIST))
    got = _slots(events)
    assert got["client_name"] == "Jess Lin" and got["appointment_type"] is None
    assert "didn't catch" not in " ".join(said(messages))
    events, _ = await run(ValidateIntakeForm(), tracker("any sat", "give_availability",
                                                        {**RELAX_LIST, "client_name": "Jess Lin"}))
    got = _slots(events)
    assert got["preferred_times"] == "any sat" and got["appointment_type"] is None
    assert "taken_as_given" not in (got.get("attempts") or {})


async def test_s06_a_choice_a_name_and_times_in_one_answer():
    from actions.intake_form import ValidateIntakeForm

    hip = {**RELAX_LIST, "client_type": "medical",
           "recommended_types": ["sports_60", "deep_tissue_60", "myofascial_60"]}
    events, messages = await run(ValidateIntakeForm(), tracker(
        "1. name is Ana Sousa, free tues mornings", "choose_appointment", hip))
    got = _slots(events)
    assert got["appointment_type"] == "sports_60"
    assert got["client_name"] == "Ana Sousa" and got["preferred_times"] == "tues mornings"
    assert messages == []


@pytest.mark.parametrize("answer", ["yes", "ok", "no", "sure"])
async def test_s05_a_yes_is_no_name(answer):
    from actions.intake_form import ValidateIntakeForm

    events, messages = await run(ValidateIntakeForm(), tracker(answer, "affirm", {
        **RELAX_LIST, "appointment_type": "swedish_60", "requested_slot": "client_name"}))
    assert _slots(events)["client_name"] is None
    assert [m["response"] for m in messages] == ["utter_name_unclear"]


# ---- 4. a correction changes what it says and nothing else ---------------------------------

def _concerns(text: str) -> dict:
    from bot.intake import update_concerns

    return update_concerns(None, text, [], "describe_symptoms").to_dict()


def _read(concerns: dict) -> list[tuple]:
    return [(c["id"], c["body_part"], c["side"]) for c in concerns["conditions"]
            if c["status"] == "present"]


W01 = "my neck and shoulders are killing me, i sit at a desk all day. been like 3 months. right side worse"


@pytest.mark.parametrize(("said", "conditions", "severity"), [
    # w01: the rating changes and the side goes to the shoulder; the neck stays
    ("pain is a 6 not 8 and its mostly the right shoulder",
     [("neck_pain", "neck", None), ("shoulder_pain", "shoulder", "right")], 6),
    ("you dropped the shoulder. its neck and right shoulder",
     [("neck_pain", "neck", None), ("shoulder_pain", "shoulder", "right")], 8),
    ("pain is not 2/10!! its 11 out of 10, worst pain ever",
     [("neck_pain", "neck", None), ("shoulder_pain", "shoulder", "both")], 10),
    ("remove neck pain please", [("shoulder_pain", "shoulder", "both")], 8),
    ("my neck doesnt hurt", [("shoulder_pain", "shoulder", "both")], 8),
    ("remove the 8/10", [("neck_pain", "neck", None), ("shoulder_pain", "shoulder", "both")],
     None),
    ("add lower back pain please", [("neck_pain", "neck", None),
                                    ("shoulder_pain", "shoulder", "both"),
                                    ("back_pain", "lower_back", None)], 8),
    ("actually it is my knee, not my neck", [("shoulder_pain", "shoulder", "both"),
                                             ("knee_pain", "knee", None)], 8),
])
def test_a_correction_at_the_summary_changes_only_what_it_says(said, conditions, severity):
    from bot.intake import correction_updates

    updated = correction_updates({"concerns": _concerns(W01), "client_type": "medical"}, said, [])
    assert _read(updated["concerns"]) == conditions
    assert updated["concerns"]["severity"] == severity


PREGNANT = "back stuff started around 20 weeks, my lower back and hips ache, my feet swell"


async def test_w06_w11_nothing_changed_is_never_updated():
    from actions.intake_form import ValidateIntakeForm

    slots = {**RELAX_LIST, "concerns": _concerns("i cant sleep, work stress is insane"),
             "appointment_type": "swedish_60", "client_name": "April May",
             "contact": "april@example.com", "email": "april@example.com",
             "preferred_times": "evenings", "requested_slot": "confirm"}
    events, messages = await run(ValidateIntakeForm(), tracker("remove the 3/10", "correct", slots))
    assert "utter_updated" not in [m.get("response") for m in messages]
    assert _slots(events)["confirm"] is None


async def test_w06_remove_foot_pain_takes_it_out():
    from actions.intake_form import ValidateIntakeForm

    slots = {**LYMPH, "concerns": _concerns("my lower back and hips ache and my feet hurt"),
             "client_name": "Danielle Ruiz", "contact": "(412) 555-0193",
             "phone": "+14125550193", "preferred_times": "saturdays", "referral": False,
             "insurance": "Cigna", "requested_slot": "confirm",
             "recommended_types": ["myofascial_60"], "appointment_type": "myofascial_60"}
    assert "foot_pain" in [c[0] for c in _read(slots["concerns"])]
    events, messages = await run(ValidateIntakeForm(), tracker("remove foot pain please",
                                                               "correct", slots))
    assert [m.get("response") for m in messages] == ["utter_updated"]
    assert "foot_pain" not in [c[0] for c in _read(_slots(events)["concerns"])]


async def test_w16_adding_a_concern_keeps_the_others_and_the_massage_picked():
    from actions.intake_form import ValidateIntakeForm

    concerns = _concerns("my upper back between my shoulder blades is constantly tight, my "
                         "wrists ache from typing and honestly im just stressed")
    slots = {**RELAX_LIST, "concerns": concerns, "client_type": "relaxation",
             "appointment_type": "swedish_60", "client_name": "Sam Carter",
             "contact": "(720) 555-0116", "phone": "+17205550116",
             "preferred_times": "mon wed fri before 9am", "requested_slot": "confirm"}
    events, _ = await run(ValidateIntakeForm(), tracker("add lower back pain please", "correct",
                                                        slots))
    got = _slots(events)
    regions = {c[1] for c in _read(got["concerns"])}
    assert {"upper_back", "lower_back"} <= regions
    assert got.get("appointment_type", "swedish_60") == "swedish_60"
    assert got["client_type"] == "relaxation"


async def test_w16_a_switch_of_kind_at_the_name_question_is_the_clients_choice():
    from actions.intake_form import ValidateIntakeForm

    slots = {**RELAX_LIST, "client_type": "medical", "appointment_type": "deep_tissue_60",
             "recommended_types": ["myofascial_60", "deep_tissue_60", "neuromuscular_60"],
             "requested_slot": "client_name"}
    events, _ = await run(ValidateIntakeForm(), tracker(
        "hmm actually can i do the relaxation one instead, i think i mostly need to chill",
        "want_relaxation", slots))
    got = _slots(events)
    assert got["appointment_type"] == "swedish_60" and got["chosen_kind"] == "relaxation"


# ---- 5. the rating is the client's, never invented --------------------------------------

@pytest.mark.parametrize(("said", "severity"), [
    ("its like 11/10 lol", 10), ("pain is not 2/10!! its 11 out of 10", 10),
    ("its not 8/10 more like a 6", 6),
    ("i cant sleep. like at all. maybe 3-4 hrs a night for the last month, work stress is "
     "insane", None)])
def test_ratings_over_ten_wrong_ones_and_hours_of_sleep(said, severity):
    from bot.extraction import extract

    assert extract(said).severity == severity


def test_a_rating_in_words_is_shown_in_the_clients_words_and_the_number_asked():
    from bot.extraction import Extraction
    from bot.intake import concern_summary, pain_details_message

    ex = Extraction.from_dict(_concerns(W01))
    assert "8/10" not in concern_summary(ex) and '"killing me"' in concern_summary(ex)
    response, _ = pain_details_message(ex)
    assert "severity" in response


def test_a_range_is_kept_and_words_never_replace_a_number():
    from bot.extraction import Extraction
    from bot.intake import concern_summary, update_concerns

    first = update_concerns(None, "my right shoulder hurts when i spike", [], "describe_symptoms")
    rated = update_concerns(first.to_dict(), "like a month, 4 or 5", [], None, asked_severity=True)
    assert rated.severity == 5 and "4-5/10" in concern_summary(rated)
    later = update_concerns(rated.to_dict(), "none of that. my leg does feel a bit numb sometimes",
                            [], None, about_the_complaint=False)
    assert later.severity == 5
    assert Extraction.from_dict(later.to_dict()).sources["severity"]["text"] == "4 or 5"


# ---- 6. what the client said is not asked again ---------------------------------------

@pytest.mark.parametrize(("said", "duration"), [
    (W01, "like 3 months"),
    ("i have a rash on my lower back, red n itchy, but my back also hurts from gardening. "
     "4/10 for 2 weeks", "for 2 weeks")])
def test_w01_s03_how_long_said_with_the_concern(said, duration):
    from bot.extraction import extract

    assert extract(said).duration == duration


async def test_w08_how_long_said_in_the_answer_to_is_this_happening_now():
    from actions.intake_form import ValidateIntakeForm

    concerns = _concerns("dentist says i clench my jaw at night and i get tension headaches "
                         "like 3x a week. also my neck is stiff")
    slots = {"concerns": concerns, "client_type": "medical", "requested_slot": "emergency_check",
             "safety": {**BOOK, "checks": ["sudden_severe_headache"], "check_answers": {}}}
    events, _ = await run(ValidateIntakeForm(), tracker(
        "no, ive had them for like 2 years, not worse, dont have one right now", "deny", slots))
    assert _slots(events)["concerns"]["duration"] == "for like 2 years"


@pytest.mark.parametrize(("first", "noted", "not_asked"), [
    ("lower back pain on the left side, been 2 wks, 6/10. fyi im on xarelto for afib",
     "the blood thinner", "blood thinners"),
    ("Hi! I'm 24 weeks pregnant and my lower back and hips are so achy", "your pregnancy",
     "a pregnancy"),
    ("hey my whole body aches and ive got a fever of 101 since yesterday", "the fever",
     "a fever or infection"),
])
async def test_w12_w06_w13_the_safety_questions_skip_what_was_said(first, noted, not_asked):
    from actions.asks import ActionAskHealthScreen
    from bot import safety

    slots = {"concerns": _concerns(first), "safety": safety.screen(first).as_dict()}
    _, messages = await run(ActionAskHealthScreen(), tracker(first, "describe_symptoms", slots))
    [text] = said(messages)
    assert noted in text and not_asked not in text and "blood clot" in text


async def test_the_safety_questions_in_full_when_nothing_was_said():
    from actions.asks import ActionAskHealthScreen

    _, messages = await run(ActionAskHealthScreen(), tracker("my back hurts", "describe_symptoms",
                                                             {"safety": BOOK}))
    assert [m["response"] for m in messages] == ["utter_ask_health_screen"]


async def test_w04_a_referral_said_with_a_question_is_not_asked_again():
    from actions.intake_form import ValidateIntakeForm

    first = ("Hello. I had a total knee replacement on my right knee 6 weeks ago and my physical "
             "therapist suggested massage for the scar tissue and the tightness in my thigh. Is "
             "that something you do?")
    events, _ = await run(ValidateIntakeForm(), tracker(first, "describe_symptoms",
                                                        {"requested_slot": None}))
    assert _slots(events)["referral"] is True


async def test_w16_an_answer_with_a_question_keeps_the_answer():
    from actions.intake_form import ValidateIntakeForm

    slots = {**RELAX_LIST, "client_type": "medical", "concerns": _concerns("my wrists ache"),
             "pain_details_given": True, "health_screen": None, "requested_slot": "health_screen"}
    events, _ = await run(ValidateIntakeForm(), tracker(
        "no none of those. do you take insurance? i have kaiser", "ask_insurance", slots))
    got = _slots(events)
    assert got["health_screen"] == "no none of those. i have kaiser"
    assert got["insurance"] == "Kaiser Permanente"
    assert got["requested_slot"] == "appointment_type"


@pytest.mark.parametrize(("said", "picked"), [
    ("sports one. do i need a parent there since im under 18?", "sports_60"),
    ("2. and is it covered by car insurance? its a PIP claim", "deep_tissue_60")])
async def test_w15_s02_a_choice_with_a_question_is_kept(said, picked):
    from actions.intake_form import ValidateIntakeForm

    slots = {**RELAX_LIST, "client_type": "medical", "concerns": _concerns("my shoulder hurts"),
             "recommended_types": ["neuromuscular_60", "deep_tissue_60", "sports_60"]}
    events, _ = await run(ValidateIntakeForm(), tracker(said, "ask_insurance", slots))
    assert _slots(events)["appointment_type"] == picked


async def test_w15_a_coach_is_no_referral_and_the_client_is_told_why():
    from actions.intake_form import ValidateIntakeForm

    slots = {**RELAX_LIST, "client_type": "medical", "concerns": _concerns("my shoulder hurts"),
             "appointment_type": "sports_60", "client_name": "Kayla Nguyen",
             "pain_details_given": True,
             "contact": "(925) 555-0103", "phone": "+19255550103", "preferred_times": "4pm",
             "requested_slot": "referral"}
    events, messages = await run(ValidateIntakeForm(), tracker(
        "my coach kind of, does that count", "affirm", slots))
    got = _slots(events)
    assert got["referral"] is False and "coach" in got["referral_provider"]
    assert got["requested_slot"] == "insurance"
    assert "licensed provider" in said(messages)[0]


# ---- 9. the emergency answer first, and the crisis line where it belongs -------------------

def test_s08_an_sms_reply_with_the_emergency_answer_leaves_the_greeting_out():
    from bot.labels import response_text
    from bot.sms.replies import sms_parts
    from bot.sms.texts import is_emergency_answer

    greeting, emergency = response_text("utter_greet"), response_text("utter_emergency")
    parts = sms_parts([greeting, emergency, "Reply HELP for help, STOP to opt out."],
                      urgent=is_emergency_answer)
    assert parts[0] == emergency.strip() and not any("find the right massage" in p for p in parts)
    assert "STOP" in parts[-1]
    assert sms_parts([greeting], urgent=is_emergency_answer) == [greeting.strip()]


async def test_w02_the_rest_reply_puts_the_emergency_answer_first():
    from bot.rasa_plugins.rest_channel import UrgentFirstCollector

    collector = UrgentFirstCollector()
    await collector.send_response("c", {"text": "Hi! I'm the intake assistant",
                                        "utter_action": "utter_greet"})
    await collector.send_response("c", {"text": "This needs urgent medical help now",
                                        "utter_action": "utter_emergency"})
    assert [m["text"] for m in collector.ordered()] == ["This needs urgent medical help now"]


def test_chest_pain_and_stroke_get_911_and_the_crisis_line_goes_with_a_crisis():
    from bot.labels import response_text

    assert "911" in response_text("utter_emergency") and "988" not in response_text("utter_emergency")
    crisis = response_text("utter_emergency_crisis")
    assert crisis.index("988") < crisis.index("911")
    assert "988" in response_text("utter_emergency_general")  # only the model knows it is one


@pytest.mark.stack
def test_w02_an_emergency_in_the_first_message_is_answered_first_without_the_greeting(stack):
    sender = stack.new_sender()
    replies = stack.say(sender, "hi i wanted to book a massage for my upper back, its been "
                                "tight. also about an hour ago i started getting this pressure "
                                "in my chest and my left arm feels numb and tingly")
    assert "urgent medical help" in replies[0]["text"]
    assert not any("find the right massage" in r.get("text", "") for r in replies)
    assert "988" not in texts(replies)


# ---- 11. SMS: emoji, a request already in, START ----------------------------------------

async def test_s05_emoji_only_asks_for_words_and_is_never_a_message_for_staff():
    from actions.conversation_control import ActionFallbackHelp, misunderstood_in_a_row

    events = [_user("\U0001F629\U0001F629", 1.0), {"event": "action", "name": "action_fallback_help"},
              _user("\U0001F44D", 2.0)]
    got, messages = await run(ActionFallbackHelp(), tracker("\U0001F44D", "nlu_fallback",
                                                            {}, events=events))
    assert got == [] and [m["response"] for m in messages] == ["utter_no_words"]
    assert misunderstood_in_a_row(events + [{"event": "action", "name": "action_fallback_help"},
                                            _user("qwzx", 3.0)]) == 1


async def test_s07_thanks_bye_is_no_message_for_staff(tmp_path, monkeypatch):
    from actions.conversation_control import ActionFallbackHelp

    url = _database(tmp_path, monkeypatch)
    got, messages = await run(ActionFallbackHelp(), tracker("thanks bye", "goodbye", {
        "awaiting_followup": True}, events=[_user("thanks bye", 1.0)]))
    assert [m["response"] for m in messages] == ["utter_goodbye"]
    assert SlotSet("awaiting_followup", False) in got and _exported(url) == []


async def test_s05_a_request_after_write_your_message_starts_the_intake():
    from actions.intake_form import ValidateIntakeForm

    events, _ = await run(ValidateIntakeForm(), tracker(
        "lol sorry. i just want a relaxing massage, im stressed af", "want_relaxation",
        {"awaiting_followup": True, "requested_slot": None}))
    assert SlotSet("awaiting_followup", False) in events
    assert _slots(events)["client_type"] == "relaxation"


@pytest.mark.parametrize(("said", "response", "stored"), [
    ("did my appointment request go through", "utter_request_received", False),
    ("hi just checking you got my request? also i prefer a female therapist if possible",
     "utter_request_received_note", True),
    ("oh wait can i change it to the 90 min one?", "utter_request_change_passed_on", True),
    ("i want to change my appointment request to myofascial 90 min",
     "utter_request_change_passed_on", True)])
async def test_s01_s07_a_message_about_the_request_just_sent(tmp_path, monkeypatch, said,
                                                             response, stored):
    from actions.conversation_control import ActionAboutTheRequest
    from bot.turns import about_the_request

    assert about_the_request(said)
    url = _database(tmp_path, monkeypatch)
    _, messages = await run(ActionAboutTheRequest(), tracker(said, "out_of_scope", {
        "intake_id": "7"}, events=[_user(said, 1.0)]))
    assert [m["response"] for m in messages] == [response]
    records = _exported(url)
    assert len(records) == int(stored)
    if stored:
        assert records[0]["status"] == "needs_followup"
        assert records[0]["details"]["about_intake"] == "7"


def test_start_after_stop_does_not_restart_the_conversation():
    from bot.sms.texts import sms_text

    assert "carry on where we left off" in sms_text("utter_sms_opted_in")


@pytest.mark.stack
def test_s07_after_the_request_is_in_questions_about_it_are_answered(stack):
    sender = stack.new_sender()
    for message in ("i just want to relax", "none", "1", "Gary Whitfield", "555 201 9999",
                    "mon or wed afternoons"):
        stack.say(sender, message)
    assert "Thank you, Gary" in texts(stack.say(sender, "yes"))
    assert "your request is in" in texts(stack.say(sender, "did my appointment request go through"))
    assert "passed that change on" in texts(stack.say(sender, "can i change it to the 90 min one?"))
    stack.say(sender, "thanks bye")
    records = stored(stack, sender)
    assert sorted(r["status"] for r in records) == ["needs_followup", "new"]


# ---- 12 and 11: whole reasons, and SMS replies that fit a few texts ------------------------

LONG_CLIENTS = [
    "Hello. I had a total knee replacement on my right knee 6 weeks ago and my physical "
    "therapist suggested massage for the scar tissue and the tightness in my thigh",
    "ok so long story but basically i started a new job in january and its all zoom calls all "
    "day and my chair is garbage and now my lower back AND my upper back between my shoulder "
    "blades are constantly tight, also my wrists kinda ache from typing (left more than right) "
    "and honestly im just stressed. i just want to relax",
    "Hi! I'm 24 weeks pregnant and my lower back and hips are so achy, plus my feet swell by "
    "the end of the day",
]


def _sms_text(response: str, **values) -> str:
    import re

    import yaml

    from tests.conftest import ROOT

    variations = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"][response]
    text = next((v["text"] for v in variations if v.get("channel") == "sms"), variations[0]["text"])
    return re.sub(r"{([^\n{}]+?)}", lambda m: str(values[m.group(1)]), text)


@pytest.mark.parametrize("first", LONG_CLIENTS)
def test_w04_w16_the_reasons_shown_are_whole_and_an_sms_offer_is_short(first):
    from bot.intake import assess, options_message, update_concerns

    assessment = assess(update_concerns(None, first, [], "describe_symptoms"))
    response, values = options_message(assessment)
    for reason in values["why"].split("; "):
        assert reason in assessment.classification.reasons or any(
            r.startswith(reason) for r in assessment.classification.reasons)
    assert len(_sms_text(response, **values)) <= 400, _sms_text(response, **values)


# ---- 8. safety: cautions steer the offer, a minor and a gift are noted -------------------

def _screened(text: str) -> dict:
    from bot import safety

    return safety.screen(text).as_dict()


@pytest.mark.parametrize(("first_message", "not_offered", "first"), [
    ("Hi, I'm looking to book for my mum, she's 78. She has arthritis in both knees and her "
     "lower back. She's on warfarin for her heart.", {"deep_tissue_60", "neuromuscular_60"},
     None),
    ("31 wks pregnant w twins and my back is DYING. also sciatica on the left",
     {"deep_tissue_60", "neuromuscular_60"}, "prenatal_60"),
    ("my whole body aches and ive got a fever of 101 since yesterday", {"deep_tissue_60",
                                                                         "sports_60"}, None)])
async def test_w10_s09_w13_cautions_steer_the_offer(first_message, not_offered, first):
    from actions.asks import ActionAskAppointmentType

    slots = {"concerns": _concerns(first_message), "client_type": "medical",
             "safety": _screened(first_message)}
    events, messages = await run(ActionAskAppointmentType(), tracker("none", "deny", slots))
    offered = _slots(events)["recommended_types"]
    assert offered and not set(offered) & not_offered, offered
    if first:
        assert offered[0] == first and "Prenatal massage" in said(messages)[0]


async def test_w10_deep_tissue_asked_for_on_a_blood_thinner_is_explained_not_booked():
    from actions.intake_form import ValidateIntakeForm

    first = ("Hi, I'm looking to book for my mum, she's 78. She has arthritis in both knees and "
             "her lower back. She's on warfarin for her heart.")
    slots = {**RELAX_LIST, "client_type": "medical", "concerns": _concerns(first),
             "safety": _screened(first), "pain_details_given": True,
             "recommended_types": ["myofascial_60", "myofascial_90"]}
    events, messages = await run(ValidateIntakeForm(), tracker(
        "she likes firm pressure so deep tissue", "choose_appointment", slots))
    assert _slots(events)["appointment_type"] is None
    assert "the blood thinner" in said(messages)[0] and "deep tissue" in said(messages)[0]


async def test_s09_prenatal_massage_offered_to_a_medical_client_keeps_the_kind():
    from actions.intake_form import ValidateIntakeForm

    first = "31 wks pregnant w twins and my back is DYING. also sciatica on the left"
    slots = {**RELAX_LIST, "client_type": "medical", "concerns": _concerns(first),
             "safety": _screened(first), "pain_details_given": True,
             "recommended_types": ["prenatal_60", "myofascial_60", "myofascial_90"]}
    events, _ = await run(ValidateIntakeForm(), tracker("1", "choose_appointment", slots))
    got = _slots(events)
    assert got["appointment_type"] == "prenatal_60" and "client_type" not in got


async def test_w13_a_fever_is_not_asked_the_pain_questions():
    from actions.intake_form import ValidateIntakeForm

    first = "hey my whole body aches and ive got a fever of 101 since yesterday"
    events, _ = await run(ValidateIntakeForm(), tracker(first, "describe_symptoms",
                                                        {"requested_slot": None}))
    assert _slots(events)["requested_slot"] == "health_screen"


async def test_w15_a_minor_is_noted_for_a_guardian_in_the_summary_and_the_record(
        tmp_path, monkeypatch):
    from actions.asks import ActionAskConfirm
    from actions.intake_form import ValidateIntakeForm
    from actions.submission import ActionSubmitIntake

    first = "hi im 15 and i play volleyball, my shoulder (right) hurts when i spike"
    events, _ = await run(ValidateIntakeForm(), tracker(first, "describe_symptoms",
                                                        {"requested_slot": None}))
    assert _slots(events)["minor"] is True
    filled = {**RELAX_LIST, "concerns": _concerns(first), "client_type": "medical",
              "appointment_type": "sports_60", "client_name": "Kayla Nguyen",
              "contact": "(925) 555-0103", "phone": "+19255550103", "preferred_times": "4pm",
              "referral": False, "insurance": "none (self-pay)", "minor": True,
              "requested_slot": "confirm"}
    _, messages = await run(ActionAskConfirm(), tracker("", "affirm", filled))
    assert "parent or guardian" in said(messages)[0]
    url = _database(tmp_path, monkeypatch)
    await run(ActionSubmitIntake(), tracker("yes", "affirm", filled,
                                            events=[_user("yes", 1.0)]))
    [record] = _exported(url)
    assert record["details"]["minor"] is True and "guardian" in record["details"]["guardian_note"]


async def test_w19_a_gift_buyer_is_told_the_recipient_answers_the_health_questions(
        tmp_path, monkeypatch):
    from actions.asks import ActionAskConfirm
    from actions.submission import ActionSubmitIntake

    gift = {**RELAX_LIST, "concerns": _concerns("Looking for a christmas present for my sister, "
                                                "a gift card"),
            "health_screen": None, "appointment_type": "swedish_60", "client_name": "Grace Bell",
            "contact": "grace@example.com", "email": "grace@example.com",
            "preferred_times": "she'll call", "requested_slot": "confirm"}
    assert gift["concerns"]["goals"] == ["gift"]
    _, messages = await run(ActionAskConfirm(), tracker("", "affirm", gift))
    assert "health questions at their first visit" in said(messages)[0]
    url = _database(tmp_path, monkeypatch)
    await run(ActionSubmitIntake(), tracker("yes", "affirm", gift, events=[_user("yes", 1.0)]))
    assert "first visit" in _exported(url)[0]["details"]["health_screen"]


# ---- 7. everyday questions answered from the practice's own data ------------------------

@pytest.mark.parametrize(("question", "topics", "words"), [
    ("how much is parking there?", ["parking"], "Elm Street"),
    ("whats ur cancellation policy", ["cancellation"], "24 hours"),
    ("do you sell gift cards", ["gift_cards"], "front desk"),
    ("can i buy a gift card online or do i have to come in", ["gift_cards"], "not online"),
    ("hmm which of these is ok for pregnancy? do you have a prenatal massage specifically?",
     ["prenatal"], "prenatal massage"),
    ("sports one. do i need a parent there since im under 18?", ["minors"], "guardian"),
    ("Do you take Medicare?", ["medicare"], "Medicare Advantage"),
    ("are you open on sundays?", ["sundays"], "closed on Sundays"),
    ("so is deep tissue ok with blood thinners or not", ["health_advice"], "therapist"),
    # a client-style test (2026-12-07, seventh session): each got the options shown again
    ("Is it ok to massage her feet with the sore?", ["health_advice"], "ask your doctor"),
    ("is the tingling something I should worry about before a massage?", ["health_advice"],
     "ask your doctor"),
    ("seriously cud it be torn?", ["health_advice"], "say what's causing it"),
    ("should i ice it or heat it before coming in?", ["health_advice"], "ask your doctor"),
    ("do I have to get undressed? I'm a bit self conscious", ["what_to_wear"], "covered with a sheet"),
    ("what should i wear", ["what_to_wear"], "comfortable"),
])
async def test_w01_w03_w06_w09_w15_w18_everyday_questions(question, topics, words):
    from actions.faq import ActionAnswerFaq
    from bot.faq import faq_topics
    from bot.turns import answers_the_question

    assert faq_topics(question) == topics
    assert not answers_the_question("choose_appointment", question)
    _, messages = await run(ActionAnswerFaq(), tracker(question, "ask_price", {}))
    assert words in " ".join(said(messages))


@pytest.mark.parametrize("not_asked", ["need a gift card for my wife", "Jo Park",
                                       "saturdays like i said", "i take warfarin"])
def test_a_statement_is_no_everyday_question(not_asked):
    from bot.faq import faq_topics

    assert faq_topics(not_asked) == []


@pytest.mark.stack
def test_w01_parking_asked_at_the_options_is_answered_and_the_options_shown_again(stack):
    sender = stack.new_sender()
    stack.say(sender, "my neck and shoulders are killing me, 6/10, been like 3 months, worse "
                      "at the computer")
    assert "1. " in texts(stack.say(sender, "none"))
    reply = texts(stack.say(sender, "how much is parking there?"))
    assert "Elm Street" in reply and "Our prices" not in reply and "1. " in reply
    reply = texts(stack.say(sender, "whats ur cancellation policy"))
    assert "24 hours" in reply and "Medical massage is treatment" not in reply



@pytest.mark.stack
def test_questions_at_the_options_are_answered_and_none_is_taken_as_the_pick(stack):
    """A client-style test: "whats the difference between 1 and 2" got the medical-vs-
    relaxation answer; "can i bring my own music", the third question in a row, was taken as
    the pick ("noted as you wrote it") and the bot went on to the name."""
    sender = stack.new_sender()
    stack.say(sender, "my lower back has been sore for 3 weeks, about a 6/10")
    options = texts(stack.say(sender, "none"))
    listed = [line for line in options.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert len(listed) == 3
    reply = texts(stack.say(sender, "whats the difference between 1 and 2"))
    first, second = (line.split(",")[0] for line in listed[:2])
    assert first in reply and second in reply and listed[2].split(",")[0] + ":" not in reply
    assert "Medical massage is treatment" not in reply
    reply = texts(stack.say(sender, "which one is gentler?"))
    assert "gentle" in reply.lower()
    reply = texts(stack.say(sender, "can i bring my own music?"))
    assert "noted your question for our staff" in reply and "as you wrote it" not in reply
    assert "What name" not in reply and "1. " in reply  # the options asked again
    reply = texts(stack.say(sender, "ok 2 please"))
    assert "name" in reply.lower()
    for answer in ("Dana Brook", "dana.brook@example.com", "weekday evenings", "no",
                   "self-pay"):
        stack.say(sender, answer)
    assert "request for" in texts(stack.say(sender, "yes"))  # yes to the summary: stored
    [record] = stored(stack, sender)
    from bot.catalogue import load_catalogue

    picked = next(t for t in load_catalogue() if t.id == record["appointment_type"])
    assert second.endswith(picked.name.split(",")[0])
    assert record["details"]["questions_for_staff"] == ["can i bring my own music?"]
    assert not record["details"]["taken_as_given"]


# ---- 10. the record says what the client said ---------------------------------------

@pytest.mark.parametrize(("answer", "name", "booker", "thanked"), [
    ("Margaret Hughes. I'm her daughter Claire, please call me not her", "Margaret Hughes",
     "Claire, her daughter", "Claire"),
    ("it's for my wife Priya Shah but contact me (Dev) so its a surprise", "Priya Shah",
     "Dev, booking for their wife", "Dev")])
async def test_w10_w09_the_person_who_comes_and_the_one_booking(tmp_path, monkeypatch, answer,
                                                                  name, booker, thanked):
    from actions.asks import ActionAskConfirm
    from actions.intake_form import ValidateIntakeForm
    from actions.submission import ActionSubmitIntake

    slots = {**RELAX_LIST, "appointment_type": "swedish_60", "requested_slot": "client_name"}
    events, _ = await run(ValidateIntakeForm(), tracker(answer, "give_name", slots))
    got = _slots(events)
    assert got["client_name"] == name and got["booked_by"] == booker
    filled = {**slots, **got, "contact": "(617) 555-0134", "phone": "+16175550134",
              "preferred_times": "tuesday late morning", "requested_slot": "confirm"}
    _, messages = await run(ActionAskConfirm(), tracker("", "affirm", filled))
    assert f"Name: {name} (booked by {booker})" in said(messages)[0]
    url = _database(tmp_path, monkeypatch)
    _, messages = await run(ActionSubmitIntake(), tracker("yes", "affirm", filled,
                                                          events=[_user("yes", 1.0)]))
    assert f"Thank you, {thanked}!" in said(messages)[0]
    [record] = _exported(url)
    assert record["contact"]["name"] == name and record["details"]["booked_by"] == booker


async def test_w09_times_on_a_closed_day_are_kept_and_the_client_told():
    from actions.intake_form import ValidateIntakeForm

    slots = {**RELAX_LIST, "appointment_type": "swedish_90", "client_name": "Priya Shah",
             "contact": "(408) 555-0122", "phone": "+14085550122",
             "requested_slot": "preferred_times"}
    events, messages = await run(ValidateIntakeForm(), tracker("she's free most sundays",
                                                               "give_availability", slots))
    assert _slots(events)["preferred_times"] == "she's free most sundays"
    assert "closed on Sundays" in said(messages)[0]


def test_w06_the_lower_back_stays_lower_when_the_back_is_mentioned_again():
    from bot.intake import correction_updates

    updated = correction_updates({"concerns": _concerns("my lower back and hips ache")},
                                 "also the back pain started about 4 weeks ago", [])
    assert ("back_pain", "lower_back", None) in _read(updated["concerns"])


def test_a_region_added_at_the_summary_keeps_only_the_clients_words():
    from bot.intake import correction_updates

    updated = correction_updates({"concerns": _concerns(W01)},
                                 "actually it is my knee, not my neck", [])
    [knee] = [c for c in updated["concerns"]["conditions"] if c["id"] == "knee_pain"]
    assert knee["text"] == "knee"


# ---- found by the simulator (seed 7) after finding 6 ------------------------------------

@pytest.mark.parametrize(("said", "duration"), [
    ("So I've been meaning to do this for a while, a friend of mine goes to you. I work at a "
     "desk all day and for 5 days now I have pain in my right knee.", "for 5 days"),
    ("i had surgery 2 years ago, now my back hurts", None),
    ("it was sore for 2 weeks, now my neck hurts", None)])
def test_been_meaning_to_is_no_duration_and_for_5_days_now_is_one(said, duration):
    from bot.extraction import extract

    assert extract(said).duration == duration


# ---- found by the simulator (seed 8) -------------------------------------------------

def test_a_number_in_the_answer_to_how_long_is_no_new_rating():
    from bot.intake import update_concerns

    first = update_concerns(None, "need appt asap right shoulder is killing me 5/10", [], None)
    later = update_concerns(first.to_dict(), "6 wees now. it flares up when I bend over", [],
                            None, asked_severity=True)
    assert later.severity == 5


def test_the_side_of_a_sciatica_said_as_the_leg_it_goes_down():
    from bot.intake import correction_updates

    updated = correction_updates({"concerns": _concerns(
        "do you take insurance? I have sciatica down my right leg")}, "correction: left leg", [])
    assert _read(updated["concerns"]) == [("sciatica", "lower_back", "left")]


# ---- client test 2 (/tmp/clienttest2/REPORT.md) ------------------------------------------

from tests.test_actions import FILLED  # noqa: E402

W2_PRENATAL = {**FILLED, "client_type": "medical", "appointment_type": "prenatal_60",
               "recommended_types": ["prenatal_60", "myofascial_60", "myofascial_90"]}


@pytest.mark.parametrize("text", ["actually make it the 90 minute one",
                                  "actually make it the 90 minute one if you have a prenatal 90"])
async def test_w2_a_length_the_chosen_treatment_lacks_keeps_it_and_says_so(text):
    from actions.intake_form import ValidateIntakeForm

    events, messages = await run(ValidateIntakeForm(), tracker(text, "correct", W2_PRENATAL))
    assert not [e for e in events if e.get("name") == "appointment_type"]
    assert said(messages) == ["Prenatal massage comes in 60 minutes only, so I've kept "
                              "Prenatal massage, 60 min, $105."]


async def test_w2_the_treatment_after_not_is_never_the_one_chosen():
    from actions.intake_form import ValidateIntakeForm

    text = "no wait, I want prenatal massage not myofascial. the 60 min prenatal is fine"
    slots = {**W2_PRENATAL, "appointment_type": "myofascial_90"}
    events, messages = await run(ValidateIntakeForm(), tracker(text, "correct", slots))
    assert [e["value"] for e in events if e.get("name") == "appointment_type"] == ["prenatal_60"]


W8_RELAXATION = {"safety": BOOK, "concerns": {
    "conditions": [{"id": "tension", "text": "tension", "body_part": "upper_back", "side": "left"}],
    "goals": [], "severity": None, "duration": None, "aggravators": [], "surgery": None,
    "referral": None, "preference": None},
    "client_type": "relaxation", "recommended_types": ["swedish_60", "swedish_90"],
    "health_screen": "none", "pain_details": "2 months, about a 4",
    "requested_slot": "appointment_type"}


async def test_w8_a_treatment_of_the_practice_not_offered_is_taken_with_its_kind():
    from actions.intake_form import ValidateIntakeForm

    events, messages = await run(ValidateIntakeForm(), tracker("deep tissue", "choose_appointment",
                                                               W8_RELAXATION))
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["appointment_type"] == "deep_tissue_60"
    assert slots["client_type"] == "medical"
    assert not any("didn't catch" in m for m in said(messages))


async def test_w8_a_treatment_the_client_cannot_have_is_explained_in_one_sentence():
    from actions.intake_form import ValidateIntakeForm

    events, messages = await run(ValidateIntakeForm(), tracker(
        "the prenatal one please", "choose_appointment", W8_RELAXATION))
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["appointment_type"] is None
    assert said(messages) == ["Prenatal massage is only for clients during pregnancy, so please "
                              "pick one from the list."]


W3_AT_TIMES = {**FILLED, "client_name": "Shivon Kelly", "preferred_times": None,
               "requested_slot": "preferred_times"}


def _slots_set(events) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_w3_a_name_corrected_at_the_times_question_is_the_name_not_the_times():
    from actions.intake_form import ValidateIntakeForm

    events, _ = await run(ValidateIntakeForm(), tracker(
        "wait, i spelled my name wrong, it's Siobhan Kelly", "correct", W3_AT_TIMES))
    slots = _slots_set(events)
    assert slots.get("client_name") == "Siobhan Kelly"
    assert not slots.get("preferred_times")


def test_w3_a_name_and_times_at_the_summary_are_two_changes():
    from bot.intake import correction_updates

    updates = correction_updates({**FILLED, "client_name": "Shivon Kelly"},
                                 "my name is Siobhan Kelly and saturdays before 3 are better", [])
    assert updates["client_name"] == "Siobhan Kelly"
    assert "saturdays before 3" in updates["preferred_times"]


async def test_w3_gentle_please_at_the_name_question_is_no_name():
    from actions.intake_form import ValidateIntakeForm

    events, _ = await run(ValidateIntakeForm(), tracker(
        "gentle please", "inform", {**FILLED, "client_name": None, "contact": None,
                                    "phone": None, "preferred_times": None,
                                    "requested_slot": "client_name"}))
    assert not _slots_set(events).get("client_name")


async def test_sms_this_number_is_fine_at_the_times_question_is_no_time():
    from actions.intake_form import ValidateIntakeForm

    events, _ = await run(ValidateIntakeForm(), tracker(
        "this number is fine", "inform", {**W3_AT_TIMES, "client_name": "Marcus Bell"}))
    assert not _slots_set(events).get("preferred_times")


R04_CONCERNS = {"conditions": [{"id": "back_pain", "text": "lowr bak", "body_part": "lower_back",
                                "side": "right"}],
                "goals": [], "severity": None, "duration": None, "aggravators": [],
                "surgery": None, "referral": None, "preference": None}
R04 = {"safety": BOOK, "concerns": R04_CONCERNS, "client_type": "medical"}


@pytest.mark.parametrize("intent", ["ask_diagnosis", "out_of_scope", "inform"])
async def test_r04_r07_a_question_at_the_pain_questions_leaves_them_asked(intent):
    from actions.intake_form import ValidateIntakeForm

    events, _ = await run(ValidateIntakeForm(), tracker(
        "but do u think its a pinched nerve?", intent, {**R04, "requested_slot": "pain_details"}))
    assert not _slots_set(events).get("pain_details")


@pytest.mark.parametrize("text", [
    "about 5 wks, 8/10 when i get out of the car. im on coumadin for my heart valve",
    "since january, 5/10, stress makes it worse"])
async def test_r04_r07_pain_score_and_duration_said_a_turn_late_are_kept(text):
    from actions.intake_form import ValidateIntakeForm

    events, _ = await run(ValidateIntakeForm(), tracker(
        text, "inform", {**R04, "pain_details": "but do u think its a pinched nerve?",
                   "requested_slot": "health_screen"}))
    concerns = _slots_set(events)["concerns"]
    assert concerns["severity"] and str(concerns["severity"])[0] in "85"
    assert concerns["duration"]


async def test_w8_an_email_while_asked_which_massage_is_kept_not_a_failed_pick():
    from actions.intake_form import ValidateIntakeForm

    events, messages = await run(ValidateIntakeForm(), tracker(
        "carlos.mendez@example.net", "inform", {**W8_RELAXATION, "client_name": "Carlos Mendez"}))
    slots = _slots_set(events)
    assert slots.get("email") == "carlos.mendez@example.net" or \
        "carlos.mendez@example.net" in str(slots.get("contact"))
    assert not any("didn't catch" in m for m in said(messages))


async def test_w2_a_length_the_treatment_lacks_asked_for_at_another_question_is_explained():
    from actions.intake_form import ValidateIntakeForm

    events, messages = await run(ValidateIntakeForm(), tracker(
        "actually make it the 90 minute one", "inform",
        {**W2_PRENATAL, "preferred_times": None, "requested_slot": "preferred_times"}))
    slots = _slots_set(events)
    assert "appointment_type" not in slots and not slots.get("preferred_times")
    assert said(messages) == ["Prenatal massage comes in 60 minutes only, so I've kept "
                              "Prenatal massage, 60 min, $105."]


@pytest.mark.parametrize("text", ["I want prenatal massage not myofascial the 60 min prenatal is fine",
                                  "prenatal not myofascial release please",
                                  "not myofascial, prenatal"])
def test_w2_a_treatment_after_not_is_never_picked_whatever_follows(text):
    from bot import catalogue

    offered = catalogue.offered_types(["prenatal_60", "myofascial_60", "myofascial_90"])
    assert catalogue.find_appointment_type(text, offered).id == "prenatal_60"


# ---- client-style test of 2026-12-07, third session ---------------------------------------

PREGNANT_RELAX = {**RELAX_LIST, "recommended_types": ["prenatal_60", "swedish_60", "swedish_90"],
                  "appointment_type": "swedish_90", "requested_slot": "client_name"}


async def test_a_switch_asked_as_a_question_at_the_name_is_a_switch_not_a_name():
    """trial-07: "... can I change to the prenatal one instead? it's probably safer" was
    stored as the name "Probably Safer" and the switch was lost."""
    from actions.intake_form import ValidateIntakeForm

    text = "actually wait, can I change to the prenatal one instead? it's probably safer"
    events, _ = await run(ValidateIntakeForm(), tracker(text, "ask_prenatal", PREGNANT_RELAX))
    got = _slots(events)
    assert got["appointment_type"] == "prenatal_60" and not got.get("client_name")


@pytest.mark.parametrize(("answer", "name"), [("my good name is Sandeep Kumar", "Sandeep Kumar"),
                                              ("my full name is Ana Lima", "Ana Lima")])
async def test_a_name_introduced_in_other_words_is_the_name_alone(answer, name):
    from actions.intake_form import ValidateIntakeForm

    events, _ = await run(ValidateIntakeForm(), tracker(answer, "give_name", PREGNANT_RELAX))
    assert _slots(events)["client_name"] == name


async def test_a_name_corrected_at_the_contact_question_is_the_new_name():
    """trial-11: "sorry typo, my name is John Smith" got "I couldn't find a phone number"."""
    from actions.intake_form import ValidateIntakeForm

    slots = {**PREGNANT_RELAX, "client_name": "Jon Smyth", "requested_slot": "contact"}
    events, messages = await run(ValidateIntakeForm(), tracker(
        "sorry typo, my name is John Smith", "give_name", slots))
    got = _slots(events)
    assert got["client_name"] == "John Smith" and got["contact"] is None
    assert [m["response"] for m in messages] == ["utter_updated"]


def test_a_region_said_alone_then_its_pain_in_the_next_sentence():
    """trial-19: "my back, like I said. tight for years, 5/10" was tension only (relaxation)."""
    from bot.classification import classify
    from bot.extraction import extract

    found = extract("my back, like I said. tight for years, 5/10")
    assert "back_pain" in {c.id for c in found.conditions if c.status == "present"}
    assert classify(found).client_type == "medical"


def test_a_rating_said_with_usually_and_how_long_in_a_fragment():
    """trial-13: "Going on about a year, usually a 5." was asked again."""
    from bot.extraction import extract

    found = extract("I get tension headaches and my shoulders are always up by my ears. "
                    "Going on about a year, usually a 5.")
    assert (found.severity, found.duration) == (5, "about a year")
    assert [(c.id, c.body_part) for c in found.conditions if c.id == "headache"] == [
        ("headache", "head")]


@pytest.mark.parametrize("answer", ["i will pay", "slf pay", "I'll pay for it myself"])
def test_paying_oneself_in_other_words(answer):
    """trial-09 and trial-10: "slf pay" and "i will pay" were asked again."""
    from bot.intake import insurance_from

    assert insurance_from(answer) == "none (self-pay)"


@pytest.mark.parametrize(("said", "flag", "not_offered"), [
    ("got kicked in the thigh at football 2 days ago, theres a big lump, 7/10", "recent_injury",
     ("deep_tissue", "neuromuscular")),
    ("my shoulders and upper back are so tight, I'm in chemo and have a port", "cancer_treatment",
     ("deep_tissue", "neuromuscular", "sports")),
])
def test_no_deep_or_trigger_point_work_planned_for_a_fresh_injury_or_in_cancer_treatment(
        said, flag, not_offered):
    """trial-06 and trial-21: deep tissue offered for a two-day-old kick with a lump, and
    deep tissue and trigger point during chemotherapy (data/appointment_types.yml not_with)."""
    from bot.extraction import extract
    from bot.intake import assess
    from bot.safety import screen

    screened = screen(said)
    assert flag in screened.cautions
    offered = [t.id for t in assess(extract(said), flags=screened.cautions).recommended]
    assert offered and not [t for t in offered if t.startswith(not_offered)]


MEDICAL_OPTIONS = {**RELAX_LIST, "client_type": "medical",
                   "recommended_types": ["myofascial_60", "deep_tissue_60", "neuromuscular_60"]}


@pytest.mark.parametrize(("text", "intent", "response"), [
    ("How much is a half hour session? I'm on a pension.", "ask_price", "utter_prices"),
    ("what are your opening hours? I can only do lunchtime", "ask_hours_location",
     "utter_hours_location"),
])
async def test_a_question_asked_with_an_answer_at_the_options_is_answered(text, intent, response):
    """trial-03 and trial-04: the options were described again and the question ignored."""
    from actions.intake_form import ValidateIntakeForm

    events, messages = await run(ValidateIntakeForm(), tracker(text, intent, MEDICAL_OPTIONS))
    assert [m.get("response") for m in messages][:1] == [response]
    assert "utter_option_details" not in [m.get("response") for m in messages]
    assert _slots(events).get("appointment_type") is None


def test_the_answers_to_question_intents_are_the_rules_answers():
    """actions.faq.QUESTION_RESPONSES answers a question said with an answer; the rules answer
    it said alone: both must give the same answer."""
    import yaml
    from pathlib import Path

    from actions.faq import QUESTION_RESPONSES

    answers = {}
    for path in (Path(__file__).parent.parent / "data" / "rules").glob("*.yml"):
        for rule in yaml.safe_load(path.read_text())["rules"]:
            steps = rule.get("steps", [])
            for step, after in zip(steps, steps[1:]):
                if step.get("intent") in QUESTION_RESPONSES and "action" in after:
                    answers.setdefault(step["intent"], set()).add(after["action"])
    assert {intent: {action} for intent, action in QUESTION_RESPONSES.items()} == answers


@pytest.mark.parametrize(("text", "topic"), [
    ("can I get in today?", "same_day"), ("do you have same day appointments?", "same_day"),
    ("is massage ok if I have high blood pressure?", "health_advice"),
    ("i'm diabetic, does that matter?", "health_advice"),
])
def test_everyday_questions_the_client_test_asked(text, topic):
    """trial-22, trial-25, trial-18: ignored, or answered with the definition of medical massage."""
    from bot.faq import faq_topics

    assert topic in faq_topics(text)


def test_names_said_for_someone_else_or_with_more_after_them():
    """Second client-style test: 'her name is Summer Day' was stored whole, 'name is Mark n i
    want the 60 min swedish' too, and 'the name is wrong' became the name 'Wrong'."""
    from bot.intake import NAME_CORRECTION, name_from

    assert name_from("her name is Summer Day") == "Summer Day"
    assert name_from("name is Mark n i want the 60 min swedish") == "Mark"
    assert NAME_CORRECTION.search("the name is wrong") is None


async def test_a_switch_that_also_names_the_treatment_left_is_a_switch():
    """t2-06: 'actually, make it the myofascial one instead, deep tissue sounds too much' at
    the name question was stored as the name."""
    from actions.intake_form import ValidateIntakeForm

    slots = {**MEDICAL_OPTIONS, "appointment_type": "deep_tissue_60",
             "recommended_types": ["deep_tissue_60", "myofascial_60", "neuromuscular_60"],
             "requested_slot": "client_name"}
    events, _ = await run(ValidateIntakeForm(), tracker(
        "actually, make it the myofascial one instead, deep tissue sounds too much",
        "choose_appointment", slots))
    got = _slots(events)
    assert got["appointment_type"] == "myofascial_60" and not got.get("client_name")


def test_a_number_answering_how_bad_wins_over_words_in_the_same_answer():
    """t2-14: '3, worse when I run. there's a bit of a bruise' was stored as 'a bit'."""
    from bot.intake import update_concerns

    first = update_concerns(None, "got kicked in the shin at football yesterday, bit sore", [],
                            "describe_symptoms")
    answer = update_concerns(first.to_dict(), "3, worse when I run. there's a bit of a bruise "
                             "and it's a bit swollen", [], "inform", asked_severity=True)
    assert answer.severity == 3


async def test_a_price_question_without_a_question_mark_at_the_first_question_is_left_to_its_rule():
    """t2-16: 'u didnt say how much tho' got 'I'm not sure that's something massage helps with'
    and at the third such answer was noted as the concern."""
    from actions.intake_form import ValidateIntakeForm

    events, messages = await run(ValidateIntakeForm(), tracker(
        "u didnt say how much tho", "ask_price", {"requested_slot": "concerns"}))
    assert not [e for e in events if e.get("name") in ("concerns", "attempts")]
    assert "utter_unclear_concerns" not in [m.get("response") for m in messages]


@pytest.mark.parametrize(("said", "check"), [
    ("ye thx", "confirm"), ("booking for my daughter, she is 14, sore neck", "minor"),
    ("my oncologist said massage is fine but didn't refer me", "no_referral"),
    ("my mom will pay", "self_pay"), ("I am taking aspirin daily only", "blood_thinners"),
])
def test_second_client_test_small_words(said, check):
    """t2-07 'ye thx' at the summary; t2-15 a parent booking for a 14-year-old; t2-17 an
    oncologist who did not refer; t2-02 'my mom will pay'; t2-19 daily aspirin."""
    from bot.extraction import referral_in
    from bot.intake import insurance_from, says_a_minor
    from bot.safety import screen
    from bot.turns import confirms

    assert {"confirm": lambda: confirms(said), "minor": lambda: says_a_minor(said),
            "no_referral": lambda: referral_in(said) is False,
            "self_pay": lambda: insurance_from(said) == "none (self-pay)",
            "blood_thinners": lambda: "blood_thinners" in screen(said).cautions}[check]()


async def test_a_price_asked_with_a_pick_is_that_treatments_price():
    """t2-03: '2. how much is that one?' got the whole price list."""
    from actions.intake_form import ValidateIntakeForm

    events, messages = await run(ValidateIntakeForm(), tracker(
        "2. how much is that one?", "ask_price", MEDICAL_OPTIONS))
    assert _slots(events)["appointment_type"] == "deep_tissue_60"
    assert messages[0]["response"] == "utter_prices"
    assert messages[0]["prices"].count("\n") == 0 and "Deep tissue" in messages[0]["prices"]


@pytest.mark.parametrize("text", ["hw much is a massage", "hw much is it", "wat time do u open",
                                  "r u open on saturdays"])
def test_a_question_in_sms_shorthand_is_no_answer_to_the_safety_questions(text):
    """A client-style test (2026-12-07, fourth session): "hw much is a massage" while the
    safety questions were open was taken as "none" and the questions were skipped."""
    from bot.turns import answers_the_question

    assert not answers_the_question("ask_price", text)


@pytest.mark.parametrize("text, name", [
    ("the appointment is for my son Jack Frost, I'm his mum Holly Frost", "Jack Frost"),
    ("its for my son Jack Frost", "Jack Frost"),
    ("for my mum, Ann Lee", "Ann Lee"),
    ("Forrest Gump", "Forrest Gump"),
])
def test_the_name_of_the_person_booked_for(text, name):
    """A client-style test (2026-12-07, fourth session) stored the whole sentence as the name."""
    from bot.intake import name_from

    assert name_from(text) == name


async def test_a_surname_given_with_the_contact_completes_the_name():
    """A client-style test (2026-12-07, fourth session): "Will", then "last name is Power
    btw. 555-333-1212" at the contact question stored the name "Will"."""
    from actions.intake_form import ValidateIntakeForm

    slots = {"client_name": "Will", "requested_slot": "contact"}
    events, _ = await run(ValidateIntakeForm(), tracker("last name is Power btw. 555-333-1212",
                                                        "give_contact", slots))
    assert SlotSet("client_name", "Will Power") in events
    assert SlotSet("phone", "+15553331212") in events


@pytest.mark.parametrize("text, insurer", [("Bupa", "Bupa"), ("its Bupa", "Bupa"),
                                           ("insurance is actually Aviva not bupa", "Aviva")])
def test_an_insurer_the_lookups_do_not_know_is_taken_as_written_at_once(text, insurer):
    """Two client-style tests (2026-12-07, fourth session): "Bupa" was asked for again, then
    the next answer stored whole ("its Bupa")."""
    from bot.intake import insurer_as_written

    assert insurer_as_written(text) == insurer


@pytest.mark.parametrize("text", ["not sure", "i have insurance thru work", "no", "self pay"])
def test_answers_that_name_no_insurer_are_not_taken_as_one(text):
    from bot.intake import insurer_as_written

    assert insurer_as_written(text) == ""


def test_a_surname_at_the_summary_keeps_the_first_name():
    """A client-style test: "last name is Kowalczyk" at the summary stored "Kowalczyk" alone."""
    from bot.intake import correction_updates

    assert correction_updates({"client_name": "Tomasz"}, "last name is Kowalczyk", [])[
        "client_name"] == "Tomasz Kowalczyk"


@pytest.mark.parametrize("text, topic", [("do u take cash or card?", "payment"),
                                         ("can I pay with my hsa card?", "payment"),
                                         ("do you treat kids? does a parent need to be there?", "minors")])
def test_payment_and_children_questions_have_their_answer(text, topic):
    """A client-style test (2026-12-07, fourth session): both got unrelated answers."""
    from bot.faq import faq_topics

    assert topic in faq_topics(text)


def test_the_leg_of_a_sciatica_corrected_at_the_summary_is_its_side():
    """Simulator, seed 13: "sorry, it's the left leg" at the summary of a right sciatica
    replaced it with thigh pain."""
    from bot.extraction import Extraction
    from bot.intake import correction_updates, update_concerns

    said = update_concerns(None, "Sciatica on the right, about six months", [], None, message=1)
    updates = correction_updates({"concerns": said.to_dict()}, "sorry, it's the left leg", [])
    assert [(c.id, c.side) for c in Extraction.from_dict(updates["concerns"]).present()] == [
        ("sciatica", "left")]


def test_an_activity_after_the_complaint_is_its_aggravator_not_a_region():
    """Simulator, seed 14: "reaching overhead makes it worse" after fibromyalgia added shoulder
    pain, "flares up when I look down at my phone" after plantar fasciitis neck pain."""
    from bot.intake import update_concerns

    first = update_concerns(None, "my fibromyalgia has been flaring", [], "describe_symptoms")
    later = update_concerns(first.to_dict(), "reaching overhead makes it worse. around 9/10",
                            [], "inform", asked_severity=True)
    assert [c.id for c in later.present()] == ["fibromyalgia"]
    alone = update_concerns(None, "reaching overhead is agony", [], "describe_symptoms")
    assert "shoulder_pain" in [c.id for c in alone.present()]


def test_pain_down_the_leg_belongs_to_the_concern_just_before_it():
    """Simulator, seed 15: "I have TMJ and also sciatica down my right leg" gave the jaw the
    right side and the leg, so "sorry, it's the left leg" at the summary changed the jaw."""
    from bot.intake import _corrected_concerns, update_concerns

    said = update_concerns(None, "I have TMJ and also sciatica down my right leg", [],
                           "describe_symptoms")
    assert [(c.id, c.side, c.radiates_to) for c in said.conditions] == [
        ("tmj", None, None), ("sciatica", "right", "thigh")]
    corrected = _corrected_concerns(said.to_dict(), "sorry, it's the left leg", [])
    assert [(c["id"], c["side"]) for c in corrected["conditions"]] == [
        ("tmj", None), ("sciatica", "left")]


def test_since_mistyped_as_sice_found_by_the_simulator():
    from bot.extraction import extract

    assert extract("sice christmas. around 6/10 most days").duration == "sice christmas"


@pytest.mark.parametrize("text", ["right side only", "right hand only pls", "right shoulder not left"])
def test_a_side_at_the_summary_is_a_correction_not_a_yes(text):
    """A client-style test: "right side only" at the summary sent the request."""
    from bot.turns import confirms

    assert not confirms(text)
    assert confirms("right") and confirms("right, thanks")


def test_an_operation_said_to_be_years_ago_after_but_is_in_the_past():
    """A client-style test: "I did have a hip replacement but that was 6 years ago" was
    recorded as recovery from surgery."""
    from bot.extraction import extract

    assert [(c.id, c.status) for c in extract(
        "None of those. I did have a hip replacement but that was 6 years ago.").conditions] == [
        ("post_surgical", "historical")]
    assert ("post_surgical", "present") in [(c.id, c.status) for c in extract(
        "knee replacement, but that was 3 weeks ago and still swollen").conditions]


def test_a_knee_that_goes_funny_on_the_stairs_is_a_knee_complaint():
    from bot.extraction import extract

    assert "knee_pain" in [c.id for c in extract(
        "hey so my knee goes kinda funny on the stairs, been runnin a lot lately").present()]


def test_no_referral_said_with_actually_is_no_referral():
    """A client-style test: "I don't actually have a referral, the doctor just mentioned it"
    was stored as "Referral: yes (Dr. just)"."""
    from bot.extraction import referral_in

    assert referral_in("I don't actually have a referral, the doctor just mentioned it") is False
    assert referral_in("my doctor referred me") is True


def test_a_sentence_that_is_only_the_time_is_how_long_the_complaint_has_gone_on():
    """A client-style test: "...when i go down stairs. about 3 weeks now" was asked again."""
    from bot.extraction import extract

    assert extract("its my right knee, kinda achey and wobbly when i go down stairs. "
                   "about 3 weeks now").duration == "about 3 weeks"
    assert extract("my neck hurts. my son is 3 weeks old").duration is None


def test_times_said_in_two_parts_at_the_summary_are_kept_together():
    """A client-style test: "make it saturday then, late morning" kept only "late morning"."""
    from bot.intake import times_from_correction

    assert times_from_correction("oh ok make it saturday then, late morning") == \
        "saturday, late morning"
    assert times_from_correction(
        "The time is wrong, I told you Friday at noon, not Wednesday") == "Friday at noon"


def test_second_trial_a_question_about_the_first_listed_is_no_pick_nor_a_name():
    """Second client-style trial: "oh so deep tissue is fine for me then? u listed it first"
    picked option 1, and "wait i didnt pick yet. is it safe...?" was stored as the name."""
    from bot.catalogue import find_appointment_type, load_catalogue
    from bot.turns import says

    assert find_appointment_type("u listed it first", load_catalogue()[:3]) is None
    assert find_appointment_type("the first one", load_catalogue()[:3]) is not None
    assert says("not_in_a_name", "Wait I Didnt Pick Yet")
    assert not any(says("not_in_a_name", n) for n in ("Ian Wait", "I-Ling Chen", "Summer Love"))


def test_second_trial_a_knee_that_hit_the_client_is_not_theirs_and_a_dead_leg_is_noted():
    from bot.extraction import extract
    from bot.safety import screen

    said = ("took a knee to the thigh in sunday league on sat, proper dead leg. its bruised "
            "purple n feels a bit warm to touch still")
    assert "knee_pain" not in {c.id for c in extract(said).conditions}
    assert "recent_injury" in screen(said).cautions


def test_since_with_a_doubled_letter_found_by_the_simulator():
    """Simulator, seed 14 (second run): "siince the summer"."""
    from bot.extraction import extract

    assert extract("siince the summer. gets bad when I sleep on it. I'd say a 6").duration \
        == "siince the summer"


@pytest.mark.parametrize("note", [
    "Please add a note that the therapist must not touch my left shoulder and I can't lie face down.",
    "yes, but please tell staff no shoulder work",
])
async def test_a_note_for_the_therapist_at_the_summary_is_kept_and_changes_nothing_else(note):
    """A client-style test: the note added "headaches" to the concerns and "please tell staff
    no shoulder work" took the surgery out; the note itself was never kept."""
    from actions.asks import ActionAskConfirm
    from actions.intake_form import ValidateIntakeForm

    slots = {**FILLED, "attempts": {}}
    events, messages = await run(ValidateIntakeForm(), tracker(note, "inform", slots))
    got = _slots(events)
    assert "concerns" not in got and got["confirm"] is None
    assert got["attempts"]["notes_for_therapist"] == [note]
    assert said(messages) == ["I've added that as a note for your therapist."]
    _, messages = await run(ActionAskConfirm(), tracker("", "affirm", {**slots, **got}))
    assert f'Health notes for the therapist: "{note}"' in said(messages)[0]


@pytest.mark.parametrize("question", [
    "Could she do a relaxation massage instead, or is that less helpful for the back?",
    "would a relaxation massage be better for her?",
])
async def test_a_question_weighing_the_kinds_is_answered_and_switches_nothing(question):
    """A client-style test: the question switched the list to relaxation massage, recorded as
    "client chose relaxation massage"; "I was just asking" was ignored."""
    from actions.intake_form import ValidateIntakeForm

    events, messages = await run(ValidateIntakeForm(), tracker(question, "want_relaxation",
                                                               MEDICAL_OPTIONS))
    got = _slots(events)
    assert got.get("appointment_type") is None and "client_type" not in got
    assert "Relaxation (Swedish) massage uses lighter" in " ".join(said(messages))
    # asked for, it switches
    events, _ = await run(ValidateIntakeForm(), tracker("show me the relaxation ones",
                                                        "want_relaxation", MEDICAL_OPTIONS))
    assert _slots(events)["client_type"] == "relaxation"
