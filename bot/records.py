"""The stored intake record: what the conversation collected, in the contract's shape.

`intake_facts` is the one builder of what a record says about the client (kind of massage,
conditions, goals, safety, severity, duration, where each was said); `python -m bot assess`
(bot.assess) and the conversation's records below both call it, so they cannot disagree.
"""
from __future__ import annotations

from collections.abc import Mapping

from bot import safety
from bot.vocabulary import STATUS_FOR_SAFETY_OUTCOME
from bot.extraction import Extraction
from bot.intake import assess, surgery_facts, update_concerns

CHANNELS = {"rest": "web", "socketio": "web", "cmdline": "shell", "sms": "sms", "twilio": "sms"}


def latest_user_time(events: list[dict]):
    """When the client sent the latest message (rasa-sdk's latest_message has no time):
    it keys each stored record, so a retry never stores it twice and a new one is new."""
    return next((e.get("timestamp") for e in reversed(events) if e.get("event") == "user"), None)


def previous_user_text(events: list[dict]) -> str | None:
    """The client's message before the latest one (an emergency may be said across two)."""
    said = [e.get("text") or "" for e in events if e.get("event") == "user"]
    return said[-2] if len(said) >= 2 else None


def transcript_from_events(events: list[dict]) -> list[dict]:
    """Client and bot messages of a Rasa tracker's events, in order, with their times."""
    from datetime import datetime, timezone

    messages = []
    for event in events:
        if event.get("event") not in ("user", "bot") or not (event.get("text") or "").strip():
            continue
        at = datetime.fromtimestamp(event.get("timestamp") or 0, tz=timezone.utc).isoformat()
        messages.append({"sender": "client" if event["event"] == "user" else "bot",
                         "text": event["text"], "at": at})
    return messages


def intake_facts(concerns: Extraction, screened: Mapping | None, chosen: str | None = None,
                 transcript: list[dict] | None = None) -> dict:
    """What an intake says about the client, from what they said (`concerns`, one message's
    or a conversation's extraction), the safety screen and a kind of massage they chose.

    `conditions` is the contract's shape; `details.sources` says where each value was said:
    `sources.conditions[i]` for `conditions[i]`, `sources.severity`, `sources.duration`, each
    {"text", "start", "end", "message"} where `message` is the index in `transcript` of the
    client message whose text holds `text` at [start:end] (None when no message does);
    condition sources also say their `status`. `body_parts`, `sides`, `goals`, `red_flags`
    and `cautions` list the same for the words of each condition's region and side, each
    goal, and the words that raised each flag ({"id", "status", ...}: `_word_sources`).
    """
    screen = safety.SafetyResult.from_dict(screened or {})
    # the offer as the client saw it: no deep pressure with blood thinners, prenatal first
    assessment = assess(concerns, override=chosen, flags=screen.red_flags + screen.cautions)
    cls = assessment.classification
    transcript = transcript or []
    sources = {key: _located(value, transcript) for key, value in concerns.sources.items()}
    sources["conditions"] = [_located({**c.source(), "status": c.status}, transcript)
                             for c in concerns.conditions]
    sources.update(_word_sources(concerns, sources["conditions"], screen, transcript))
    return {
        "client_type": cls.client_type,
        "confidence": cls.confidence,
        "reasons": list(cls.reasons),
        "conditions": [c.record() for c in concerns.conditions],
        "goals": list(concerns.goals),
        "red_flags": list(screen.red_flags),
        "cautions": list(screen.cautions),
        "safety_outcome": screen.outcome,
        "recommended_appointment_types": [t.id for t in assessment.recommended],
        "severity": concerns.severity,
        "duration": concerns.duration,
        "details": {"aggravators": list(concerns.aggravators), "surgery": concerns.surgery,
                    "sources": sources,
                    "radiation": [c.radiates_to for c in concerns.conditions if c.radiates_to]},
    }


def _located(source: Mapping, transcript: list[dict]) -> dict:
    """`source` with `message` the transcript index of the client message that has its words
    at its offsets: the numbered message first, then the others nearest to it; words
    found elsewhere in a message (a correction read from an edited text) get those offsets."""
    clients = [i for i, m in enumerate(transcript) if m.get("sender") == "client"]
    number = source.get("message")
    expected = number - 1 if isinstance(number, int) and 0 < number <= len(clients) \
        else len(clients) - 1
    order = sorted(range(len(clients)), key=lambda k: (abs(k - expected), -k))
    words, start, end = source.get("text") or "", source.get("start"), source.get("end")
    located = {key: value for key, value in source.items() if key != "message"}
    if words and isinstance(start, int) and isinstance(end, int):
        for k in order:
            if (transcript[clients[k]].get("text") or "")[start:end] == words:
                return {**located, "message": clients[k]}
    for k in order:
        at = (transcript[clients[k]].get("text") or "").find(words) if words else -1
        if at >= 0:
            return {**located, "start": at, "end": at + len(words), "message": clients[k]}
    return {**located, "message": None}


