"""Questions and commands about stored intakes.

Every function takes an open ``so.Session`` whose engine and lifetime belong to the caller::

    with so.Session(make_engine(url), future=True) as session:
        intake_id = save_intake(session, record)

Functions that change data (``save_intake``, ``set_intake_status``) commit before they
return, so one call is one transaction; the others only read.

A *record* is the contract's export shape (../shared/CONTRACT.md, ``export``) as a dict.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import date, datetime, time, timezone

import sqlalchemy as sa
import sqlalchemy.orm as so

from bot import vocabulary
from bot.extraction import CONDITION_KEYS
from bot.storage.models import (
    CHANNELS,
    INTAKE_STATUSES,
    SAFETY_OUTCOMES,
    SENDERS,
    AppointmentRequest,
    Contact,
    Intake,
    IntakeCondition,
    IntakeGoal,
    IntakeMention,
    TranscriptMessage,
    utc_now,
)
from bot.storage.staff import mentions_from_sources

logger = logging.getLogger(__name__)

REQUIRED_KEYS = ("conversation_id", "channel", "client_type", "safety_outcome")
OPTIONAL_KEYS = (
    "intake_key", "created_at", "status", "confidence", "reasons", "conditions", "goals", "red_flags",
    "cautions", "appointment_type", "preferred_times", "contact", "referral", "insurance",
    "transcript", "severity", "duration", "details",
)
#: "id" is accepted and ignored, so an exported record can be saved back as it is.
IGNORED_KEYS = ("id",)
CONTACT_KEYS = ("name", "phone", "email")
MESSAGE_KEYS = ("sender", "text", "at")

MAX_ID_LENGTH = 64


# ---- commands -------------------------------------------------------------------------------

def save_intake(session: so.Session, record: Mapping) -> int:
    """Store one intake and return its id; commits.

    Saving an intake_key that is already stored changes nothing and returns the stored id,
    because the outbox and the conversation's retry path may send the same intake again.
    Without an intake_key the conversation id and created_at make one.
    Raises ValueError (before touching the database) when the record is malformed.
    """
    clean = validate_record(record)
    existing = _intake_id_for(session, clean["intake_key"])
    if existing is not None:
        logger.info("intake %s was already stored; nothing changed", existing)
        return existing
    intake = _build_intake(clean)
    session.add(intake)
    try:
        session.flush()
        intake_id = intake.id
        session.commit()
    except sa.exc.IntegrityError:
        # Another process stored the same conversation between our check and our insert.
        session.rollback()
        existing = _intake_id_for(session, clean["intake_key"])
        if existing is None:
            raise
        return existing
    logger.info("stored intake %s", intake_id)
    return intake_id


def set_intake_status(session: so.Session, intake_id: int, status: str) -> Intake:
    """Move an intake to another workflow status (staff review); commits.

    Raises ValueError for an unknown status and LookupError for an unknown intake.
    """
    _check_choice("status", status, INTAKE_STATUSES)
    intake = session.get(Intake, intake_id)
    if intake is None:
        raise LookupError(f"no intake with id {intake_id}")
    intake.status = status
    session.commit()
    logger.info("intake %s is now %s", intake_id, status)
    return intake


def add_later_messages(session: so.Session, intake_id: int, contact: Mapping | None,
                       transcript: list[dict]) -> bool:
    """What a client said after their intake was stored (after an emergency, while nothing
    is booked from the chat: "I'm not having an emergency", a name and phone number): the
    contact values given replace the stored ones, and the conversation's messages past the
    stored transcript are added to it, so staff can reach the client; commits. False when
    there is no such intake. Raises ValueError for a malformed contact or message."""
    intake = session.get(Intake, intake_id)
    if intake is None:
        return False
    given = {k: v for k, v in _check_contact(contact or {}).items() if v is not None}
    if given:
        if intake.contact is None:
            intake.contact = Contact()
        for key, value in given.items():
            setattr(intake.contact, key, value)
    known = len(intake.transcript)
    for position, message in enumerate(transcript[known:], start=known):
        clean = _check_message(position, message)
        intake.transcript.append(TranscriptMessage(position=position, sender=clean["sender"],
                                                   text=clean["text"], at=clean["at"]))
    session.commit()
    logger.info("intake %s: later messages added", intake_id)
    return True


# ---- questions ------------------------------------------------------------------------------

def list_intakes(
    session: so.Session, since: date | None = None, *, status: str | None = None
) -> list[Intake]:
    """Intakes oldest first; ``since`` keeps those created on or after that day (UTC), or
    after that moment when it is a datetime; ``status`` keeps one workflow status."""
    query = sa.select(Intake).order_by(Intake.created_at, Intake.id)
    if since is not None:
        query = query.where(Intake.created_at >= _start_of(since))
    if status is not None:
        _check_choice("status", status, INTAKE_STATUSES)
        query = query.where(Intake.status == status)
    return list(session.scalars(query))


def get_intake(session: so.Session, intake_id: int) -> Intake | None:
    """The intake with this id, or None."""
    return session.get(Intake, intake_id)


def intake_to_record(intake: Intake) -> dict:
    """The intake in the contract's export shape (conditions also keep the client's "text")."""
    request = intake.appointment_request
    contact = intake.contact
    return {
        "id": intake.id,
        "conversation_id": intake.conversation_id,
        "channel": intake.channel,
        "created_at": intake.created_at.isoformat(),
        "status": intake.status,
        "client_type": intake.client_type,
        "confidence": intake.confidence,
        "reasons": list(intake.reasons or []),
        "conditions": [
            {"id": c.condition, "text": c.text, "status": c.status,
             "body_part": c.body_part, "side": c.side}
            for c in intake.conditions
        ],
        "goals": [g.goal for g in intake.goals],
        "red_flags": list(intake.red_flags or []),
        "cautions": list(intake.cautions or []),
        "safety_outcome": intake.safety_outcome,
        "appointment_type": request.appointment_type if request else None,
        "preferred_times": request.preferred_times if request else None,
        "contact": {key: getattr(contact, key) if contact else None for key in CONTACT_KEYS},
        "referral": request.referral if request else None,
        "insurance": request.insurance if request else None,
        "severity": intake.severity,
        "duration": intake.duration,
        "details": dict(intake.details or {}),
        "transcript": [
            {"sender": m.sender, "text": m.text, "at": m.at.isoformat() if m.at else None}
            for m in intake.transcript
        ],
    }


# ---- validation -----------------------------------------------------------------------------

def validate_record(record: Mapping) -> dict:
    """A checked, normalised copy of an intake record; ValueError says what is wrong.

    Messages name the field and the allowed values, never the client's free text.
    """
    if not isinstance(record, Mapping):
        raise ValueError(f"an intake record must be a mapping, not {type(record).__name__}")
    missing = [key for key in REQUIRED_KEYS if record.get(key) in (None, "")]
    if missing:
        raise ValueError(f"intake record is missing required key(s): {', '.join(missing)}")
    unknown = sorted(set(record) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS) - set(IGNORED_KEYS))
    if unknown:
        raise ValueError(f"intake record has unknown key(s): {', '.join(map(str, unknown))}")

    safety_outcome = _check_choice("safety_outcome", record["safety_outcome"], SAFETY_OUTCOMES)
    status = record.get("status")
    if status is None:
        status = vocabulary.STATUS_FOR_SAFETY_OUTCOME.get(safety_outcome, "new")
    created_at = record.get("created_at")
    created_at = utc_now() if created_at is None else _check_time("created_at", created_at)
    conversation_id = _check_text("conversation_id", record["conversation_id"], 255)
    intake_key = record.get("intake_key") or f"{conversation_id}@{created_at.isoformat()}"
    transcript = [_check_message(i, m) for i, m in
                  enumerate(_check_list("transcript", record.get("transcript")))]
    return {
        "conversation_id": conversation_id,
        "intake_key": _check_text("intake_key", intake_key, 320),
        "channel": _check_choice("channel", record["channel"], CHANNELS),
        "created_at": created_at,
        "status": _check_choice("status", status, INTAKE_STATUSES),
        "client_type": _check_choice("client_type", record["client_type"],
                                     vocabulary.CLIENT_TYPES),
        "confidence": _check_confidence(record.get("confidence")),
        "reasons": _check_texts("reasons", record.get("reasons")),
        "conditions": [_check_condition(i, c) for i, c in
                       enumerate(_check_list("conditions", record.get("conditions")))],
        "goals": _unique(_check_texts("goals", record.get("goals"), vocabulary.GOAL_IDS)),
        "red_flags": _check_texts("red_flags", record.get("red_flags"), max_length=MAX_ID_LENGTH),
        "cautions": _check_texts("cautions", record.get("cautions"), max_length=MAX_ID_LENGTH),
        "safety_outcome": safety_outcome,
        "appointment_type": _optional_text("appointment_type", record.get("appointment_type"),
                                           MAX_ID_LENGTH),
        "preferred_times": _optional_text("preferred_times", record.get("preferred_times")),
        "contact": _check_contact(record.get("contact")),
        "referral": _check_referral(record.get("referral")),
        "insurance": _optional_text("insurance", record.get("insurance")),
        "transcript": transcript,
        "severity": _check_severity(record.get("severity")),
        "duration": _optional_text("duration", record.get("duration")),
        "details": _located_sources(_check_details(record.get("details")), transcript),
    }


def _check_choice(field: str, value, allowed, *, show_value: bool = True) -> str:
    """show_value=False where a wrong value might be the client's words (health details)."""
    if value not in allowed:
        got = f"; got {value!r}" if show_value else ""
        raise ValueError(f"{field} must be one of {', '.join(allowed)}{got}")
    return value


