"""Tables of the intake database (the schema itself is made by bot/migrations).

An intake is one conversation's outcome, with its conditions, goals, appointment request,
contact details and transcript in child tables so staff queries stay simple.
"""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
import sqlalchemy.orm as so

# Where an intake came from, where it stands in the staff workflow and what the safety screen
# decided: each has one home (bot.vocabulary, bot.safety.result).
from bot.safety.result import OUTCOMES as SAFETY_OUTCOMES  # noqa: F401 (used here and re-exported)
from bot.vocabulary import CHANNELS, INTAKE_STATUSES  # noqa: F401

#: Who said a transcript line.
SENDERS = ("client", "bot")

# Deterministic constraint names, so migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base = so.declarative_base(metadata=sa.MetaData(naming_convention=NAMING_CONVENTION))


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(sa.types.TypeDecorator):
    """A moment stored as UTC and always read back tz-aware, even from SQLite (which keeps
    no zone); a naive value is taken to be UTC already."""

    impl = sa.DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def _child_of_intake(*, index: bool = True):
    """The foreign key every child table has; deleting an intake deletes its children.

    index=False where a unique constraint starting with intake_id already indexes it.
    """
    return sa.Column(
        sa.Integer, sa.ForeignKey("intakes.id", ondelete="CASCADE"), nullable=False, index=index
    )


class Intake(Base):
    """One intake conversation's outcome.

    conversation_id: the Rasa sender id (a phone number's conversation on SMS), so one
        conversation may hold several intakes over time.
    intake_key: unique per submitted intake (conversation id and the moment the client
        confirmed), so a re-sent intake is stored only once.
    status: staff workflow state, one of INTAKE_STATUSES.
    confidence: the classifier's confidence in client_type, 0..1.
    reasons: human-readable evidence for client_type (list of str).
    red_flags: what stops an immediate booking (urgent care or clearance first).
    cautions: what only needs the therapist's review (blood thinners, pregnancy, ...).
    severity: the client's own 0-10 rating, when given.
    duration: how long it has been going on, in the client's words ("3 weeks").
    details: anything else extracted (aggravators, surgery, radiation...), as a JSON object.
    """

    __tablename__ = "intakes"

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(sa.String(255), nullable=False, index=True)
    intake_key = sa.Column(sa.String(320), nullable=False, unique=True)
    channel = sa.Column(sa.String(16), nullable=False)
    created_at = sa.Column(UTCDateTime(), nullable=False, index=True, default=utc_now)
    status = sa.Column(sa.String(32), nullable=False, index=True, default="new")
    client_type = sa.Column(sa.String(16), nullable=False)
    confidence = sa.Column(sa.Float, nullable=True)
    reasons = sa.Column(sa.JSON, nullable=False, default=list)
    safety_outcome = sa.Column(sa.String(32), nullable=False)
    red_flags = sa.Column(sa.JSON, nullable=False, default=list)
    cautions = sa.Column(sa.JSON, nullable=False, default=list)
    severity = sa.Column(sa.Integer, nullable=True)
    duration = sa.Column(sa.Text, nullable=True)
    details = sa.Column(sa.JSON, nullable=False, default=dict)

    # selectin: an intake's children come with it, so it can be exported after its session.
    conditions = so.relationship(
        "IntakeCondition", back_populates="intake", cascade="all, delete-orphan",
        order_by="IntakeCondition.id", lazy="selectin",
    )
    goals = so.relationship(
        "IntakeGoal", back_populates="intake", cascade="all, delete-orphan",
        order_by="IntakeGoal.id", lazy="selectin",
    )
    appointment_request = so.relationship(
        "AppointmentRequest", back_populates="intake", cascade="all, delete-orphan",
        uselist=False, lazy="selectin",
    )
    contact = so.relationship(
        "Contact", back_populates="intake", cascade="all, delete-orphan",
        uselist=False, lazy="selectin",
    )
    transcript = so.relationship(
        "TranscriptMessage", back_populates="intake", cascade="all, delete-orphan",
        order_by="TranscriptMessage.position", lazy="selectin",
    )

    def __repr__(self) -> str:  # no health or contact details, it may end up in a log
        return f"<Intake {self.id} {self.status}>"


