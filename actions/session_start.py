"""Starts each conversation with the disclaimer, carrying no health data over."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted
from rasa_sdk.executor import CollectingDispatcher


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        # Nothing is carried over: a new session is a new intake, and health details
        # from an old one must not leak into it.
        dispatcher.utter_message(response="utter_greet")
        return [SessionStarted(), ActionExecuted("action_listen")]