def _check_text(field: str, value, max_length: int | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field} must be a non-empty string")
    if max_length is not None and len(value) > max_length:
        raise ValueError(f"{field} must be at most {max_length} characters")
    return value


def _optional_text(field: str, value, max_length: int | None = None) -> str | None:
    return None if value is None or value == "" else _check_text(field, value, max_length)


def _check_list(field: str, value) -> list:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{field} must be a list, not {type(value).__name__}")
    return list(value)


def _check_texts(field: str, value, allowed=None, max_length: int | None = None) -> list[str]:
    items = _check_list(field, value)
    for item in items:
        if allowed is not None:
            _check_choice(f"each of {field}", item, allowed, show_value=False)
        else:
            _check_text(f"each of {field}", item, max_length)
    return items


def _check_mapping(field: str, value, keys) -> Mapping:
    if not isinstance(value, Mapping):
        raise ValueError(f"{field} must be a mapping, not {type(value).__name__}")
    unknown = sorted(set(value) - set(keys))
    if unknown:
        raise ValueError(f"{field} has unknown key(s): {', '.join(map(str, unknown))}")
    return value


def _check_condition(index: int, value) -> dict:
    field = f"conditions[{index}]"
    condition = _check_mapping(field, value, CONDITION_KEYS)
    side = condition.get("side")
    body_part = condition.get("body_part")
    return {
        "id": _check_choice(f"{field}.id", condition.get("id"), vocabulary.CONDITION_IDS,
                            show_value=False),
        "text": _optional_text(f"{field}.text", condition.get("text")),
        "status": _check_choice(f"{field}.status", condition.get("status"),
                                vocabulary.STATUSES, show_value=False),
        "body_part": None if body_part is None else _check_choice(
            f"{field}.body_part", body_part, vocabulary.BODY_REGIONS, show_value=False),
        "side": None if side is None else _check_choice(
            f"{field}.side", side, vocabulary.SIDES, show_value=False),
    }