class IntakeCondition(Base):
    """A condition the client mentioned.

    condition: canonical condition id (bot.vocabulary.CONDITION_IDS).
    text: the client's own words it was recognised from.
    status: assertion status - present, negated, historical, family or hypothetical.
    body_part, side: canonical body region and left/right/both, when known.
    """

    __tablename__ = "intake_conditions"

    id = sa.Column(sa.Integer, primary_key=True)
    intake_id = _child_of_intake()
    condition = sa.Column(sa.String(64), nullable=False)
    text = sa.Column(sa.Text, nullable=True)
    status = sa.Column(sa.String(16), nullable=False)
    body_part = sa.Column(sa.String(32), nullable=True)
    side = sa.Column(sa.String(8), nullable=True)

    intake = so.relationship("Intake", back_populates="conditions")


class IntakeGoal(Base):
    """A goal the client hopes for (canonical goal id)."""

    __tablename__ = "intake_goals"
    __table_args__ = (sa.UniqueConstraint("intake_id", "goal"),)

    id = sa.Column(sa.Integer, primary_key=True)
    intake_id = _child_of_intake(index=False)
    goal = sa.Column(sa.String(64), nullable=False)

    intake = so.relationship("Intake", back_populates="goals")


class AppointmentRequest(Base):
    """What the client asked to book; at most one per intake.

    appointment_type: an id from data/appointment_types.yml.
    preferred_times: the client's availability in their words ("weekday evenings").
    referral: True/False when they said whether a clinician referred them, else NULL.
    insurance: insurer, HSA, "self pay"... as they said it.
    """

    __tablename__ = "appointment_requests"

    id = sa.Column(sa.Integer, primary_key=True)
    intake_id = sa.Column(
        sa.Integer, sa.ForeignKey("intakes.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    appointment_type = sa.Column(sa.String(64), nullable=True)
    preferred_times = sa.Column(sa.Text, nullable=True)
    referral = sa.Column(sa.Boolean, nullable=True)
    insurance = sa.Column(sa.Text, nullable=True)

    intake = so.relationship("Intake", back_populates="appointment_request")


class Contact(Base):
    """How to reach the client; at most one per intake. Never log these columns."""

    __tablename__ = "contacts"

    id = sa.Column(sa.Integer, primary_key=True)
    intake_id = sa.Column(
        sa.Integer, sa.ForeignKey("intakes.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    name = sa.Column(sa.Text, nullable=True)
    phone = sa.Column(sa.Text, nullable=True)
    email = sa.Column(sa.Text, nullable=True)

    intake = so.relationship("Intake", back_populates="contact")


class TranscriptMessage(Base):
    """One line of the conversation.

    position: 0-based order within the intake's transcript.
    sender: "client" or "bot".
    at: when it was said (UTC), when known.
    """

    __tablename__ = "transcript_messages"
    __table_args__ = (sa.UniqueConstraint("intake_id", "position"),)

    id = sa.Column(sa.Integer, primary_key=True)
    intake_id = _child_of_intake(index=False)
    position = sa.Column(sa.Integer, nullable=False)
    sender = sa.Column(sa.String(8), nullable=False)
    text = sa.Column(sa.Text, nullable=False)
    at = sa.Column(UTCDateTime(), nullable=True)

    intake = so.relationship("Intake", back_populates="transcript")


# ---- SMS (bot/storage/sms.py) ----------------------------------------------------------------

class SmsSender(Base):
    """Whose number an SMS conversation is: the tracker only knows the conversation id (a
    keyed hash of the number, bot.sms.numbers), the actions find the number here to fill the
    intake's contact. Never log these columns.

    phone: E.164.
    """

    __tablename__ = "sms_senders"

    conversation_id = sa.Column(sa.String(64), primary_key=True)
    phone = sa.Column(sa.String(32), nullable=False)
    first_seen = sa.Column(UTCDateTime(), nullable=False, default=utc_now)
    last_seen = sa.Column(UTCDateTime(), nullable=False, default=utc_now)


class SmsOptOut(Base):
    """A number's answer to the carrier keywords (STOP ... / START): nothing is sent to it
    while opted_out. Kept by number, so it holds whatever key conversation ids use.

    phone: E.164 (or the raw sender when it is not a phone number).
    """

    __tablename__ = "sms_opt_outs"

    phone = sa.Column(sa.String(32), primary_key=True)
    opted_out = sa.Column(sa.Boolean, nullable=False)
    changed_at = sa.Column(UTCDateTime(), nullable=False, default=utc_now)


class SmsMessage(Base):
    """One SMS webhook Twilio delivered: its MessageSid is claimed once, so a retry gets
    no second turn, and a conversation's recent count throttles a burst. No text, no number.

    outcome: what the channel did with it (turn, keyword, opted_out, throttled,
        throttle_notice, empty, media_only), None while it is being handled.
    """

    __tablename__ = "sms_messages"
    __table_args__ = (sa.Index("ix_sms_messages_conversation_received",
                               "conversation_id", "received_at"),)

    message_sid = sa.Column(sa.String(64), primary_key=True)
    conversation_id = sa.Column(sa.String(64), nullable=False)
    received_at = sa.Column(UTCDateTime(), nullable=False, index=True, default=utc_now)
    outcome = sa.Column(sa.String(16), nullable=True)


# ---- staff review (bot/storage/staff.py, bot/web/staff) --------------------------------------

#: Staff roles: front desk sees contact, booking and the summary; therapists and admins also
#: the transcript and clinical details; admins manage users and delete.
STAFF_ROLES = ("admin", "therapist", "front_desk")
#: Kinds of highlighted mention (IntakeMention.kind), in the legend's order.
MENTION_KINDS = ("condition", "body_region", "side", "severity", "duration", "goal",
                 "red_flag", "caution")
#: What an audit row says happened (AuditEvent.action).
AUDIT_ACTIONS = ("view", "list", "change", "note", "export", "delete", "purge", "login",
                 "login_failed", "login_throttled", "logout", "timeout", "acknowledge",
                 "user_add", "user_change")


class StaffUser(Base):
    """A staff account; made by `python -m bot staff add-user` or an admin, never by default.

    password_hash: argon2id (argon2-cffi), with its parameters and salt.
    session_token: part of the id a signed-in browser holds: a new one (a password reset,
        deactivation) signs out every session of the account.
    """

    __tablename__ = "staff_users"

    id = sa.Column(sa.Integer, primary_key=True)
    email = sa.Column(sa.String(254), nullable=False, unique=True)
    password_hash = sa.Column(sa.Text, nullable=False)
    role = sa.Column(sa.String(16), nullable=False)
    active = sa.Column(sa.Boolean, nullable=False, default=True)
    session_token = sa.Column(sa.String(64), nullable=False)
    created_at = sa.Column(UTCDateTime(), nullable=False, default=utc_now)
    last_login_at = sa.Column(UTCDateTime(), nullable=True)

    def __repr__(self) -> str:
        return f"<StaffUser {self.id} {self.role}>"


class LoginAttempt(Base):
    """One sign-in attempt, for the throttle (counted in the database, so every web worker
    sees the same count). email: as typed, lowercased; ip: the request's address."""

    __tablename__ = "staff_login_attempts"
    __table_args__ = (sa.Index("ix_staff_login_attempts_email_at", "email", "at"),
                      sa.Index("ix_staff_login_attempts_ip_at", "ip", "at"))

    id = sa.Column(sa.Integer, primary_key=True)
    at = sa.Column(UTCDateTime(), nullable=False, default=utc_now)
    email = sa.Column(sa.String(254), nullable=False)
    ip = sa.Column(sa.String(64), nullable=False)
    succeeded = sa.Column(sa.Boolean, nullable=False)


class AuditEvent(Base):
    """Who did what to which record, and when; never a value (changed values are kept in
    intake_corrections). Kept when the intake is deleted or purged: no foreign key.

    actor: the staff user's email at the time, or "system"/"cli" for commands.
    intake_id: the record, when the action is about one.
    field: which field changed or was exported ("client_type", "conditions.3.side", ...).
    subject_user_id: the staff account an admin changed (user_add, user_change).
    """

    __tablename__ = "audit_events"

    id = sa.Column(sa.Integer, primary_key=True)
    at = sa.Column(UTCDateTime(), nullable=False, index=True, default=utc_now)
    user_id = sa.Column(sa.Integer, nullable=True)
    actor = sa.Column(sa.String(254), nullable=False)
    action = sa.Column(sa.String(32), nullable=False)
    intake_id = sa.Column(sa.Integer, nullable=True, index=True)
    field = sa.Column(sa.String(64), nullable=True)
    subject_user_id = sa.Column(sa.Integer, nullable=True)
    ip = sa.Column(sa.String(64), nullable=True)


class IntakeCorrection(Base):
    """A value staff changed: the old and the new value (health or contact details: never
    log these columns). The first correction of a field holds what the bot had understood.

    field: "client_type", "appointment_type", "contact.phone", "conditions.<row id>.status",
        "conditions.<row id>" (added or removed), "status", "booked_for", "clearance" ...
    """

    __tablename__ = "intake_corrections"

    id = sa.Column(sa.Integer, primary_key=True)
    intake_id = _child_of_intake()
    at = sa.Column(UTCDateTime(), nullable=False, default=utc_now)
    user_id = sa.Column(sa.Integer, nullable=True)
    actor = sa.Column(sa.String(254), nullable=False)
    field = sa.Column(sa.String(64), nullable=False)
    old_value = sa.Column(sa.JSON, nullable=True)
    new_value = sa.Column(sa.JSON, nullable=True)


class IntakeNote(Base):
    """A staff note on an intake (may hold client details: never log it)."""

    __tablename__ = "intake_notes"

    id = sa.Column(sa.Integer, primary_key=True)
    intake_id = _child_of_intake()
    at = sa.Column(UTCDateTime(), nullable=False, default=utc_now)
    user_id = sa.Column(sa.Integer, nullable=True)
    actor = sa.Column(sa.String(254), nullable=False)
    text = sa.Column(sa.Text, nullable=False)


class IntakeReview(Base):
    """Where staff stand with an intake beyond its status; at most one per intake.

    booked_for: the appointment's date and time as staff entered it (the practice's local
        time, no zone), when the status is booked.
    clearance_received_at: when staff recorded the physician's clearance.
    acknowledged_at, acknowledged_by: who acknowledged an emergency (ends the banner).
    reviewed_at: the first staff action on it (a change, a status, a note): the dashboard's
        "reviewed".
    """

    __tablename__ = "intake_reviews"

    intake_id = sa.Column(sa.Integer, sa.ForeignKey("intakes.id", ondelete="CASCADE"),
                          primary_key=True)
    booked_for = sa.Column(sa.DateTime(timezone=False), nullable=True)
    clearance_received_at = sa.Column(UTCDateTime(), nullable=True)
    acknowledged_at = sa.Column(UTCDateTime(), nullable=True)
    acknowledged_by = sa.Column(sa.String(254), nullable=True)
    reviewed_at = sa.Column(UTCDateTime(), nullable=True)


class IntakeMention(Base):
    """One thing the bot read in the client's words: which transcript message, where in its
    text, what kind, which canonical id and assertion status (from details.sources, written
    by save_intake). What the bot read, not what staff corrected.

    message: the transcript message's position (TranscriptMessage.position).
    start, end: character offsets into that message's text.
    kind: one of MENTION_KINDS.
    value: canonical id (condition, region, side, goal, flag), the 0-10 rating, or NULL.
    status: present, negated, historical, family or hypothetical.
    """

    __tablename__ = "intake_mentions"
    __table_args__ = (sa.Index("ix_intake_mentions_intake_message", "intake_id", "message"),)

    id = sa.Column(sa.Integer, primary_key=True)
    intake_id = _child_of_intake(index=False)
    message = sa.Column(sa.Integer, nullable=False)
    start = sa.Column(sa.Integer, nullable=False)
    end = sa.Column(sa.Integer, nullable=False)
    kind = sa.Column(sa.String(16), nullable=False)
    value = sa.Column(sa.String(64), nullable=True)
    status = sa.Column(sa.String(16), nullable=False, default="present")

    # Intake.mentions, declared here so the intake's own class stays as it was; written with
    # the intake by save_intake, read by the staff pages (bot.storage.staff.mentions_of).
    intake = so.relationship("Intake", backref=so.backref(
        "mentions", cascade="all, delete-orphan", passive_deletes=True,
        order_by="IntakeMention.id"))
