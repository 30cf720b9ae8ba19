"""Answers whose facts live in practice data files."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot import catalogue
from bot.faq import answer, faq_topics


#: The answer to each question intent, as data/rules/*.yml give it when the question comes
#: alone (tests/test_dialogue_findings.py checks that the two agree). Used when a message
#: both answers the intake's question and asks one ("how much is a half hour? I'm on a
#: pension"): the form takes the answer and no rule runs, so the question is answered here.
QUESTION_RESPONSES = {"ask_price": "action_answer_price", "ask_hours_location": "utter_hours_location",
                      "ask_insurance": "utter_insurance", "ask_referral": "utter_referral",
                      "ask_medical_massage": "utter_medical_massage", "bot_challenge": "utter_iamabot"}


def answer_question(dispatcher: CollectingDispatcher, intent: str,
                    about: list | None = None) -> None:
    """Says the answer to a question intent (QUESTION_RESPONSES); a price question about
    the treatments in `about` ("2. how much is that one?") gets their prices only."""
    action = QUESTION_RESPONSES.get(intent)
    if action == "action_answer_price":
        prices = "\n".join(f"- {catalogue.describe(t)}" for t in (about or catalogue.load_catalogue()))
        dispatcher.utter_message(response="utter_prices", prices=prices)
    elif action:
        dispatcher.utter_message(response=action)


class ActionAnswerPrice(Action):
    def name(self) -> Text:
        return "action_answer_price"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        answer_question(dispatcher, "ask_price")
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
