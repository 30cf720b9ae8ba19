"""The everyday questions the bot answers from data/practice.yml: parking, cancelling, gift
cards, prenatal massage, clients under 18, Medicare, Sundays, and whether a treatment is safe
with a health matter (the therapist decides). Each topic's sentence is a domain.yml response
`utter_faq_<topic>`; the facts it names come from data/practice.yml."""
from __future__ import annotations

import re
from functools import lru_cache

from bot.practice_data import practice_file as _practice


@lru_cache(maxsize=1)
def _topics() -> dict[str, re.Pattern]:
    return {topic: re.compile(r"(?<!\w)(?:" + "|".join(
        re.escape(str(p).lower().replace("'", "")).replace(r"\ ", r"\s+")
        for p in sorted(phrases, key=len, reverse=True)) + r")(?!\w)")
        for topic, phrases in (_practice().get("faq") or {}).items() if phrases}


def faq_topics(text: str | None) -> list[str]:
    """The topics the questions of a message ask about ("how much is parking there?" ->
    ["parking"]), in the order data/practice.yml lists them; none for a sentence that asks
    nothing ("need a gift card for my wife" is a request, not a question)."""
    from bot.turns import plainly_a_question

    asked = [s for s in re.split(r"(?<=[.!?])\s+", (text or "").strip()) if plainly_a_question(s)]
    said = " ".join(asked).lower().replace("'", "").replace("\u2019", "")
    return [topic for topic, pattern in _topics().items() if pattern.search(said)]


def answer(topic: str) -> tuple[str, dict]:
    """The response for a topic and the practice's facts it may name."""
    facts = {key: str(value).strip() for key, value in _practice().items()
             if not isinstance(value, (dict, list))}
    return f"utter_faq_{topic}", facts


_WEEKDAYS = {"monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu",
             "friday": "fri", "saturday": "sat", "sunday": "sun"}


def names_a_closed_day(text: str | None) -> bool:
    """The client's times name a weekday the practice is closed (data/practice.yml `closed`:
    "Sundays and public holidays"): "she's free most sundays", "sun mornings"."""
    closed = str(_practice().get("closed") or "").lower()
    days = [short for day, short in _WEEKDAYS.items() if day in closed]
    return any(re.search(rf"\b{short}(?:day|s|\b)", (text or "").lower()) for short in days)
