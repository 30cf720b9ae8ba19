"""Staff review, storage side: accounts and sign-in, the audit log, corrections, notes, the
queue, each mention the bot read, deleting a client's data and the retention purge.

Question-shaped functions on an open ``so.Session`` (the caller owns the engine), like
bot.storage.repository: the ones that change data audit and commit in one transaction. An
audit row says who, when, which record, what action and which field; never a value: changed
values go to intake_corrections, notes to intake_notes, and nothing here logs either.
"""
from __future__ import annotations

import logging
import re
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Iterable, NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so

from bot import vocabulary
from bot.storage import db
from bot.storage.models import (
    STAFF_ROLES,
    AppointmentRequest,
    AuditEvent,
    Contact,
    Intake,
    IntakeCondition,
    IntakeCorrection,
    IntakeMention,
    IntakeNote,
    IntakeReview,
    LoginAttempt,
    SmsMessage,
    SmsSender,
    StaffUser,
    utc_now,
)

logger = logging.getLogger(__name__)

#: Sign-in throttle: this many failures within the window lock the account (or the address)
#: until the oldest of them leaves the window.
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
THROTTLE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
#: Statuses pinned on top of the queue (and marked): staff must act on them first.
PINNED_STATUSES = ("emergency", "needs_clearance")
#: The status staff give an intake whose physician clearance came in: ready to book.
AFTER_CLEARANCE = "reviewed"
#: Fields staff may correct, beside the conditions (conditions.<row id>.<key>).
CONTACT_FIELDS = ("contact.name", "contact.phone", "contact.email")
CONDITION_FIELDS = ("id", "status", "body_part", "side")
#: details.sources keys -> mention kinds (bot.records.intake_facts writes them).
SOURCE_KINDS = {"conditions": "condition", "body_parts": "body_region", "sides": "side",
                "severity": "severity", "duration": "duration", "goals": "goal",
                "red_flags": "red_flag", "cautions": "caution"}


class Actor(NamedTuple):
    """Who does something, for the audit log: a staff user, or a command ("system", "cli")."""

    user_id: int | None
    name: str
    ip: str | None = None

    @classmethod
    def of(cls, user: StaffUser, ip: str | None = None) -> "Actor":
        return cls(user.id, user.email, ip)


SYSTEM = Actor(None, "system")
CLI = Actor(None, "cli")


# ---- passwords and accounts -----------------------------------------------------------------

