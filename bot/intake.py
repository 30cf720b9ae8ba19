"""The intake conversation's logic, free of Rasa: what the actions in actions/ call.

Each function takes plain values (slot values, message text, NLU entities) and returns plain
values, so it is tested directly and shared with `python -m bot assess`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

import yaml

from bot import catalogue, safety
from bot.config import DATA_DIR
from bot.classification import Classification, classify
from bot.extraction import EXTRACTION_MAX_CHARS, Extraction, duration_in, extract, referral_in
from bot.labels import describe_conditions, label, labels
from bot.lexicon import load_lexicon
from bot.timeexpr import weeks_ago

NO_INSURANCE = re.compile(r"^\s*(?:no|nope|nah|none|n|self[\s-]?pay|cash|out of pocket|no insurance|not now|no thanks?)\b", re.I)
TIMES_CORRECTION = re.compile(r"\b(?:times?|days?|availability|schedule|mornings?|afternoons?|evenings?|weekends?|weekdays?|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thurs?|fri|sat|sun|am|pm)\b", re.I)
NAME_CORRECTION = re.compile(r"\b(?:spel(?:led|t) (?:my |the )?name wrong[,:;.]?\s*(?:(?:it'?s|its|it is|"
                             r"should be)\s*[,:]?)?|(?:my )?(?:good |full |real )?name is(?: only| just)?(?! (?:wrong|incorrect|not right|misspel\w*|spelled wrong|spelt wrong)\b)|name'?s|call me|it'?s under|put it under|spelled|"
                             r"name (?:is wrong|should (?:just |only )?be)[,:]?(?: it should (?:just |only )?be)?)\s+(.+)$", re.I)


@dataclass
class Assessment:
    """What one or more client messages amount to: the kind of massage and the treatments
    that fit (a record's facts are built from it by bot.records.intake_facts)."""
    extraction: Extraction
    classification: Classification
    recommended: list[catalogue.AppointmentType]


def assess(extraction: Extraction, override: str | None = None,
           flags: list[str] | tuple[str, ...] = ()) -> Assessment:
    """Classify and recommend; `override` is a kind the client insisted on, `flags` the
    safety screen's red flags and cautions (no deep pressure with blood thinners, prenatal
    massage in pregnancy: data/appointment_types.yml not_with, only_with)."""
    result = classify(extraction)
    if override and override != result.client_type:
        result = Classification(override, 0.9, [f"client chose {override} massage"] + result.reasons)
    recommended = catalogue.recommend_appointment_types(
        result.client_type, extraction.present_condition_ids(), extraction.goals,
        flags=tuple(flags))
    return Assessment(extraction, result, recommended)


def screened_flags(screened: dict | None) -> list[str]:
    """The red flags and cautions of the conversation's safety screen (its `safety` slot)."""
    return list((screened or {}).get("red_flags") or []) + list((screened or {}).get("cautions") or [])


#: A lone 0-10 in the answer to "how bad is it on a scale of 0 to 10" ("5 most days").
BARE_SEVERITY = re.compile(
    r"(?<![\w./-])(10|[0-9])(?:ish)?(?![\w/%-]|[.:]\d|\s*(?:days?|weeks?|wks?|months?|mos?|mths?|mnths?|years?|yrs?|hours?|hrs?|"
    r"mins?|minutes?|times|x|am|pm|o'?clock|lbs?|kg|miles?|km)\b)")


def update_concerns(previous: dict | None, text: str, entities: list[dict],
                    intent: str | None, asked_severity: bool = False,
                    message: int | None = None, picking_a_treatment: bool = False,
                    about_the_complaint: bool = True, a_question: bool = False) -> Extraction:
    """Adds one message's extraction to what the conversation said so far; a newer value
    replaces an older one. `asked_severity`: the message answers the how long / how bad
    question, so a bare number is the rating and a time is how long; `message`: its number
    in the conversation, kept with the words each value came from; `about_the_complaint`:
    False for answers to other questions (times, referral, safety), which set no rating or
    time unless they name a complaint; `a_question`: the message asks rather than answers
    (bot.turns.answers_the_question), so only the concerns and goals said with it count."""
    # once a complaint is known, "reaching overhead makes it worse" is what aggravates it,
    # not the shoulder
    known = bool(previous and Extraction.from_dict(previous).conditions)
    found = extract(text, entities, intent, picking_a_treatment=picking_a_treatment,
                    regions_by_what_is_done=not known)
    if a_question:
        # "what's medical massage?", "do I need a referral?" is no wish for a kind and no
        # referral; only a concern said with it counts ("...I have sciatica")
        found = Extraction(text=found.text, conditions=found.conditions, goals=found.goals)
    if not about_the_complaint and not found.present():
        # "today or tomorrow afternoon" (the times), "a cortisone shot 2 weeks ago" (the
        # safety questions): a time or a number in another answer is not the complaint's
        found.severity = found.duration = None
        found.sources = {k: v for k, v in found.sources.items() if k not in ("severity", "duration")}
    if asked_severity and found.duration is None:
        found.duration, span = duration_in(text)
        if span:
            found.sources["duration"] = {"text": text[span[0]:span[1]],
                                         "start": span[0], "end": span[1]}
    if asked_severity and (found.severity is None or not rated_in_numbers(found)):
        # "3, worse when I run. there's a bit of a bruise": the number, not the words, is
        # the answer to how bad
        numbers = list(BARE_SEVERITY.finditer(text or ""))
        between = RATING_RANGE.search(text or "")
        if between:  # "like a month, 4 or 5": the higher one, the words kept for staff
            found.severity = max(int(between.group(1)), int(between.group(2)))
            found.sources["severity"] = {"text": between.group(0),
                                         "start": between.start(), "end": between.end()}
        elif len(numbers) == 1:
            found.severity = int(numbers[0].group(1))
            found.sources["severity"] = {"text": numbers[0].group(0), "bare": True,
                                         "start": numbers[0].start(), "end": numbers[0].end()}
    earlier = Extraction.from_dict(previous)
    if asked_severity and earlier.severity is not None and rated_in_numbers(earlier) \
            and found.severity is not None and found.sources.get("severity", {}).get("bare"):
        # "6 wees now" when only how long was asked: the number is no new rating
        found.severity = None
        found.sources.pop("severity", None)
    if found.severity is not None and not rated_in_numbers(found) and rated_in_numbers(earlier):
        # "my leg does feel a bit numb" after "6/10": words never replace the client's number
        found.severity = None
        found.sources.pop("severity", None)
    if message is not None:
        found.sources = {key: {**value, "message": message} for key, value in found.sources.items()}
        for cond in found.conditions:
            cond.message = message
    return earlier.merge(found)


#: "4 or 5", "4-5", "4 to 5" as the answer to how bad: a rating between two numbers.
RATING_RANGE = re.compile(r"(?<![\w./-])(10|[0-9])\s*(?:or|-|to|/)\s*(10|[0-9])(?![\w%-]|[.:]\d|"
                          r"\s*(?:days?|weeks?|wks?|months?|mos?|years?|yrs?|hours?|hrs?|mins?|"
                          r"minutes?|times|x|am|pm)\b)(?!\s*(?:/|out of)\s*10)")


def rated_in_numbers(ex: Extraction) -> bool:
    """The rating the client gave is a number ("6/10", "a 6", "4 or 5"), not words ("killing
    me"), which the bot scores itself (data/lookups/severity.yml)."""
    said = (ex.sources.get("severity") or {}).get("text")
    return ex.severity is not None and (not said or bool(re.search(r"\d", said)))


def severity_text(ex: Extraction) -> str | None:
    """The rating as the client reads it back: "6/10", "4-5/10" for "4 or 5", and the
    client's own words for a rating given in words ("killing me"), never a score they did
    not give."""
    if ex.severity is None:
        return None
    said = (ex.sources.get("severity") or {}).get("text") or ""
    if not rated_in_numbers(ex):
        return f'"{said}"' if said else None
    between = RATING_RANGE.search(said)
    if between and "/" not in between.group(0):
        return f"{between.group(1)}-{between.group(2)}/10"
    return f"{ex.severity}/10"


#: The check raised when only the NLU model thought a message was an emergency.
MODEL_CHECK = "possible_emergency"


def screen_conversation(previous: dict | None, text: str, concerns: dict | None,
                        model_flagged: bool = False) -> dict:
    """The conversation's safety screen after one more message (bot.safety, data/safety.yml).

    `check_answers` keeps the client's answers to "is this happening now?" for staff; a
    symptom already answered "no" is not asked about again."""
    facts = surgery_facts(Extraction.from_dict(concerns))
    # "booking for my mum", then "she takes warfarin": what is said of her is her health
    for_someone_else = bool((previous or {}).get("for_someone_else")) or \
        safety.books_for_someone_else(text, safety.load_safety_rules())
    result = safety.screen(text, facts, for_someone_else=for_someone_else)
    if previous:
        result = safety.merge_results([safety.SafetyResult.from_dict(previous), result])
    answers = dict((previous or {}).get("check_answers") or {})
    updated = result.as_dict()
    if for_someone_else:
        updated["for_someone_else"] = True
    updated["checks"] = [fid for fid in updated["checks"] if fid not in answers]
    if model_flagged and updated["outcome"] != "urgent" and not updated["checks"] \
            and MODEL_CHECK not in answers:
        updated["checks"] = [MODEL_CHECK]
    updated["check_answers"] = answers
    return updated


def answer_checks(screened: dict | None, answer: str) -> dict:
    """The screen after the client answered the "is this happening now?" question."""
    screened = dict(screened or {})
    answers = dict(screened.get("check_answers") or {})
    for fid in screened.get("checks") or []:
        answers[fid] = answer
    screened["check_answers"], screened["checks"] = answers, []
    return screened


def new_safety_messages(previous: dict | None, updated: dict) -> list[str]:
    """What to tell the client when the screen's outcome got more serious."""
    before = (previous or {}).get("outcome", "book")
    after = updated.get("outcome", "book")
    if safety.OUTCOMES.index(after) <= safety.OUTCOMES.index(before) or after == "urgent":
        return []  # emergencies are answered by the utter_emergency rule, before this
    return list(updated.get("messages") or [])


def surgery_facts(ex: Extraction, today=None) -> dict:
    """{"surgery_weeks_ago": n} when the client dated a surgery ("in march", "3 weeks ago")."""
    weeks = weeks_ago((ex.surgery or {}).get("when"), today)
    return {} if weeks is None else {"surgery_weeks_ago": weeks}


#: Region for phone numbers written without a country code.
DEFAULT_PHONE_REGION = "US"


def contact_from(text: str, entities: list[dict]) -> dict:
    """Phone (as E.164, the `phonenumbers` library: any common way of writing it) and email
    in a message."""
    import phonenumbers

    found = {}
    text = (text or "")[:EXTRACTION_MAX_CHARS]  # as the NLU model reads it
    possible = [m.number for m in phonenumbers.PhoneNumberMatcher(
        text, DEFAULT_PHONE_REGION, leniency=phonenumbers.Leniency.POSSIBLE)
        # "555-0100": no area code, staff could not call it
        if phonenumbers.is_possible_number_with_reason(m.number)
        != phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY]
    # a number of the practice's country; else a visitor's own ("07911 123456", "0044 20 7946
    # 0958"); else one that only looks like a number here (made-up 555 numbers)
    number = next((n for n in possible if phonenumbers.is_valid_number(n)), None) or next(
        (m.number for region in _other_phone_regions() for m in phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.VALID)), None) or next(iter(possible), None)
    if number is not None:
        found["phone"] = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    emails = [e["value"] for e in entities or [] if e.get("entity") == "email"]
    if emails and contact_patterns()["email"].fullmatch(emails[0]):
        found["email"] = emails[0].lower()
    elif match := contact_patterns()["email"].search(text or ""):
        found["email"] = match.group(0).lower()
    return found


