"""Stores the confirmed intake; a database outage queues it instead of losing it."""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import catalogue
from bot.labels import label
from bot.intake import before_booking_details
from bot.records import intake_record, latest_user_time, transcript_from_events
from bot.storage.outbox import save_or_queue
from bot.storage.sms import sms_number_on_file

logger = logging.getLogger(__name__)


class ActionSubmitIntake(Action):
    def name(self) -> Text:
        return "action_submit_intake"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        confirmed_at = (tracker.latest_message or {}).get("timestamp") or latest_user_time(tracker.events)
        channel = tracker.get_latest_input_channel()
        slots = tracker.current_slot_values()
        record = intake_record(tracker.sender_id, channel,
                               slots, transcript_from_events(tracker.events),
                               intake_key=f"{tracker.sender_id}@{confirmed_at}",
                               sms_phone=sms_number_on_file(tracker.sender_id, channel))
        record["details"].update(before_booking_details(slots))
        result = save_or_queue(record)
        logger.info("intake %s: %s", result["status"], result.get("id", "-"))
        chosen = catalogue.find_appointment_type(record["appointment_type"] or "", [])
        what = catalogue.describe(chosen) if chosen else label("values", "your_appointment")
        booker = (slots.get("booked_by") or "").split(",")[0]
        thanked = booker if re.fullmatch(r"[A-Z][\w'-]+", booker) else record["contact"]["name"]
        words = [w for w in (thanked or "").split()
                 if w.lower().strip(".") not in ("dr", "mr", "mrs", "ms", "miss", "mx", "prof")]
        if words:
            dispatcher.utter_message(response="utter_intake_submitted_named", treatment=what,
                                     first_name=words[0])
        else:
            dispatcher.utter_message(response="utter_intake_submitted", treatment=what)
        # A new intake may follow in the same conversation: it starts from empty slots.
        return [AllSlotsReset(), SlotSet("intake_id", str(result.get("id") or "queued"))]