def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id, the library's current recommended parameters


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password_strength(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not EMAIL.fullmatch(email) or len(email) > 254:
        raise ValueError("that is not an email address")
    return email


def add_user(session: so.Session, email: str, role: str, password: str,
             actor: Actor = CLI) -> StaffUser:
    """A new staff account; commits. ValueError for a bad email, role or password, or an
    email already in use."""
    email = normalise_email(email)
    if role not in STAFF_ROLES:
        raise ValueError(f"role must be one of {', '.join(STAFF_ROLES)}")
    check_password_strength(password)
    if session.scalars(sa.select(StaffUser.id).where(StaffUser.email == email)).first():
        raise ValueError("a staff account with that email exists already")
    user = StaffUser(email=email, role=role, password_hash=hash_password(password),
                     active=True, session_token=secrets.token_hex(16), created_at=utc_now())
    session.add(user)
    session.flush()
    _audit(session, actor, "user_add", field="role", subject_user_id=user.id)
    try:
        session.commit()
    except sa.exc.IntegrityError:
        session.rollback()
        raise ValueError("a staff account with that email exists already") from None
    return user


def list_users(session: so.Session) -> list[StaffUser]:
    return list(session.scalars(sa.select(StaffUser).order_by(StaffUser.email)))


def user_by_email(session: so.Session, email: str) -> StaffUser | None:
    return session.scalars(sa.select(StaffUser).where(
        StaffUser.email == (email or "").strip().lower())).first()


def user_for_session(session: so.Session, session_id: str) -> StaffUser | None:
    """The active account a signed-in browser's id ("<user id>:<session token>") names."""
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = session.get(StaffUser, int(user_id))
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def change_user(session: so.Session, user_id: int, actor: Actor, *, role: str | None = None,
                active: bool | None = None, password: str | None = None) -> StaffUser:
    """An admin changes an account; a new password or deactivation signs it out everywhere.
    Commits. LookupError for an unknown account, ValueError for a bad value."""
    user = session.get(StaffUser, user_id)
    if user is None:
        raise LookupError("no such staff account")
    changed = []
    was_admin = user.role == "admin" and user.active
    if role is not None and role != user.role:
        if role not in STAFF_ROLES:
            raise ValueError(f"role must be one of {', '.join(STAFF_ROLES)}")
        user.role = role
        changed.append("role")
    if active is not None and active != user.active:
        user.active = active
        user.session_token = secrets.token_hex(16)
        changed.append("active")
    if password is not None:
        check_password_strength(password)
        user.password_hash = hash_password(password)
        user.session_token = secrets.token_hex(16)
        changed.append("password")
    if was_admin and (user.role != "admin" or not user.active):
        others = session.scalar(sa.select(sa.func.count()).select_from(StaffUser).where(
            StaffUser.role == "admin", StaffUser.active.is_(True), StaffUser.id != user.id))
        if not others:
            session.rollback()
            raise ValueError("the last active admin cannot lose the admin role")
    for field in changed:
        _audit(session, actor, "user_change", field=field, subject_user_id=user.id)
    session.commit()
    return user


# ---- signing in -----------------------------------------------------------------------------

def sign_in_throttled(session: so.Session, email: str, ip: str,
                      now: datetime | None = None) -> bool:
    """True while the account or the address has too many recent failures (counted since
    the account's last success)."""
    now = now or utc_now()
    since = now - THROTTLE_WINDOW
    email = (email or "").strip().lower()[:254]
    last_success = session.scalar(sa.select(sa.func.max(LoginAttempt.at)).where(
        LoginAttempt.email == email, LoginAttempt.succeeded.is_(True)))
    account_since = max(since, last_success) if last_success else since
    failures = lambda *where: session.scalar(sa.select(sa.func.count()).select_from(
        LoginAttempt).where(LoginAttempt.succeeded.is_(False), *where)) or 0
    return failures(LoginAttempt.email == email, LoginAttempt.at > account_since) \
        >= MAX_FAILURES_PER_ACCOUNT or \
        failures(LoginAttempt.ip == ip, LoginAttempt.at > since) >= MAX_FAILURES_PER_ADDRESS


def sign_in(session: so.Session, email: str, password: str, ip: str,
            now: datetime | None = None) -> tuple[StaffUser | None, str]:
    """(user, "ok") or (None, "throttled" | "wrong"); every attempt is counted and audited.
    A wrong email costs the same hashing time as a wrong password."""
    now = now or utc_now()
    email = (email or "").strip().lower()[:254]
    ip = (ip or "unknown")[:64]
    if sign_in_throttled(session, email, ip, now):
        _audit(session, Actor(None, email or "(blank)", ip), "login_throttled")
        session.commit()
        return None, "throttled"
    user = user_by_email(session, email)
    ok = False
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        if user is not None and user.active:
            ok = _hasher().verify(user.password_hash, password or "")
        else:
            _hasher().verify(_DUMMY_HASH.value, password or "")
    except (VerificationError, InvalidHashError):
        ok = False
    session.add(LoginAttempt(at=now, email=email, ip=ip, succeeded=ok))
    if not ok:
        _audit(session, Actor(user.id if user else None, email or "(blank)", ip), "login_failed")
        session.commit()
        return None, "wrong"
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    _audit(session, Actor.of(user, ip), "login")
    session.commit()
    return user, "ok"


class _LazyHash:
    """A hash to verify against when the account does not exist (made once, on first use)."""

    _value: str | None = None

    @property
    def value(self) -> str:
        if self._value is None:
            type(self)._value = hash_password(secrets.token_urlsafe(16))
        return self._value


_DUMMY_HASH = _LazyHash()


# ---- the audit log --------------------------------------------------------------------------

def _audit(session: so.Session, actor: Actor, action: str, intake_id: int | None = None,
           field: str | None = None, subject_user_id: int | None = None) -> None:
    session.add(AuditEvent(at=utc_now(), user_id=actor.user_id, actor=actor.name[:254],
                           action=action, intake_id=intake_id,
                           field=field[:64] if field else None,
                           subject_user_id=subject_user_id,
                           ip=actor.ip[:64] if actor.ip else None))


def audit(session: so.Session, actor: Actor, action: str, intake_ids: Iterable[int | None] = (None,),
          field: str | None = None) -> None:
    """Audit rows (one per record) for an action that changes nothing else; commits."""
    for intake_id in intake_ids:
        _audit(session, actor, action, intake_id, field)
    session.commit()


def audit_events(session: so.Session, *, intake_id: int | None = None,
                 action: str | None = None, limit: int = 100, offset: int = 0
                 ) -> tuple[list[AuditEvent], int]:
    """The newest audit rows first, and how many there are."""
    query = sa.select(AuditEvent)
    if intake_id is not None:
        query = query.where(AuditEvent.intake_id == intake_id)
    if action:
        query = query.where(AuditEvent.action == action)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                           .limit(limit).offset(offset))
    return list(rows), total


