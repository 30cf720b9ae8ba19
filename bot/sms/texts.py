"""What the SMS channel says by itself, outside a conversation turn: HELP, opt-in, empty
and picture-only messages, the throttle, a failure. The words are domain.yml responses
(utter_sms_*), the practice's name and phone come from data/practice.yml."""
from __future__ import annotations

import os
from functools import lru_cache

from bot.labels import response_text
from bot.practice_data import practice_file as _practice_file

#: Responses the Rasa server sends as the emergency answer (bot.rasa_plugins.policies).
EMERGENCY_RESPONSES = ("utter_emergency", "utter_emergency_crisis", "utter_emergency_general")
#: The greeting, left out of a reply that holds the emergency answer (bot.sms.replies).
GREETING_RESPONSES = ("utter_greet",)




def practice() -> dict:
    """The practice as clients see it: name, phone, address, hours and closed days from
    data/practice.yml (the name overridden by PRACTICE_NAME); "" for what it does not say."""
    data = _practice_file()
    return {"name": os.environ.get("PRACTICE_NAME") or data.get("name") or "our practice",
            **{key: str(data.get(key) or "").strip()
               for key in ("phone", "address", "hours", "closed")}}


def sms_text(response: str, **values) -> str:
    """An utter_sms_* response filled with the practice's name and phone and `values`."""
    info = practice()
    return response_text(response, practice_name=info["name"], practice_phone=info["phone"],
                         **values)


@lru_cache(maxsize=1)
def emergency_texts() -> frozenset[str]:
    """The emergency answers word for word (whitespace folded), to send them first."""
    return frozenset(folded(response_text(name)) for name in EMERGENCY_RESPONSES)


def is_emergency_answer(text: str) -> bool:
    return folded(text) in emergency_texts()


@lru_cache(maxsize=1)
def greeting_texts() -> frozenset[str]:
    return frozenset(folded(response_text(name)) for name in GREETING_RESPONSES)


def is_greeting(text: str) -> bool:
    """The greeting that offers to find a massage: out of place next to an emergency answer."""
    return folded(text) in greeting_texts()


def folded(text: str) -> str:
    return " ".join((text or "").split())