def _other_phone_regions() -> list[str]:
    """Where else a number written without a country code may be from (practice.yml
    `other_phone_regions`), tried only when it is no number of the practice's own region."""
    from bot.practice_data import practice_file

    return [str(r).upper() for r in practice_file().get("other_phone_regions") or []]


@lru_cache(maxsize=1)
def contact_patterns() -> dict[str, re.Pattern]:
    """The phone and email patterns of the NLU data (data/nlu/regex.yml): one source for the
    RegexEntityExtractor and for messages the model did not tag."""
    nlu = yaml.safe_load((DATA_DIR / "nlu" / "regex.yml").read_text(encoding="utf-8"))["nlu"]
    return {item["regex"]: re.compile("|".join(
        line.strip()[2:] for line in item["examples"].splitlines() if line.strip()))
        for item in nlu if item.get("regex") in ("phone", "email")}


def contact_text(phone: str | None, email: str | None) -> str | None:
    """How the contact reads in messages: the phone as written nationally ("(555) 201-3344")."""
    return " / ".join(x for x in (phone_for_display(phone), email) if x) or None


def phone_for_display(phone: str | None) -> str | None:
    import phonenumbers

    if not phone:
        return phone
    try:
        number = phonenumbers.parse(phone, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return phone
    region = phonenumbers.region_code_for_number(number)
    style = phonenumbers.PhoneNumberFormat.NATIONAL if region == DEFAULT_PHONE_REGION \
        or number.country_code == 1 else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


@lru_cache(maxsize=1)
def _insurers() -> tuple[dict[str, str], tuple[str, ...]]:
    data = yaml.safe_load((DATA_DIR / "lookups" / "insurers.yml").read_text(encoding="utf-8"))
    names = {variant.lower(): name for name, variants in data["insurers"].items()
             for variant in [name, *variants]}
    return names, tuple(v.lower() for v in data.get("self_pay") or [])


def insurer_named(text: str) -> str | None:
    """The insurer a message names (data/lookups/insurers.yml), one typo allowed on names of
    six letters or more ("Aetnaa", "Medicaer"); None when it names none."""
    from rapidfuzz import fuzz, process

    names, _ = _insurers()
    lowered = " " + re.sub(r"[^\w\s'-]", " ", (text or "").lower()) + " "
    found: dict[int, str] = {}  # where each insurer is named, longest names first
    taken: list[tuple[int, int]] = []
    for variant in sorted(names, key=len, reverse=True):
        for match in re.finditer(rf"(?<![\w]){re.escape(variant)}(?![\w])", lowered):
            if not any(s < match.end() and match.start() < e for s, e in taken):
                taken.append(match.span())
                found.setdefault(match.start(), names[variant])
    if found:  # "Medicare plus a Humana supplement": both, in the client's order
        return " + ".join(dict.fromkeys(found[at] for at in sorted(found)))
    words = re.findall(r"[a-z]{5,}", lowered)
    long_names = [v for v in names if len(v) >= 5 and " " not in v]
    from bot.text import english_words

    for word in words:
        if word in english_words():
            continue  # "better" is no typo of "Ambetter"
        found = process.extractOne(word, long_names, scorer=fuzz.ratio, score_cutoff=84)
        if found:
            return names[found[0]]
    return None


def insurance_from(text: str) -> str | None:
    """The insurer named, "none (self-pay)", or None when the answer is neither."""
    named = insurer_named(text)
    if named:
        return named
    _, self_pay = _insurers()
    lowered = re.sub(r"[^\w\s'-]", " ", (text or "").lower())
    if NO_INSURANCE.search(text or "") or any(
            re.search(rf"(?<!\w){re.escape(p)}(?!\w)", lowered) for p in self_pay):
        return "none (self-pay)"
    return None


def options_message(assessment: Assessment) -> tuple[str, dict]:
    """The recommendation: kind, why, and numbered appointment types, as a domain.yml
    response (one for each kind) and its values."""
    cls = assessment.classification
    why = reasons_for_the_client(cls.reasons)
    options = "\n".join(f"{number}. {catalogue.describe(option)}"
                         for number, option in enumerate(assessment.recommended, start=1))
    response = "utter_options_medical" if cls.client_type == "medical" else "utter_options_relaxation"
    return response, {"why": why, "options": options}


#: How many of the classification's reasons the options message gives, and how long they
#: may be together: whole reasons, never a cut one.
CLIENT_REASONS = 3
CLIENT_REASONS_CHARS = 160


def reasons_for_the_client(reasons: list[str]) -> str:
    """Why the kind of massage fits, in the client's words: the first few whole reasons
    ("mentions neck pain; rates the pain 6/10"), without staff notes ("not counted: ...",
    "suggests medical massage: the pain or injury described is what ..."); the first one up
    to its colon when every reason is a note."""
    plain = [r for r in reasons if ":" not in r and not r.startswith("not counted")]
    if not plain:
        plain = [r.split(":")[0] for r in reasons[:1] if not r.startswith("not counted")]
    kept: list[str] = []
    for reason in plain[:CLIENT_REASONS]:
        if kept and len("; ".join(kept + [reason])) > CLIENT_REASONS_CHARS:
            break
        kept.append(reason)
    return "; ".join(kept)


#: What the pain question asks for, in its order: the detail, and whether it is missing.
PAIN_DETAILS = (("duration", lambda ex: not ex.duration),
                ("severity", lambda ex: not rated_in_numbers(ex)),
                ("aggravators", lambda ex: not ex.aggravators))


def pain_details_message(ex: Extraction) -> tuple[str, dict]:
    """Says back what was understood and asks only for the details still missing: a
    domain.yml response for each set of missing details (utter_pain_details_...)."""
    missing = [detail for detail, lacking in PAIN_DETAILS if lacking(ex)]
    return "utter_pain_details_" + ("_".join(missing) or "anything_else"), \
        {"concern": concern_summary(ex)}


def health_screen_message(screened: dict | None, concerns: dict | None) -> tuple[str, dict]:
    """The safety questions (data/labels.yml health_questions), without the ones the client
    already answered ("fyi im on xarelto", "I'm 24 weeks pregnant", a dated surgery): those
    are said back as noted. A domain.yml response and its values."""
    said = set((screened or {}).get("red_flags") or []) | set((screened or {}).get("cautions") or [])
    surgery = bool((Extraction.from_dict(concerns).surgery or {}))
    questions = labels("health_questions")
    told = [q for q in questions.values()
            if said & set(q.get("flags") or []) or (q.get("surgery") and surgery)]
    if not told:
        return "utter_ask_health_screen", {}
    rest = [q["ask"] for q in questions.values() if q not in told]
    return "utter_ask_health_screen_rest", {
        "noted": _listed([q["noted"] for q in told], "and"),
        "questions": _listed(rest, "or")}


#: "i'm 15", "my 16 year old", "she's 12": an age under 18 (not "15 weeks pregnant", "5'2").
_MINOR_AGE = re.compile(
    r"\b(?:i'?m|i am|im|she'?s|he'?s|shes|hes|she is|he is|they'?re|theyre|they are|age|aged)\s+(?:only\s+|just\s+)?"
    r"(1[0-7]|[4-9])\b(?!\s*(?:weeks?|wks?|w\b|months?|mos?|days?|hours?|hrs?|minutes?|mins?|am|pm|"
    r"%|/|out of|x\b|on\b|at\b|ish\b|or\b)|['\u2019\".:]\d?)"
    r"|\b(1[0-7]|[4-9])\s*(?:-\s*)?(?:years?[\s-]old|yrs?[\s-]old|yo\b|y/o|year old)")


def says_a_minor(text: str) -> bool:
    """The client, or the person booked for, is under 18 ("hi im 15 and i play volleyball",
    "my 16 year old son", "do i need a parent since im under 18"): a parent or guardian's
    consent comes first (data/practice.yml minors)."""
    from bot.turns import says

    return bool(_MINOR_AGE.search((text or "").lower())) or says("minor", text)


def caution_noted(flags: list[str]) -> str:
    """How the bot says back safety flags the client told it ("the blood thinner", "your
    pregnancy": data/labels.yml health_questions)."""
    questions = labels("health_questions").values()
    said = [q["noted"] for q in questions if set(flags) & set(q.get("flags") or [])]
    return _listed(said, "and") if said else label("values", "your_answers")


def _listed(items: list[str], last: str) -> str:
    if len(items) <= 2:
        return f" {last} ".join(items)
    return ", ".join(items[:-1]) + f", {last} " + items[-1]


def concern_summary(ex: Extraction) -> str:
    parts = describe_conditions(ex.present())
    if not parts:
        parts = [label("goals", g) for g in ex.goals]
    text = ", ".join(parts) or label("values", "nothing_said")
    details = []
    if severity_text(ex):
        details.append(severity_text(ex))
    if ex.duration:
        details.append(ex.duration)
    if ex.surgery:
        details.append(label("values", "surgery")
                       + (f" {ex.surgery['when']}" if ex.surgery.get("when") else ""))
    return text + (f" ({', '.join(details)})" if details else "")


def summary_message(slots: dict) -> tuple[str, dict]:
    """The summary before the yes/no confirm, rendered from the very record that will be
    stored (bot.records.intake_record), so what the client confirms is what staff get: a
    domain.yml response (with the referral and insurance for a medical client, with the
    "before booking" line when the safety screen asks for one) and its values."""
    from bot.records import intake_record

    record = intake_record("", None, slots, [])
    ex = Extraction.from_dict(slots.get("concerns"))
    chosen = catalogue.find_appointment_type(record["appointment_type"] or "", [])
    contact = record["contact"]
    not_given = label("values", "not_given")
    massage = record["client_type"] if record["client_type"] != "unclear" \
        else label("values", "not_decided")
    booker = slots.get("booked_by")
    values = {
        "concern": concern_summary(ex),
        "massage": massage + (f", {catalogue.describe(chosen)}" if chosen else ""),
        "name": (contact["name"] or not_given) + (f" (booked by {booker})" if booker else ""),
        "contact_details": contact_text(contact["phone"], contact["email"])
        or slots.get("contact") or not_given,
        "times": record["preferred_times"] or not_given,
        "health_notes": health_notes_line(record["red_flags"] + record["cautions"],
                                          record["details"]["notes_for_therapist"]),
    }
    response = "utter_summary"
    if record["client_type"] == "medical":
        response += "_medical"
        referral = record["referral"]
        provider = (record["details"] or {}).get("referral_provider")
        values["referral_answer"] = label("values", "referral_yes") + (
            f" ({provider})" if provider else "") if referral else \
            label("values", "referral_no") if referral is False else not_given
        values["insurer"] = record["insurance"] or not_given
    notes = [labels("before_booking").get(record["safety_outcome"])]
    if slots.get("minor"):
        notes.append(label("before_booking", "minor"))
    if gift_not_screened(slots):
        notes.append(label("before_booking", "gift"))
    change = ((slots.get("attempts") or {}).get("taken_as_given") or {}).get("confirm")
    if change:
        notes.append(label("before_booking", "change_asked").format(words=change[:120]))
    if any(notes):
        response += "_before_booking"
        values["note"] = "; ".join(n for n in notes if n)
    return response, values


def health_notes_line(flags: list[str], notes: list[str] | None = None) -> str:
    """The summary's line of what the client told of their health ("on a blood thinner,
    osteoporosis") and the notes they asked for at the summary, in their words, so they can
    check the therapist will know (labels.yml health_notes); "" when they told nothing."""
    table = labels("health_notes")
    said = list(dict.fromkeys(table.get(f) or f.replace("_", " ") for f in flags))
    said += [f'"{n.strip()}"' for n in notes or []]
    return table["line"].format(notes=", ".join(said)) if said else ""


def before_booking_details(slots: dict) -> dict:
    """What the record tells staff beside the safety screen, as the summary told the client:
    a client under 18 needs a parent or guardian's consent (`minor`, `guardian_note`); a gift's
    buyer was not asked the safety questions (`health_screen` says so, never empty)."""
    details: dict = {}
    if slots.get("booked_by"):
        details["booked_by"] = slots["booked_by"]
    if slots.get("minor"):
        details.update(minor=True, guardian_note=label("before_booking", "minor"))
    if gift_not_screened(slots):
        details["health_screen"] = label("before_booking", "gift")
    return details


def gift_not_screened(slots: dict) -> bool:
    """A gift's buyer, not asked the safety questions: the person who comes answers them at
    their first visit (actions/intake_form.py required_slots)."""
    concerns = slots.get("concerns") or {}
    return concerns.get("goals") == ["gift"] and not concerns.get("conditions") \
        and not slots.get("health_screen")


#: "change insurance to Bupa", "my insurer is Bupa", "insurance: Bupa": an insurer the
#: lookups do not know, taken as written (staff check it)
INSURER_SAID = re.compile(
    r"\b(?:insurance|insurer|insurance company|health ?plan)\s*(?:is actually|is now|is with|should be|"
    r"is|to|=|:|as)\s+(?:with\s+)?(?!not\b|none\b|wrong\b)([a-z][\w&'.-]*(?:\s+(?!not\b|now\b)[a-z][\w&'.-]*){0,3})"
    r"(?:\s+(?:not|now|instead)\b.*)?\s*[.!]?\s*$",
    re.IGNORECASE)


def insurer_said(text: str | None) -> str | None:
    """The insurer in "change insurance to Bupa", "my insurer is Bupa" (INSURER_SAID)."""
    said = INSURER_SAID.search(text or "")
    return said.group(1).strip(" .!,") if said else None


#: Answers to the insurer question that name no insurer
_NO_INSURER_NAMED = re.compile(
    r"\b(?:not sure|unsure|dunno|idk|don'?t know|no idea|forget|forgot|can'?t remember|maybe|"
    r"yes|yeah|yep|no|nope|none|nothing|work|job|employer|through|thru|my|the|it|what|which|"
    r"why|how|does|do|is|are|can|insurance|insurer|self|pay|paying|cash|card)\b", re.IGNORECASE)


def insurer_as_written(text: str) -> str:
    """"Bupa", "Aviva Health", "insurance is actually Aviva": an insurer the lookups do not
    know, named in a few words, taken as written (staff check it); "" for anything else."""
    said = insurer_said(text)
    if said:
        return said
    text = re.sub(r"^\s*(?:it'?s|its|it is|with|thru|through)\s+", "", text or "", flags=re.IGNORECASE)
    words = re.findall(r"[A-Za-z&'.-]+", text)
    if 1 <= len(words) <= 3 and not re.search(r"[?\d@]", text or "") \
            and not _NO_INSURER_NAMED.search(text or ""):
        return " ".join(words)
    return ""


_SURNAME = re.compile(r"\b(?:my\s+)?(?:last|sur|family|second)\s*name(?:'s|\s+is|:)?\s+"
                      r"([A-Za-z][A-Za-z'-]+)", re.IGNORECASE)


def with_surname(text: str, current: str | None) -> str:
    """"last name is Power btw": the name given before with that surname ("Will" -> "Will
    Power"); "" when the message gives no surname."""
    said = _SURNAME.search(text or "")
    if not said or not current or current == UNDECIDED:
        return ""
    surname = said.group(1)
    surname = surname[:1].upper() + surname[1:] if surname.islower() else surname
    words = current.split()
    return " ".join((words[:-1] if len(words) > 1 else words) + [surname])


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
    surname = with_surname(text, slots.get("client_name"))
    if surname:  # "last name is Kowalczyk": the first name given before stays
        updates["client_name"] = surname
    name = None if surname else NAME_CORRECTION.search(text or "")
    said_name = name.group(1) if name else ""
    cut = re.split(r"\s*(?:[,;]|\.\s|\band\b|\bbut\b)\s*", said_name, maxsplit=1)
    if len(cut) == 2 and says_when(cut[1]):
        # "my name is Siobhan Kelly and saturdays before 3 are better": two changes
        said_name = cut[0]
        updates["preferred_times"] = times_from_correction(cut[1]) or cut[1].strip()
    from bot.turns import says

    if name and name_from(said_name) and not says("not_in_a_name", said_name) \
            and "?" not in said_name:
        # the client's words, not the model's entity (it keeps "Martinez" of "Hope Martinez");
        # "will they know to call me and not her?" names no one
        updates["client_name"] = name_from(said_name)
    booker = booker_named(text)
    if booker:
        # "I'm booking for her, my name is Carol", "im Tom the husband paying": the one
        # booking, not the one who comes (a client-style test replaced the client's name)
        updates.pop("client_name", None)
        updates["booked_by"] = booker
    said_referral = referral_in(text)
    if said_referral is not None or re.search(r"\breferr", text or "", re.I):
        # denied in the sentence that says it: "I said 60 minutes, not 90. And the referring
        # doctor is Dr. Chen" is a referral
        about = next((s for s in re.split(r"(?<=[.!?;])\s+", text or "")
                      if re.search(r"\breferr", s, re.I) or referral_in(s) is not None), text or "")
        said_referral = False if re.search(r"\b(?:no|not|wasn'?t|wasnt|never|without)\b",
                                           about, re.I) else True
        updates["referral"] = said_referral
        if said_referral and referral_provider(text):
            updates["referral_provider"] = referral_provider(text)
    insurer = insurer_named(text)
    if insurer or re.search(r"\b(?:insurance|insurer|self[- ]?pay|cash)\b", text or "", re.I):
        updates["insurance"] = insurer or insurance_from(text) or insurer_said(text) \
            or updates.get("insurance")
        if updates["insurance"] is None:
            del updates["insurance"]
    concerns = _corrected_concerns(slots.get("concerns"), text, entities)
    timed = _corrected_rating_and_time(concerns or slots.get("concerns"), text)
    if timed is not None:
        concerns = timed
    if concerns is not None:
        updates["concerns"] = concerns
    text = _one_length(text)  # "90 mins is a bit much, can we do the 60 minute one": 60
    current = catalogue.offered_types([slots.get("appointment_type")])
    chosen = None if catalogue.length_not_offered(text, current) else \
        catalogue.find_appointment_type(text, catalogue.offered_types(slots.get("recommended_types")))
    if chosen is not None and current and catalogue.length_named(text) \
            and not catalogue.treatment_name_spans(text, bare_words=True) \
            and not re.search(r"\b(?:number|option|no\.?)\s*#?\d\b|#\d\b", text or "", re.I):
        # "make it the 90 minute one": the chosen treatment in that length, never another one
        chosen = catalogue.find_appointment_type(text, current)
    if chosen is None and current and not catalogue.length_not_offered(text, current):
        # "the 90 min one" at the summary: the chosen treatment, another length
        chosen = catalogue.find_appointment_type(text, current)
    if chosen and (catalogue.treatment_name_spans(text) or re.search(
            r"\d+\s*min|\b(?:number|option|no\.?)\s*#?\d\b|#\d\b", text, re.I)
            or set(re.findall(r"[a-z]+", (text or "").lower())) & menu_words()):
        updates["appointment_type"] = chosen.id
    if not updates and TIMES_CORRECTION.search(text or "") and says_when(text):
        updates["preferred_times"] = times_from_correction(text)
    return updates


_A_LENGTH = re.compile(r"\b\d{2,3}\s*-?\s*(?:minutes?|mins?|min)\b", re.IGNORECASE)
_LENGTH_DROPPED_BEFORE = re.compile(r"\b(?:not|instead of|than|says|said|from|of)\s+(?:the\s+)?$",
                                    re.IGNORECASE)
_LENGTH_DROPPED_AFTER = re.compile(r"\s*(?:one\s+)?(?:is|was|are|seems)?\s*(?:a bit |way |much |"
                                   r"too |a little )*(?:too long|too much|much|long|a lot)\b",
                                   re.IGNORECASE)


def _one_length(text: str) -> str:
    """A message naming two lengths keeps the one wanted: the last not turned down ("it says
    90 min. I want 60 min", "90 mins is a bit much, can we do the 60 minute one")."""
    found = list(_A_LENGTH.finditer(text or ""))
    if len(found) < 2:
        return text
    kept = [m for m in found if not (_LENGTH_DROPPED_BEFORE.search(text[:m.start()])
                                     or _LENGTH_DROPPED_AFTER.match(text, m.end()))]
    wanted = (kept or found)[-1]
    return _without_spans(text, [m.span() for m in found if m is not wanted])


def _without_spans(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return text


def length_kept_message(slots: dict, text: str) -> tuple[str, dict] | None:
    """"Make it the 90 minute one" for a treatment that comes in 60 minutes only: the
    treatment is kept and the client told why (never switched to another treatment)."""
    lacking = catalogue.length_not_offered(
        text, catalogue.offered_types([slots.get("appointment_type")]))
    if lacking is None:
        return None
    kept, lengths = lacking
    said = _listed([str(m) for m in lengths], "or")
    return "utter_length_not_offered", {"family": kept.name.split(",")[0],
                                        "lengths": said, "treatment": catalogue.describe(kept)}


def menu_words() -> frozenset[str]:
    """Words of the menu's treatment names (data/appointment_types.yml) that are no word of a
    condition or a goal (their ids and data/labels.yml) and no everyday word ("work",
    "post"): "swedish", "myofascial", "massage", not "sports", "scar" or "surgical". At the
    summary "the swedish one" changes the treatment; "it's a sports injury" does not."""
    return _menu_words(tuple(t.name for t in catalogue.load_catalogue()))


@lru_cache(maxsize=4)
def _menu_words(names: tuple[str, ...]) -> frozenset[str]:
    from bot.text import common_english_words

    named = {**labels("conditions"), **labels("goals")}
    other = set(re.findall(r"[a-z]+", " ".join([*named, *named.values()]).lower()))
    other |= common_english_words(500)
    said = re.findall(r"[a-z]{4,}", re.sub(r"\d+\s*min\w*", " ", " ".join(names).lower()))
    return frozenset(word for word in said if word not in other)


#: "looks right", "right now", "that's right": no side of the body
NOT_A_SIDE = re.compile(r"\b(?:looks|look|that'?s|thats|sounds|is|it'?s|all|you'?re|youre|"
                        r"about)\s+right\b|\balright\b|\bright\s+(?:now|away|there|here|after)\b",
                        re.IGNORECASE)


#: A rating or its correction in a message ("a 6 not 8", "not 2/10", "11 out of 10"): left out
#: when the message is read for concerns, so its "not" negates no concern.
_RATING_WORDS = re.compile(r"\b(?:(?:is\s+)?not|isn'?t|never)\s+(?:a\s+|an\s+)?\d{1,2}"
                           r"(?:\s*(?:/|out of)\s*10)?\b|\b\d{1,2}(?:\.\d)?\s*(?:/|out of)\s*10\b|"
                           r"\b(?:an?|like|maybe|about|around)\s+\d{1,2}\b(?!\s*(?:/|out of|min|hour|day|"
                           r"week|month|year))", re.IGNORECASE)


def _about_a_health_detail(text: str) -> bool:
    """A message the safety screen reads a flag or a caution in (a medicine, a clot, an
    operation): a time in it is that detail's, not the complaint's."""
    screened = safety.screen(text)
    return bool(screened.red_flags or screened.cautions)


#: a number said as a rating, not a time: "the pain is more like a 4", "5/10"
_A_RATING_SAID = re.compile(r"\b(?:pain|hurts?|ache|sore|rat(?:e|ing)|scale|severity|level)\b|/\s*10|"
                            r"out of (?:10|ten)", re.IGNORECASE)


def _corrected_rating_and_time(concerns: dict | None, text: str) -> dict | None:
    """"pain is 5 not 3", "it's been going on since january": a newer rating or time;
    "remove the 3/10": no rating."""
    from bot.turns import says

    said = extract(text)
    if said.severity is not None and says_when(text) and not _A_RATING_SAID.search(text or ""):
        said.severity = None  # "change the time to Saturday afternoons, around 4": a time
    duration, _ = duration_in(text) if said.duration is None else (said.duration, None)
    if duration is not None and not said.present() and _about_a_health_detail(text):
        duration = None  # "i take warfarin since my DVT last year": the medicine's time
    if said.severity is None and duration is None:
        return None
    updated = Extraction.from_dict(concerns)
    if says("remove", text):  # "remove the 3/10", "take out the 2 weeks"
        if said.severity is not None:
            updated.severity = None
            updated.sources.pop("severity", None)
        if duration is not None and said.severity is None:
            updated.duration = None
            updated.sources.pop("duration", None)
        return updated.to_dict()
    if said.severity is not None:
        updated.severity = said.severity
        updated.sources["severity"] = {**said.sources.get("severity", {}), "correction": True}
    if duration is not None:
        updated.duration = duration
        start = (text or "").find(duration)
        updated.sources["duration"] = {"text": duration, "start": start, "end": start + len(duration),
                                       "correction": True}
    return updated.to_dict()


def _corrected_concerns(previous: dict | None, text: str, entities: list[dict]) -> dict | None:
    """Applies a correction of the concerns at the summary: a side ("it's my left shoulder")
    goes to the concern it is about; "remove foot pain", "not my neck", "my feet don't hurt"
    take a concern out; "add lower back pain", "my hips too" add one; "actually it's my
    knee" replaces the main concern. None when the message changes none of them."""
    from bot.extraction import word_spans
    from bot.turns import says, says_at

    old = Extraction.from_dict(previous)
    text = _RATING_WORDS.sub(" ", NOT_A_SIDE.sub(" ", text or ""))
    adding, removing = says("add", text), says("remove", text)
    new = extract(text, entities)
    regions = word_spans(text)["body_part"]
    denied_regions = {m.id for m in regions if says_at("denied_before", text, m.start, m.end)
                      or says_at("denied_after", text, m.start, m.end)}
    if removing:  # "remove foot pain please", "take off the knee"
        gone = {c.id for c in new.conditions}
        named = {m.id for m in regions}
        kept = [c for c in old.conditions if c.id not in gone and c.body_part not in named]
        if len(kept) == len(old.conditions):
            return None  # "remove the 3/10": no concern to take out
        old.conditions = kept
        return old.to_dict()
    sides = re.findall(r"\b(left|right|both)\b", text, re.I)
    reaches = load_lexicon().condition_reaches

    def felt_in(c) -> set:  # "it's the left leg" of a sciatica: where the concern is felt
        return {c.body_part, c.radiates_to} | reaches.get(c.id, set())

    known_regions = set().union(*(felt_in(c) for c in old.present()))
    if sides and old.present() and not denied_regions and not new.present() \
            and all(m.id in known_regions for m in regions):
        # "it's the right side", "its mostly the right shoulder", "left leg" of a sciatica
        # down the leg: the side of a concern
        side_at = re.search(r"\b(?:left|right|both)\b", text, re.I).start()
        near = sorted(regions, key=lambda m: abs(m.start - side_at))  # "neck and right shoulder"
        main = next((c for m in near for c in old.present() if m.id in (c.body_part,
                                                                       c.radiates_to)),
                    next((c for m in near for c in old.present() if m.id in felt_in(c)),
                         old.present()[0]))
        was, main.side = main.side, sides[0].lower()
        for other in old.present():  # "a pulled left hamstring": the injury is on that side too
            if other is not main and other.body_part in (None, main.body_part) \
                    and other.side == was and was:
                other.side = main.side
        return old.to_dict()
    # "its a stiff neck, not neck pain": the same concern in other words, not taken out (a
    # client-style test lost the only complaint)
    said_present = {c.id for c in new.present()}
    denied_regions -= {c.body_part for c in new.present()}
    denied = {c.id for c in new.conditions if c.status == "negated"} - said_present
    merged = Extraction.from_dict(old.to_dict())
    merged.conditions = [c for c in merged.conditions
                         if c.id not in denied and c.body_part not in denied_regions]
    newly = [c for c in new.present() if c.body_part not in denied_regions]
    for region in regions:  # "actually it's my knee": pain there, though no pain word was said
        if region.id not in denied_regions and not any(c.body_part == region.id for c in newly):
            # the words kept are the client's ("knee"), never the "my ... hurts" read with them
            newly += [replace(c, text=region.text, start=region.start, end=region.end)
                      for c in extract(f"my {region.text} hurts").present()
                      if not any(o.id == c.id and o.body_part == c.body_part
                                 for o in merged.present())]
    if not (denied or denied_regions or adding) and newly and merged.present() \
            and not any(c.id == n.id for n in newly for c in merged.present()):
        merged.conditions.remove(merged.present()[0])  # the correction replaces the main concern
    merged = merged.merge(Extraction(conditions=newly))
    return merged.to_dict() if merged.to_dict() != old.to_dict() else None


#: What a form slot holds when the client's own words are taken as the answer after the
#: question was asked twice (flagged for staff in the record's details).
UNDECIDED = "undecided"


def taken_as_given(slot: str, text: str) -> dict | None:
    """Slot values for the client's words taken as the answer; None when they cannot be."""
    text = (text or "").strip()
    if slot in ("client_name", "contact", "preferred_times", "insurance", "pain_details",
                "health_screen"):
        return {slot: text[:200]} if re.search(r"\w", text) else None
    if slot == "referral":
        return {"referral": UNDECIDED}
    if slot == "appointment_type":
        return {"appointment_type": UNDECIDED}
    if slot == "confirm":  # a change the bot cannot make: noted for staff, confirmed again
        return {"confirm": None, "awaiting_change": False} if re.search(r"\w", text) else None
    if slot == "concerns":
        return {"concerns": Extraction().to_dict(), "client_type": "unclear",
                "appointment_type": UNDECIDED}
    return None


_NAME_LEAD = re.compile(
    r"^(?:(?:hi|hey|hello|ok|okay|sure|yes|yeah|oh|um|uh|umm|well|right)\b[,!.\s]*)*"
    r"(?:(?:it'?s|its)\s+under|put\s+(?:it|me)\s+(?:down\s+)?under|"
    r"(?:(?:my|her|his|their)\s+)?(?:full\s+|good\s+|real\s+|first\s+and\s+last\s+)?name(?:'s|\s+is|:)?|i'?m|i\s+am|it'?s|its|this\s+is|call\s+me|"
    r"you\s+can\s+call\s+me|under|"
    r"the\s+name\s+is|book\s+it\s+under|"
    # "the appointment is for my son Jack Frost", "it's for my mum, Ann Lee"
    r"(?:(?:the\s+)?(?:appointment|appt|booking|massage|session)\s+(?:is|will\s+be|'?s)\s+|it'?s\s+|its\s+)?"
    r"for(?:\s+my\s+(?:son|daughter|mom|mum|mother|dad|father|husband|wife|partner|kid|child|"
    r"boyfriend|girlfriend|friend|grandma|grandmother|grandpa|grandfather|brother|sister)\b[,:]?)?)\s+"
    r"(?:(?:just|only|simply)\s+)?", re.IGNORECASE)
#: "I said it already, Rose Hill", "like I said - Rose Hill": the name after it
_ALREADY_SAID = re.compile(r"^\W*(?:i (?:already )?(?:said|told you|gave (?:it|you)|mentioned)(?: it| that)?"
                           r"(?: already| before| earlier)?|(?:as|like) i (?:said|told you|mentioned)"
                           r"(?: before| already| earlier)?)\W+", re.IGNORECASE)
#: A phone number or email given with the name ("Dawn Summers - +14047338550"): contact, not
#: part of the name (it fills the contact from the same message).
_CONTACT_IN_NAME = re.compile(
    r"\S+@\S+\.\w+|(?:\(?\+?\d[\d\s().-]{6,}\d)|[\s,;:/|-]+(?:phone|cell|mobile|tel|email|e-mail|number|"
    r"my number is|number is|at|or)\s*[:\-]?\s*$", re.IGNORECASE)
#: Where a name ends and the rest of the message begins ("Linda Kowalczyk, that's K-O-W...",
#: "Robert Park and my number is ...", "Rich Gold, you can reach me ...").
_NAME_CUT = re.compile(
    r"\s*(?:,|;|\s-\s|\s+(?:and|n|&)\s+(?=my|the|i|it|you|email|phone|number|call|text|reach)|"
    r"\s+(?=(?:my|the) (?:number|phone|cell|email|mobile)\b))\s*"
    r"(?=(?:that'?s|thats|spelled|spelt|it'?s|its|and|but|my|i|i'?m|you|u|call|text|reach|"
    r"email|phone|number|cell|mobile|the|for|thanks|thank|pls|please)\b)"
    # "Faith Hill - not the singer", "Rose Bush. yes thats really my name", "May Day, shes
    # my mum": a name, then a remark in lower case
    r"|(?-i:\s+-\s+(?=[a-z])|(?<![Dd][Rr])(?<![Ss][Tt])(?<![Mm][RrSs])(?<![Mm][Rr][Ss])(?<![JjSs][Rr])"
    r"\.\s+(?=[a-z])|,\s*(?=[a-z]+\b(?!\s*$)))", re.IGNORECASE)
_NAME_TAIL = re.compile(r"[\s,.!(]+(?:(?:as|like)\s+i\s+(?:said|mentioned|wrote|told\s+you)(?:\s+before|"
                        r"\s+earlier|\s+already)?\)?|thanks?|thank\s+you|thx|ty|please|pls|plz|lol|haha|lmao)?[\s.!)]*$",
                        re.IGNORECASE)


_INTRODUCED = re.compile(r"\b(?i:my (?:good |full |real )?name is|my name'?s|name is)\s+([A-Za-z][\w'-]+(?:\s+[A-Za-z][\w'-]+)?)"
                         r"|\b(?i:this is)\s+([A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+){1,2})\b")
_NOT_NAMES = re.compile(r"^(?:mon|tues|wednes|thurs|fri|satur|sun)day|^(?:january|february|march|april|"
                        r"june|july|august|september|october|november|december)$", re.IGNORECASE)


def introduced_name(text: str) -> str | None:
    """A name the client gives unasked: anything after "my name is", two capitalised words
    after "this is". Not after "I'm" ("I'm Really Tired"): that name is asked for."""
    match = _INTRODUCED.search(text or "")
    if not match:
        return None
    words = (match.group(1) or match.group(2)).split()
    if match.group(2) and _NOT_NAMES.match(words[0]):
        return None  # "this is Tuesday Morning": asked, not guessed
    return name_from(match.group(1) or match.group(2)) or None


def name_from(text: str) -> str:
    """The name in an answer to "what name should we use?", kept whole: "it's under Kim" ->
    "Kim", "Núñez-García", "O'Neil", "Dr. Lee", "Jo Park"."""
    text = _ALREADY_SAID.sub("", _CONTACT_IN_NAME.sub(" ", text or "").strip(), count=1)
    name = _NAME_LEAD.sub("", text.strip(), count=1)
    if re.match(r"for\s+my\s+\w+", name, re.IGNORECASE):  # "it's for my son Jack Frost"
        name = _NAME_LEAD.sub("", name, count=1)
    name = _NAME_CUT.split(name, maxsplit=1)[0]
    name = re.sub(r"\s*\([^)]*\)?\s*$", "", name)  # "Hope Springs (i know)": a remark
    name = _NAME_TAIL.sub("", name).strip(" \t,;:!\"-|/(")
    name = re.sub(r"[\s,;:/|-]+(?:phone|cell|mobile|tel|email|e-mail|number|at|or|and)\s*[:\-]?$", "",
                  name, flags=re.IGNORECASE).strip(" \t,;:!\"-|/")
    name = " ".join(name.split())
    # "summer love" -> "Summer Love"; a name written with capitals is kept as written
    return " ".join(w[:1].upper() + w[1:] for w in name.split()) if name.islower() else name


def name_and_contact(text: str, entities: list[dict] | None = None,
                     name_asked: bool = False) -> dict:
    """A name and a phone number or email written anywhere in a free message ("can i please
    just book. my name is Rosa Delgado 614-555-0170", "you dont have my number though. its
    Nina Flores 305-555-0135"): {"name", "phone", "email"}, with only those found. A name not
    introduced ("my name is") counts only when a clause is two or three capitalised words, as
    written, or, when the bot asked for a name (`name_asked`), any clause of one to three
    words that is only a name ("nina flores, 305 555 0135")."""
    found = contact_from(text, entities or [])
    name = introduced_name(text)
    if not name:
        for clause in re.split(r"[.!?;,\n]+|\s+-\s+", _CONTACT_IN_NAME.sub(" ", text or "")):
            candidate = name_from(clause)
            words = candidate.split()
            capitalised = 2 <= len(words) <= 3 and candidate in clause and all(
                re.fullmatch(r"[A-Z][a-z'-]+|[A-Z]'[A-Z][a-z]+", w) for w in words)
            if capitalised or (name_asked and _only_a_name(candidate)):
                name = candidate
                break
    return {**({"name": name} if name else {}), **found}


def _only_a_name(text: str) -> bool:
    """One to three words of letters that are no everyday words ("nina flores", not "call me"
    or "thanks")."""
    from bot.text import common_english_words

    words = text.split()
    return 1 <= len(words) <= 3 and all(re.fullmatch(r"[^\W\d_][\w'.-]*", w) for w in words) \
        and not any(w.lower() in common_english_words(500) for w in words)


#: The hold's answers (domain.yml), by what the client's message says and whether staff
#: already have a way to reach them; a crisis keeps the crisis line in every answer.
HOLD_RESPONSES = {
    ("hold", False): "utter_emergency_hold", ("hold", True): "utter_emergency_hold_known",
    ("not_an_emergency", False): "utter_emergency_hold_not_emergency",
    ("not_an_emergency", True): "utter_emergency_hold_not_emergency_known",
    ("contact", True): "utter_emergency_hold_contact",
    ("crisis", False): "utter_emergency_hold_crisis", ("crisis", True): "utter_emergency_hold_crisis",
}
HOLD_AGAIN = {False: "utter_emergency_hold_again", True: "utter_emergency_hold_crisis_again"}


def hold_reply(text: str, given: dict, known: dict, crisis: bool,
               last_reply: str | None) -> tuple[str, dict]:
    """The answer to a message after an emergency, when nothing is booked from the chat: a
    domain.yml response and its values. `given`: the name and contact in this message
    (name_and_contact); `known`: {"name", "contact"} staff have already (the contact as the
    client reads it). A name or contact given is acknowledged ("they'll call you at ..."); "I'm
    not having an emergency" or a wish to book is answered kindly (staff call to check in and
    book), asking for a phone number when there is none; the same answer is never sent twice
    in a row."""
    from bot.turns import says

    contact = known.get("contact")
    if given.get("phone") or given.get("email"):
        kind = "crisis" if crisis else "contact"
        contact = contact_text(given.get("phone"), given.get("email"))
    elif crisis:
        kind = "crisis"
    elif says("not_an_emergency", text) or says("wants_to_book", text):
        kind = "not_an_emergency"
    else:
        kind = "hold"
    response = HOLD_RESPONSES[(kind, bool(contact))] if (kind, bool(contact)) in HOLD_RESPONSES \
        else HOLD_RESPONSES[("hold", bool(contact))]
    if kind == "crisis" and (given.get("phone") or given.get("email")):
        response = "utter_emergency_hold_crisis_contact"
    name = given.get("name") or known.get("name")
    first = next((w for w in (name or "").split()
                  if w.lower().strip(".") not in ("dr", "mr", "mrs", "ms", "miss", "mx")), "")
    if response == "utter_emergency_hold_contact" and first:
        response = "utter_emergency_hold_contact_named"
    if response == last_reply:
        response = HOLD_AGAIN[crisis]
    values = {"contact": contact or "", "first_name": first}
    return response, values


def booker_named(text: str) -> str | None:
    """The name of the one booking for someone else, said at the summary: "I'm booking for
    her, my name is Carol" -> "Carol, booking for her"; "pls note im Tom the husband paying"
    -> "Tom, the husband"."""
    from bot.turns import phrase_pattern

    relation = phrase_pattern("relations").pattern
    said = text or ""
    as_relation = re.search(rf"(?i:\b(?:i'?m|im|i am|this is))\s+([A-Z][a-z'-]+),?\s+"
                            rf"(?i:(the|her|his|their))\s+(?P<relation>(?i:{relation}))\b", said)
    if as_relation:
        return f"{as_relation.group(1)}, {as_relation.group(2).lower()} {as_relation.group('relation').lower()}"
    booking = re.search(r"(?i:\b(?:i'?m|im|i am)\s+(?:the\s+one\s+)?booking\s+(?:this\s+|it\s+)?for\s+"
                        r"(her|him|them|my\s+\w+))", said)
    named = re.search(r"(?i:\bmy name(?:'s|\s+is)|\bi'?m|\bim)\s+([A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?)",
                      said[booking.end():] if booking else "")
    if booking and named:
        return f"{named.group(1)}, booking for {booking.group(1).lower()}"
    return None


def booked_for(text: str) -> tuple[str | None, str | None]:
    """The person who comes and the one booking, when an answer to "what name?" says both:
    "Margaret Hughes. I'm her daughter Claire" -> ("Margaret Hughes", "Claire, her
    daughter"); "it's for my wife Priya Shah but contact me (Dev)" -> ("Priya Shah", "Dev,
    booking for their wife"). (None, None) when it says no such thing (data/lookups/
    dialogue.yml relations)."""
    from bot.turns import phrase_pattern

    relation = phrase_pattern("relations").pattern
    name = r"[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?"
    told = re.search(rf"^(?P<patient>.+?)[.,;!]\s*(?i:i'?m|i am|im|this is)\s+(?i:her|his|their)\s+"
                     rf"(?P<relation>(?i:{relation}))\b,?(?:\s+(?P<booker>[A-Z][a-z'-]+))?",
                     (text or "").strip())
    if told:
        patient = name_from(told.group("patient"))
        who = told.group("relation").lower()
        pronoun = re.search(r"(?i)\b(her|his|their)\s+" + re.escape(told.group("relation")),
                            told.group(0)).group(1).lower()
        booker = f"{told.group('booker')}, {pronoun} {who}" if told.group("booker") \
            else f"{pronoun} {who}"
        return (patient or None), booker
    booking = re.search(rf"(?i:\bfor\s+my)\s+(?P<relation>(?i:{relation}))\s*,?\s+(?P<patient>{name})",
                        text or "")
    if booking:
        me = re.search(r"(?i:contact me|call me|text me|i'?m|im)\s*[(,]?\s*([A-Z][a-z'-]+)\)?", text)
        booker = f"booking for their {booking.group('relation').lower()}"
        return booking.group("patient"), (f"{me.group(1)}, {booker}" if me else booker)
    return None, None


_PROVIDER_KINDS = ("family doctor|doctor|gp|pcp|physician|chiropractor|chiro|physio|"
                   "physiotherapist|physical therapist|pt|orthopedist|ortho|surgeon|neurologist|"
                   "rheumatologist|ob|obgyn|midwife|nurse practitioner|np|osteopath|podiatrist|"
                   "oncologist|cardiologist|therapist")
_PROVIDER = re.compile(r"\b(?i:dr\.?|doctor)\s+(?!(?i:is|was|said|says|who|that|and|did|does|"
                       r"told|referred|wants|thinks|recommended|suggested|sent)\b)"
                       r"([A-Za-z][\w'-]+(?:\s+[A-Z][\w'-]+)?)"
                       r"|\b(?i:my\s+(" + _PROVIDER_KINDS + r"))\b")


def referral_provider(text: str) -> str | None:
    """Who referred the client, when named: "Dr. Hargrove", "my chiropractor"."""
    match = _PROVIDER.search(text or "")
    if not match:
        # "referral was from Sarah Lin at City PT": a person named after from/by
        named = re.search(r"\b(?:from|by)\s+([A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?)"
                          r"(?:\s+(?:at|from)\s+([A-Z][\w&' ]*[\w]))?", text or "")
        if named and re.search(r"referr|sent me|recommend", text or "", re.I):
            return named.group(1) + (f" ({named.group(2)})" if named.group(2) else "")
        return None
    if match.group(1):
        return f"Dr. {match.group(1)}"
    named = _PROVIDER.search(text, match.end())  # "my chiropractor, Dr. Feldman"
    if named and named.group(1) and named.start() - match.end() <= 12:
        return f"Dr. {named.group(1)} ({match.group(2).lower()})"
    # "Jen Mills, my physio", "my physio Jen Mills": the person named beside the kind
    person = next((m for m in _PERSON.finditer(text)
                   if 0 <= match.start() - m.end() <= 12 or 0 <= m.start() - match.end() <= 3), None)
    if person:
        return f"{person.group(0)} ({match.group(2).lower()})"
    return f"my {match.group(2).lower()}"


#: A person's first and last name as written ("Jen Mills")
_PERSON = re.compile(r"\b(?!(?:Dr|Doctor|The|My|Yes|No|Blue|United|City)\b)[A-Z][a-z'-]+\s+[A-Z][a-z'-]+\b")


_TIMES_LEAD = re.compile(
    r"^(?:(?:oh|oops|sorry|actually|wait|no|nope|hmm|also|and|but|so|ok|okay)\b[,!.\s]*)*(?:"
    r"(?:i'?m |i am )?(?:free|available|around)\b|"
    r"(?:(?:can|could) (?:we|you|it) (?:do|make it|change (?:it|that|the times?|my times?) to|"
    r"switch (?:it |the times? )?to)|"
    r"(?:please )?(?:change|switch|make) (?:it|that|the times?|my times?|times?)(?: to)?|"
    r"(?:i )?(?:want(?:ed)?|would like|need(?:ed)?) (?:the |my )?(?:times?|days?) "
    r"(?:changed |moved |switched )?to|"
    r"(?:the |my )?(?:preferred )?(?:times?|days?|availability|schedule)(?:\s*:|\s+(?:is|are|"
    r"should (?:just |only )?be))|"
    r"i'?d (?:prefer|rather)|i prefer\b|prefer\b|instead of \S+(?: \S+)?|"
    r"(?:i )?(?:told you|said)|(?:as|like) i (?:said|told you)))?\s*", re.IGNORECASE)
_TIMES_TAIL = re.compile(
    r"\s*(?:(?:are|is|would be|work|works|would work)\s+(?:much\s+|a lot\s+)?(?:better|best|easier|good|"
    r"fine|great)(?:\s+for me)?|instead|please|pls|thanks?|thank you)[\s.!]*$", re.IGNORECASE)


#: A clause that says when something happened, not when the client can come ("since
#: saturday", "2 weeks ago", "every morning").
_NOT_AVAILABILITY = re.compile(r"\b(?:since|ago|last|been|started|past|every|hurts?|pain|worse|"
                               r"better when|after (?:i|my|work)\w*|reach|call|text|email|"
                               r"contact)\b", re.IGNORECASE)


def times_said_with(text: str) -> str | None:
    """The part of an answer to another question that says when the client can come:
    "text me at 503 555 0127, saturdays are best" -> "saturdays", "1. name is Ana Sousa, free
    tues mornings" -> "tues mornings"; None when no clause does (a clause with a contact, a
    treatment, a length, a question or a concern is none)."""
    clauses = [c.strip() for c in re.split(r"[,;\n]|\.(?:\s|$)|\s(?:and|but)\s", text or "")
               if c.strip()]
    from bot.turns import plainly_a_question

    for clause in clauses:
        if not says_when(clause) or _NOT_AVAILABILITY.search(clause) or contact_from(clause, []) \
                or plainly_a_question(clause) or catalogue.treatment_name_spans(clause, True) \
                or re.search(r"\b\d{2,3}\s*(?:min|minute|hour)", clause, re.I) \
                or extract(clause).present():
            continue
        return times_from_correction(clause)[:200] or None
    return None


#: Words that say when a client can come ("tue", "mornings", "after 5", "any time").
TIME_WORDS = re.compile(
    r"\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|s|nesday|rsday|urday)?s?\b|"
    r"\b(?:weekdays?|weekends?|mornings?|afternoons?|evenings?|nights?|lunch\w*|noon|midday|"
    r"anytime|any time|whenever|flexible|today|tomorrow|tmrw|next week|this week|asap)\b|"
    r"\b\d{1,2}(?::\d\d)?\s*(?:am|pm|a\.m\.|p\.m\.)|\b(?:after|before|around|at|by)\s+\d{1,2}\b",
    re.IGNORECASE)
#: "actually make that Thursday": a change of the times, whatever was asked.
TIMES_CHANGE = re.compile(r"^\W*(?:(?:oh|oops|sorry|wait|actually|hmm|also)\b[,!.\s]*)+"
                          r"(?:(?:can (?:we|you) )?(?:make|change|switch) (?:it|that|the (?:time|day)s?)"
                          r"(?: to)?|i'?d (?:prefer|rather)|(?:\w+ )?(?:are|is) better)"
                          r"|\b(?:make it|change it to|switch (?:it )?to|move it to|doesn'?t work "
                          r"(?:any ?more|for me)|can'?t do)\b",
                          re.IGNORECASE)


_CHANGED_MIND = re.compile(r"[.,;!]?\s*(?:hmm+\s*,?\s*)?\b(?:wait|actually|no wait|on second thought|"
                           r"scratch that|or rather)\b[,\s]*", re.IGNORECASE)


def latest_times(text: str) -> str:
    """"Mornings. hmm wait, evenings are better actually" -> "evenings": the client's last
    word on it."""
    parts = [p for p in _CHANGED_MIND.split(text or "") if p and p.strip()]
    last = parts[-1].strip() if parts else (text or "").strip()
    if len(parts) > 1 and says_when(last):
        return times_from_correction(last)
    return (text or "").strip()


def says_when(text: str) -> bool:
    return bool(TIME_WORDS.search(text or ""))


def times_from_correction(text: str) -> str:
    """"actually late afternoons are better" -> "late afternoons"; "The time is wrong, I told
    you Friday at noon, not Wednesday" -> "Friday at noon": the part that says when, not
    what it replaces."""
    text = (text or "").strip()
    parts = [p.strip() for p in re.split(r"[,;.]|\b(?:make (?:it|that|them)|change (?:it|that) to|switch (?:it )?to|"
                                         r"move it to)\b", text) if p and p.strip()]
    saying = [says_when(p) and not re.match(
        r"(?:not|no|instead of)\b|\w+day (?:doesn'?t|does not|won'?t|can'?t)", p, re.I)
        for p in parts]
    if any(saying):
        # the last run of parts that say when: "make it saturday then, late morning"
        last = max(i for i, yes in enumerate(saying) if yes)
        first = last
        while first > 0 and saying[first - 1]:
            first -= 1
        text = ", ".join(re.sub(r"\s+then$", "", p, flags=re.I) for p in parts[first:last + 1])
    times = _TIMES_LEAD.sub("", text, count=1)
    for _ in range(2):
        times = _TIMES_TAIL.sub("", times)
    return times.strip(" ,.!") or text.strip()
