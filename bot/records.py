"""The stored intake record: what the conversation collected, in the contract's shape."""
from __future__ import annotations

from bot import safety
from bot.extraction import Extraction, extract

CHANNELS = {"rest": "web", "socketio": "web", "cmdline": "shell", "sms": "sms", "twilio": "sms"}


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
    outcome = safety.get("outcome", "book")
    status = {"urgent": "emergency", "clearance_needed": "needs_clearance"}.get(outcome, "new")
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
        "appointment_type": slots.get("appointment_type"),
        "preferred_times": slots.get("preferred_times"),
        "contact": {"name": slots.get("client_name"), "phone": slots.get("phone"),
                    "email": slots.get("email")},
        "referral": slots.get("referral"),
        "insurance": slots.get("insurance"),
        "severity": ex.severity,
        "duration": ex.duration,
        "details": {"aggravators": ex.aggravators, "surgery": ex.surgery,
                    "pain_details": slots.get("pain_details"),
                    "health_screen": slots.get("health_screen"),
                    "radiation": [c.radiates_to for c in ex.conditions if c.radiates_to]},
        "transcript": transcript,
    }


def emergency_record(conversation_id: str, channel: str | None, slots: dict, text: str,
                     transcript: list[dict], intake_key: str | None = None) -> dict:
    """An intake stored with status emergency and its red flags, whatever was collected."""
    screened = safety.screen(text)
    merged = safety.merge_results([safety.SafetyResult.from_dict(slots["safety"]), screened]) \
        if slots.get("safety") else screened
    flags = merged.red_flags or ["emergency_reported"]
    record = intake_record(conversation_id, channel, {**slots, "safety": merged.as_dict()},
                           transcript, intake_key)
    record.update(status="emergency", safety_outcome="urgent", red_flags=flags,
                  appointment_type=None)
    if not slots.get("concerns"):
        ex = extract(text)
        record["conditions"] = [c.record() for c in ex.conditions]
    return record
