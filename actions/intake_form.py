"""Fills and checks the intake form's slots; the logic itself is in bot.intake."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from bot import catalogue
from bot.extraction import Extraction, referral_in
from actions.faq import QUESTION_RESPONSES, answer_question
from bot.faq import answer as faq_answer, names_a_closed_day
from bot.intake import (answer_checks, assess, booked_for, contact_from, contact_text,
                        NAME_CORRECTION, correction_updates, length_kept_message,
                        summary_message,
                        insurance_from, insurer_named, introduced_name, new_safety_messages,
                        caution_noted, rated_in_numbers, says_a_minor, screened_flags,
                        screen_conversation,
                        latest_times, name_from, referral_provider, says_when, taken_as_given,
                        times_from_correction, times_said_with, TIMES_CHANGE, UNDECIDED,
                        insurer_as_written, with_surname,
                        update_concerns)
from bot.labels import label
from bot.safety import answer_to_check, safety_message
from bot.storage.sms import sms_number_on_file
from bot.turns import (about_the_options, answer_part, answers_the_question, confirms,
                       only_says, phrase_said, plainly_a_question, says, takes_over)

# Slots whose answers are names, numbers or corrections, not a description of concerns.
NOT_CONCERNS = {"client_name", "contact", "confirm"}
#: Questions during which "no wait, I want number 2" switches the treatment chosen before.
SWITCH_WHILE_ASKING = {"contact", "preferred_times", "referral", "insurance"}
#: the client's unanswered questions and notes kept for staff (the latest ones of each)
MAX_QUESTIONS_KEPT = 5
SWITCH_KIND = re.compile(r"^\s*(?:(?:(?:can you |could you |please )?show me|i'?d (?:like|rather)|"
                         r"i want|let'?s (?:see|do)|what about|how about|actually)\s+)?"
                         r"(?:the\s+)?(relaxation|relaxing|medical|therapeutic)\b", re.I)


def _message(tracker: Tracker) -> tuple[str, list, Optional[str]]:
    latest = tracker.latest_message or {}
    return latest.get("text") or "", latest.get("entities") or [], \
        (latest.get("intent") or {}).get("name")


def _number_on_file(tracker: Tracker, events: list) -> list:
    """An SMS client's contact is the number they text from: the SMS channel keeps it in the
    intake database (never in the tracker), so the form does not ask for it, the summary
    says "the number you're texting from" and the stored intake gets the number
    (actions/submission.py). Looked up once per intake."""
    if tracker.get_slot("phone_on_file") is not None \
            or tracker.get_latest_input_channel() != "sms":
        return []
    on_file = sms_number_on_file(tracker.sender_id, "sms") is not None
    contact_given = tracker.get_slot("contact") or any(
        e.get("event") == "slot" and e.get("name") == "contact" and e.get("value")
        for e in events)
    return [SlotSet("phone_on_file", on_file)] + (
        [SlotSet("contact", label("values", "sms_number"))] if on_file and not contact_given
        else [])


def _answering(tracker: Tracker, slot: str) -> bool:
    """True when this user message answers the question the form asked for `slot`: it is,
    unless it is plainly a question, stop, start over or an emergency (bot.turns); a message
    that answers and asks ("no none of those. do you take insurance?") answers too."""
    text, _, intent = _message(tracker)
    return tracker.get_slot("requested_slot") == slot and (
        answers_the_question(intent, text, slot) or bool(_answer_text(tracker)) and not takes_over(intent))


def _answer_text(tracker: Tracker) -> str:
    """The words that answer the question asked: the whole message, or, when it also asks a
    question of its own, the sentences that do not ("sports one. do i need a parent there?"
    -> "sports one."), while the question is answered by its rule."""
    text, _, intent = _message(tracker)
    asked = tracker.get_slot("requested_slot")
    return text if answers_the_question(intent, text, asked) else answer_part(text)


class ValidateIntakeForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_intake_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        # the slots as the client's message found them (the summary they answer), before
        # this message's mappings and rasa-sdk's extraction fill any: validate_confirm
        tracker.slots_before_message = _slots_before_message(tracker)
        return await super().run(dispatcher, tracker, domain)

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[Dict[Text, Any]]:
        events = await self._validation_events(dispatcher, tracker, domain)
        return events + _number_on_file(tracker, events)

    async def _validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> List[Dict[Text, Any]]:
        """Fills the slots, then screens the message for red flags and cautions.

        Every client message in the form is screened, whatever question it answers; when
        the outcome gets more serious the client is told right away what it means. (Here,
        not in run(), so the next question rasa-sdk picks already sees these slots.)
        """
        events = await super().get_validation_events(dispatcher, tracker, domain)
        text, _, intent = _message(tracker)
        requested = tracker.get_slot("requested_slot")
        if intent in QUESTION_RESPONSES and requested and _answering(tracker, requested) \
                and not answers_the_question(intent, text, requested):
            # "how much is a half hour session? I'm on a pension": the form took the answer
            # part, so no rule answers the question: answered here, first
            picked = [e.get("value") for e in events if e.get("event") == "slot"
                      and e.get("name") == "appointment_type" and e.get("value")]
            about = catalogue.offered_types(picked[-1:]) if picked else None
            answered = CollectingDispatcher()
            answer_question(answered, intent, about)
            dispatcher.messages[:0] = answered.messages
        if tracker.get_slot("awaiting_followup"):
            # "lol sorry. i just want a relaxing massage" after "write your message in one go":
            # the intake, not a message for staff
            events.append(SlotSet("awaiting_followup", False))
        if takes_over(intent):
            return events
        slots = {**tracker.current_slot_values(),
                 **{e["name"]: e["value"] for e in events if e.get("event") == "slot"}}
        if tracker.get_slot("requested_slot") in SWITCH_WHILE_ASKING:
            changed = _changed_treatment(text, tracker)
            if changed is not None:  # "no wait, I want number 2" while asked for the phone
                events += [SlotSet(k, v) for k, v
                           in _switched_to(changed, dispatcher, tracker).items()]
                return events + _forget_replaced(tracker, events)
            kept = _CHANGE_OF_MIND.search(text) and length_kept_message(slots, text)
            if kept:  # "actually make it the 90 minute one" of a 60-minute-only treatment
                dispatcher.utter_message(response=kept[0], **kept[1])
                requested = tracker.get_slot("requested_slot")
                return [e for e in events if e.get("name") != requested] + [
                    SlotSet(requested, None)]
        set_now = {e["name"] for e in events if e.get("event") == "slot"}
        events += [SlotSet(name, value) for name, value in _said_early(tracker, text).items()
                   if name not in set_now]
        if not tracker.get_slot("minor") and says_a_minor(text):
            events.append(SlotSet("minor", True))  # "im 15": a guardian's consent first
        events += self._no_loops(dispatcher, tracker, events, text, intent)
        events += _forget_replaced(tracker, events)
        previous = slots.get("safety")
        if tracker.get_slot("requested_slot") == "emergency_check":
            return events  # the answer to "is this happening now?" is not screened again
        model_flagged = bool((tracker.latest_message or {}).get("possible_emergency"))
        updated = screen_conversation(previous, text, slots.get("concerns"), model_flagged)
        if _said(updated) != _said(previous):
            for message in new_safety_messages(previous, updated):
                dispatcher.utter_message(text=message)  # the practice's wording, data/safety.yml
            events.append(SlotSet("safety", updated))
            if updated.get("checks"):
                events.append(SlotSet("emergency_check", None))  # asked next: required_slots
        return events

    def _no_loops(self, dispatcher: CollectingDispatcher, tracker: Tracker, events: list,
                  text: str, intent: Optional[str]) -> list:
        """No question is asked more than twice in a row: at the third time the client's
        words are taken as the answer, flagged for staff (bot.intake.taken_as_given)."""
        requested = tracker.get_slot("requested_slot")
        if not requested or requested == "emergency_check" \
                or not answers_the_question(intent, text) or intent in QUESTION_RESPONSES:
            return []  # a question is answered by its rule: no failed answer to count
        before = tracker.get_slot("attempts") or {}
        attempts = dict(before)
        filled = [e for e in events if e.get("event") == "slot" and e.get("name") == requested]
        progress = {e.get("name") for e in events if e.get("event") == "slot"} - {
            requested, "attempts", "requested_slot", "safety", "awaiting_change"}
        if progress or (filled and filled[-1].get("value") is not None):
            attempts.pop(requested, None)
            return [SlotSet("attempts", attempts)] if attempts != before else []
        if plainly_a_question(text) and not answer_part(text):
            # a question is no failed answer ("can i bring my own music?" was taken as the
            # pick at the third question); one nothing answered is noted for staff
            if dispatcher.messages:
                return []
            dispatcher.utter_message(response="utter_question_for_staff")
            return [SlotSet("attempts", _kept_for_staff(attempts, "questions_for_staff", text))]
        attempts[requested] = attempts.get(requested, 0) + 1
        if attempts[requested] < 2:
            return [SlotSet("attempts", attempts)]
        given = taken_as_given(requested, text)
        if given is None:
            return [SlotSet("attempts", attempts)]
        attempts.pop(requested, None)
        attempts.setdefault("taken_as_given", {})[requested] = text[:300]
        dispatcher.utter_message(response="utter_taken_as_given")
        return [SlotSet("attempts", attempts), *[SlotSet(k, v) for k, v in given.items()]]

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        medical = tracker.get_slot("client_type") == "medical"
        # how long and how bad, said with the concerns, are not asked again; nor asked of a
        # client with a fever, who books once recovered (the pain may be the illness's)
        rescheduled = bool((tracker.get_slot("safety") or {}).get("reschedule"))
        asks_pain = medical and not tracker.get_slot("pain_details_given") and not rescheduled
        pending = (tracker.get_slot("safety") or {}).get("checks")
        slots = ["emergency_check"] if pending else []
        slots += ["concerns"]
        slots += ["pain_details"] if asks_pain else []
        # every client is asked the contraindication questions: pregnancy, clots, blood
        # thinners, recent surgery or fever matter for a relaxation massage too. Not the
        # buyer of a gift: the person who comes is asked at their visit.
        concerns = tracker.get_slot("concerns") or {}
        only_a_gift = concerns.get("goals") == ["gift"] and not concerns.get("conditions")
        slots += [] if only_a_gift and not medical else ["health_screen"]
        slots += ["appointment_type", "client_name", "contact", "preferred_times"]
        slots += ["referral", "insurance"] if medical else []
        return slots + ["confirm"]

    # -- concerns: every message may add to them, in any order -------------------------
    async def extract_concerns(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        text, entities, intent = _message(tracker)
        if tracker.get_slot("requested_slot") in NOT_CONCERNS or takes_over(intent):
            return {}
        previous = tracker.get_slot("concerns")
        asked = tracker.get_slot("requested_slot") == "pain_details"
        if intent in QUESTION_RESPONSES and tracker.get_slot("requested_slot") in (None, "concerns"):
            # "u didnt say how much tho" asks without a question mark: the rule answers it
            # (no slot filled here), unless a concern is said with it
            said = update_concerns(None, text, entities, intent, a_question=True)
            if not (said.present() or said.goals or said.wants_massage or said.preference):
                return {}
        if not answers_the_question(intent, text) or (
                tracker.get_slot("requested_slot") == "appointment_type" and _weighs_the_kinds(text)):
            # A question ("what's medical massage?", "do I need a referral?", "or is that less
            # helpful for the back?") is no wish for a kind and no referral; only a concern
            # said with it counts ("...I have sciatica").
            picking = tracker.get_slot("requested_slot") == "appointment_type"
            said = update_concerns(None, text, entities, intent, picking_a_treatment=picking,
                                   a_question=True)
            if not (said.present() or said.goals):
                return {}
            found = Extraction.from_dict(previous).merge(said)
        else:
            number = sum(1 for e in tracker.events if e.get("event") == "user") or None
            found = update_concerns(
                previous, text, entities, intent, asked_severity=asked, message=number,
                picking_a_treatment=tracker.get_slot("requested_slot") == "appointment_type",
                about_the_complaint=tracker.get_slot("requested_slot") in (
                    None, "concerns", "pain_details", "emergency_check")
                or _late_pain_answer(tracker, text))
        updated = found.to_dict()
        if previous is None and tracker.get_slot("requested_slot") in (None, "concerns"):
            return {"concerns": updated}  # validated: an empty one gets a clear re-ask
        return {"concerns": updated} if updated != Extraction.from_dict(previous).to_dict() else {}

    def validate_concerns(self, value: Any, dispatcher: CollectingDispatcher,
                          tracker: Tracker, domain: DomainDict,
                          kind: Optional[str] = None) -> Dict[Text, Any]:
        if tracker.get_slot("client_type") is None \
                and (tracker.get_slot("safety") or {}).get("outcome") == "urgent":
            # an emergency came up earlier in this conversation: say it again; the intake is
            # still taken (staff see it as an emergency), never booked as usual
            dispatcher.utter_message(text=safety_message("urgent"))
        extraction = Extraction.from_dict(value)
        assessment = assess(extraction, override=kind or tracker.get_slot("chosen_kind"),
                            flags=screened_flags(tracker.get_slot("safety")))
        only_wants_a_massage = extraction.wants_massage and not (
            extraction.conditions or extraction.goals or extraction.preference
            or extraction.body_words)
        if only_wants_a_massage and tracker.get_slot("requested_slot") is None:
            return {"concerns": None}  # "I'd like to book a massage": ask what brings them in first
        if assessment.classification.client_type == "unclear":
            _, _, intent = _message(tracker)
            if intent not in ("request_booking", "greet", "affirm", "deny", "thank"):
                dispatcher.utter_message(response="utter_unclear_concerns")
            # None re-asks: nothing yet says what the massage is for
            return {"concerns": None}
        slots = {
            "concerns": value,
            "client_type": assessment.classification.client_type,
            "confidence": assessment.classification.confidence,
            "reasons": assessment.classification.reasons,
            "recommended_types": [t.id for t in assessment.recommended],
        }
        if rated_in_numbers(extraction) and extraction.duration:
            slots["pain_details_given"] = True
        if tracker.get_slot("client_type") not in (None, slots["client_type"]):
            slots["appointment_type"] = None  # the offer changes with the kind of massage
        return slots

    # -- "is this happening now?" -------------------------------------------------------
    async def extract_emergency_check(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """A "yes" never reaches here: EmergencyPolicy answers it with the emergency message."""
        if tracker.get_slot("requested_slot") != "emergency_check":
            return {}
        return {"emergency_check": answer_to_check(_message(tracker)[0]) or "unclear"}

    def validate_emergency_check(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        asked = int((tracker.get_slot("safety") or {}).get("check_asked") or 0) + 1
        if value == "unclear" and asked < 2:
            safety = {**(tracker.get_slot("safety") or {}), "check_asked": asked}
            return {"emergency_check": None, "safety": safety}  # asked once more
        if value == "unclear":
            dispatcher.utter_message(text=safety_message("check_unclear"))
        safety = answer_checks(tracker.get_slot("safety"), value)
        safety["check_asked"] = 0
        return {"emergency_check": value, "safety": safety}

    # -- medical details ---------------------------------------------------------------
    async def extract_pain_details(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "pain_details"):
            return {}
        text = _message(tracker)[0]
        if plainly_a_question(text) and not answer_part(text):
            # "but do u think its a pinched nerve?": no answer to how long and how bad; asked
            # again, so the rating and the time said next are read as theirs
            return {}
        return {"pain_details": _answer_text(tracker)}

    async def extract_health_screen(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return {"health_screen": _answer_text(tracker)} if _answering(tracker, "health_screen") else {}

    def validate_pain_details(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return {"pain_details": value}  # any answer will do: extraction reads it with the concerns

    def validate_health_screen(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return {"health_screen": value}  # screened with every message in run()

    # -- appointment type ----------------------------------------------------------------
    async def extract_appointment_type(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if not _answering(tracker, "appointment_type"):
            return {}
        return {"appointment_type": _answer_text(tracker) or " "}

    def validate_appointment_type(self, value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value in {t.id for t in catalogue.load_catalogue()}:
            return {"appointment_type": value}
        text, _, intent = _message(tracker)
        current = tracker.get_slot("client_type")
        wanted = _wanted_kind(text, intent)
        if wanted and wanted != current and _weighs_the_kinds(text):
            # "could she do a relaxation massage instead, or is that less helpful for the
            # back?": a question, answered; the list stays until the client chooses
            dispatcher.utter_message(response="utter_medical_massage")
            return {"appointment_type": None}
        if wanted and wanted != current:
            assessment = assess(Extraction.from_dict(tracker.get_slot("concerns")), override=wanted,
                                flags=screened_flags(tracker.get_slot("safety")))
            # None re-asks, now with the other kind's appointment types
            return {"appointment_type": None, "client_type": wanted, "chosen_kind": wanted,
                    "confidence": assessment.classification.confidence,
                    "reasons": assessment.classification.reasons,
                    "recommended_types": [t.id for t in assessment.recommended]}
        # In the order the list showed them: "the first one" is option 1 of that list.
        offered = catalogue.offered_types(tracker.get_slot("recommended_types"))
        statement = answer_part(text)
        # "the second one. is it gentle?" picks; "I'm not recovering from surgery dear, its
        # my hands and knees. Which one would be gentle?" asks (a long statement is no pick)
        if plainly_a_question(text) and offered and not (
                _picks_one(statement, offered) and len(statement.split()) <= 8):
            # "what's the difference between 1 and 2?": what each is, then the same question
            asked_about = catalogue.options_asked_about(text, offered)
            if len(asked_about) == len(offered) and not about_the_options(text):
                # "what are your hours?": answered above (a rule); "can i bring my own
                # music?": noted for staff (_no_loops)
                return {"appointment_type": None}
            dispatcher.utter_message(response="utter_option_details", details="\n".join(
                f"{offered.index(t) + 1}. {t.name}: {t.description}" for t in asked_about))
            return {"appointment_type": None}
        chosen = catalogue.find_appointment_type(str(value), offered)
        if chosen is None:  # "1. name is Ana Sousa, free tues mornings": the pick, then the rest
            chosen = next((found for part in _clauses(str(value)) if (
                found := catalogue.find_appointment_type(part, offered))), None)
        tied = catalogue.tied_picks(str(value), offered) if chosen is None else []
        if tied:  # "the cheaper one" when two cost the same: one question naming them
            dispatcher.utter_message(response="utter_tied_options", options="; ".join(
                f"{offered.index(t) + 1}. {catalogue.describe(t)}" for t in tied))
            return {"appointment_type": None}
        if chosen is None and (_bare_name(text) or introduced_name(text) or times_said_with(text)
                               or contact_from(text, [])):
            # "Jess Lin", "any sat", an email: kept for their own questions (_said_early,
            # extract_contact); no pick yet
            dispatcher.utter_message(response="utter_pick_still_needed")
            return {"appointment_type": None}
        was_offered = chosen is not None and chosen.id in {t.id for t in offered}
        if chosen is None:
            dispatcher.utter_message(response="utter_invalid_appointment_type")
            return {"appointment_type": None}  # None re-asks with the same options
        flags = set(screened_flags(tracker.get_slot("safety")))
        if chosen.only_with and not flags & set(chosen.only_with) and not set(screened_flags(
                screen_conversation(tracker.get_slot("safety"), text,
                                    tracker.get_slot("concerns"), False))) & set(chosen.only_with):
            # "prenatal massage" from a client who is not pregnant: why not, in one sentence
            dispatcher.utter_message(response="utter_only_with",
                                     treatment=chosen.name.split(",")[0],
                                     needed=_only_with_words(chosen.only_with))
            return {"appointment_type": None}
        if not was_offered and chosen.client_type != current and not wanted \
                and not flags & set(chosen.not_with):
            # "deep tissue" when only Swedish was listed: a treatment of the practice, taken
            # with its kind (the client's choice, kept: chosen_kind)
            dispatcher.utter_message(response="utter_switched_treatment",
                                     treatment=catalogue.describe(chosen))
            return {"appointment_type": chosen.id, "client_type": chosen.client_type,
                    "chosen_kind": chosen.client_type}
        if flags & set(chosen.not_with):
            # "she likes firm pressure so deep tissue" on warfarin: not planned ahead
            dispatcher.utter_message(response="utter_not_with_caution",
                                     treatment=chosen.name.split(",")[0].lower(),
                                     noted=caution_noted(sorted(flags & set(chosen.not_with))))
            return {"appointment_type": None}
        if chosen.only_with:  # prenatal massage: the kind of massage stays the client's
            return {"appointment_type": chosen.id}
        return {"appointment_type": chosen.id, "client_type": chosen.client_type}

    # -- who and when ----------------------------------------------------------------------
    async def extract_client_name(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        # The whole answer, not the model's entity: it cuts names short ("Priya Raman" ->
        # "Raman") and knows no name that is also a word (Park, Hope, Will).
        if not _answering(tracker, "client_name"):
            return {}
        return {"client_name": _answer_text(tracker)}

    def validate_client_name(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        # the whole message too: "can I change to the prenatal one instead? it's probably
        # safer" leaves "it's probably safer" as the answer part, which is no name either
        changed = _changed_treatment(str(value or ""), tracker) \
            or _changed_treatment(_message(tracker)[0], tracker)
        if changed is not None:  # "wait no actually the sports one": not a name
            return {"client_name": None, **_switched_to(changed, dispatcher, tracker)}
        said = str(value or "")
        times = times_said_with(said)
        if times:  # "Chris Park, saturdays are best": the times are kept (_said_early)
            said = _clauses_without(said, times)
        patient, booker = booked_for(said)  # "Margaret Hughes. I'm her daughter Claire"
        name = patient or name_from(said)
        if plainly_a_question(str(value or "")):
            name = ""  # "wait which one did u pick?" is no name
        if name and _only_treatment_words(name):
            name = ""  # "medical", "swedish 60": the client is still choosing, not naming
        if only_says("not_a_name", name) or says("not_in_a_name", name):
            name = ""  # "yes", "ok thanks", "wait i didnt pick yet" (data/lookups/dialogue.yml)
        if not name or len(name) > 80 or not re.search(r"[^\W\d_]", name):
            dispatcher.utter_message(response="utter_name_unclear")
            return {"client_name": None}  # None re-asks: no usable name in the answer
        return {"client_name": name, **({"booked_by": booker} if booker else {})}

    def validate_preferred_times(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """The times as given; a day the practice is closed ("she's free most sundays") is
        kept, and the client told so (data/practice.yml closed)."""
        said = str(value or "")
        if value and not says_when(said):
            name = _corrected_name(said)
            if name:
                # "wait, i spelled my name wrong, it's Siobhan Kelly": the name, then the
                # times question again
                dispatcher.utter_message(response="utter_updated")
                return {"preferred_times": None, "client_name": name}
            if _ABOUT_THE_CONTACT.search(said):
                return {"preferred_times": None}  # "this number is fine": asked again
        if value and names_a_closed_day(str(value)):
            response, facts = faq_answer("sundays")
            dispatcher.utter_message(response="utter_closed_day_note", **facts)
        return {"preferred_times": value}

    async def extract_contact(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        text, entities, intent = _message(tracker)
        found = contact_from(text, entities)
        if found:
            return {"contact": contact_text(found.get("phone"), found.get("email"))}
        if _answering(tracker, "contact"):
            return {"contact": ""}
        return {}

    def validate_contact(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        text, entities, _ = _message(tracker)
        found = contact_from(text, entities)
        if not found and _changed_treatment(text, tracker) is not None:
            return {"contact": None}  # a switch of treatment (get_validation_events), no contact
        if not found:
            name = _corrected_name(text) or with_surname(text, tracker.get_slot("client_name"))
            if name and not plainly_a_question(text):
                # "sorry typo, my name is John Smith": the name, then the contact question again
                dispatcher.utter_message(response="utter_updated")
                return {"contact": None, "client_name": name}
        if not value or not found:
            dispatcher.utter_message(response="utter_invalid_contact")
            return {"contact": None}  # None re-asks: neither a phone number nor an email
        phone = found.get("phone") or tracker.get_slot("phone")
        email = found.get("email") or tracker.get_slot("email")
        surname = with_surname(text, tracker.get_slot("client_name"))
        return {"contact": contact_text(phone, email), "phone": phone, "email": email,
                **({"client_name": surname} if surname else {})}

    async def extract_preferred_times(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        text = _message(tracker)[0].strip()
        if not _answering(tracker, "preferred_times"):
            # "actually make that Thursday" while another question is open
            if tracker.get_slot("preferred_times") and TIMES_CHANGE.search(text) \
                    and says_when(text):
                return {"preferred_times": times_from_correction(text)[:200]}
            return {}
        if contact_from(text, []) and not says_when(text) or _changed_treatment(text, tracker):
            return {}  # a contact fix (extract_contact) or a switch of treatment, no times
        return {"preferred_times": latest_times(_answer_text(tracker).strip())[:200] or None}

    async def extract_referral(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        _, _, intent = _message(tracker)
        if not _answering(tracker, "referral"):
            return {}
        text = _answer_text(tracker)
        said = referral_in(text)
        provider = referral_provider(text)
        if said is None and re.search(r"^\W*(?:no|nope|nah|n)\b|\bnot (?:really|referred|"
                                      r"formally|officially)\b|\bwasn'?t\b", text, re.I):
            said = False
        if said is None and (provider or intent == "affirm"
                             or re.search(r"\b(?:yes|yeah|yep|yup|y)\b", text, re.I)):
            said = True
        if said is None and intent == "deny":
            said = False
        if not provider and phrase_said("not_a_referrer", text) and said is not False:
            said = False  # "my coach kind of, does that count": no referral, noted below
        return {} if said is None else {"referral": said}

    def validate_referral(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """Yes or no, and who referred the client when they say (rasa-sdk keeps only the
        validated slots, so the provider is set here). A coach or a friend who suggested
        massage is no referral for insurance: the client is told so, and it is noted."""
        text = _answer_text(tracker)
        provider = referral_provider(text) if value is True else None
        who = phrase_said("not_a_referrer", text) if value is False else None
        if who and not referral_provider(text):
            dispatcher.utter_message(response="utter_referral_not_medical", who=who)
            return {"referral": False, "referral_provider": label("values", "suggested_by")
                    .format(who=who)}
        return {"referral": value, **({"referral_provider": provider} if provider else {})}

    async def extract_insurance(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """An insurer or self-pay; an answer that also asks ("I have Medicare, does it cover
        it?") keeps the answer while the rule answers the question."""
        text, _, intent = _message(tracker)
        if tracker.get_slot("requested_slot") != "insurance" or takes_over(intent):
            return {}
        named = insurance_from(text) or insurer_as_written(text)
        if named:
            return {"insurance": named}
        return {"insurance": ""} if _answering(tracker, "insurance") else {}

    def validate_insurance(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if value:
            text = _message(tracker)[0]
            if plainly_a_question(text) and not _answered_this_turn(tracker, "utter_insurance") \
                    and not _answered_this_turn(tracker, "utter_faq_medicare"):
                dispatcher.utter_message(response="utter_insurance")  # "...does it cover it?"
            return {"insurance": value}
        dispatcher.utter_message(response="utter_insurance_unclear")
        return {"insurance": None}  # asked once more, then taken as given (_no_loops)

    # -- the summary and its corrections -------------------------------------------------
    async def extract_confirm(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        text, entities, intent = _message(tracker)
        if not _answering(tracker, "confirm"):
            return {}
        # False: not confirmed, something is to change (validate_confirm applies it or asks what)
        changes = correction_updates(tracker.current_slot_values(), text, entities) or (
            TIMES_CHANGE.search(text) and says_when(text)
            and times_from_correction(text) != (getattr(tracker, "slots_before_message", None)
                                                or tracker.current_slot_values()).get("preferred_times"))
        if confirms(text) and not (changes and len(text.split()) > 3):
            return {"confirm": True}  # "yes", "looks right", "nothing" (to "what to change?")
        if changes:
            # "yes but my number is 555-...", "ok make it 8am first thing then" (a client-style
            # test: the "ok" sent the request with the old times)
            return {"confirm": False}
        if intent == "affirm":
            return {"confirm": True}
        return {"confirm": False}

    def validate_confirm(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> Dict[Text, Any]:
        if value is True:
            return {"confirm": True, "awaiting_change": False}
        text, entities, intent = _message(tracker)
        current = tracker.current_slot_values()
        if says("note_for_the_therapist", text):
            # "please tell staff no shoulder work": a note in the client's words, no change
            # of the record (a client-style test took the surgery out of the concerns)
            dispatcher.utter_message(response="utter_note_added")
            return {"attempts": _kept_for_staff(current.get("attempts"), "notes_for_therapist", text),
                    "confirm": None, "awaiting_change": False}
        updates = correction_updates(current, text, entities)
        if updates and "concerns" in updates:
            # the massage the client picked stays, and with it its kind ("add lower back pain"
            # to a Swedish massage asks for no other offer)
            picked = catalogue.offered_types([updates.get("appointment_type")
                                              or current.get("appointment_type")])
            kind = tracker.get_slot("chosen_kind") or (picked[0].client_type if picked else None)
            updates.update(self.validate_concerns(updates["concerns"], dispatcher, tracker,
                                                  domain, kind=kind))
        if updates and summary_message({**current, **updates}) == summary_message(
                getattr(tracker, "slots_before_message", None) or current):
            if "concerns" not in updates:
                # "insurance is Blue Cross" when it says so already: no "couldn't tell"
                dispatcher.utter_message(response="utter_already_noted")
                return {"confirm": None, "awaiting_change": False}
            updates = {}  # "remove the 3/10" when nothing could be taken out: not "Updated."
        if updates:
            dispatcher.utter_message(response="utter_updated")
            # None re-asks: the client sees the corrected summary and confirms again
            return {**updates, "confirm": None, "awaiting_change": False}
        health = screen_conversation(tracker.get_slot("safety"), text, current.get("concerns"))
        if health.get("red_flags") or health.get("cautions"):
            # "you forgot she's on warfarin": the screen notes it (and says what it means when
            # it changes the outcome); no "couldn't tell what to change" beside that
            before = tracker.get_slot("safety")
            if not new_safety_messages(before, health):
                dispatcher.utter_message(response="utter_health_detail_noted"
                                         if _said(health) != _said(before) else "utter_already_noted")
            return {"confirm": None, "awaiting_change": False}
        kept = length_kept_message(current, text)
        if kept is not None:  # "the 90 minute one" of a treatment that has 60 only
            dispatcher.utter_message(response=kept[0], **kept[1])
            return {"confirm": None, "awaiting_change": False}
        dispatcher.utter_message(response="utter_ask_what_to_change" if intent == "deny"
                                 else "utter_correction_unclear")
        return {"confirm": None, "awaiting_change": True}  # None re-asks after the change


def _slots_before_message(tracker: Tracker) -> dict:
    """The slots as the summary showed them: what Rasa's mappings filled from this message
    already (the slot candidates at the end of the events) is taken back to its value before
    the message, from the tracker's events (a client-style test: "actually make that thurs
    or fri mornings, not sat" got "That's what I have already" and was stored)."""
    slots = dict(tracker.slots)
    filled_now = tracker.slots_to_validate()
    if not filled_now:
        return slots
    users = [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]
    earlier = tracker.events[:users[-1]] if users else []
    before = {}
    for event in earlier:
        if event.get("event") == "slot":
            before[event.get("name")] = event.get("value")
    for name in filled_now:
        slots[name] = before.get(name)
    return slots


def _said(screened: Optional[dict]) -> dict:
    """A screen result without its empty fields, to tell whether anything changed."""
    return {k: v for k, v in (screened or {}).items() if v}


def _kept_for_staff(attempts: Optional[dict], key: str, text: str) -> dict:
    """`attempts` with the client's words added to its list `key` (the latest
    MAX_QUESTIONS_KEPT kept): a question the bot could not answer, a note for the therapist."""
    attempts = dict(attempts or {})
    attempts[key] = [*(attempts.get(key) or []), text[:300]][-MAX_QUESTIONS_KEPT:]
    return attempts


def _weighs_the_kinds(text: str) -> bool:
    """"Could she do a relaxation massage instead, or is that less helpful for the back?": a
    question weighing the kinds (dialogue.yml weighing_the_kinds), not "show me the relaxation
    ones" (SWITCH_KIND)."""
    return not SWITCH_KIND.match(text or "") and plainly_a_question(text) \
        and says("weighing_the_kinds", text)


def _wanted_kind(text: str, intent: Optional[str]) -> Optional[str]:
    if intent == "want_relaxation":
        return "relaxation"
    if intent == "want_medical":
        return "medical"
    match = SWITCH_KIND.match(text or "")
    if match:
        return "relaxation" if match.group(1).lower().startswith("relax") else "medical"
    return None


_CHANGE_OF_MIND = re.compile(r"^\W*(?:wait|actually|no|nope|sorry|oops|hmm|change|switch|make it)\b",
                             re.IGNORECASE)


#: A length said with its unit ("the 90 minute one", "an hour"): with a change of mind, a
#: switch of the treatment's length. A bare number is none ("after 5:30" at the times).
_LENGTH_WITH_UNIT = re.compile(r"\b\d{2,3}\s*-?\s*(?:minutes?|mins?|minuets?)\b|"
                               r"\b(?:an? |one |1 )?hours?\b|\bhalf an hour\b", re.IGNORECASE)


def _corrected_name(text: str) -> str:
    """The name a correction gives while another question is open ("wait, i spelled my name
    wrong, it's Siobhan Kelly", "sorry typo, my name is John Smith"); "" when it gives none."""
    corrected = NAME_CORRECTION.search(text)
    name = name_from(corrected.group(1)) if corrected else ""
    return "" if not name or only_says("not_a_name", name) else name


def _changed_treatment(text: str, tracker: Tracker):
    """The treatment a message switches to when it names one ("wait, the sports one",
    "actually make it the 90 minute one"), resolved against the list shown (a length alone:
    the treatment chosen, in that length); None when it is no such change."""
    named = catalogue.treatment_name_spans(text)
    if not (named or _CHANGE_OF_MIND.search(text)):
        return None
    offered = catalogue.offered_types(tracker.get_slot("recommended_types"))
    position = re.search(r"\b(?:number|option|no\.?|#)?\s*[1-9]\b|\b(?:first|second|third|1st|"
                         r"2nd|3rd)\b", text, re.I)
    length = _LENGTH_WITH_UNIT.search(text) and catalogue.length_named(text)
    picks = catalogue.treatment_name_spans(text, bare_words=True) or position or length
    if not offered or not picks:
        return None
    rest = re.sub(r"\b(?:no|nope|wait|actually|sorry|oops|hmm|instead|please|pls|change it to|"
                  r"switch to|make it)\b", " ", text, flags=re.IGNORECASE)
    current = catalogue.offered_types([tracker.get_slot("appointment_type")])
    chosen = None
    if length and current and not (catalogue.treatment_name_spans(text, bare_words=True)
                                   or position):
        chosen = catalogue.find_appointment_type(rest, current)  # "make it the 90 minute one"
        if chosen is None:
            return None  # a length the chosen treatment lacks: never another treatment
    chosen = chosen or catalogue.find_appointment_type(rest, offered)
    if chosen is None or chosen.id == tracker.get_slot("appointment_type"):
        # "make it the myofascial one instead, deep tissue sounds too much": the clause that
        # names another treatment than the one chosen
        chosen = next((found for part in _clauses(rest) if (
            found := catalogue.find_appointment_type(part, offered)) is not None
            and found.id != tracker.get_slot("appointment_type")
            and not re.search(r"\b(?:not|no|don'?t|dont)\b", part, re.I)), None)
    return chosen if chosen is not None and chosen.id != tracker.get_slot("appointment_type") \
        else None


def _switched_to(changed: catalogue.AppointmentType, dispatcher: CollectingDispatcher,
                 tracker: Optional[Tracker] = None) -> dict:
    """Says which treatment the client switched to; the slots that record it. A switch to
    the other kind ("can i do the relaxation one instead") is the client's choice of kind,
    kept when they add a concern later (chosen_kind)."""
    dispatcher.utter_message(response="utter_switched_treatment",
                             treatment=catalogue.describe(changed))
    slots = {"appointment_type": changed.id, "client_type": changed.client_type}
    if tracker is not None and tracker.get_slot("client_type") not in (None, changed.client_type):
        slots["chosen_kind"] = changed.client_type
    return slots


#: "8/10", "5 out of 10": a rating in the client's own numbers.
_RATED = re.compile(r"\b(?:10|[0-9])\s*(?:/|out of|outta|of)\s*10\b", re.I)


def _late_pain_answer(tracker: Tracker, text: str) -> bool:
    """The answer to how long and how bad, a turn late ("about 5 wks, 8/10 when i get out of
    the car. im on coumadin", to the safety questions, after a question of the client's at
    the pain questions): a rating out of 10 while none is kept; its time is the complaint's."""
    severity = (tracker.get_slot("concerns") or {}).get("severity")
    return tracker.get_slot("requested_slot") == "health_screen" and severity is None \
        and bool(_RATED.search(text or ""))


#: An answer about how to reach the client ("this number is fine", "text me"), not when.
_ABOUT_THE_CONTACT = re.compile(r"\b(?:(?:this|that|my|the same|same|the)\s+(?:phone\s+)?(?:number|"
                                r"phone|cell|email)|text me|email me|call me)\b", re.I)


def _only_with_words(flags) -> str:
    """'during pregnancy' for prenatal massage (only_with: pregnancy, high_risk_pregnancy)."""
    if set(flags) & {"pregnancy", "high_risk_pregnancy"}:
        return "during pregnancy"
    return "with " + caution_noted(sorted(flags)).replace("your ", "")


def _answered_this_turn(tracker: Tracker, response: str) -> bool:
    """A rule already sent `response` for the latest client message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") == response:
            return True
        if event.get("event") == "action" and event.get("name") == response:
            return True
    return False


def _said_early(tracker: Tracker, text: str) -> Dict[Text, Any]:
    """A referral, an insurer or a name said before its question ("Hi, I'm Laura Chen, Dr.
    Kim referred me, I have Aetna"): kept, so the client is not asked again."""
    found: Dict[Text, Any] = {}
    text = answer_part(text)  # "do I need a referral?" says nothing about having one
    if not text:
        return found
    if tracker.get_slot("referral") is None and tracker.get_slot("requested_slot") != "referral":
        said = referral_in(text)
        if said is not None:
            found["referral"] = said
            if said and referral_provider(text):
                found["referral_provider"] = referral_provider(text)
    if tracker.get_slot("client_name") is None and tracker.get_slot("requested_slot") != "client_name":
        name = introduced_name(text)
        if name:
            found["client_name"] = name
    if tracker.get_slot("insurance") is None and tracker.get_slot("requested_slot") != "insurance":
        insurer = insurer_named(text)
        if insurer:
            found["insurance"] = insurer
    asked = tracker.get_slot("requested_slot")
    if asked == "appointment_type" and tracker.get_slot("client_name") is None \
            and "client_name" not in found and _bare_name(text):
        found["client_name"] = name_from(text)  # "Jess Lin" while asked which massage
    if tracker.get_slot("preferred_times") is None and asked in TIMES_SAID_EARLY \
            and (asked != "contact" or contact_from(text, [])):
        times = times_said_with(text)
        if times:  # "text me at 503 555 0127, saturdays are best"
            found["preferred_times"] = times
    return found


#: Questions whose answer may also say when the client can come.
TIMES_SAID_EARLY = ("appointment_type", "client_name", "contact")


def _picks_one(text: str, offered: list) -> bool:
    """The words pick one of the listed options, whole or in one of their clauses."""
    return bool(text) and any(catalogue.find_appointment_type(part, offered)
                              for part in [text, *_clauses(text)])


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in re.split(r"[,;\n]|\.(?:\s|$)|\s(?:and|but)\s", text or "")
            if c.strip()]


def _clauses_without(text: str, times: str) -> str:
    """The answer without the clause that said the times."""
    return ", ".join(c for c in _clauses(text) if times not in c) or text


def _bare_name(text: str) -> bool:
    """Two or three capitalised words and nothing else ("Jess Lin"), naming no treatment."""
    from bot.turns import looks_like_a_name

    return looks_like_a_name(text) and not _only_treatment_words(text) \
        and not catalogue.treatment_name_spans(text, bare_words=True)


def _forget_replaced(tracker: Tracker, events: list) -> list:
    """A value taken as the client wrote it and later given properly ("Hunter Lane" taken as
    the appointment, then "number 2" at the summary) is no longer flagged for staff."""
    latest = tracker.get_slot("attempts") or {}
    for event in events:
        if event.get("event") == "slot" and event.get("name") == "attempts":
            latest = event.get("value") or {}
    given = dict(latest.get("taken_as_given") or {})
    before = (tracker.get_slot("attempts") or {}).get("taken_as_given") or {}
    replaced = {e["name"] for e in events if e.get("event") == "slot" and e.get("name") in before
                and e.get("value") not in (None, "", "undecided")}
    if not replaced:
        return []
    return [SlotSet("attempts", {**latest, "taken_as_given": {
        k: v for k, v in given.items() if k not in replaced}})]


def _only_treatment_words(name: str) -> bool:
    """A "name" that is only the kind or the treatment the client wants ("Medical")."""
    words = re.findall(r"[a-z]+", name.lower())
    kinds = {"medical", "relaxation", "relaxing", "massage", "therapeutic", "clinical"}
    spans = catalogue.treatment_name_spans(name, bare_words=True)
    covered = "".join(ch for i, ch in enumerate(name.lower())
                      if not any(s <= i < e for s, e in spans))
    rest = [w for w in re.findall(r"[a-z]+", covered) if w not in kinds]
    return bool(words) and not rest
