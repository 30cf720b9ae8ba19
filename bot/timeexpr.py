"""When something happened, from the client's words: "3 weeks ago", "in march", "in 2022".

One home for reading these, used by the extraction (is a surgery still being recovered from?)
and by the safety screen's surgery window (bot.intake.surgery_facts, bot.safety.screen).
"""
from __future__ import annotations

import re
from datetime import date

NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
                "twelve": 12, "a few": 3, "few": 3, "a couple of": 2, "couple of": 2,
                "a couple": 2, "several": 3,
                # the same, mistyped or shortened in a text message
                "cuple": 2, "coupl": 2, "coupla": 2, "cpl": 2, "a cuple": 2, "a coupla": 2,
                "couple": 2}
WEEKS_PER_UNIT = {"d": 1 / 7, "w": 1.0, "m": 4.35, "y": 52.0}
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december"]
_AGO = re.compile(r"(\d+|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) +
                  r")\s+(day|week|wk|month|mo|year|yr)s?\s+ago")
_YEAR = re.compile(r"\b(?:in|back in|during|since)?\s*((?:19|20)\d\d)\b")
_LAST = re.compile(r"\blast\s+(week|month|year)\b")


def weeks_in(amount: str, unit: str) -> float:
    """"3", "three", "a couple of" of "weeks", "mos", "yrs" ... in weeks (1 when unreadable)."""
    amount = amount.strip().lower()
    try:
        count = float(amount)
    except ValueError:
        count = NUMBER_WORDS.get(amount, 1)
    return count * WEEKS_PER_UNIT.get(unit.strip().lower()[:1], 1.0)


def weeks_ago(when: str | None, today: date | None = None) -> float | None:
    """Weeks since the time the words name; None when they name none."""
    when = (when or "").lower()
    if not when:
        return None
    today = today or date.today()
    number = _AGO.search(when)
    if number:
        return weeks_in(number.group(1), number.group(2))
    last = _LAST.search(when)
    if last:
        return {"week": 1.0, "month": 4.35, "year": 52.0}[last.group(1)]
    year = _YEAR.search(when)
    if year and int(year.group(1)) <= today.year:
        month = next((i for i, m in enumerate(MONTHS, 1) if m in when), 7)
        return max((today - date(int(year.group(1)), month, 15)).days / 7, 0.0)
    month = next((i for i, m in enumerate(MONTHS, 1) if re.search(rf"\b{m}\b", when)), None)
    if month:
        year_of = today.year if month <= today.month else today.year - 1
        return (today - date(year_of, month, 15)).days / 7
    return None
