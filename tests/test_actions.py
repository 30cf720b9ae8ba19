"""Custom actions run on trackers built inline; each test asserts the whole event list."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, AllSlotsReset, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.asks import ActionAskAppointmentType, ActionAskConfirm, ActionAskPainDetails
from actions.conversation_control import ActionStartOver, ActionStopIntake
from actions.intake_form import ValidateIntakeForm
from actions.session_start import ActionSessionStart
from actions.submission import ActionSubmitIntake
from bot import catalogue
from bot.labels import placeholders, response_text

DOMAIN = {
    "forms": {"intake_form": {"required_slots": [
        "emergency_check", "concerns", "pain_details", "health_screen", "appointment_type", "client_name",
        "contact", "preferred_times", "referral", "insurance", "confirm"]}},
    "slots": {}, "responses": {}, "actions": [],
}
SLOT_NAMES = ["concerns", "client_type", "confidence", "reasons", "recommended_types", "safety",
              "pain_details", "health_screen", "appointment_type", "client_name", "phone",
              "email", "contact", "preferred_times", "referral", "insurance", "confirm",
              "awaiting_change", "intake_id", "requested_slot", "emergency_check", "attempts",
              "misunderstood", "awaiting_followup", "chosen_kind", "pain_details_given"]


def tracker(text: str, intent: str, slots: dict | None = None, entities=None,
            events=None) -> Tracker:
    values = {name: None for name in SLOT_NAMES}
    values.update(slots or {})
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9},
               "entities": entities or []}
    return Tracker("conv-1", values, message, events or [], False, None,
                   {"name": "intake_form"}, "action_listen")


async def run(action, tr: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tr, DOMAIN)
    return events, dispatcher.messages


def said(messages: list[dict]) -> list[str]:
    """What the client reads: a response filled from the values the action sent with it, as
    Rasa fills it (every placeholder must have one), or a text sent as it is."""
    texts = []
    for message in messages:
        if message.get("response"):
            values = {k: v for k, v in message.items() if k not in ("text", "response", "template")}
            assert placeholders(message["response"]) <= set(values), message
            texts.append(response_text(message["response"], **values))
        else:
            texts.append(message["text"])
    return texts


async def test_first_message_fills_concerns_classifies_and_asks_pain_details():
    events, messages = await run(ValidateIntakeForm(), tracker(
        "my lower back is killing me, shooting down my left leg", "describe_symptoms"))
    slots = {e["name"]: e["value"] for e in events}
    # medical: the domain's slot order applies, so Rasa itself requests pain_details next
    assert [e["name"] for e in events] == [
        "concerns", "client_type", "confidence", "reasons", "recommended_types", "safety",
        "requested_slot"]
    assert slots["client_type"] == "medical" and slots["safety"]["outcome"] == "book"
    assert slots["concerns"]["conditions"][0]["id"] == "back_pain"
    assert slots["concerns"]["conditions"][0]["side"] == "left"
    assert messages == []


async def test_message_with_nothing_for_massage_is_reasked_with_a_clear_reason():
    events, messages = await run(ValidateIntakeForm(), tracker("I have a stomach ache", "out_of_scope",
                                                               {"safety": BOOK}))
    assert events == [SlotSet("concerns", None), SlotSet("requested_slot", "concerns")]
    assert [m["response"] for m in messages] == ["utter_unclear_concerns"]


async def test_booking_request_without_details_asks_concerns_without_complaint():
    events, messages = await run(ValidateIntakeForm(), tracker("i want to book a massage",
                                                               "request_booking", {"safety": BOOK}))
    assert events == [SlotSet("concerns", None), SlotSet("requested_slot", "concerns")]
    assert messages == []


BOOK = {"outcome": "book", "red_flags": [], "cautions": [], "messages": [], "emergency": False,
        "reschedule": False, "evidence": {}}
RELAXATION = {"safety": BOOK, "concerns": {"conditions": [], "goals": ["relaxation"], "severity": None,
                           "duration": None, "aggravators": [], "surgery": None,
                           "referral": None, "preference": "relaxation"},
              "client_type": "relaxation", "recommended_types": ["swedish_60", "swedish_90"],
              "health_screen": "none"}


async def test_relaxation_client_is_not_asked_medical_questions():
    tr = tracker("the first one", "choose_appointment",
                 {**RELAXATION, "requested_slot": "appointment_type"})
    events, messages = await run(ValidateIntakeForm(), tr)
    assert events == [SlotSet("appointment_type", "swedish_60"), SlotSet("client_type", "relaxation"),
                      SlotSet("requested_slot", "client_name")]
    assert messages == []


async def test_a_relaxation_client_is_asked_the_safety_questions_too():
    """Pregnancy, clots, blood thinners, a recent surgery matter for a relaxation massage."""
    tr = tracker("i just want to relax", "want_relaxation",
                 {**RELAXATION, "health_screen": None, "requested_slot": "concerns"})
    events, _ = await run(ValidateIntakeForm(), tr)
    assert events[-1] == SlotSet("requested_slot", "health_screen")


async def test_asking_for_the_other_kind_switches_the_offer():
    tr = tracker("actually can i do the medical kind instead", "want_medical",
                 {**RELAXATION, "requested_slot": "appointment_type"})
    events, _ = await run(ValidateIntakeForm(), tr)
    slots = {e["name"]: e["value"] for e in events}
    assert slots["client_type"] == "medical" and slots["appointment_type"] is None
    assert "asked for medical massage" in slots["reasons"]


async def test_the_kind_picked_at_the_list_is_kept_in_its_own_slot():
    tr = tracker("show me medical", "choose_appointment",
                 {**RELAXATION, "requested_slot": "appointment_type"})
    events, messages = await run(ValidateIntakeForm(), tr)
    assert events == [
        SlotSet("appointment_type", None), SlotSet("client_type", "medical"),
        SlotSet("chosen_kind", "medical"), SlotSet("confidence", 0.9),
        SlotSet("reasons", ["client chose medical massage", "wants relaxation",
                            "said they mainly want to relax"]),
        SlotSet("recommended_types", ["neuromuscular_60", "myofascial_60", "deep_tissue_60"]),
        SlotSet("requested_slot", "pain_details")]
    assert messages == []


async def test_the_kind_the_client_chose_wins_over_later_concerns_and_the_offer():
    """"show me relaxation" after describing back pain: the later concerns and the list of
    options keep to relaxation (the chosen_kind slot)."""
    chose = {"safety": BOOK, "chosen_kind": "relaxation", "client_type": "relaxation",
             "requested_slot": "concerns"}
    events, _ = await run(ValidateIntakeForm(), tracker("my lower back hurts", "describe_symptoms",
                                                        chose))
    slots = {e["name"]: e["value"] for e in events}
    assert slots["client_type"] == "relaxation"
    assert slots["reasons"][0] == "client chose relaxation massage"
    events, messages = await run(ActionAskAppointmentType(), tracker("", "describe_symptoms", {
        **chose, "concerns": slots["concerns"], "client_type": "relaxation"}))
    assert [m["response"] for m in messages] == ["utter_options_relaxation"]
    assert events == [SlotSet("recommended_types", ["swedish_60"])]


async def test_how_long_and_how_bad_said_with_the_concerns_are_not_asked_again():
    events, messages = await run(ValidateIntakeForm(), tracker(
        "my lower back has hurt for 3 weeks, about a 7", "describe_symptoms", {"safety": BOOK}))
    slots = {e["name"]: e["value"] for e in events}
    assert [e["name"] for e in events] == [
        "concerns", "client_type", "confidence", "reasons", "recommended_types",
        "pain_details_given", "requested_slot"]
    assert slots["pain_details_given"] is True and slots["requested_slot"] == "health_screen"
    assert messages == []
    # nothing the client did not say is stored as their answer
    from bot.records import intake_record

    record = intake_record("conv-1", None, slots, [])
    assert record["details"]["pain_details"] is None


@pytest.mark.parametrize(("concerns", "response", "text"), [
    ({"duration": "3 weeks"}, "utter_pain_details_severity_aggravators",
     "Got it: lower back pain (3 weeks). Can you tell me how bad it is on a scale of 0 to 10 and "
     "what makes it worse?"),
    ({}, "utter_pain_details_duration_severity_aggravators",
     "Got it: lower back pain. Can you tell me how long it has been going on, how bad it is on "
     "a scale of 0 to 10 and what makes it worse?"),
    ({"duration": "3 weeks", "severity": 7, "aggravators": ["sitting"]},
     "utter_pain_details_anything_else",
     "Got it: lower back pain (7/10, 3 weeks). Can you tell me anything else about it I should "
     "pass on?"),
])
async def test_the_pain_question_asks_only_what_is_missing(concerns, response, text):
    slots = {**MEDICAL_CONCERNS, "concerns": {**MEDICAL_CONCERNS["concerns"], **concerns}}
    events, messages = await run(ActionAskPainDetails(), tracker("", "describe_symptoms", slots))
    assert events == [] and [m["response"] for m in messages] == [response]
    assert said(messages) == [text]


async def test_contact_without_phone_or_email_is_reasked():
    tr = tracker("you can reach me anytime", "give_contact", {**RELAXATION,
                 "appointment_type": "swedish_60", "client_name": "Dana", "requested_slot": "contact"})
    events, messages = await run(ValidateIntakeForm(), tr)
    # counted, so the question is not asked a third time (actions/intake_form.py _no_loops)
    assert events == [SlotSet("contact", None), SlotSet("attempts", {"contact": 1}),
                      SlotSet("requested_slot", "contact")]
    assert [m["response"] for m in messages] == ["utter_invalid_contact"]


async def test_contact_phone_and_email_are_taken_from_any_message():
    tr = tracker("555-201-3344 or dana@example.com", "give_contact", {**RELAXATION,
                 "appointment_type": "swedish_60", "client_name": "Dana", "requested_slot": "contact"},
                 entities=[{"entity": "phone", "value": "555-201-3344", "start": 0, "end": 12}])
    events, _ = await run(ValidateIntakeForm(), tr)
    assert events == [SlotSet("contact", "(555) 201-3344 / dana@example.com"),
                      SlotSet("phone", "+15552013344"), SlotSet("email", "dana@example.com"),
                      SlotSet("requested_slot", "preferred_times")]


async def test_faq_question_is_never_taken_as_an_answer():
    tr = tracker("do you take insurance?", "ask_insurance", {**RELAXATION,
                 "appointment_type": "swedish_60", "client_name": "Dana", "contact": "x",
                 "requested_slot": "preferred_times"})
    events, _ = await run(ValidateIntakeForm(), tr)
    assert events == [SlotSet("requested_slot", "preferred_times")]


FILLED = {**RELAXATION, "appointment_type": "swedish_60", "client_name": "Dana Cole",
          "phone": "555-201-3344", "contact": "555-201-3344", "preferred_times": "weekday evenings",
          "requested_slot": "confirm"}


async def test_correction_at_the_summary_updates_and_reasks():
    tr = tracker("wait my number is 555-777-1212", "correct", FILLED)
    events, messages = await run(ValidateIntakeForm(), tr)
    # a phone number in any message of the form also goes through validate_contact
    assert events == [SlotSet("contact", "(555) 777-1212"), SlotSet("confirm", None),
                      SlotSet("phone", "+15557771212"), SlotSet("email", None),
                      SlotSet("awaiting_change", False), SlotSet("requested_slot", "confirm")]
    assert [m["response"] for m in messages] == ["utter_updated"]
    assert said(messages) == ["Updated."]


async def test_confirm_is_only_ever_true_false_or_none():
    """A correction or a "no" at the summary is a False confirm (not confirmed), never a
    string in the bool slot; validation turns it into None, so the summary is asked again."""
    form = ValidateIntakeForm()
    for said_now, intent, expected in (("yes that's right", "affirm", True), ("no", "deny", False),
                                       ("wait my number is 555-777-1212", "correct", False),
                                       ("hmm the time", "correct", False)):
        extracted = await form.extract_confirm(CollectingDispatcher(),
                                               tracker(said_now, intent, FILLED), DOMAIN)
        assert extracted == {"confirm": expected}, said_now


async def test_no_at_the_summary_asks_what_to_change():
    events, messages = await run(ValidateIntakeForm(), tracker("no", "deny", FILLED))
    assert events == [SlotSet("confirm", None), SlotSet("awaiting_change", True),
                      SlotSet("attempts", {"confirm": 1}), SlotSet("requested_slot", "confirm")]
    assert [m["response"] for m in messages] == ["utter_ask_what_to_change"]


async def test_summary_restates_every_value_in_plain_text():
    events, messages = await run(ActionAskConfirm(), tracker("", "give_availability", FILLED))
    assert events == []
    assert [m["response"] for m in messages] == ["utter_summary"]
    [text] = said(messages)
    assert text == ("Here's what I have:\n"
                    "- What brings you in: relaxation\n"
                    "- Massage: relaxation, Swedish relaxation massage, 60 min, $95\n"
                    "- Name: Dana Cole\n"
                    "- Contact: (555) 201-3344\n"
                    "- Preferred times: weekday evenings\n"
                    "Is that all correct? Reply yes, or tell me what to change.")


async def test_appointment_question_explains_kind_reasons_and_prices():
    slots = {**RELAXATION, "reasons": ["wants relaxation"]}
    events, messages = await run(ActionAskAppointmentType(), tracker("", "want_relaxation", slots))
    assert events == [SlotSet("recommended_types", ["swedish_60", "swedish_90"])]
    assert [m["response"] for m in messages] == ["utter_options_relaxation"]
    [text] = said(messages)
    assert "relaxation massage" in text and "1. " in text and "$" in text and "min" in text


async def test_start_over_and_stop_reset_everything():
    for action, response in ((ActionStartOver(), "utter_start_over"),
                             (ActionStopIntake(), "utter_intake_stopped")):
        events, messages = await run(action, tracker("start over", "start_over", FILLED))
        assert events == [ActiveLoop(None), AllSlotsReset()]
        assert [m["response"] for m in messages] == [response]


async def test_session_start_gives_the_disclaimer_and_carries_nothing_over():
    events, messages = await run(ActionSessionStart(), tracker("hi", "greet", FILLED))
    assert events == [SessionStarted(), ActionExecuted("action_listen")]
    assert [m["response"] for m in messages] == ["utter_greet"]


async def test_submit_stores_the_intake_with_its_transcript(tmp_path, monkeypatch):
    from bot.storage import db
    from bot.storage.export import export_intakes

    url = f"sqlite:///{tmp_path / 'intake.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("INTAKE_OUTBOX_DIR", str(tmp_path / "outbox"))
    db.upgrade_database(url)
    history = [{"event": "user", "text": "just want to relax", "timestamp": 1700000000},
               {"event": "bot", "text": "Here's what I have", "timestamp": 1700000001}]
    events, messages = await run(ActionSubmitIntake(), tracker("yes", "affirm",
                                 {**FILLED, "confirm": True}, events=history))
    assert events == [AllSlotsReset(), SlotSet("intake_id", "1")]
    assert [m["response"] for m in messages] == ["utter_intake_submitted_named"]
    assert said(messages)[0].startswith(
        "Thank you, Dana! Your request for Swedish relaxation massage, 60 min, $")
    import json
    [stored] = json.loads(export_intakes(url))
    assert stored["contact"] == {"name": "Dana Cole", "phone": "555-201-3344", "email": None}
    assert stored["appointment_type"] == "swedish_60" and stored["goals"] == ["relaxation"]
    assert [m["sender"] for m in stored["transcript"]] == ["client", "bot"]


async def test_health_answer_with_a_caution_tells_the_client_and_marks_the_intake():
    medical = {**RELAXATION, "client_type": "medical", "pain_details": "3 weeks",
               "requested_slot": "health_screen"}
    events, messages = await run(ValidateIntakeForm(), tracker(
        "i take eliquis for my heart", "inform_referral", medical))
    slots = {e["name"]: e["value"] for e in events}
    assert [e["name"] for e in events] == ["health_screen", "safety", "requested_slot"]
    assert slots["safety"]["outcome"] == "therapist_review"
    assert "blood_thinners" in slots["safety"]["cautions"]
    assert [m["text"] for m in messages] == slots["safety"]["messages"]
    assert "therapist" in messages[0]["text"]


async def test_recent_surgery_needs_clearance_and_the_summary_says_so():
    medical = {**RELAXATION, "client_type": "medical", "pain_details": "3 weeks",
               "requested_slot": "health_screen"}
    events, messages = await run(ValidateIntakeForm(), tracker(
        "had my knee replaced 3 weeks ago", "describe_symptoms", medical))
    safety = {e["name"]: e["value"] for e in events}["safety"]
    assert safety["outcome"] == "clearance_needed" and "recent_surgery" in safety["red_flags"]
    assert "doctor" in messages[-1]["text"]
    _, summary = await run(ActionAskConfirm(), tracker("", "affirm", {**FILLED, "safety": safety}))
    assert "Before booking: we need your doctor's okay" in said(summary)[0]


async def test_emergency_is_stored_with_its_red_flags_and_ends_the_intake(tmp_path, monkeypatch):
    import json

    from actions.safety import ActionRecordEmergency
    from bot.storage import db
    from bot.storage.export import export_intakes

    url = f"sqlite:///{tmp_path / 'intake.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("INTAKE_OUTBOX_DIR", str(tmp_path / "outbox"))
    db.upgrade_database(url)
    events, messages = await run(ActionRecordEmergency(), tracker(
        "my left calf is swollen hot and red since my flight", "report_emergency", FILLED))
    [stored] = json.loads(export_intakes(url))
    # the slots start again from nothing but the screen, how to reach the client and the
    # hold: nothing more is booked in this conversation (later messages get
    # action_emergency_hold, which adds a contact given then to this record)
    assert events == [AllSlotsReset(), SlotSet("safety", {
        "outcome": "urgent", "red_flags": stored["red_flags"], "cautions": stored["cautions"],
        "messages": [], "emergency": True, "reschedule": False, "evidence": {}, "checks": [],
        "check_answers": {}}), SlotSet("emergency_hold", True),
        SlotSet("client_name", "Dana Cole"), SlotSet("phone", "555-201-3344"),
        SlotSet("emergency_intake_id", str(stored["id"]))] and messages == []
    assert stored["status"] == "emergency" and stored["safety_outcome"] == "urgent"
    assert stored["red_flags"] and stored["appointment_type"] is None


# ---- issue 7 and 8: the "is this happening now?" question, context, no loops -------------

MEDICAL_CONCERNS = {
    "concerns": {"conditions": [{"id": "back_pain", "text": "back hurts", "status": "present",
                                 "body_part": "lower_back", "side": None}],
                 "goals": [], "severity": None, "duration": None, "aggravators": [],
                 "surgery": None, "referral": None, "preference": None},
    "client_type": "medical", "recommended_types": ["neuromuscular_60"]}

async def test_an_unclear_symptom_asks_is_this_happening_now_first():
    events, _ = await run(ValidateIntakeForm(), tracker(
        "my lower back hurts and my chest gets tight sometimes", "describe_symptoms"))
    slots = {e["name"]: e["value"] for e in events}
    assert slots["safety"]["checks"] == ["chest_pain"] and slots["safety"]["outcome"] == "book"
    assert slots["emergency_check"] is None
    # the form's next question is the check (here the domain's order, so Rasa requests it)
    after = tracker("", "describe_symptoms", slots)
    required = await ValidateIntakeForm().required_slots([], CollectingDispatcher(), after, DOMAIN)
    assert required[0] == "emergency_check" and slots.get("requested_slot") in (None, "emergency_check")


async def test_no_to_is_this_happening_now_is_kept_for_staff_and_the_intake_goes_on():
    safety = {"outcome": "book", "checks": ["stroke_signs"], "check_answers": {},
              "evidence": {"stroke_signs": "dizzy"}}
    tr = tracker("no, it passed", "deny", {**MEDICAL_CONCERNS, "safety": safety,
                                          "requested_slot": "emergency_check"})
    events, messages = await run(ValidateIntakeForm(), tr)
    slots = {e["name"]: e["value"] for e in events}
    assert slots["emergency_check"] == "no"
    assert slots["safety"]["checks"] == [] and slots["safety"]["check_answers"] == {
        "stroke_signs": "no"}
    assert slots["requested_slot"] == "pain_details" and messages == []


async def test_a_name_that_is_also_a_word_is_taken_whole():
    tr = tracker("Jo Park", "ask_hours_location", {**RELAXATION, "appointment_type": "swedish_60",
                 "requested_slot": "client_name"},
                 entities=[{"entity": "client_name", "value": "Park", "start": 3, "end": 7}])
    events, _ = await run(ValidateIntakeForm(), tr)
    assert SlotSet("client_name", "Jo Park") in events


async def test_the_third_unreadable_answer_is_taken_as_given_and_flagged():
    tr = tracker("whenever really", "give_contact", {**RELAXATION, "appointment_type":
                 "swedish_60", "client_name": "Dana", "requested_slot": "contact",
                 "attempts": {"contact": 1}})
    events, messages = await run(ValidateIntakeForm(), tr)
    assert events[-3:] == [SlotSet("attempts", {"taken_as_given": {"contact": "whenever really"}}),
                           SlotSet("contact", "whenever really"),
                           SlotSet("requested_slot", "preferred_times")]
    assert "as you wrote it" in said(messages)[-1]


async def test_nothing_to_change_confirms_the_summary():
    tr = tracker("nothing, it's all fine", "deny", {**FILLED, "awaiting_change": True})
    events, _ = await run(ValidateIntakeForm(), tr)
    assert SlotSet("confirm", True) in events


async def test_severity_and_duration_keep_the_words_and_message_they_came_from():
    events, _ = await run(ValidateIntakeForm(), tracker(
        "my lower back has hurt for 3 weeks, about a 7 when I sit", "describe_symptoms",
        events=[{"event": "user", "text": "hi"}, {"event": "user", "text": "..."}]))
    concerns = {e["name"]: e["value"] for e in events}["concerns"]
    assert concerns["severity"] == 7 and concerns["sources"] == {
        "severity": {"text": "about a 7", "start": 36, "end": 45, "message": 2},
        "duration": {"text": "for 3 weeks", "start": 23, "end": 34, "message": 2}}


# ---- issue 9: what a client-style test found --------------------------------------------

async def test_an_insurer_with_a_question_keeps_the_answer_and_answers_the_question():
    tr = tracker("Medicare. Does Medicare pay for massage?", "inform_insurance", {
        **FILLED, **MEDICAL_CONCERNS, "pain_details": "6/10", "health_screen": "none",
        "appointment_type": "neuromuscular_60", "referral": False, "insurance": None,
        "requested_slot": "insurance"})
    events, messages = await run(ValidateIntakeForm(), tr)
    assert SlotSet("insurance", "Medicare") in events
    assert [m.get("response") for m in messages] == ["utter_insurance"]


async def test_a_phone_fix_at_the_times_question_is_no_times():
    tr = tracker("sorry, my number is 617-555-0132, I transposed the digits", "correct", {
        **RELAXATION, "appointment_type": "swedish_60", "client_name": "Dana", "contact": "x",
        "phone": "+15552013344", "requested_slot": "preferred_times"})
    events, _ = await run(ValidateIntakeForm(), tr)
    assert not any(e.get("name") == "preferred_times" and e.get("value") for e in events)
    assert SlotSet("phone", "+16175550132") in events


async def test_a_treatment_switch_at_the_name_question_is_no_name():
    tr = tracker("wait no actually the sports one", "choose_appointment", {
        **RELAXATION, "client_type": "medical", "appointment_type": "deep_tissue_60",
        "recommended_types": ["neuromuscular_60", "deep_tissue_60", "sports_60"],
        "requested_slot": "client_name"})
    events, messages = await run(ValidateIntakeForm(), tr)
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots.get("client_name") is None and slots["appointment_type"] == "sports_60"
    assert said(messages)[0].startswith("Got it: Sports")


async def test_a_question_about_the_listed_options_is_answered_and_asked_again():
    tr = tracker("whats the diff between 1 and 2?", "choose_appointment", {
        **MEDICAL_CONCERNS, "pain_details": "6/10", "health_screen": "none",
        "recommended_types": ["neuromuscular_60", "myofascial_60", "deep_tissue_60"],
        "requested_slot": "appointment_type"})
    events, messages = await run(ValidateIntakeForm(), tr)
    assert SlotSet("appointment_type", None) in events
    [answer] = said(messages)
    assert answer.startswith("1. Neuromuscular therapy") and "\n2. Myofascial release" in answer
    assert "3." not in answer


async def test_a_referral_and_an_insurer_said_early_are_not_asked_again():
    tr = tracker("Dr. Kim referred me for my frozen shoulder, I have Aetna", "describe_symptoms",
                 {"safety": BOOK, "requested_slot": "concerns"})
    events, _ = await run(ValidateIntakeForm(), tr)
    slots = {e["name"]: e["value"] for e in events}
    assert slots["referral"] is True and slots["referral_provider"] == "Dr. Kim"
    assert slots["insurance"] == "Aetna"


@pytest.mark.parametrize(("said", "stored"), [("no wait, i want 2 instead", "myofascial_60"),
                                               ("wait which one did u pick? i didnt choose yet", None)])
async def test_at_the_name_question_a_switch_or_a_question_is_no_name(said, stored):
    tr = tracker(said, "give_name", {
        **RELAXATION, "client_type": "medical", "appointment_type": "neuromuscular_60",
        "recommended_types": ["neuromuscular_60", "myofascial_60", "deep_tissue_60"],
        "requested_slot": "client_name"})
    events, _ = await run(ValidateIntakeForm(), tr)
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots.get("client_name") is None
    assert slots.get("appointment_type", "neuromuscular_60") == (stored or "neuromuscular_60")


async def test_a_question_about_a_referral_is_no_referral():
    tr = tracker("do I need a referral?", "ask_referral", {
        **MEDICAL_CONCERNS, "pain_details": "6/10", "health_screen": "none",
        "appointment_type": "neuromuscular_60", "client_name": "Jo Park",
        "requested_slot": "contact"})
    events, _ = await run(ValidateIntakeForm(), tr)
    assert not [e for e in events if e.get("name") == "referral"]


async def test_a_question_about_the_prices_lists_the_menu():
    from actions.faq import ActionAnswerPrice

    events, messages = await run(ActionAnswerPrice(), tracker("how much?", "ask_price", {}))
    assert events == [] and [m["response"] for m in messages] == ["utter_prices"]
    lines = said(messages)[0].splitlines()
    assert lines[0] == "Our prices:" and lines[1].startswith("- Neuromuscular therapy")
    assert len(lines) == 1 + len(catalogue.load_catalogue())


def test_every_response_the_actions_send_is_in_the_domain():
    """Names written in the actions, and the ones bot.intake picks by case."""
    import re
    from itertools import product

    import yaml

    from bot.extraction import Extraction
    from bot.intake import pain_details_message, summary_message
    from tests.conftest import ROOT

    responses = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
    named = {name for path in (ROOT / "actions").glob("*.py")
             for name in re.findall(r'response="(utter_\w+)"', path.read_text())}
    for duration, severity, aggravators in product((None, "3 weeks"), (None, 5), ([], ["sitting"])):
        named.add(pain_details_message(Extraction(duration=duration, severity=severity,
                                                  aggravators=aggravators))[0])
    for kind, outcome in product(("medical", "relaxation", "unclear"), ("book", "clearance_needed")):
        named.add(summary_message({"client_type": kind, "safety": {"outcome": outcome}})[0])
    named |= {"utter_options_medical", "utter_options_relaxation"}
    assert len([n for n in named if n.startswith("utter_pain_details_")]) == 8
    assert len([n for n in named if n.startswith("utter_summary")]) == 4
    assert sorted(n for n in named if n not in responses) == []


async def test_a_tied_pick_gets_one_question_naming_the_options():
    tr = tracker("the cheaper one", "choose_appointment", {
        **MEDICAL_CONCERNS, "pain_details": "6/10", "health_screen": "none",
        "recommended_types": ["neuromuscular_60", "myofascial_60", "deep_tissue_60"],
        "requested_slot": "appointment_type"})
    events, messages = await run(ValidateIntakeForm(), tr)
    assert SlotSet("appointment_type", None) in events
    [text] = said(messages)
    assert text.startswith("These cost the same: 1. Neuromuscular") and "3. Deep tissue" in text


async def test_a_switch_of_treatment_while_asked_for_the_phone():
    tr = tracker("no wait, I want number 2", "choose_appointment", {
        **RELAXATION, "client_type": "medical", "appointment_type": "neuromuscular_60",
        "recommended_types": ["neuromuscular_60", "myofascial_60", "deep_tissue_60"],
        "pain_details": "6/10", "client_name": "Rose Hill", "requested_slot": "contact"})
    events, messages = await run(ValidateIntakeForm(), tr)
    assert SlotSet("appointment_type", "myofascial_60") in events
    assert said(messages) == ["Got it: Myofascial release, 60 min, $115."]
    assert events[-1] == SlotSet("requested_slot", "contact")


async def test_a_value_given_properly_later_is_no_longer_flagged():
    tr = tracker("no wait, I want number 2", "choose_appointment", {
        **RELAXATION, "client_type": "medical", "appointment_type": "undecided",
        "recommended_types": ["neuromuscular_60", "myofascial_60", "deep_tissue_60"],
        "pain_details": "6/10", "client_name": "Rose Hill", "requested_slot": "contact",
        "attempts": {"taken_as_given": {"appointment_type": "Hunter Lane"}}})
    events, _ = await run(ValidateIntakeForm(), tr)
    assert SlotSet("appointment_type", "myofascial_60") in events
    assert SlotSet("attempts", {"taken_as_given": {}}) in events


async def test_a_change_the_bot_cannot_make_is_noted_and_confirmed_again_never_sent():
    """A client-style test (2026-12-07): at the fourth "change ..." the bot could not read,
    the request was sent without a yes. Now the words are a note for staff in the summary,
    and the client is asked to confirm again."""
    tr = tracker("please fix the thing I said", "correct",
                 {**FILLED, "awaiting_change": True, "attempts": {"confirm": 1}})
    events, messages = await run(ValidateIntakeForm(), tr)
    assert SlotSet("confirm", True) not in events
    assert SlotSet("confirm", None) in events
    assert SlotSet("attempts", {"taken_as_given": {"confirm": "please fix the thing I said"}}) in events
    assert "as you wrote it" in said(messages)[-1]
    noted = {**FILLED, "attempts": {"taken_as_given": {"confirm": "please fix the thing I said"}}}
    _, summary = await run(ActionAskConfirm(), tracker("", "correct", noted))
    assert 'staff will make the change you asked for ("please fix the thing I said")' in said(summary)[0]


async def test_an_insurer_the_bot_does_not_know_is_changed_as_written_at_the_summary():
    medical = {**FILLED, "client_type": "medical", "insurance": "Aetna", "referral": False}
    events, messages = await run(ValidateIntakeForm(), tracker("change insurance to Bupa",
                                                               "correct", medical))
    assert SlotSet("insurance", "Bupa") in events
    assert [m["response"] for m in messages] == ["utter_updated"]


async def test_a_correction_to_what_the_summary_already_says_is_noted_not_misunderstood():
    """A client-style test: "insurance is Blue Cross" when the summary showed Blue Cross Blue
    Shield got "Sorry, I couldn't tell what to change" again and again."""
    filled = {**FILLED, "insurance": "Blue Cross Blue Shield"}
    tr = tracker("insurance is Blue Cross", "correct", filled)
    events, messages = await run(ValidateIntakeForm(), tr)
    assert [m["response"] for m in messages] == ["utter_already_noted"]
    assert SlotSet("confirm", None) in events and SlotSet("awaiting_change", False) in events


async def test_a_long_statement_with_a_question_at_the_list_is_no_pick():
    """A client-style test: "I'm not recovering from surgery dear, the hip is fine, its my
    hands and knees. Which one would be gentle? ..." picked the post-surgical work."""
    slots = {**RELAXATION, "client_type": "medical", "requested_slot": "appointment_type",
             "recommended_types": ["myofascial_60", "post_surgical_60", "lymphatic_drainage_60"]}
    tr = tracker("I'm not recovering from surgery dear, the hip is fine, its my hands and "
                 "knees. Which one would be gentle? I bruise easily with the warfarin.",
                 "ask_medical_massage", slots)
    events, _ = await run(ValidateIntakeForm(), tr)
    assert SlotSet("appointment_type", None) in events
    assert not any(e.get("name") == "appointment_type" and e.get("value") for e in events)


