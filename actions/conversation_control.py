"""Start over and stop: the client stays in charge of the conversation."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.records import followup_record, latest_user_time, transcript_from_events
from bot.storage.outbox import save_or_queue
from bot.storage.sms import sms_number_on_file
from bot.turns import wants_a_callback

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
    """When a message was not understood: say what the bot can do; after two in a row, take
    a free-text message for staff and store it (status needs_followup), so nobody who wrote
    in is lost."""

    def name(self) -> Text:
        return "action_fallback_help"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if tracker.get_slot("awaiting_followup"):
            said_at = latest_user_time(tracker.events)
            record = followup_record(tracker.sender_id, tracker.get_latest_input_channel(),
                                     tracker.current_slot_values(),
                                     transcript_from_events(tracker.events),
                                     intake_key=f"{tracker.sender_id}@{said_at}",
                                     sms_phone=sms_number_on_file(
                                         tracker.sender_id, tracker.get_latest_input_channel()))
            result = save_or_queue(record)
            logger.info("follow-up intake %s: %s", result["status"], result.get("id", "-"))
            dispatcher.utter_message(response="utter_followup_stored")
            return [ActiveLoop(None), AllSlotsReset()]
        text = (tracker.latest_message or {}).get("text") or ""
        if misunderstood_in_a_row(tracker.events) >= 2 or wants_a_callback(text):
            dispatcher.utter_message(response="utter_ask_followup_message")
            return [SlotSet("awaiting_followup", True)]
        dispatcher.utter_message(response="utter_fallback_help")
        return []


def misunderstood_in_a_row(events: List[Dict[Text, Any]]) -> int:
    """How many of the latest client messages in a row, this one included, the bot did not
    understand (each earlier one was answered by this action)."""
    turns: List[List[str]] = []
    for event in events:
        if event.get("event") == "user":
            turns.append([])
        elif event.get("event") == "action" and turns:
            turns[-1].append(event.get("name"))
    count = 1 if turns else 0
    for actions in reversed(turns[:-1]):
        if "action_fallback_help" not in actions:
            break
        count += 1
    return count
