"""The intake conversation's logic, free of Rasa: what the actions in actions/ call.

Each function takes plain values (slot values, message text, NLU entities) and returns plain
values, so it is tested directly and shared with `python -m bot assess`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import yaml

from bot import catalogue, safety
from bot.config import DATA_DIR
from bot.classification import Classification, classify
from bot.extraction import Extraction, extract
from bot.labels import describe_condition, label

NO_INSURANCE = re.compile(r"^\s*(?:no|nope|nah|none|n|self[\s-]?pay|cash|out of pocket|no insurance|not now|no thanks?)\b", re.I)
TIMES_CORRECTION = re.compile(r"\b(?:times?|days?|availability|schedule|mornings?|afternoons?|evenings?|weekends?|weekdays?|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thurs?|fri|sat|sun|am|pm)\b", re.I)
NAME_CORRECTION = re.compile(r"\b(?:my name is|name'?s|call me|it'?s under|put it under|spelled)\s+(.+)$", re.I)


@dataclass
class Assessment:
    """What one or more client messages amount to, as shown to staff."""
    extraction: Extraction
    classification: Classification
    recommended: list[catalogue.AppointmentType]

    def record(self) -> dict:
        ex, cls = self.extraction, self.classification
        return {
            "client_type": cls.client_type,
            "confidence": cls.confidence,
            "reasons": cls.reasons,
            "conditions": [c.record() for c in ex.conditions],
            "goals": ex.goals,
            "recommended_appointment_types": [t.id for t in self.recommended],
        }


def assess(extraction: Extraction, override: str | None = None) -> Assessment:
    """Classify and recommend; `override` is a kind the client insisted on."""
    result = classify(extraction)
    if override and override != result.client_type:
        result = Classification(override, 0.9, [f"client chose {override} massage"] + result.reasons)
    recommended = catalogue.recommend_appointment_types(
        result.client_type, extraction.present_condition_ids(), extraction.goals)
    return Assessment(extraction, result, recommended)


def update_concerns(previous: dict | None, text: str, entities: list[dict],
                    intent: str | None) -> Extraction:
    """Adds one message's extraction to what the conversation said so far."""
    return Extraction.from_dict(previous).merge(extract(text, entities, intent))


def screen_conversation(previous: dict | None, text: str, concerns: dict | None) -> dict:
    """The conversation's safety screen after one more message (bot.safety, data/safety.yml)."""
    facts = surgery_facts(Extraction.from_dict(concerns))
    result = safety.screen(text, facts)
    if previous:
        result = safety.merge_results([safety.SafetyResult.from_dict(previous), result])
    return result.as_dict()


def new_safety_messages(previous: dict | None, updated: dict) -> list[str]:
    """What to tell the client when the screen's outcome got more serious."""
    before = (previous or {}).get("outcome", "book")
    after = updated.get("outcome", "book")
    if safety.OUTCOMES.index(after) <= safety.OUTCOMES.index(before) or after == "urgent":
        return []  # emergencies are answered by the utter_emergency rule, before this
    return list(updated.get("messages") or [])


def surgery_facts(ex: Extraction, today=None) -> dict:
    """{"surgery_weeks_ago": n} when the client dated a surgery ("in march", "3 weeks ago")."""
    from datetime import date

    when = ((ex.surgery or {}).get("when") or "").lower()
    if not when:
        return {}
    today = today or date.today()
    number = re.search(r"(\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|a few|few|couple of)\s+"
                       r"(day|week|wk|month|mo|year|yr)s?\s+ago", when)
    if number:
        words = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                 "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a few": 3, "few": 3, "couple of": 2}
        count = int(number.group(1)) if number.group(1).isdigit() else words[number.group(1)]
        unit = {"d": 1 / 7, "w": 1, "m": 4.35, "y": 52}[number.group(2)[0]]
        return {"surgery_weeks_ago": count * unit}
    months = ["january", "february", "march", "april", "may", "june", "july", "august",
              "september", "october", "november", "december"]
    month = next((i for i, m in enumerate(months, 1) if m in when), None)
    if month:
        year = today.year if month <= today.month else today.year - 1
        return {"surgery_weeks_ago": (today - date(year, month, 15)).days / 7}
    return {}


def contact_from(text: str, entities: list[dict]) -> dict:
    """Phone and email in a message, from the regex entities or the text itself."""
    found = {e["entity"]: e["value"] for e in entities or [] if e.get("entity") in ("phone", "email")}
    patterns = contact_patterns()
    for name in ("phone", "email"):
        if name not in found and (match := patterns[name].search(text or "")):
            found[name] = match.group(0)
    return found


@lru_cache(maxsize=1)
def contact_patterns() -> dict[str, re.Pattern]:
    """The phone and email patterns of the NLU data (data/nlu/regex.yml): one source for the
    RegexEntityExtractor and for messages the model did not tag."""
    nlu = yaml.safe_load((DATA_DIR / "nlu" / "regex.yml").read_text(encoding="utf-8"))["nlu"]
    return {item["regex"]: re.compile("|".join(
        line.strip()[2:] for line in item["examples"].splitlines() if line.strip()))
        for item in nlu if item.get("regex") in ("phone", "email")}


def contact_text(phone: str | None, email: str | None) -> str | None:
    return " / ".join(x for x in (phone, email) if x) or None


def insurance_from(text: str) -> str:
    return "none (self-pay)" if NO_INSURANCE.search(text or "") else text.strip()