async def test_times_changed_at_the_summary_are_an_update_not_already_noted():
    """A client-style test: "actually make that thurs or fri mornings, not sat" at the summary
    got "That's what I have already" though the times were changed (the times' mapping had
    filled the slot from this message before the summary was compared)."""
    earlier = [{"event": "slot", "timestamp": None, "name": "preferred_times",
                "value": "saturday mornings"},
               {"event": "user", "timestamp": None, "text": "saturday mornings"},
               {"event": "bot", "timestamp": None, "text": "Here's what I have: ..."},
               {"event": "user", "timestamp": None,
                "text": "actually make that thurs or fri mornings, not sat"},
               {"event": "slot", "timestamp": None, "name": "preferred_times",
                "value": "actually make that thurs or fri mornings, not sat"}]
    tr = tracker("actually make that thurs or fri mornings, not sat", "correct",
                 {**FILLED, "preferred_times": "actually make that thurs or fri mornings, not sat"},
                 events=earlier)
    events, messages = await run(ValidateIntakeForm(), tr)
    assert [m["response"] for m in messages] == ["utter_updated"]
    assert any(e.get("name") == "preferred_times" and "thurs" in str(e.get("value"))
               for e in events)


async def test_ok_with_a_change_at_the_summary_is_the_change_not_a_yes():
    """A client-style test: "ok make it 8am first thing then" at the summary sent the request
    with the old times."""
    tr = tracker("ok make it 8am first thing then", "affirm",
                 {**FILLED, "preferred_times": "early mornings b4 work, like 7am",
                  "requested_slot": "confirm"})
    events, messages = await run(ValidateIntakeForm(), tr)
    assert SlotSet("confirm", True) not in events
    assert any(e.get("name") == "preferred_times" and "8am" in str(e.get("value")) for e in events)


async def test_the_one_booking_named_at_the_summary_is_noted_as_the_booker():
    """A client-style test: "I'm booking for her, my name is Carol" replaced the client's name
    (Rose Bush) with Carol."""
    tr = tracker("I'm booking for her, my name is Carol", "correct",
                 {**FILLED, "client_name": "Rose Bush"})
    events, messages = await run(ValidateIntakeForm(), tr)
    assert SlotSet("booked_by", "Carol, booking for her") in events
    assert not any(e.get("name") == "client_name" for e in events)
    assert [m["response"] for m in messages] == ["utter_updated"]


async def test_a_health_detail_told_at_the_summary_is_noted_not_misunderstood():
    """A client-style test: "you forgot she's on warfarin (blood thinner)" at the summary got
    "Sorry, I couldn't tell what to change" and "Thanks, I've noted that" in one turn."""
    tr = tracker("oh and i take warfarin, a blood thinner", "inform", FILLED)
    events, messages = await run(ValidateIntakeForm(), tr)
    responses = [m.get("response") for m in messages]
    assert "utter_correction_unclear" not in responses
    assert SlotSet("confirm", None) in events
    assert any(e.get("name") == "safety" and "blood_thinners" in (e.get("value") or {}).get("cautions", [])
               for e in events)