# ---- the queue ------------------------------------------------------------------------------

@dataclass
class QueueFilter:
    status: str | None = None
    safety_outcome: str | None = None
    client_type: str | None = None
    channel: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    #: a name (any part) or a phone number (its digits)
    search: str | None = None


def queue(session: so.Session, wanted: QueueFilter, page: int = 1, per_page: int = 25
          ) -> tuple[list[Intake], int]:
    """One page of intakes, pinned statuses (emergency, needs_clearance) on top, then newest
    first; and how many match."""
    query = _filtered(sa.select(Intake), wanted)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    pinned = sa.case((Intake.status.in_(PINNED_STATUSES), 0), else_=1)
    query = query.order_by(pinned, Intake.created_at.desc(), Intake.id.desc()) \
        .limit(per_page).offset(max(page - 1, 0) * per_page)
    return list(session.scalars(query)), total


def _filtered(query, wanted: QueueFilter):
    for column, value in ((Intake.status, wanted.status),
                          (Intake.safety_outcome, wanted.safety_outcome),
                          (Intake.client_type, wanted.client_type),
                          (Intake.channel, wanted.channel)):
        if value:
            query = query.where(column == value)
    if wanted.date_from:
        query = query.where(Intake.created_at >= datetime.combine(
            wanted.date_from, time.min, tzinfo=timezone.utc))
    if wanted.date_to:
        query = query.where(Intake.created_at < datetime.combine(
            wanted.date_to + timedelta(days=1), time.min, tzinfo=timezone.utc))
    search = (wanted.search or "").strip()
    if search:
        digits = re.sub(r"\D", "", search)
        said = Contact.name.ilike("%" + _like_escaped(search) + "%", escape="\\")
        if len(digits) >= 3:
            # stored numbers are E.164: match the digits typed, with or without country code
            said = sa.or_(said, Contact.phone.like("%" + digits.lstrip("0") + "%"),
                          Contact.phone.like("%" + digits[-10:] + "%"))
        query = query.where(Intake.id.in_(sa.select(Contact.intake_id).where(said)))
    return query


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def status_counts(session: so.Session) -> dict[str, int]:
    """How many intakes are in each status (every status listed, zero included)."""
    counts = dict(session.execute(sa.select(Intake.status, sa.func.count()).group_by(Intake.status)).all())
    return {status: counts.get(status, 0) for status in vocabulary.INTAKE_STATUSES}


def unacknowledged_emergencies(session: so.Session) -> list[int]:
    """Ids of emergency intakes nobody has acknowledged yet, newest first (the banner)."""
    query = sa.select(Intake.id).outerjoin(IntakeReview, IntakeReview.intake_id == Intake.id) \
        .where(sa.or_(Intake.status == "emergency", Intake.safety_outcome == "urgent"),
               IntakeReview.acknowledged_at.is_(None)) \
        .order_by(Intake.created_at.desc(), Intake.id.desc())
    return list(session.scalars(query))


# ---- one intake -----------------------------------------------------------------------------