def options_text(assessment: Assessment) -> str:
    """The recommendation message: kind, why, and numbered appointment types."""
    cls = assessment.classification
    kind = "medical massage" if cls.client_type == "medical" else "a relaxation massage"
    why = "; ".join(r for r in cls.reasons if not r.startswith("not counted"))[:300]
    lines = [f"Based on what you told me, {kind} fits best ({why})."]
    if cls.client_type == "medical":
        lines.append("Insurance sometimes covers medical massage with a diagnosis and referral.")
    lines.append("These appointment types match:")
    for number, option in enumerate(assessment.recommended, start=1):
        lines.append(f"{number}. {catalogue.describe(option)}")
    other = "relaxation" if cls.client_type == "medical" else "medical"
    lines.append(f"Reply with a number or name, or say \"{other}\" to see {other} massage instead.")
    return "\n".join(lines)


def pain_details_question(ex: Extraction) -> str:
    missing = []
    if not ex.duration:
        missing.append("how long it has been going on")
    if ex.severity is None:
        missing.append("how bad it is on a scale of 0 to 10")
    if not ex.aggravators:
        missing.append("what makes it worse")
    asked = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1] \
        if missing else "anything else about it I should pass on"
    return f"Got it: {concern_summary(ex)}. Can you tell me {asked}?"


def concern_summary(ex: Extraction) -> str:
    parts = [describe_condition(c) for c in ex.present()]
    if not parts:
        parts = [label("goals", g) for g in ex.goals]
    text = ", ".join(parts) or "a massage"
    details = []
    if ex.severity is not None:
        details.append(f"{ex.severity}/10")
    if ex.duration:
        details.append(ex.duration)
    if ex.surgery:
        details.append("surgery" + (f" {ex.surgery['when']}" if ex.surgery.get("when") else ""))
    return text + (f" ({', '.join(details)})" if details else "")


def summary_text(slots: dict) -> str:
    """The summary before the yes/no confirm; plain text that reads well over SMS."""
    ex = Extraction.from_dict(slots.get("concerns"))
    chosen = catalogue.find_appointment_type(slots.get("appointment_type") or "", [])
    lines = ["Here's what I have:",
             f"- What brings you in: {concern_summary(ex)}",
             f"- Massage: {slots.get('client_type') or 'not decided'}"
             + (f", {catalogue.describe(chosen)}" if chosen else ""),
             f"- Name: {slots.get('client_name') or '-'}",
             f"- Contact: {contact_text(slots.get('phone'), slots.get('email')) or '-'}",
             f"- Preferred times: {slots.get('preferred_times') or '-'}"]
    note = SAFETY_NOTES.get((slots.get("safety") or {}).get("outcome", "book"))
    if note:
        lines.append(f"- Before booking: {note}")
    if slots.get("client_type") == "medical":
        referral = slots.get("referral")
        lines.append(f"- Referral: {'yes' if referral else 'no' if referral is False else '-'}")
        lines.append(f"- Insurance: {slots.get('insurance') or '-'}")
    lines.append("Is that all correct? Reply yes, or tell me what to change.")
    return "\n".join(lines)


def correction_updates(slots: dict, text: str, entities: list[dict]) -> dict:
    """Slot updates for a correction such as "actually it's my left shoulder"."""
    updates: dict = {}
    contact = contact_from(text, entities)
    for key in ("phone", "email"):
        if contact.get(key):
            updates[key] = contact[key]
    if contact:
        updates["contact"] = contact_text(updates.get("phone", slots.get("phone")),
                                          updates.get("email", slots.get("email")))
    name = NAME_CORRECTION.search(text or "")
    names = [e["value"] for e in entities or [] if e.get("entity") == "client_name"]
    if name or names:
        updates["client_name"] = (names[0] if names else name.group(1)).strip(" .!")
    concerns = _corrected_concerns(slots.get("concerns"), text, entities)
    if concerns is not None:
        updates["concerns"] = concerns
    chosen = catalogue.find_appointment_type(text, [])
    if chosen and re.search(r"\d+\s*min|\b(?:massage|therapy|drainage|release|tissue|swedish|neuromuscular|lymphatic|myofascial)\b", text, re.I):
        updates["appointment_type"] = chosen.id
    if not updates and TIMES_CORRECTION.search(text or ""):
        updates["preferred_times"] = re.sub(r"^.*?\b(?:to|for|is|are)\s+", "", text.strip(), count=1) or text
    return updates


def _corrected_concerns(previous: dict | None, text: str, entities: list[dict]) -> dict | None:
    """Applies a corrected region or side to the concern it is about."""
    old = Extraction.from_dict(previous)
    new = extract(text, entities)
    sides = re.findall(r"\b(left|right|both)\b", text or "", re.I)
    if not new.conditions and not sides:
        return None
    if not new.conditions and old.present():
        main = old.present()[0]
        main.side = sides[0].lower()
        return old.to_dict()
    merged = old
    for cond in new.present():
        same_region = [c for c in merged.present() if c.id == cond.id]
        if not same_region and merged.present() and not re.search(r"\b(?:also|and|too|another)\b", text, re.I):
            # "actually it's my shoulder, not my neck": the correction replaces the main concern
            merged.conditions.remove(merged.present()[0])
    merged = merged.merge(new)
    return merged.to_dict()


SAFETY_NOTES = {"therapist_review": "a therapist reviews your health answers first",
                "clearance_needed": "we need your doctor's okay (or your recovery) first",
                "urgent": "please get medical help first"}