def _check_contact(value) -> dict:
    contact = _check_mapping("contact", {} if value is None else value, CONTACT_KEYS)
    return {key: _optional_text(f"contact.{key}", contact.get(key)) for key in CONTACT_KEYS}


def _check_message(index: int, value) -> dict:
    field = f"transcript[{index}]"
    message = _check_mapping(field, value, MESSAGE_KEYS)
    text = message.get("text")
    if not isinstance(text, str):
        raise ValueError(f"{field}.text must be a string")
    at = message.get("at")
    return {
        "sender": _check_choice(f"{field}.sender", message.get("sender"), SENDERS),
        "text": text,
        "at": None if at is None else _check_time(f"{field}.at", at),
    }


def _check_time(field: str, value) -> datetime:
    """An aware UTC datetime from a datetime, an ISO-8601 string or a Unix timestamp (Rasa's
    event times); naive values are taken to be UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{field} must be an ISO-8601 date and time") from None
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(value, tz=timezone.utc)
    else:
        raise ValueError(f"{field} must be a datetime, an ISO-8601 string or a Unix timestamp")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _check_confidence(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError("confidence must be a number from 0 to 1")
    return float(value)


def _check_referral(value) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ValueError("referral must be true, false or null")
    return value


def _check_severity(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise ValueError("severity must be a whole number from 0 to 10")
    return value


def _check_details(value) -> dict:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"details must be a mapping, not {type(value).__name__}")
    try:
        return json.loads(json.dumps(dict(value)))
    except (TypeError, ValueError):
        raise ValueError("details must hold only JSON values") from None


def _located_sources(details: dict, transcript: list[dict]) -> dict:
    """details.sources (bot.records.intake_facts) point at the client's words for the staff
    pages: a source whose message and offsets do not hold its words in the transcript keeps
    the words but points nowhere (message None), rather than at the wrong ones."""
    sources = details.get("sources")
    if not isinstance(sources, dict):
        return details

    def located(source):
        if not isinstance(source, dict) or source.get("message") is None:
            return source
        number, start, end = source.get("message"), source.get("start"), source.get("end")
        fits = all(isinstance(v, int) and not isinstance(v, bool) for v in (number, start, end)) \
            and 0 <= number < len(transcript) and 0 <= start <= end \
            and transcript[number]["sender"] == "client" \
            and transcript[number]["text"][start:end] == source.get("text")
        return source if fits else {**source, "message": None}

    checked = {key: [located(s) for s in value] if isinstance(value, list) else located(value)
               for key, value in sources.items()}
    return {**details, "sources": checked}


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# ---- helpers --------------------------------------------------------------------------------

def _intake_id_for(session: so.Session, intake_key: str) -> int | None:
    query = sa.select(Intake.id).where(Intake.intake_key == intake_key)
    return session.scalars(query).first()


def _start_of(since: date) -> datetime:
    if isinstance(since, datetime):
        return _check_time("since", since)
    return datetime.combine(since, time.min, tzinfo=timezone.utc)


def _build_intake(clean: dict) -> Intake:
    intake = Intake(
        conversation_id=clean["conversation_id"],
        intake_key=clean["intake_key"],
        channel=clean["channel"],
        created_at=clean["created_at"],
        status=clean["status"],
        client_type=clean["client_type"],
        confidence=clean["confidence"],
        reasons=clean["reasons"],
        safety_outcome=clean["safety_outcome"],
        red_flags=clean["red_flags"],
        cautions=clean["cautions"],
        severity=clean["severity"],
        duration=clean["duration"],
        details=clean["details"],
    )
    intake.conditions = [
        IntakeCondition(condition=c["id"], text=c["text"], status=c["status"],
                        body_part=c["body_part"], side=c["side"])
        for c in clean["conditions"]
    ]
    intake.goals = [IntakeGoal(goal=goal) for goal in clean["goals"]]
    request = {key: clean[key] for key in
               ("appointment_type", "preferred_times", "referral", "insurance")}
    if any(value is not None for value in request.values()):
        intake.appointment_request = AppointmentRequest(**request)
    if any(value is not None for value in clean["contact"].values()):
        intake.contact = Contact(**clean["contact"])
    intake.transcript = [
        TranscriptMessage(position=position, sender=m["sender"], text=m["text"], at=m["at"])
        for position, m in enumerate(clean["transcript"])
    ]
    # each mention the bot read, with its message and offsets, for the staff pages
    intake.mentions = [IntakeMention(**row) for row in mentions_from_sources(
        clean["details"], clean["conditions"], clean["severity"])]
    return intake