def review_of(session: so.Session, intake_id: int) -> IntakeReview | None:
    return session.get(IntakeReview, intake_id)


def _review(session: so.Session, intake: Intake) -> IntakeReview:
    review = session.get(IntakeReview, intake.id)
    if review is None:
        review = IntakeReview(intake_id=intake.id)
        session.add(review)
    return review


def mentions_of(session: so.Session, intake_id: int) -> list[IntakeMention]:
    return list(session.scalars(sa.select(IntakeMention).where(
        IntakeMention.intake_id == intake_id).order_by(
        IntakeMention.message, IntakeMention.start, IntakeMention.id)))


def corrections_of(session: so.Session, intake_id: int) -> list[IntakeCorrection]:
    return list(session.scalars(sa.select(IntakeCorrection).where(
        IntakeCorrection.intake_id == intake_id).order_by(IntakeCorrection.at, IntakeCorrection.id)))


def notes_of(session: so.Session, intake_id: int) -> list[IntakeNote]:
    return list(session.scalars(sa.select(IntakeNote).where(
        IntakeNote.intake_id == intake_id).order_by(IntakeNote.at.desc(), IntakeNote.id.desc())))


def mentions_from_sources(details: dict, conditions: list[dict], severity: int | None
                          ) -> list[dict]:
    """The intake_mentions rows of a checked record (bot.storage.repository.validate_record):
    every source that points at a client message (message not None), with its kind, canonical
    id and status. Condition sources pair with the record's conditions in order."""
    sources = (details or {}).get("sources")
    if not isinstance(sources, dict):
        return []
    rows = []
    for key, kind in SOURCE_KINDS.items():
        found = sources.get(key)
        items = found if isinstance(found, list) else [found]
        for index, source in enumerate(items):
            if not isinstance(source, dict) or source.get("message") is None:
                continue
            start, end = source.get("start"), source.get("end")
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
                continue
            value = source.get("id")
            status = source.get("status")
            if kind == "condition" and index < len(conditions):
                value = value or conditions[index]["id"]
                status = status or conditions[index]["status"]
            if kind == "severity":
                value = None if severity is None else str(severity)
            rows.append({"message": source["message"], "start": start, "end": end, "kind": kind,
                         "value": str(value)[:64] if value is not None and kind != "duration"
                         else None,
                         "status": status if status in vocabulary.STATUSES else "present"})
    return rows


# ---- staff act ------------------------------------------------------------------------------

def _changed(session: so.Session, intake: Intake, actor: Actor, field: str, old, new) -> None:
    """One corrected value: kept in intake_corrections, audited by field name only."""
    session.add(IntakeCorrection(intake_id=intake.id, at=utc_now(), user_id=actor.user_id,
                                 actor=actor.name[:254], field=field, old_value=old,
                                 new_value=new))
    _audit(session, actor, "change", intake.id, field)
    review = _review(session, intake)
    review.reviewed_at = review.reviewed_at or utc_now()