def _word_sources(concerns: Extraction, conditions: list[dict], screen, transcript: list[dict]
                  ) -> dict[str, list[dict]]:
    """Where the client named each condition's body region and side, each goal, and the
    words that raised each red flag and caution, for the staff pages' highlights.

    A region or side is looked for first in the condition's own message, nearest its words,
    then in the other client messages nearest to it (a correction: "actually it's my right
    side"); it takes the condition's status. Goals are every place a goal of the record is
    said as wanted (bot.extraction.word_spans). A flag's words (`screen.evidence`) are looked
    for from the latest client message back, ignoring case and apostrophes.
    """
    from bot.extraction import word_spans

    clients = [i for i, m in enumerate(transcript) if m.get("sender") == "client"]
    spans: dict[int, dict] = {}

    def spans_in(index: int) -> dict:
        if index not in spans:
            spans[index] = word_spans(transcript[index].get("text") or "")
        return spans[index]

    def nearest(label: str, wanted: str, message, anchor: tuple[int, int]) -> dict | None:
        order = sorted(clients, key=lambda i: (i != message, abs(i - (message or 0)), -i))
        for index in order:
            found = [m for m in spans_in(index)[label] if m.id == wanted]
            if found:
                if index != message:
                    anchor = (0, 0)
                best = min(found, key=lambda m: max(m.start - anchor[1], anchor[0] - m.end, 0))
                return {"id": wanted, "text": best.text, "start": best.start, "end": best.end,
                        "message": index}
        return None

    words: dict[str, list[dict]] = {"body_parts": [], "sides": [], "goals": [],
                                    "red_flags": [], "cautions": []}
    for condition, source in zip(concerns.conditions, conditions):
        anchor = (source.get("start") or 0, source.get("end") or 0)
        for key, label, wanted in (("body_parts", "body_part", condition.body_part),
                                   ("sides", "side", condition.side)):
            if not wanted or not clients:
                continue
            found = nearest(label, wanted, source.get("message"), anchor)
            if found and not any(w["message"] == found["message"] and w["start"] == found["start"]
                                 for w in words[key]):
                words[key].append({**found, "status": condition.status})
                if label == "body_part" and found["message"] == source.get("message"):
                    anchor = (found["start"], found["end"])  # the side is said with the region
    for index in clients if concerns.goals else ():
        words["goals"] += [{"id": m.id, "status": "present", "text": m.text, "start": m.start,
                            "end": m.end, "message": index}
                           for m in spans_in(index)["goal"] if m.id in concerns.goals]
    for key, flags in (("red_flags", screen.red_flags), ("cautions", screen.cautions)):
        for flag in flags:
            said = screen.evidence.get(flag)
            found = _words_in(said, transcript, clients) if said else None
            words[key].append({"id": flag, "status": "present", **(found or {
                "text": said or "", "start": None, "end": None, "message": None})})
    return {key: found for key, found in words.items() if found}


def _words_in(words: str, transcript: list[dict], clients: list[int]) -> dict | None:
    """The client's own text of `words` (matched words kept in their normalised form), from
    the latest client message back; None when no message holds them."""
    import re

    tokens = re.findall(r"\w+", words)
    if not tokens:
        return None
    pattern = re.compile(r"\b" + r"[\W_]+".join("['\u2019]?".join(map(re.escape, token))
                                                for token in tokens) + r"\b", re.IGNORECASE)
    for index in reversed(clients):
        text = transcript[index].get("text") or ""
        match = pattern.search(text)
        if match:
            return {"text": match.group(0), "start": match.start(), "end": match.end(),
                    "message": index}
    return None


def chosen_kind(slots: Mapping) -> str | None:
    """The kind of massage the conversation settled on: what the client chose when it is
    not what their words suggest (bot.intake.assess), else the words' own."""
    return slots.get("chosen_kind") or slots.get("client_type")


