"""The stored intake record: what the conversation collected, in the contract's shape."""
from __future__ import annotations

from bot import safety
from bot.vocabulary import STATUS_FOR_SAFETY_OUTCOME
from bot.extraction import Extraction, extract

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


def intake_record(conversation_id: str, channel: str | None, slots: dict,
                  transcript: list[dict], intake_key: str | None = None) -> dict:
    """The stored intake (the contract's export shape without id).

    intake_key identifies this submission, so a retried save never stores it twice while a
    returning client (same SMS number, same conversation id) still gets a new intake.
    """
    ex = Extraction.from_dict(slots.get("concerns"))
    safety = slots.get("safety") or {}
    given = (slots.get("attempts") or {}).get("taken_as_given") or {}
    referral = slots.get("referral") if isinstance(slots.get("referral"), bool) else None
    chosen = slots.get("appointment_type")
    chosen = None if chosen == "undecided" else chosen
    outcome = safety.get("outcome", "book")
    status = STATUS_FOR_SAFETY_OUTCOME.get(outcome, "new")
    if status == "new" and ("concerns" in given or "confirm" in given):
        # the bot could not tell what the client wants, or what they wanted changed
        status = "needs_followup"
    return {
        "conversation_id": conversation_id,
        **({"intake_key": intake_key} if intake_key else {}),
        "channel": CHANNELS.get(channel or "", "web"),
        "status": status,
        "client_type": slots.get("client_type") or "unclear",
        "confidence": slots.get("confidence") or 0.0,
        "reasons": slots.get("reasons") or [],
        "conditions": [c.record() for c in ex.conditions],
        "goals": ex.goals,
        "red_flags": safety.get("red_flags", []),
        "cautions": safety.get("cautions", []),
        "safety_outcome": outcome,
        "appointment_type": chosen,
        "preferred_times": slots.get("preferred_times"),
        "contact": {"name": slots.get("client_name"), "phone": slots.get("phone"),
                    "email": slots.get("email")},
        "referral": referral,
        "insurance": slots.get("insurance"),
        "severity": ex.severity,
        "duration": ex.duration,
        "details": {"aggravators": ex.aggravators, "surgery": ex.surgery,
                    "sources": ex.sources,
                    "pain_details": slots.get("pain_details"),
                    "health_screen": slots.get("health_screen"),
                    "emergency_check_answers": safety.get("check_answers") or {},
                    "taken_as_given": given,
                    "referral_provider": slots.get("referral_provider"),
                    "radiation": [c.radiates_to for c in ex.conditions if c.radiates_to]},
        "transcript": transcript,
    }


def emergency_record(conversation_id: str, channel: str | None, slots: dict, text: str,
                     transcript: list[dict], intake_key: str | None = None,
                     previous_text: str | None = None) -> dict:
    """An intake stored with status emergency and its red flags, whatever was collected."""
    screened = safety.screen_in_context(text, previous_text)
    merged = safety.merge_results([safety.SafetyResult.from_dict(slots["safety"]), screened]) \
        if slots.get("safety") else screened
    # A symptom the client confirmed is happening now ("is this happening now?" - "yes").
    confirmed = list((slots.get("safety") or {}).get("checks") or []) + merged.checks
    flags = list(dict.fromkeys(merged.red_flags + confirmed)) or ["emergency_reported"]
    record = intake_record(conversation_id, channel, {**slots, "safety": merged.as_dict()},
                           transcript, intake_key)
    record.update(status="emergency", safety_outcome="urgent", red_flags=flags,
                  appointment_type=None)
    if not slots.get("concerns"):
        ex = extract(text)
        record["conditions"] = [c.record() for c in ex.conditions]
    return record


def followup_record(conversation_id: str, channel: str | None, slots: dict,
                    transcript: list[dict], intake_key: str | None = None) -> dict:
    """A conversation the bot could not follow, stored for staff to call back."""
    record = intake_record(conversation_id, channel, slots, transcript, intake_key)
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