def correct(session: so.Session, intake: Intake, actor: Actor, field: str, value) -> bool:
    """Staff correct one field of the record; commits. True when it changed.

    Fields: client_type, appointment_type, contact.name|phone|email, preferred_times,
    conditions.<row id>.id|status|body_part|side. ValueError for a value not allowed."""
    value = value.strip() if isinstance(value, str) else value
    value = None if value == "" else value
    if field == "client_type":
        _allowed(field, value, vocabulary.CLIENT_TYPES)
        old, intake.client_type = intake.client_type, value
    elif field == "appointment_type":
        if value is not None:
            from bot.catalogue import load_catalogue

            _allowed(field, value, [t.id for t in load_catalogue()])
        request = intake.appointment_request
        old = request.appointment_type if request else None
        if request is None and value is not None:
            request = intake.appointment_request = AppointmentRequest()
        if request is not None:
            request.appointment_type = value
    elif field == "preferred_times":
        request = intake.appointment_request
        old = request.preferred_times if request else None
        if request is None and value is not None:
            request = intake.appointment_request = AppointmentRequest()
        if request is not None:
            request.preferred_times = value
    elif field in CONTACT_FIELDS:
        key = field.split(".", 1)[1]
        if key == "phone" and value is not None:
            from bot.sms.numbers import e164

            value = e164(value) or _fail("contact.phone must be a phone number")
        if key == "email" and value is not None:
            value = normalise_email(value)
        if value is not None and len(value) > 200:
            raise ValueError(f"{field} is too long")
        contact = intake.contact
        old = getattr(contact, key) if contact else None
        if contact is None and value is not None:
            contact = intake.contact = Contact()
        if contact is not None:
            setattr(contact, key, value)
    elif field.startswith("conditions."):
        _, row_id, key = (field.split(".") + ["", ""])[:3]
        row = next((c for c in intake.conditions if str(c.id) == row_id), None)
        if row is None or key not in CONDITION_FIELDS:
            raise ValueError("no such condition field")
        allowed = {"id": vocabulary.CONDITION_IDS, "status": vocabulary.STATUSES,
                   "body_part": vocabulary.BODY_REGIONS, "side": vocabulary.SIDES}[key]
        if value is not None or key in ("id", "status"):
            _allowed(field, value, allowed)
        column = "condition" if key == "id" else key
        old = getattr(row, column)
        setattr(row, column, value)
    else:
        raise ValueError("that field cannot be corrected here")
    if old == value:
        session.rollback()
        return False
    _changed(session, intake, actor, field, old, value)
    session.commit()
    return True


def add_condition(session: so.Session, intake: Intake, actor: Actor, condition: str,
                  status: str = "present", body_part: str | None = None,
                  side: str | None = None) -> IntakeCondition:
    """A condition the bot missed; commits."""
    _allowed("condition", condition, vocabulary.CONDITION_IDS)
    _allowed("status", status, vocabulary.STATUSES)
    if body_part:
        _allowed("body_part", body_part, vocabulary.BODY_REGIONS)
    if side:
        _allowed("side", side, vocabulary.SIDES)
    row = IntakeCondition(condition=condition, status=status, body_part=body_part or None,
                          side=side or None, text=None)
    intake.conditions.append(row)
    session.flush()
    _changed(session, intake, actor, f"conditions.{row.id}", None, _condition_value(row))
    session.commit()
    return row


def remove_condition(session: so.Session, intake: Intake, actor: Actor, row_id: int) -> bool:
    """A condition the bot read wrongly; commits. True when it was there."""
    row = next((c for c in intake.conditions if c.id == row_id), None)
    if row is None:
        return False
    old = _condition_value(row)
    intake.conditions.remove(row)
    _changed(session, intake, actor, f"conditions.{row_id}", old, None)
    session.commit()
    return True


def _condition_value(row: IntakeCondition) -> dict:
    return {"id": row.condition, "status": row.status, "body_part": row.body_part,
            "side": row.side}


#: What staff may move an intake to: the contract's statuses, and the clearance coming in.
STATUS_MOVES = ("new", "reviewed", "contacted", "booked", "declined", "clearance_received",
                "needs_followup")


def move_status(session: so.Session, intake: Intake, actor: Actor, status: str,
                booked_for: datetime | None = None) -> None:
    """Staff move an intake on; commits. "booked" needs the appointment's date and time;
    "clearance_received" records the clearance and makes the intake ready to book
    (AFTER_CLEARANCE)."""
    _allowed("status", status, STATUS_MOVES)
    review = _review(session, intake)
    if status == "clearance_received":
        if review.clearance_received_at is None:
            review.clearance_received_at = utc_now()
            _changed(session, intake, actor, "clearance_received", None, True)
        status = AFTER_CLEARANCE if intake.status == "needs_clearance" else intake.status
        if status == "booked":  # already booked: the booking stands as it is
            booked_for = review.booked_for
    if status == "booked":
        _bookable(intake, review)
        if booked_for is None:
            raise ValueError("a booking needs the appointment's date and time")
        booked_for = booked_for.replace(tzinfo=None, second=0, microsecond=0)
        if review.booked_for != booked_for:
            old = review.booked_for.isoformat(timespec="minutes") if review.booked_for else None
            review.booked_for = booked_for
            _changed(session, intake, actor, "booked_for", old,
                     booked_for.isoformat(timespec="minutes"))
    elif review.booked_for is not None and status != intake.status:
        # moved on from a booking (declined, contacted again): the old time no longer holds
        _changed(session, intake, actor, "booked_for",
                 review.booked_for.isoformat(timespec="minutes"), None)
        review.booked_for = None
    if status != intake.status:
        old, intake.status = intake.status, status
        _changed(session, intake, actor, "status", old, status)
    session.commit()