def intake_record(conversation_id: str, channel: str | None, slots: dict,
                  transcript: list[dict], intake_key: str | None = None,
                  sms_phone: str | None = None) -> dict:
    """The stored intake (the contract's export shape without id).

    intake_key identifies this submission, so a retried save never stores it twice while a
    returning client (same SMS number, same conversation id) still gets a new intake.
    sms_phone: the number an SMS client texts from (bot.storage.sms, never in the tracker),
    their phone unless they gave another one.
    """
    screened = slots.get("safety") or {}
    facts = intake_facts(Extraction.from_dict(slots.get("concerns")), screened,
                         chosen_kind(slots), transcript)
    attempts = slots.get("attempts") or {}
    given = attempts.get("taken_as_given") or {}
    referral = slots.get("referral") if isinstance(slots.get("referral"), bool) else None
    chosen = slots.get("appointment_type")
    chosen = None if chosen == "undecided" else chosen
    status = STATUS_FOR_SAFETY_OUTCOME.get(facts["safety_outcome"], "new")
    if status == "new" and ("concerns" in given or "confirm" in given):
        # the bot could not tell what the client wants, or what they wanted changed
        status = "needs_followup"
    return {
        "conversation_id": conversation_id,
        **({"intake_key": intake_key} if intake_key else {}),
        "channel": CHANNELS.get(channel or "", "web"),
        "status": status,
        **{key: facts[key] for key in ("client_type", "confidence", "reasons", "conditions",
                                       "goals", "red_flags", "cautions", "safety_outcome")},
        "appointment_type": chosen,
        "preferred_times": slots.get("preferred_times"),
        "contact": {"name": slots.get("client_name"), "phone": slots.get("phone") or sms_phone,
                    "email": slots.get("email")},
        "referral": referral,
        "insurance": slots.get("insurance"),
        "severity": facts["severity"],
        "duration": facts["duration"],
        "details": {**facts["details"],
                    "pain_details": slots.get("pain_details"),
                    "health_screen": slots.get("health_screen"),
                    "emergency_check_answers": screened.get("check_answers") or {},
                    "taken_as_given": given,
                    "questions_for_staff": attempts.get("questions_for_staff") or [],
                    "notes_for_therapist": attempts.get("notes_for_therapist") or [],
                    "referral_provider": slots.get("referral_provider")},
        "transcript": transcript,
    }


def emergency_record(conversation_id: str, channel: str | None, slots: dict, text: str,
                     transcript: list[dict], intake_key: str | None = None,
                     previous_text: str | None = None, entities: list[dict] | None = None,
                     sms_phone: str | None = None) -> dict:
    """An intake stored with status emergency and its red flags, whatever was collected.

    Without concerns collected yet, the emergency message's own are the record's (read as
    the conversation reads a message: bot.intake.update_concerns, with the model's entities)."""
    concerns = slots.get("concerns")
    if not concerns:
        said = sum(1 for m in transcript if m.get("sender") == "client") or None
        concerns = update_concerns(None, text, entities or [], None, message=said).to_dict()
    # screened as the conversation screens (bot.intake.screen_conversation: with the surgery
    # date said), with the message before (an emergency said across two)
    screened = safety.screen_in_context(text, previous_text,
                                        surgery_facts(Extraction.from_dict(concerns)))
    merged = safety.merge_results([safety.SafetyResult.from_dict(slots["safety"]), screened]) \
        if slots.get("safety") else screened
    # A symptom the client confirmed is happening now ("is this happening now?" - "yes").
    confirmed = list((slots.get("safety") or {}).get("checks") or []) + merged.checks
    flags = list(dict.fromkeys(merged.red_flags + confirmed)) or ["emergency_reported"]
    record = intake_record(conversation_id, channel,
                           {**slots, "concerns": concerns, "safety": merged.as_dict()},
                           transcript, intake_key, sms_phone)
    record.update(status="emergency", safety_outcome="urgent", red_flags=flags,
                  appointment_type=None)
    return record


def followup_record(conversation_id: str, channel: str | None, slots: dict,
                    transcript: list[dict], intake_key: str | None = None,
                    sms_phone: str | None = None) -> dict:
    """A conversation the bot could not follow, stored for staff to call back."""
    record = intake_record(conversation_id, channel, slots, transcript, intake_key, sms_phone)
    if record["status"] == "new":
        record["status"] = "needs_followup"
    record["appointment_type"] = None
    return record


def record_safety(record: dict) -> dict:
    """The screen of a stored record, as the conversation's `safety` slot holds it."""
    return {"outcome": record["safety_outcome"], "red_flags": list(record["red_flags"]),
            "cautions": list(record["cautions"]), "messages": [], "emergency":
            record["safety_outcome"] == "urgent", "reschedule": False, "evidence": {},
            "checks": [], "check_answers": {}}
