"""Questions whose text depends on what the client said (the form calls action_ask_<slot>)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.extraction import Extraction
from bot.intake import (assess, health_screen_message, options_message, pain_details_message,
                        screened_flags, summary_message)
from bot.safety import safety_message


class ActionAskAppointmentType(Action):
    def name(self) -> Text:
        return "action_ask_appointment_type"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        assessment = assess(Extraction.from_dict(tracker.get_slot("concerns")),
                            override=tracker.get_slot("chosen_kind")
                            or tracker.get_slot("client_type"),
                            flags=screened_flags(tracker.get_slot("safety")))
        response, values = options_message(assessment)
        dispatcher.utter_message(response=response, **values)
        return [SlotSet("recommended_types", [t.id for t in assessment.recommended])]


class ActionAskPainDetails(Action):
    """Says back what was understood, then asks only for the details still missing."""

    def name(self) -> Text:
        return "action_ask_pain_details"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        response, values = pain_details_message(Extraction.from_dict(tracker.get_slot("concerns")))
        dispatcher.utter_message(response=response, **values)
        return []


class ActionAskHealthScreen(Action):
    """The safety questions, without those the client already answered (they are said back
    as noted): "fyi im on xarelto" is not asked about again."""

    def name(self) -> Text:
        return "action_ask_health_screen"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        response, values = health_screen_message(tracker.get_slot("safety"),
                                                 tracker.get_slot("concerns"))
        dispatcher.utter_message(response=response, **values)
        return []


class ActionAskConfirm(Action):
    def name(self) -> Text:
        return "action_ask_confirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if tracker.get_slot("awaiting_change"):
            return []  # the validation just asked what to change; wait for the answer
        response, values = summary_message(tracker.current_slot_values())
        dispatcher.utter_message(response=response, **values)
        return []


class ActionAskEmergencyCheck(Action):
    """One question when a symptom might be an emergency but nothing says it is happening
    now; EmergencyPolicy answers a "yes" with the emergency message."""

    def name(self) -> Text:
        return "action_ask_emergency_check"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        # the practice's own wording (data/safety.yml), as every safety message
        dispatcher.utter_message(text=safety_message("check"))
        return []
