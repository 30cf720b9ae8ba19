"""Start over and stop: the client stays in charge of the conversation."""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.intake import contact_text, name_and_contact
from bot.labels import label
from bot.records import followup_record, latest_user_time, transcript_from_events
from bot.storage.outbox import save_or_queue
from bot.storage.sms import sms_number_on_file
from bot.turns import has_words, only_says, phrase_pattern, says, wants_a_callback

logger = logging.getLogger(__name__)


class ActionStartOver(Action):
    def name(self) -> Text:
        return "action_start_over"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_start_over")
        return [ActiveLoop(None), AllSlotsReset()]


class ActionStopIntake(Action):
    def name(self) -> Text:
        return "action_stop_intake"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_intake_stopped")
        return [ActiveLoop(None), AllSlotsReset()]


class ActionFallbackHelp(Action):
    """When a message was not understood: say what the bot can do; after two in a row, or
    when the client asks to be called ("can someone just call me?"), take a message for staff
    and store it (status needs_followup) with the name and phone number or email to call
    back on, so nobody who wrote in is lost. Without a way to reach the client it asks for
    one once more before storing."""

    def name(self) -> Text:
        return "action_fallback_help"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        text = (tracker.latest_message or {}).get("text") or ""
        entities = (tracker.latest_message or {}).get("entities") or []
        channel = tracker.get_latest_input_channel()
        on_file = sms_number_on_file(tracker.sender_id, channel)
        attempts = dict(tracker.get_slot("attempts") or {})
        if tracker.get_slot("awaiting_followup") and only_says("thanks_or_bye", text):
            dispatcher.utter_message(response="utter_goodbye")  # "thanks bye" is no message
            return [SlotSet("awaiting_followup", False)]
        if tracker.get_slot("awaiting_followup"):
            given = name_and_contact(text, entities, name_asked=True)
            slots = {**tracker.current_slot_values(), **_contact_slots(given)}
            contact = contact_text(slots.get("phone"), slots.get("email")) \
                or (label("values", "sms_number") if on_file else None)
            if contact is None and not attempts.get("followup_contact"):
                # "call me": there is no number to call yet; asked once, then stored anyway
                attempts["followup_contact"] = 1
                dispatcher.utter_message(response="utter_ask_callback_number")
                return [SlotSet("attempts", attempts), *[SlotSet(k, v) for k, v in
                                                         _contact_slots(given).items()]]
            self._store(tracker, slots, channel, on_file)
            _stored_reply(dispatcher, slots.get("client_name"), contact)
            return [ActiveLoop(None), AllSlotsReset()]
        if wants_a_callback(text):
            slots = tracker.current_slot_values()
            contact = contact_text(slots.get("phone"), slots.get("email")) \
                or (label("values", "sms_number") if on_file else None)
            if contact:  # "can someone call me?" from a client staff can already reach
                self._store(tracker, slots, channel, on_file)
                _stored_reply(dispatcher, slots.get("client_name"), contact)
                return [ActiveLoop(None), AllSlotsReset()]
            dispatcher.utter_message(response="utter_ask_callback_contact")
            return [SlotSet("awaiting_followup", True)]
        if not has_words(text):  # "😩😩💆‍♀️", "👍": asked for words, never a message for staff
            dispatcher.utter_message(response="utter_no_words")
            return []
        if misunderstood_in_a_row(tracker.events) >= 2:
            dispatcher.utter_message(response="utter_ask_followup_message")
            return [SlotSet("awaiting_followup", True)]
        dispatcher.utter_message(response="utter_fallback_help")
        return []

    @staticmethod
    def _store(tracker: Tracker, slots: dict, channel, on_file) -> None:
        said_at = latest_user_time(tracker.events)
        record = followup_record(tracker.sender_id, channel, slots,
                                 transcript_from_events(tracker.events),
                                 intake_key=f"{tracker.sender_id}@{said_at}", sms_phone=on_file)
        result = save_or_queue(record)
        logger.info("follow-up intake %s: %s", result["status"], result.get("id", "-"))


def _contact_slots(given: dict) -> dict:
    """Slots for the name, phone and email found in a message (bot.intake.name_and_contact)."""
    names = {"name": "client_name", "phone": "phone", "email": "email"}
    return {names[key]: value for key, value in given.items() if value}


def _stored_reply(dispatcher: CollectingDispatcher, name: str | None, contact: str | None) -> None:
    first = (name or "").split()[0] if name else ""
    if contact and first:
        dispatcher.utter_message(response="utter_followup_stored_named", first_name=first,
                                 contact=contact)
    elif contact:
        dispatcher.utter_message(response="utter_followup_stored_contact", contact=contact)
    else:
        dispatcher.utter_message(response="utter_followup_stored")


#: The answers that end a message for staff: the count of messages not understood starts again.
STORED_ANSWERS = ("utter_followup_stored", "utter_followup_stored_named",
                  "utter_followup_stored_contact")


def misunderstood_in_a_row(events: List[Dict[Text, Any]]) -> int:
    """How many of the latest client messages in a row, this one included, the bot did not
    understand (each earlier one was answered by this action, without storing a message for
    staff)."""
    turns: List[List[str]] = []
    said: List[str] = []
    for event in events:
        if event.get("event") == "user":
            turns.append([])
            said.append(event.get("text") or "")
        elif event.get("event") == "action" and turns:
            turns[-1].append(event.get("name"))
        elif event.get("event") == "bot" and turns:
            turns[-1].append((event.get("metadata") or {}).get("utter_action"))
    count = 1 if turns else 0
    for actions, text in zip(reversed(turns[:-1]), reversed(said[:-1])):
        if "action_fallback_help" not in actions or set(actions) & set(STORED_ANSWERS):
            break
        count += 1 if has_words(text) else 0  # emoji only: asked for words, not counted
    return count


class ActionAboutTheRequest(Action):
    """A message about the request just stored: "did my request go through?" is answered
    (a note said with it, "also i prefer a female therapist", is passed on); "can i change
    it to the 90 min one?" is passed on to staff with the request (a record for staff to
    follow up, status needs_followup, naming the request), never a new intake."""

    def name(self) -> Text:
        return "action_about_the_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        text = (tracker.latest_message or {}).get("text") or ""
        changing = says("change_request", text)
        note = changing or _says_more_than_the_status(text)
        if note:
            channel = tracker.get_latest_input_channel()
            said_at = latest_user_time(tracker.events)
            record = followup_record(tracker.sender_id, channel, tracker.current_slot_values(),
                                     transcript_from_events(tracker.events),
                                     intake_key=f"{tracker.sender_id}@{said_at}",
                                     sms_phone=sms_number_on_file(tracker.sender_id, channel))
            record["details"]["about_intake"] = tracker.get_slot("intake_id")
            result = save_or_queue(record)
            logger.info("note about intake %s: %s", result["status"], result.get("id", "-"))
        dispatcher.utter_message(response="utter_request_change_passed_on" if changing
                                 else "utter_request_received_note" if note
                                 else "utter_request_received")
        return []


def _says_more_than_the_status(text: str) -> bool:
    """"hi just checking you got my request? also i prefer a female therapist": more than
    the question, for staff."""
    rest = re.sub(r"[^\w\s]", " ", text.lower())
    for kind in ("request_status", "thanks_or_bye"):
        rest = phrase_pattern(kind).sub(" ", rest)
    words = [w for w in rest.split() if w not in ("hi", "hey", "hello", "also", "and", "so")]
    return len(words) >= 3

