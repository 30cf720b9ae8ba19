"""Stores an emergency intake so staff see it first; the advice itself is utter_emergency.
After it, nothing is booked from the chat, but a name and phone number still reach staff."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.intake import contact_text, hold_reply, name_and_contact
from bot.labels import label
from bot.records import (emergency_record, followup_record, latest_user_time,
                         previous_user_text, record_safety, transcript_from_events)
from bot.storage.outbox import save_or_queue
from bot.storage.sms import sms_number_on_file

logger = logging.getLogger(__name__)


class ActionRecordEmergency(Action):
    def name(self) -> Text:
        return "action_record_emergency"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        latest = tracker.latest_message or {}
        text = latest.get("text") or ""
        # Every emergency is its own record: keyed by the time of the message that raised it
        # (rasa-sdk's latest_message carries no timestamp; the tracker's user event does).
        said_at = latest_user_time(tracker.events)
        slots = {**tracker.current_slot_values(), **_contact_slots(
            name_and_contact(text, latest.get("entities")), tracker)}
        sms_phone = sms_number_on_file(tracker.sender_id, tracker.get_latest_input_channel())
        record = emergency_record(
            tracker.sender_id, tracker.get_latest_input_channel(), slots,
            text, transcript_from_events(tracker.events),
            intake_key=f"{tracker.sender_id}@{said_at or latest.get('message_id') or 'emergency'}",
            previous_text=previous_user_text(tracker.events), entities=latest.get("entities"),
            sms_phone=sms_phone)
        result = save_or_queue(record)
        logger.warning("emergency intake %s: %s", result["status"], result.get("id", "-"))
        # No booking continues after an emergency: the slots are cleared except the screen and
        # how to reach the client, and the hold makes every later message get
        # action_emergency_hold (bot.rasa_plugins.policies).
        contact = record["contact"]
        kept = {"client_name": contact["name"], "phone": slots.get("phone"),
                "email": contact["email"]}
        return [AllSlotsReset(), SlotSet("safety", {**record_safety(record), "emergency": True}),
                SlotSet("emergency_hold", True),
                *[SlotSet(k, v) for k, v in kept.items() if v],
                *([SlotSet("emergency_intake_id", str(result["id"]))] if result.get("id") else [])]


class ActionEmergencyHold(Action):
    """Every message after an emergency: nothing is booked from the chat, but the client is
    answered kindly ("I'm not having an emergency": staff will call to check in and book),
    and a name and phone number or email they give are added to the emergency's record
    (with what they wrote since), so staff can reach them. Never the same answer twice in a
    row (bot.intake.hold_reply)."""

    def name(self) -> Text:
        return "action_emergency_hold"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        from bot.safety import crisis_flags

        latest = tracker.latest_message or {}
        text = latest.get("text") or ""
        given = name_and_contact(text, latest.get("entities"))
        updates = _contact_slots(given, tracker)
        channel = tracker.get_latest_input_channel()
        on_file = sms_number_on_file(tracker.sender_id, channel)
        phone = updates.get("phone") or tracker.get_slot("phone")
        email = updates.get("email") or tracker.get_slot("email")
        known = {"name": tracker.get_slot("client_name"),
                 "contact": contact_text(phone, email)
                 or (label("values", "sms_number") if on_file else None)}
        crisis = bool(set((tracker.get_slot("safety") or {}).get("red_flags") or [])
                      & crisis_flags())
        if given:
            self._pass_on(tracker, updates, channel, on_file)
        response, values = hold_reply(text, given, known, crisis, _last_response(tracker))
        dispatcher.utter_message(response=response, **values)
        return [SlotSet(k, v) for k, v in updates.items()]

    @staticmethod
    def _pass_on(tracker: Tracker, updates: dict, channel, on_file) -> None:
        """The name and contact onto the emergency's record, with the messages since; when
        that record cannot be reached (queued while the database was down), a record for
        staff to call back, so the contact is never lost."""
        contact = {"name": updates.get("client_name") or tracker.get_slot("client_name"),
                   "phone": updates.get("phone") or tracker.get_slot("phone"),
                   "email": updates.get("email") or tracker.get_slot("email")}
        transcript = transcript_from_events(tracker.events)
        intake_id = tracker.get_slot("emergency_intake_id")
        if intake_id and _add_to_stored(int(intake_id), contact, transcript):
            logger.info("emergency intake %s: contact added", intake_id)
            return
        slots = {**tracker.current_slot_values(), **updates}
        record = followup_record(tracker.sender_id, channel, slots, transcript,
                                 intake_key=f"{tracker.sender_id}@{latest_user_time(tracker.events)}",
                                 sms_phone=on_file)
        result = save_or_queue(record)
        logger.info("follow-up after an emergency %s: %s", result["status"], result.get("id", "-"))


def _add_to_stored(intake_id: int, contact: dict, transcript: list[dict]) -> bool:
    import sqlalchemy.orm as so

    from bot.storage import db
    from bot.storage.outbox import UNAVAILABLE
    from bot.storage.repository import add_later_messages

    try:
        with db.engine_scope(None) as engine, so.Session(engine, future=True) as session:
            return add_later_messages(session, intake_id, contact, transcript)
    except UNAVAILABLE:
        return False


def _contact_slots(given: dict, tracker: Tracker) -> dict:
    """Slots for a name, phone and email found in a message (bot.intake.name_and_contact)."""
    slots = {}
    if given.get("name"):
        slots["client_name"] = given["name"]
    for key in ("phone", "email"):
        if given.get(key):
            slots[key] = given[key]
    return slots


def _last_response(tracker: Tracker) -> str | None:
    """The response the bot sent last (its name), to never send the same one twice in a row."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action")
    return None
