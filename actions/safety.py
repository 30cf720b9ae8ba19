"""Stores an emergency intake so staff see it first; the advice itself is utter_emergency."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.records import (emergency_record, latest_user_time, previous_user_text,
                         record_safety, transcript_from_events)
from bot.storage.outbox import save_or_queue
from bot.storage.sms import sms_number_on_file

logger = logging.getLogger(__name__)


class ActionRecordEmergency(Action):
    def name(self) -> Text:
        return "action_record_emergency"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        latest = tracker.latest_message or {}
        # Every emergency is its own record: keyed by the time of the message that raised it
        # (rasa-sdk's latest_message carries no timestamp; the tracker's user event does).
        said_at = latest_user_time(tracker.events)
        record = emergency_record(
            tracker.sender_id, tracker.get_latest_input_channel(), tracker.current_slot_values(),
            latest.get("text") or "", transcript_from_events(tracker.events),
            intake_key=f"{tracker.sender_id}@{said_at or latest.get('message_id') or 'emergency'}",
            previous_text=previous_user_text(tracker.events), entities=latest.get("entities"),
            sms_phone=sms_number_on_file(tracker.sender_id, tracker.get_latest_input_channel()))
        result = save_or_queue(record)
        logger.warning("emergency intake %s: %s", result["status"], result.get("id", "-"))
        # No booking continues after an emergency: the slots are cleared except the screen,
        # and the hold makes every later message get utter_emergency_hold (bot.rasa_plugins.policies).
        return [AllSlotsReset(), SlotSet("safety", {**record_safety(record), "emergency": True}),
                SlotSet("emergency_hold", True)]