def _bookable(intake: Intake, review) -> None:
    """What the safety screen said still holds at booking time: an emergency is booked only
    after someone acknowledged it (and so followed it up), a client who needs physician
    clearance only once it was received (a staff test booked both without a word)."""
    if intake.safety_outcome == "urgent" and review.acknowledged_at is None:
        raise ValueError("this intake reported an emergency: follow it up and acknowledge it "
                         "before booking")
    if intake.safety_outcome == "clearance_needed" and review.clearance_received_at is None:
        raise ValueError("this client needs a doctor's clearance first: record "
                         "'clearance received' before booking")


def add_note(session: so.Session, intake: Intake, actor: Actor, text: str) -> IntakeNote:
    text = (text or "").strip()
    if not text:
        raise ValueError("the note is empty")
    if len(text) > 4000:
        raise ValueError("a note is at most 4000 characters")
    note = IntakeNote(intake_id=intake.id, at=utc_now(), user_id=actor.user_id,
                      actor=actor.name[:254], text=text)
    session.add(note)
    _audit(session, actor, "note", intake.id, "notes")
    review = _review(session, intake)
    review.reviewed_at = review.reviewed_at or utc_now()
    session.commit()
    return note


def acknowledge(session: so.Session, intake: Intake, actor: Actor) -> bool:
    """Someone has seen the emergency: the banner goes; commits. False when already done."""
    review = _review(session, intake)
    if review.acknowledged_at is not None:
        session.rollback()
        return False
    review.acknowledged_at, review.acknowledged_by = utc_now(), actor.name[:254]
    _audit(session, actor, "acknowledge", intake.id)
    session.commit()
    return True


def _allowed(field: str, value, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"{field}: not one of the allowed values")


def _fail(message: str):
    raise ValueError(message)


# ---- deleting a client's data, and the retention purge ------------------------------------

_EVENTS = sa.table("events", sa.column("id"), sa.column("sender_id"), sa.column("timestamp"))


def delete_client_data(session: so.Session, intake: Intake, actor: Actor,
                       tracker: db.Bind = None, outbox_dir: str | Path | None = None) -> dict:
    """Deletes a client's data: this intake and every other intake of its conversation (with
    their transcripts, mentions, corrections, notes), the conversation's tracker events,
    its queued outbox files and its SMS rows (sender, message ids). The number's SMS
    opt-out stays: it is what keeps the practice from texting someone who said STOP.
    One audit row per intake deleted (kept: it holds no client data). Commits; returns counts.
    """
    conversation_id = intake.conversation_id
    ids = list(session.scalars(sa.select(Intake.id).where(
        Intake.conversation_id == conversation_id)))
    counts = {"intakes": len(ids)}
    counts["events"] = delete_tracker_events([conversation_id], tracker)
    counts["outbox_files"] = delete_outbox_files(conversation_id, outbox_dir)
    session.execute(sa.delete(Intake).where(Intake.id.in_(ids)))
    counts["sms_rows"] = (session.execute(sa.delete(SmsSender).where(
        SmsSender.conversation_id == conversation_id)).rowcount or 0) + (session.execute(
        sa.delete(SmsMessage).where(SmsMessage.conversation_id == conversation_id)).rowcount or 0)
    for intake_id in ids:
        _audit(session, actor, "delete", intake_id)
    session.commit()
    session.expunge_all()
    logger.info("deleted %d intake(s) and %d tracker event(s)", counts["intakes"], counts["events"])
    return counts


