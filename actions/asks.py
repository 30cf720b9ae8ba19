"""Questions whose text depends on what the client said (the form calls action_ask_<slot>)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.extraction import Extraction
from bot.intake import assess, options_text, pain_details_question, summary_text
from bot.safety import safety_message
from actions.intake_form import _override


class ActionAskAppointmentType(Action):
    def name(self) -> Text:
        return "action_ask_appointment_type"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        assessment = assess(Extraction.from_dict(tracker.get_slot("concerns")),
                            override=_override(tracker) or tracker.get_slot("client_type"))
        dispatcher.utter_message(text=options_text(assessment))
        return [SlotSet("recommended_types", [t.id for t in assessment.recommended])]


class ActionAskPainDetails(Action):
    """Says back what was understood, then asks only for the details still missing."""

    def name(self) -> Text:
        return "action_ask_pain_details"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=pain_details_question(
            Extraction.from_dict(tracker.get_slot("concerns"))))
        return []


class ActionAskConfirm(Action):
    def name(self) -> Text:
        return "action_ask_confirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if tracker.get_slot("awaiting_change"):
            return []  # the validation just asked what to change; wait for the answer
        dispatcher.utter_message(text=summary_text(tracker.current_slot_values()))
        return []


class ActionAskEmergencyCheck(Action):
    """One question when a symptom might be an emergency but nothing says it is happening
    now; EmergencyPolicy answers a "yes" with the emergency message."""

    def name(self) -> Text:
        return "action_ask_emergency_check"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=safety_message("check"))
        return []
