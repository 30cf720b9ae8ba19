"""What the SMS channel keeps: opt-outs, the MessageSids it has handled, and which number a
conversation belongs to.

Each function takes the intake database as a URL, an engine or None (DATABASE_URL), like
bot.storage.outbox, and is one transaction. Numbers are kept only here, in the database
that already holds the intakes' contact data; nothing here logs a number or a message.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.storage import db
from bot.storage.models import SmsMessage, SmsOptOut, SmsSender, utc_now

logger = logging.getLogger(__name__)


# ---- opt-outs -------------------------------------------------------------------------------

def record_opt_out(phone: str, bind: db.Bind = None) -> None:
    """The number texted STOP (or another opt-out word): nothing more is sent to it."""
    _set_opt_out(phone, True, bind)


def record_opt_in(phone: str, bind: db.Bind = None) -> None:
    """The number texted START or UNSTOP: it may be answered again."""
    _set_opt_out(phone, False, bind)


def is_opted_out(phone: str, bind: db.Bind = None) -> bool:
    with db.engine_scope(bind) as engine, so.Session(engine, future=True) as session:
        row = session.get(SmsOptOut, phone)
        return bool(row and row.opted_out)


def _set_opt_out(phone: str, opted_out: bool, bind: db.Bind) -> None:
    with db.engine_scope(bind) as engine, so.Session(engine, future=True) as session:
        row = session.get(SmsOptOut, phone)
        if row is None:
            session.add(SmsOptOut(phone=phone, opted_out=opted_out, changed_at=utc_now()))
        else:
            row.opted_out, row.changed_at = opted_out, utc_now()
        try:
            session.commit()
        except sa.exc.IntegrityError:  # another server recorded the same number just now
            session.rollback()
            row = session.get(SmsOptOut, phone)
            row.opted_out, row.changed_at = opted_out, utc_now()
            session.commit()
    logger.info("SMS opt-%s recorded", "out" if opted_out else "in")


# ---- messages: de-duplication and throttle --------------------------------------------------

def claim_message_sid(message_sid: str, conversation_id: str, bind: db.Bind = None,
                      received_at: datetime | None = None) -> bool:
    """True the first time a MessageSid is seen, False for a retry of it: the primary key
    decides, so two Rasa servers given the same message cannot both take it."""
    with db.engine_scope(bind) as engine, so.Session(engine, future=True) as session:
        session.add(SmsMessage(message_sid=message_sid, conversation_id=conversation_id,
                               received_at=received_at or utc_now()))
        try:
            session.commit()
        except sa.exc.IntegrityError:
            session.rollback()
            return False
    return True


def set_message_outcome(message_sid: str, outcome: str, bind: db.Bind = None) -> None:
    """What the channel did with a claimed message (see SmsMessage.outcome)."""
    with db.engine_scope(bind) as engine, so.Session(engine, future=True) as session:
        session.execute(sa.update(SmsMessage).where(SmsMessage.message_sid == message_sid)
                        .values(outcome=outcome))
        session.commit()


def recent_message_count(conversation_id: str, seconds: float = 60, bind: db.Bind = None,
                         now: datetime | None = None) -> int:
    """How many messages the conversation sent in the last `seconds` (this one included)."""
    since = (now or utc_now()) - timedelta(seconds=seconds)
    query = sa.select(sa.func.count()).select_from(SmsMessage).where(
        SmsMessage.conversation_id == conversation_id, SmsMessage.received_at >= since)
    with db.engine_scope(bind) as engine, so.Session(engine, future=True) as session:
        return session.scalar(query) or 0


def throttle_notice_sent(conversation_id: str, seconds: float = 60, bind: db.Bind = None,
                         now: datetime | None = None) -> bool:
    """True when the conversation was told it is throttled in the last `seconds`."""
    since = (now or utc_now()) - timedelta(seconds=seconds)
    query = sa.select(SmsMessage.message_sid).where(
        SmsMessage.conversation_id == conversation_id, SmsMessage.received_at >= since,
        SmsMessage.outcome == "throttle_notice").limit(1)
    with db.engine_scope(bind) as engine, so.Session(engine, future=True) as session:
        return session.scalars(query).first() is not None


def forget_messages_before(moment: datetime, bind: db.Bind = None) -> int:
    """Deletes message ids older than `moment` (Twilio retries within minutes); returns how
    many."""
    with db.engine_scope(bind) as engine, so.Session(engine, future=True) as session:
        result = session.execute(sa.delete(SmsMessage).where(SmsMessage.received_at < moment))
        session.commit()
        return result.rowcount or 0


# ---- whose conversation ---------------------------------------------------------------------

def remember_sms_sender(conversation_id: str, phone: str, bind: db.Bind = None) -> bool:
    """Keeps the number of an SMS conversation; True when the conversation is new."""
    with db.engine_scope(bind) as engine, so.Session(engine, future=True) as session:
        row = session.get(SmsSender, conversation_id)
        now = utc_now()
        if row is not None:
            row.phone, row.last_seen = phone, now
            session.commit()
            return False
        session.add(SmsSender(conversation_id=conversation_id, phone=phone, first_seen=now,
                              last_seen=now))
        try:
            session.commit()
        except sa.exc.IntegrityError:  # the same number on another server at the same moment
            session.rollback()
            return False
        return True


def sms_sender_for(conversation_id: str, bind: db.Bind = None) -> str | None:
    """The E.164 number of an SMS conversation, or None."""
    with db.engine_scope(bind) as engine, so.Session(engine, future=True) as session:
        row = session.get(SmsSender, conversation_id)
        return row.phone if row else None


def sms_number_on_file(conversation_id: str, channel: str | None,
                       bind: db.Bind = None) -> str | None:
    """For the actions: the number an SMS conversation texts from, or None (not SMS, not
    known, or the database unavailable, which is logged and never stops the conversation)."""
    if channel != "sms" or not conversation_id:
        return None
    try:
        return sms_sender_for(conversation_id, bind)
    except sa.exc.SQLAlchemyError as error:
        logger.warning("SMS number lookup failed (%s)", type(error).__name__)
        return None
