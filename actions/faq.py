"""Answers whose facts live in practice data files."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot import catalogue


class ActionAnswerPrice(Action):
    def name(self) -> Text:
        return "action_answer_price"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        prices = "\n".join(f"- {catalogue.describe(t)}" for t in catalogue.load_catalogue())
        dispatcher.utter_message(response="utter_prices", prices=prices)
        return []