def delete_tracker_events(conversation_ids: list[str], tracker: db.Bind = None) -> int:
    """Deletes the conversations' events from Rasa's tracker store (its `events` table);
    0 when that database has no such table (a store of another kind)."""
    if not conversation_ids:
        return 0
    engine = _tracker_engine(tracker)
    if not sa.inspect(engine).has_table("events"):
        return 0
    deleted = 0
    with engine.begin() as connection:
        for chunk in _chunks(conversation_ids, 500):
            deleted += connection.execute(
                sa.delete(_EVENTS).where(_EVENTS.c.sender_id.in_(chunk))).rowcount or 0
    return deleted


def delete_outbox_files(conversation_id: str, outbox_dir: str | Path | None = None) -> int:
    """Deletes queued (and set-aside) outbox files of a conversation."""
    import json

    from bot.storage.outbox import outbox_path

    directory = outbox_path(outbox_dir)
    if not directory.is_dir():
        return 0
    deleted = 0
    for path in list(directory.glob("*.json")) + list(directory.glob("*.json.rejected")):
        try:
            said = json.loads(path.read_text(encoding="utf-8")).get("conversation_id")
        except (OSError, ValueError, AttributeError):
            continue
        if said == conversation_id:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


def purge_older_than(days: int, bind: db.Bind = None, tracker: db.Bind = None,
                     outbox_dir: str | Path | None = None, now: datetime | None = None,
                     dry_run: bool = False) -> dict:
    """The retention purge: intakes created more than `days` days ago (with everything
    hanging off them), tracker conversations whose latest event is that old, outbox files
    and SMS rows that old. Audited as the system, one row per intake. Returns counts."""
    if not isinstance(days, int) or days < 1:
        raise ValueError("--older-than must be a whole number of days, at least 1")
    cutoff = (now or utc_now()) - timedelta(days=days)
    counts = {}
    with db.engine_scope(bind) as engine, so.Session(engine, future=True) as session:
        ids = list(session.scalars(sa.select(Intake.id).where(Intake.created_at < cutoff)))
        counts["intakes"] = len(ids)
        old_senders = sa.select(SmsSender.conversation_id).where(SmsSender.last_seen < cutoff)
        counts["sms_rows"] = session.scalar(sa.select(sa.func.count()).select_from(
            old_senders.subquery())) + session.scalar(sa.select(sa.func.count()).select_from(
            SmsMessage).where(SmsMessage.received_at < cutoff))
        if not dry_run:
            for chunk in _chunks(ids, 500):
                session.execute(sa.delete(Intake).where(Intake.id.in_(chunk)))
            session.execute(sa.delete(SmsSender).where(SmsSender.last_seen < cutoff))
            session.execute(sa.delete(SmsMessage).where(SmsMessage.received_at < cutoff))
            for intake_id in ids:
                _audit(session, SYSTEM, "purge", intake_id)
            if not ids:
                _audit(session, SYSTEM, "purge", None, f"older_than_{days}_days")
            session.commit()
    counts["conversations"], counts["events"] = _purge_tracker(cutoff, tracker, dry_run)
    counts["outbox_files"] = _purge_outbox(cutoff, outbox_dir, dry_run)
    logger.info("purge older than %d days: %s", days, counts)
    return counts


def _purge_tracker(cutoff: datetime, tracker: db.Bind, dry_run: bool) -> tuple[int, int]:
    engine = _tracker_engine(tracker)
    if not sa.inspect(engine).has_table("events"):
        return 0, 0
    with engine.begin() as connection:
        stale = list(connection.execute(
            sa.select(_EVENTS.c.sender_id).group_by(_EVENTS.c.sender_id)
            .having(sa.func.max(_EVENTS.c.timestamp) < cutoff.timestamp())).scalars())
        events = 0
        for chunk in _chunks(stale, 500):
            query = _EVENTS.c.sender_id.in_(chunk)
            events += connection.execute(
                sa.select(sa.func.count()).select_from(_EVENTS).where(query)).scalar() \
                if dry_run else connection.execute(sa.delete(_EVENTS).where(query)).rowcount
    return len(stale), events


