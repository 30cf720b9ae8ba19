"""Answers whose facts live in practice data files."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot import catalogue
from bot.faq import answer, faq_topics


class ActionAnswerPrice(Action):
    def name(self) -> Text:
        return "action_answer_price"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        prices = "\n".join(f"- {catalogue.describe(t)}" for t in catalogue.load_catalogue())
        dispatcher.utter_message(response="utter_prices", prices=prices)
        return []


class ActionAnswerFaq(Action):
    """Everyday questions (parking, cancelling, gift cards, prenatal massage, clients under
    18, Medicare, Sundays, "is deep tissue ok with blood thinners?"), each answered from
    data/practice.yml (bot.faq); the intake goes on afterwards."""

    def name(self) -> Text:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        for topic in faq_topics((tracker.latest_message or {}).get("text")):
            response, facts = answer(topic)
            dispatcher.utter_message(response=response, **facts)
        return []