def _purge_outbox(cutoff: datetime, outbox_dir, dry_run: bool) -> int:
    from bot.storage.outbox import outbox_path

    directory = outbox_path(outbox_dir)
    if not directory.is_dir():
        return 0
    old = [p for p in list(directory.glob("*.json")) + list(directory.glob("*.json.rejected"))
           if p.stat().st_mtime < cutoff.timestamp()]
    if not dry_run:
        for path in old:
            path.unlink(missing_ok=True)
    return len(old)


def _tracker_engine(tracker: db.Bind) -> sa.engine.Engine:
    """The tracker store's engine: the caller's, or this process's one engine for the URL
    (TRACKER_STORE_URL), reused like the intake database's (bot.storage.db.shared_engine)."""
    if isinstance(tracker, sa.engine.Engine):
        return tracker
    from bot.config import get_settings

    return db.shared_engine(tracker or get_settings().tracker_store_url)


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


# ---- corrections teach the measure; the dashboard -----------------------------------------

#: Corrected fields that change what `evaluate` measures: the kind, the conditions.
LABEL_FIELDS = ("client_type", "conditions.")


def corrected_intake_ids(session: so.Session) -> list[int]:
    """Intakes whose client type or conditions staff corrected, oldest first."""
    query = sa.select(IntakeCorrection.intake_id).where(sa.or_(
        IntakeCorrection.field == "client_type", IntakeCorrection.field.like("conditions.%"))
    ).distinct()
    return sorted(session.scalars(query))


def labelled_example(intake: Intake, mentions: list[IntakeMention]) -> dict:
    """A staff-corrected intake as a labelled example for `python -m bot evaluate --file`
    (the shape of tests/nlu/eval.jsonl): the client's messages the bot read something in
    (all of them when it read nothing), with the record's kind, conditions, regions, goals
    as staff left them."""
    client = {m.position: m.text for m in intake.transcript if m.sender == "client"}
    read = sorted({m.message for m in mentions if m.message in client})
    texts = [client[p] for p in read] or [t for t in client.values() if t.strip()]
    conditions = [{"id": c.condition, "status": c.status, "body_part": c.body_part,
                   "side": c.side} for c in intake.conditions]
    return {"id": f"intake-{intake.id}", "text": "\n".join(texts),
            "expected_type": intake.client_type, "conditions": conditions,
            "body_parts": sorted({c["body_part"] for c in conditions
                                  if c["body_part"] and c["status"] == "present"}),
            "goals": [g.goal for g in intake.goals], "severity": intake.severity,
            "notes": "staff-corrected intake"}


def weekly_figures(session: so.Session, weeks: int = 12, now: datetime | None = None) -> list[dict]:
    """Per week (Monday, UTC), oldest first: intakes by client type, how many staff reviewed
    (acted on) and how many of those they agreed with (changed neither kind nor conditions)."""
    now = now or utc_now()
    monday = (now - timedelta(days=now.weekday())).date()
    first = monday - timedelta(weeks=weeks - 1)
    start = datetime.combine(first, time.min, tzinfo=timezone.utc)
    rows = session.execute(sa.select(Intake.id, Intake.created_at, Intake.client_type,
                                     IntakeReview.reviewed_at)
                           .outerjoin(IntakeReview, IntakeReview.intake_id == Intake.id)
                           .where(Intake.created_at >= start)).all()
    corrected = set(corrected_intake_ids(session))
    figures = {first + timedelta(weeks=i): {"types": Counter(), "reviewed": 0, "agreed": 0}
               for i in range(weeks)}
    for intake_id, created_at, client_type, reviewed_at in rows:
        day = created_at.date()
        week = figures.get(day - timedelta(days=day.weekday()))
        if week is None:
            continue
        week["types"][client_type] += 1
        if reviewed_at is not None or intake_id in corrected:
            week["reviewed"] += 1
            week["agreed"] += intake_id not in corrected
    return [{"week": week, "by_type": {t: data["types"].get(t, 0) for t in vocabulary.CLIENT_TYPES},
             "total": sum(data["types"].values()), "reviewed": data["reviewed"],
             "agreed": data["agreed"],
             "agreement": data["agreed"] / data["reviewed"] if data["reviewed"] else None}
            for week, data in figures.items()]

